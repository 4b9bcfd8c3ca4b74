"""Mackey-Glass delay differential equation, integrated with RK4 and a history buffer.

The chaotic regime (τ=17) is the reservoir benchmark of Srinivasan, Plenz & Girvan 2025.
"""

from __future__ import annotations

import math

import numpy as np

from ..validation import check_int, check_positive, check_range, check_seed
from .integrate import _check_output_options, _postprocess

__all__ = ["mackey_glass"]


def _hermite_weights(theta):
    """Cubic Hermite basis (h00, h10, h01, h11) at the fraction ``theta`` of an interval."""
    t2, t3 = theta * theta, theta * theta * theta
    return 2 * t3 - 3 * t2 + 1, t3 - 2 * t2 + theta, -2 * t3 + 3 * t2, t3 - t2


def _mackey_glass_rk4(n_grid, h, tau, beta, gamma, power, x0):
    """RK4 on the grid t_i = i h (i < n_grid) with constant history x(t) = x0 for t <= 0."""
    q = tau / h
    stages = []  # per RK stage offset c in (0, 1/2, 1): (index offset, Hermite weights or None)
    for c in (0.0, 0.5, 1.0):
        pos = c - q
        j = math.floor(pos + 1e-9)
        theta = pos - j
        stages.append((j, None if abs(theta) < 1e-9 else _hermite_weights(theta)))
    xs = [0.0] * n_grid   # x(t_i)
    fs = [0.0] * n_grid   # dx/dt(t_i)

    def delayed(i, stage):
        j, w = stages[stage]
        k = i + j
        if w is None:
            return x0 if k <= 0 else xs[k]
        if k < 0:  # the whole interval lies in the (constant) history
            return x0
        h00, h10, h01, h11 = w
        return h00 * xs[k] + h10 * h * fs[k] + h01 * xs[k + 1] + h11 * h * fs[k + 1]

    def rate(x, xd):
        return beta * xd / (1.0 + xd ** power) - gamma * x

    x = float(x0)
    for i in range(n_grid):
        xs[i] = x
        d0 = delayed(i, 0)
        k1 = rate(x, d0)
        fs[i] = k1
        if i == n_grid - 1:
            break
        dm = delayed(i, 1)
        k2 = rate(x + 0.5 * h * k1, dm)
        k3 = rate(x + 0.5 * h * k2, dm)
        k4 = rate(x + h * k3, delayed(i, 2))
        x = x + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        if not math.isfinite(x):
            raise ValueError(f"Mackey-Glass integration diverged at t={i * h:.6g}; "
                             f"reduce h or check the parameters")
    return np.asarray(xs)


def mackey_glass(n_steps: int, dt: float = 1.0, tau: float = 17.0, *, beta: float = 0.2,
                 gamma: float = 0.1, n: float = 10.0, x0: float | None = None, h: float = 0.1,
                 transient: int = 1000, zscore: bool = False, noise: float = 0.0,
                 seed: int | np.random.Generator | None = None) -> np.ndarray:
    """Mackey-Glass time series from its delay differential equation.

    Parameters
    ----------
    n_steps : int, >= 1
        Number of samples.
    dt : float, > 0
        Sampling interval; must be an integer multiple of ``h``.
    tau : float, >= h
        Delay (17: the chaotic regime used for reservoir benchmarks).
    beta, gamma : float, > 0
        Production and decay rates (0.2, 0.1).
    n : float, > 0
        Hill exponent (10).
    x0 : float, > 0, optional
        Constant history ``x(t) = x0`` for ``t <= 0``. Default 1.2, or drawn uniformly from
        [0.5, 1.5] when a seed is given.
    h : float, > 0
        Internal RK4 step. Choose ``tau / h`` integer (the default 0.1 does for τ = 17) so the
        derivative jumps propagated from t = 0 fall on the grid and RK4 keeps order 4.
    transient : int, >= 0
        Samples (of spacing dt) discarded before recording.
    zscore : bool
        Standardise to mean 0, std 1 (off by default: the benchmark uses raw values).
    noise : float, >= 0
        Std of additive Gaussian observation noise relative to the series' std.
    seed : int, numpy.random.Generator or None
        Randomness of ``x0`` (when not given) and of the noise.

    Returns
    -------
    numpy.ndarray, shape (n_steps, 1)

    Notes
    -----
    Mackey & Glass (1977), the benchmark of Srinivasan, Plenz & Girvan 2025:

    .. math:: \\dot x(t) = \\frac{\\beta\\, x(t-\\tau)}{1 + x(t-\\tau)^n} - \\gamma\\, x(t).

    Method: classical RK4 with step h. The delayed value needed at the stages
    :math:`t_i + c h`, :math:`c \\in \\{0, 1/2, 1\\}`, is read from a history buffer of the
    computed :math:`x_i` and :math:`\\dot x_i`; off-grid values use cubic Hermite
    interpolation (error :math:`O(h^4)`, consistent with RK4), values at :math:`t \\le 0`
    the constant history. Samples are taken every ``dt / h`` steps.
    """
    n_steps = check_int(n_steps, "n_steps", 1)
    check_positive(dt, "dt")
    check_positive(h, "h")
    check_range(tau, "tau", h, None)
    check_positive(beta, "beta")
    check_positive(gamma, "gamma")
    check_positive(n, "n")
    transient = check_int(transient, "transient", 0)
    zscore, noise = _check_output_options(zscore, noise)
    ratio = dt / h
    if abs(ratio - round(ratio)) > 1e-9 * max(1.0, ratio):
        raise ValueError(f"dt must be an integer multiple of h={h}, got dt={dt}")
    sub = int(round(ratio))
    rng = check_seed(seed)
    if x0 is None:
        x0 = 1.2 if seed is None else float(rng.uniform(0.5, 1.5))
    else:
        check_positive(x0, "x0")
    n_grid = (transient + n_steps - 1) * sub + 1
    xs = _mackey_glass_rk4(n_grid, float(h), float(tau), float(beta), float(gamma), float(n),
                           float(x0))
    series = xs[transient * sub::sub][:, None]
    return _postprocess(series, zscore, noise, rng)
