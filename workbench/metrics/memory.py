r"""Short-term memory capacity (Jaeger 2001) of any reservoir's states, on a held-out split."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..readout import RidgeReadout
from ..validation import check_array, check_int, check_range

__all__ = ["MemoryCapacity", "memory_capacity"]


@dataclass(frozen=True)
class MemoryCapacity:
    """Result of :func:`memory_capacity`.

    Attributes
    ----------
    total : float
        :math:`MC = \\sum_k MC_k`.
    per_delay : ndarray
        :math:`MC_k` for each delay.
    delays : ndarray
        The delays k.
    """

    total: float
    per_delay: np.ndarray
    delays: np.ndarray


def memory_capacity(inputs: ArrayLike, states: ArrayLike, k_max: int, *, k_min: int = 1,
                    washout: int = 0, train_fraction: float = 0.8, alpha: float | None = None,
                    alphas: ArrayLike | None = None,
                    validation_fraction: float = 0.2) -> MemoryCapacity:
    r"""Short-term memory capacity (Jaeger 2001/2002) of any reservoir's states.

    Parameters
    ----------
    inputs : array_like of shape (T,) or (T, 1)
        Scalar input :math:`u(t)` that drove the reservoir (i.i.d. noise for the MC task).
    states : array_like of shape (T, n)
        Reservoir states :math:`x(t)`, row t after the reservoir received :math:`u(t)`;
        from any model or library.
    k_max : int
        Largest delay (>= ``k_min``); rule of thumb :math:`k_{max} \ge 2n`.
    k_min : int, default 1
        Smallest delay (Jaeger and reservoirpy start at 1; use 0 to count :math:`u(t)`).
    washout : int, default 0
        Initial steps discarded (>= 0). Rows start at ``max(washout, k_max)`` so every
        delayed target exists.
    train_fraction : float, default 0.8
        Leading fraction of rows used to train the readouts; the rest is the held-out
        test part on which :math:`MC_k` is scored.
    alpha : float, optional
        Fixed ridge penalty (> 0).
    alphas : array_like, optional
        Penalty grid (default ``np.logspace(-8, 2, 11)``); one penalty per delay is
        chosen on the last ``validation_fraction`` of the training part (never on the
        test part), then the readout is refitted on the whole training part.
    validation_fraction : float, default 0.2
        Fraction of the training rows used for validation, in (0, 1).

    Returns
    -------
    MemoryCapacity
        ``total``, ``per_delay`` and ``delays``.

    Notes
    -----
    For each delay k a ridge readout :math:`y_k(t) = w_k^\top x(t) + b_k` is trained to
    reproduce :math:`u(t-k)` (all delays solved at once by :class:`RidgeReadout`); then

    .. math::

        MC_k = \frac{\mathrm{cov}^2\big(u(t-k), y_k(t)\big)}{\mathrm{var}(u(t-k))\,
        \mathrm{var}(y_k(t))},\qquad MC = \sum_{k=k_{min}}^{k_{max}} MC_k \le n

    on the test part (Jaeger 2001, GMD Report 152). A delay line whose states are
    :math:`u(t-1), \dots, u(t-n)` has :math:`MC = n`.
    """
    u = check_array(inputs, "inputs", ndim=(1, 2))
    if u.ndim == 2:
        if u.shape[1] != 1:
            raise ValueError(f"inputs must be a scalar series of shape (T,) or (T, 1), "
                             f"got {u.shape}")
        u = u[:, 0]
    x = check_array(states, "states", ndim=2)
    if x.shape[0] != u.shape[0]:
        raise ValueError(f"states must have as many rows as inputs ({u.shape[0]}), "
                         f"got {x.shape[0]}")
    k_min = check_int(k_min, "k_min", 0, None)
    k_max = check_int(k_max, "k_max", k_min, None)
    washout = check_int(washout, "washout", 0, None)
    check_range(train_fraction, "train_fraction", 0.0, 1.0, low_inclusive=False,
                high_inclusive=False)
    check_range(validation_fraction, "validation_fraction", 0.0, 1.0,
                low_inclusive=False, high_inclusive=False)
    start = max(washout, k_max)
    rows = u.shape[0] - start
    n_train = int(round(train_fraction * rows))
    if rows < 10 or n_train < 4 or rows - n_train < 3:
        raise ValueError(f"inputs has {u.shape[0]} steps: too few for washout={washout}, "
                         f"k_max={k_max}, train_fraction={train_fraction}")
    delays = np.arange(k_min, k_max + 1)
    t_idx = np.arange(start, u.shape[0])
    targets = u[t_idx[:, None] - delays[None, :]]
    readout = RidgeReadout(alphas, alpha=alpha, cv=float(validation_fraction),
                           alpha_per_target=True)
    readout.fit(x[start:start + n_train], targets[:n_train])
    pred = readout.predict(x[start + n_train:])
    mc = _squared_correlation(targets[n_train:], pred)
    return MemoryCapacity(total=float(mc.sum()), per_delay=mc, delays=delays)


def _squared_correlation(a, b):
    """Column-wise squared Pearson correlation; 0 where either column is constant."""
    ac = a - a.mean(axis=0)
    bc = b - b.mean(axis=0)
    cov = np.einsum("tk,tk->k", ac, bc)
    var = np.einsum("tk,tk->k", ac, ac) * np.einsum("tk,tk->k", bc, bc)
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = np.where(var > 0, cov ** 2 / var, 0.0)
    return r2
