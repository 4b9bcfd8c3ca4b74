"""NARMA-10: a discrete nonlinear recursion driven by i.i.d. uniform input."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..validation import check_array, check_int, check_seed

__all__ = ["narma10"]

#: |y| above this bound means the NARMA-10 recursion diverged (it stays below ~1.5 for
#: u in [0, 0.5]).
_NARMA_BOUND = 100.0


def narma10(n_steps: int, seed: int | np.random.Generator | None = None, *, u: ArrayLike | None = None,
            transient: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """NARMA-10 input and target series.

    Parameters
    ----------
    n_steps : int, >= 1
        Number of samples returned.
    seed : int, numpy.random.Generator or None
        Randomness of the input.
    u : array_like, shape (n_steps + transient,) or (n_steps + transient, 1), optional
        Input sequence; by default drawn i.i.d. from U[0, 0.5] with ``seed``.
    transient : int, >= 0
        Initial samples (starting from y = 0) discarded.

    Returns
    -------
    u : numpy.ndarray, shape (n_steps, 1)
    y : numpy.ndarray, shape (n_steps, 1)
        Aligned so that ``y[t + 1]`` is computed from ``y[t - 9..t]``, ``u[t - 9]`` and
        ``u[t]``: a model that has seen ``u[0..t]`` predicts ``y[t + 1]``.

    Raises
    ------
    ValueError
        Invalid arguments, or a diverging series (``|y| > 100``; a rare event for u in
        [0, 0.5], usual for larger inputs): the message names the step.

    Notes
    -----
    Atiya & Parlos (2000), the benchmark of Srinivasan, Plenz & Girvan 2025:

    .. math:: y(t+1) = 0.3\\,y(t) + 0.05\\,y(t)\\sum_{i=0}^{9} y(t-i) + 1.5\\,u(t-9)\\,u(t) + 0.1

    with :math:`y(t) = 0` for :math:`t \\le 9` and :math:`u(t) \\sim \\mathcal U[0, 0.5]`.
    """
    n_steps = check_int(n_steps, "n_steps", 1)
    transient = check_int(transient, "transient", 0)
    total = n_steps + transient
    inputs: np.ndarray
    if u is None:
        inputs = check_seed(seed).uniform(0.0, 0.5, size=total)
    else:
        arr = check_array(u, "u", ndim=(1, 2))
        if arr.shape not in ((total,), (total, 1)):
            raise ValueError(f"u must have shape ({total},) or ({total}, 1) "
                             f"(n_steps + transient), got {arr.shape}")
        inputs = arr.reshape(total)
    uu = inputs.tolist()
    y = [0.0] * total
    window = 0.0  # sum of y[t-9..t]
    for t in range(9, total - 1):
        window += y[t] - (y[t - 10] if t >= 10 else 0.0)
        nxt = 0.3 * y[t] + 0.05 * y[t] * window + 1.5 * uu[t - 9] * uu[t] + 0.1
        if not abs(nxt) <= _NARMA_BOUND:
            raise ValueError(f"NARMA-10 series diverged at step {t + 1} (|y| > {_NARMA_BOUND:g}); "
                             f"use inputs in [0, 0.5] or another seed")
        y[t + 1] = nxt
    u_out = np.asarray(inputs[transient:], dtype=float)[:, None]
    y_out = np.asarray(y[transient:], dtype=float)[:, None]
    return u_out, y_out
