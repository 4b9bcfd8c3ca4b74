"""Validation at the boundary: one place for the checks every package needs.

Every function raises :class:`ValueError` whose message names the parameter and what is
allowed, so the CLI and the GUI can show it as a one-line message.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "check_array",
    "check_choice",
    "check_int",
    "check_positive",
    "check_probability",
    "check_range",
    "check_seed",
]


def check_array(x, name, *, ndim=None, min_ndim=None, max_ndim=None, shape=None,
                finite=True, dtype=float, min_length=None):
    """Convert ``x`` to a numpy array and check it.

    Parameters
    ----------
    x : array_like
        Value to check.
    name : str
        Parameter name used in error messages.
    ndim : int or tuple of int, optional
        Allowed number(s) of dimensions.
    min_ndim, max_ndim : int, optional
        Bounds on the number of dimensions.
    shape : tuple, optional
        Required shape; ``None`` entries match any length.
    finite : bool, default True
        Reject NaN and infinite values.
    dtype : numpy dtype, default float
        Target dtype (``None`` keeps the input dtype).
    min_length : int, optional
        Minimum length of the first axis.

    Returns
    -------
    numpy.ndarray
    """
    try:
        arr = np.asarray(x, dtype=dtype) if dtype is not None else np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array ({exc})") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must have ndim in {allowed}, got shape {arr.shape}")
    if min_ndim is not None and arr.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimensions, got shape {arr.shape}")
    if max_ndim is not None and arr.ndim > max_ndim:
        raise ValueError(f"{name} must have at most {max_ndim} dimensions, got shape {arr.shape}")
    if shape is not None:
        ok = len(shape) == arr.ndim and all(s is None or s == t for s, t in zip(shape, arr.shape))
        if not ok:
            want = tuple("any" if s is None else s for s in shape)
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if min_length is not None and (arr.ndim == 0 or arr.shape[0] < min_length):
        got = arr.shape[0] if arr.ndim else 0
        raise ValueError(f"{name} must have at least {min_length} rows, got {got}")
    if finite and arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def check_range(value, name, low=None, high=None, *, low_inclusive=True, high_inclusive=True):
    """Check that every element of ``value`` lies in the interval [low, high].

    Open ends are chosen with ``low_inclusive``/``high_inclusive``; ``None`` means unbounded.
    Returns ``value`` unchanged (scalars stay scalars).
    """
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got {value!r}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    lo_ok = True if low is None else np.all(arr >= low if low_inclusive else arr > low)
    hi_ok = True if high is None else np.all(arr <= high if high_inclusive else arr < high)
    if not (lo_ok and hi_ok):
        lb = "(-inf" if low is None else ("[" if low_inclusive else "(") + f"{low}"
        hb = "inf)" if high is None else f"{high}" + ("]" if high_inclusive else ")")
        shown = value if arr.ndim == 0 else f"values in [{arr.min()}, {arr.max()}]"
        raise ValueError(f"{name} must be in {lb}, {hb}, got {shown}")
    return value


def check_positive(value, name, *, strict=True):
    """Check ``value > 0`` (or ``>= 0`` when ``strict`` is False)."""
    return check_range(value, name, 0, None, low_inclusive=not strict)


def check_probability(value, name, *, open_interval=False):
    """Check that ``value`` lies in [0, 1] (or (0, 1) when ``open_interval``)."""
    return check_range(value, name, 0, 1, low_inclusive=not open_interval,
                       high_inclusive=not open_interval)


def check_int(value, name, low=None, high=None):
    """Check that ``value`` is integral (elementwise) and within [low, high].

    Returns an ``int`` for scalars, an integer array otherwise. Floats holding integral
    values (``24.0``) are accepted; ``24.5`` or booleans are not.
    """
    arr = np.asarray(value)
    if arr.dtype.kind == "b" or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must be an integer, got {value!r}")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must be an integer, got {value!r}")
    check_range(arr, name, low, high)
    return int(arr) if arr.ndim == 0 else arr


def check_choice(value, name, choices):
    """Check that ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(map(str, choices))}, got {value!r}")
    return value


def check_seed(seed, name="seed"):
    """Return a :class:`numpy.random.Generator` from ``None``, an int or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        return np.random.default_rng(int(seed))
    raise ValueError(f"{name} must be None, a non-negative integer or a numpy Generator, got {seed!r}")
