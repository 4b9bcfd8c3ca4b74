"""Validation shared by the metrics: reference series finite, generated ones may diverge."""

from __future__ import annotations

import numpy as np

from ..validation import check_array


def _as_2d(x: np.ndarray) -> np.ndarray:
    return x[:, None] if x.ndim == 1 else x


def _pair(true, gen, true_name="true", gen_name="gen", *, same_length=False):
    """Validate a reference series (finite) and a generated one (may be non-finite)."""
    t = _as_2d(check_array(true, true_name, ndim=(1, 2), min_length=2))
    g = _as_2d(check_array(gen, gen_name, ndim=(1, 2), min_length=1, finite=False))
    if g.shape[1] != t.shape[1]:
        raise ValueError(f"{gen_name} must have {t.shape[1]} columns like {true_name}, "
                         f"got shape {g.shape}")
    if same_length and g.shape[0] != t.shape[0]:
        raise ValueError(f"{gen_name} must have the same length as {true_name} "
                         f"({t.shape[0]}), got {g.shape[0]}")
    return t, g

