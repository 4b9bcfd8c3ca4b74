"""Dynamical systems that generate ground-truth data for every package.

Continuous flows (Lorenz-63, Rössler, any user vector field) are integrated with
:func:`scipy.integrate.solve_ivp` (DOP853, rtol 1e-10, atol 1e-12 by default) and sampled on
the grid ``t_k = (transient + k) dt`` through the solver's dense output. The Mackey-Glass delay
differential equation is integrated with a classical RK4 scheme on a fine internal grid and a
history buffer (cubic Hermite interpolation of the delayed state). NARMA-10 is a discrete
recursion driven by i.i.d. uniform input.

Sources: ``research/alrnn.md`` §4 (Lorenz-63 and Rössler settings of the AL-RNN reference
data: σ=10, ρ=28, β=8/3, dt=0.01; a=b=0.2, c=5.7, dt=0.08; z-scored, transient dropped) and
``research/ei_reservoir.md`` §4.2 (Mackey-Glass τ=17, NARMA-10).

All time series are ``(time, features)`` float64 arrays.
"""

from __future__ import annotations

import inspect
import math
from typing import Callable

import numpy as np
from scipy.integrate import solve_ivp

from .validation import (
    check_array,
    check_choice,
    check_int,
    check_positive,
    check_range,
    check_seed,
)

__all__ = [
    "SYSTEMS",
    "integrate",
    "lorenz63",
    "lorenz63_jacobian",
    "lorenz63_rhs",
    "mackey_glass",
    "narma10",
    "rossler",
    "rossler_jacobian",
    "rossler_rhs",
]

#: Methods of :func:`scipy.integrate.solve_ivp` accepted by :func:`integrate`.
_METHODS = ("DOP853", "RK45", "RK23", "Radau", "BDF", "LSODA")

#: Output samples per :func:`solve_ivp` call; the integration restarts from the last sample
#: of each chunk (exactly on the grid), so results do not depend on whether progress is shown.
_CHUNK = 10_000

#: |y| above this bound means the NARMA-10 recursion diverged (it stays below ~1.5 for
#: u in [0, 0.5]).
_NARMA_BOUND = 100.0


# --------------------------------------------------------------------------------------------
# Vector fields and Jacobians
# --------------------------------------------------------------------------------------------
def _lorenz63_field(t, x, sigma, rho, beta):
    u, v, w = x.T
    return np.array([sigma * (v - u), u * (rho - w) - v, u * v - beta * w]).T


def _rossler_field(t, x, a, b, c):
    u, v, w = x.T
    return np.array([-v - w, u + a * v, b + w * (u - c)]).T


def _check_state(x, name="x"):
    arr = check_array(x, name, min_ndim=1)
    if arr.shape[-1] != 3:
        raise ValueError(f"{name} must have 3 components on its last axis, got shape {arr.shape}")
    return arr


def _check_lorenz_params(sigma, rho, beta):
    check_positive(sigma, "sigma")
    check_positive(rho, "rho")
    check_positive(beta, "beta")
    return float(sigma), float(rho), float(beta)


def _check_rossler_params(a, b, c):
    check_range(a, "a")
    check_range(b, "b")
    check_range(c, "c")
    return float(a), float(b), float(c)


def lorenz63_rhs(t, x, sigma=10.0, rho=28.0, beta=8.0 / 3.0):
    """Lorenz-63 vector field.

    Parameters
    ----------
    t : float
        Time (unused: the system is autonomous; kept for the ``f(t, x)`` convention).
    x : array_like, shape (..., 3)
        State(s) ``(x, y, z)``; leading axes are broadcast (a whole trajectory at once).
    sigma, rho, beta : float, > 0
        Prandtl number, Rayleigh ratio and geometric factor.

    Returns
    -------
    numpy.ndarray, shape (..., 3)
        Time derivative at ``x``.

    Notes
    -----
    Lorenz (1963), as used in ``research/alrnn.md`` §4:

    .. math:: \\dot x = \\sigma (y - x),\\quad \\dot y = x(\\rho - z) - y,\\quad
              \\dot z = x y - \\beta z.
    """
    sigma, rho, beta = _check_lorenz_params(sigma, rho, beta)
    return _lorenz63_field(t, _check_state(x), sigma, rho, beta)


def lorenz63_jacobian(x, sigma=10.0, rho=28.0, beta=8.0 / 3.0):
    """Jacobian of the Lorenz-63 vector field (for the QR Lyapunov method).

    Parameters
    ----------
    x : array_like, shape (..., 3)
        State(s) at which to evaluate the Jacobian.
    sigma, rho, beta : float, > 0
        System parameters (see :func:`lorenz63_rhs`).

    Returns
    -------
    numpy.ndarray, shape (..., 3, 3)
        ``J[..., i, j] = ∂f_i/∂x_j``.

    Notes
    -----
    .. math:: J = \\begin{pmatrix} -\\sigma & \\sigma & 0\\\\ \\rho - z & -1 & -x\\\\
              y & x & -\\beta \\end{pmatrix}
    """
    sigma, rho, beta = _check_lorenz_params(sigma, rho, beta)
    x = _check_state(x)
    u, v, w = x[..., 0], x[..., 1], x[..., 2]
    jac = np.zeros(x.shape + (3,))
    jac[..., 0, 0] = -sigma
    jac[..., 0, 1] = sigma
    jac[..., 1, 0] = rho - w
    jac[..., 1, 1] = -1.0
    jac[..., 1, 2] = -u
    jac[..., 2, 0] = v
    jac[..., 2, 1] = u
    jac[..., 2, 2] = -beta
    return jac


def rossler_rhs(t, x, a=0.2, b=0.2, c=5.7):
    """Rössler vector field.

    Parameters
    ----------
    t : float
        Time (unused: the system is autonomous).
    x : array_like, shape (..., 3)
        State(s) ``(x, y, z)``.
    a, b, c : float
        System parameters (finite).

    Returns
    -------
    numpy.ndarray, shape (..., 3)

    Notes
    -----
    Rössler (1976), as used in ``research/alrnn.md`` §4:

    .. math:: \\dot x = -y - z,\\quad \\dot y = x + a y,\\quad \\dot z = b + z (x - c).
    """
    a, b, c = _check_rossler_params(a, b, c)
    return _rossler_field(t, _check_state(x), a, b, c)


def rossler_jacobian(x, a=0.2, b=0.2, c=5.7):
    """Jacobian of the Rössler vector field.

    Parameters
    ----------
    x : array_like, shape (..., 3)
        State(s) at which to evaluate the Jacobian.
    a, b, c : float
        System parameters (see :func:`rossler_rhs`).

    Returns
    -------
    numpy.ndarray, shape (..., 3, 3)

    Notes
    -----
    .. math:: J = \\begin{pmatrix} 0 & -1 & -1\\\\ 1 & a & 0\\\\ z & 0 & x - c \\end{pmatrix}
    """
    a, b, c = _check_rossler_params(a, b, c)
    x = _check_state(x)
    jac = np.zeros(x.shape + (3,))
    jac[..., 0, 1] = -1.0
    jac[..., 0, 2] = -1.0
    jac[..., 1, 0] = 1.0
    jac[..., 1, 1] = a
    jac[..., 2, 0] = x[..., 2]
    jac[..., 2, 2] = x[..., 0] - c
    return jac


# --------------------------------------------------------------------------------------------
# Generic integrator
# --------------------------------------------------------------------------------------------
def _takes_time(f, n_args):
    """True when ``f`` has the ``f(t, x, *args)`` signature, False for ``f(x, *args)``."""
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return True
    params = list(sig.parameters.values())
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return True
    required = [p for p in params
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
    return len(required) != 1 + n_args


def _check_integration(n_steps, dt, transient, rtol, atol, method):
    n_steps = check_int(n_steps, "n_steps", 1)
    check_positive(dt, "dt")
    transient = check_int(transient, "transient", 0)
    check_range(rtol, "rtol", 0, 1, low_inclusive=False, high_inclusive=False)
    check_positive(atol, "atol")
    check_choice(method, "method", _METHODS)
    return n_steps, float(dt), transient


def _solve(field, x0, n_steps, dt, transient, method, rtol, atol, progress):
    """Integrate ``field(t, x)`` from ``x0`` at t = 0; return grid samples from ``transient``."""
    total = transient + n_steps
    out = np.empty((n_steps, x0.size))
    state = x0.astype(float)
    k = 0  # index of the grid point held in `state`
    if transient == 0:
        out[0] = state
    while k < total - 1:
        stop = min(k + _CHUNK, total - 1)
        grid = np.arange(k, stop + 1) * dt
        sol = solve_ivp(field, (grid[0], grid[-1]), state, method=method, t_eval=grid,
                        rtol=rtol, atol=atol)
        if sol.status < 0 or not np.all(np.isfinite(sol.y)):
            raise ValueError(f"integration failed between t={grid[0]:.6g} and t={grid[-1]:.6g} "
                             f"({sol.message}); the trajectory diverges: check x0 and the "
                             f"system parameters")
        ys = sol.y.T
        lo = max(k + 1, transient)
        if stop >= lo:
            out[lo - transient:stop + 1 - transient] = ys[lo - k:]
        state = ys[-1]
        k = stop
        if progress is not None:
            progress(k / max(total - 1, 1), "integrating")
    return out


def integrate(f, x0, n_steps, dt, *, transient=0, args=(), method="DOP853", rtol=1e-10,
              atol=1e-12, progress=None):
    """Integrate a user-supplied vector field and sample it every ``dt``.

    Parameters
    ----------
    f : callable
        Vector field returning an array of the same shape as ``x`` (1-D): ``f(x, *args)`` when
        it has exactly ``1 + len(args)`` required positional parameters, otherwise
        ``f(t, x, *args)`` (also when its signature cannot be inspected).
    x0 : array_like, shape (d,)
        Finite initial state at ``t = 0``.
    n_steps : int, >= 1
        Number of samples returned.
    dt : float, > 0
        Sampling interval.
    transient : int, >= 0
        Number of samples integrated and discarded before the first returned one.
    args : tuple
        Extra positional arguments passed to ``f``.
    method : {"DOP853", "RK45", "RK23", "Radau", "BDF", "LSODA"}
        :func:`scipy.integrate.solve_ivp` method.
    rtol : float in (0, 1)
        Relative tolerance.
    atol : float, > 0
        Absolute tolerance.
    progress : callable, optional
        ``progress(fraction, message)`` called after each block of samples.

    Returns
    -------
    numpy.ndarray, shape (n_steps, d)
        ``X[k] = x(t_k)`` with ``t_k = (transient + k) dt``.

    Raises
    ------
    ValueError
        Invalid arguments, ``f`` returning the wrong shape, or a diverging solution.

    Notes
    -----
    Solves :math:`\\dot x = f(t, x)`, :math:`x(0) = x_0` with an adaptive embedded
    Runge-Kutta pair (Dormand-Prince 8(5,3), Hairer et al. 1993, by default) and evaluates the
    solver's dense output (7th order for DOP853) on the grid :math:`t_k`. The integration is
    carried out in blocks of 10 000 samples, each restarted from the last sample.
    """
    if not callable(f):
        raise ValueError(f"f must be callable, got {type(f).__name__}")
    x0 = check_array(x0, "x0", ndim=1, min_length=1)
    n_steps, dt, transient = _check_integration(n_steps, dt, transient, rtol, atol, method)
    args = tuple(args)
    if _takes_time(f, len(args)):
        field = (lambda t, x: f(t, x, *args)) if args else f
    else:
        field = lambda t, x: f(x, *args)  # noqa: E731
    try:
        probe = np.asarray(field(0.0, x0.copy()), dtype=float)
    except Exception as exc:  # report the user's error as a bad `f`
        raise ValueError(f"f failed on x0: {type(exc).__name__}: {exc}") from exc
    if probe.shape != x0.shape:
        raise ValueError(f"f must return an array of shape {x0.shape}, got {probe.shape}")
    return _solve(field, x0, n_steps, dt, transient, method, rtol, atol, progress)


# --------------------------------------------------------------------------------------------
# Post-processing shared by the generators
# --------------------------------------------------------------------------------------------
def _postprocess(traj, zscore, noise, rng):
    """z-score per dimension, then add Gaussian observation noise of std ``noise`` × std."""
    std = traj.std(axis=0)
    scale = np.where(std > 0, std, 1.0)
    if zscore:
        traj = (traj - traj.mean(axis=0)) / scale
        scale = np.ones_like(scale)
    if noise > 0:
        traj = traj + noise * scale * rng.standard_normal(traj.shape)
    return traj


def _check_output_options(zscore, noise):
    if not isinstance(zscore, (bool, np.bool_)):
        raise ValueError(f"zscore must be True or False, got {zscore!r}")
    check_positive(noise, "noise", strict=False)
    return bool(zscore), float(noise)


def _flow(field, params, default_x0, spread, n_steps, dt, x0, transient, zscore, noise, seed,
          rtol, atol, progress):
    """Shared pipeline of the 3-D flows: validate, draw x0, integrate, post-process."""
    n_steps, dt, transient = _check_integration(n_steps, dt, transient, rtol, atol, "DOP853")
    zscore, noise = _check_output_options(zscore, noise)
    rng = check_seed(seed)
    if x0 is None:
        x0 = np.asarray(default_x0, dtype=float)
        if seed is not None:
            x0 = x0 + spread * rng.standard_normal(3)
    else:
        x0 = check_array(x0, "x0", shape=(3,))
    traj = _solve(lambda t, x: field(t, x, *params), x0, n_steps, dt, transient, "DOP853",
                  rtol, atol, progress)
    return _postprocess(traj, zscore, noise, rng)


def lorenz63(n_steps=100_000, dt=0.01, *, sigma=10.0, rho=28.0, beta=8.0 / 3.0, x0=None,
             transient=5000, zscore=True, noise=0.0, seed=None, rtol=1e-10, atol=1e-12,
             progress=None):
    """Lorenz-63 trajectory, as in the AL-RNN reference data.

    Parameters
    ----------
    n_steps : int, >= 1
        Number of samples.
    dt : float, > 0
        Sampling interval (0.01 in the reference data).
    sigma, rho, beta : float, > 0
        System parameters (10, 28, 8/3).
    x0 : array_like, shape (3,), optional
        Initial state. Default: ``(1, 1, 1)``, plus a standard normal perturbation drawn from
        ``seed`` when a seed is given.
    transient : int, >= 0
        Samples integrated and discarded before recording (default 5000, i.e. 50 time units).
    zscore : bool
        Standardise each dimension to mean 0, std 1 (the reference data is z-scored).
    noise : float, >= 0
        Std of additive Gaussian observation noise, relative to each dimension's std (so in
        z-score units when ``zscore``).
    seed : int, numpy.random.Generator or None
        Randomness of ``x0`` (when not given) and of the noise.
    rtol, atol : float
        DOP853 tolerances.
    progress : callable, optional
        ``progress(fraction, message)`` during integration.

    Returns
    -------
    numpy.ndarray, shape (n_steps, 3)

    Notes
    -----
    Integrates :func:`lorenz63_rhs`,
    :math:`\\dot x = \\sigma(y-x),\\ \\dot y = x(\\rho-z)-y,\\ \\dot z = xy-\\beta z`, with
    DOP853 and samples :math:`t_k = (\\text{transient}+k)\\,dt` (``research/alrnn.md`` §4:
    1e5 steps at dt = 0.01, transient dropped, z-scored after integration).
    """
    params = _check_lorenz_params(sigma, rho, beta)
    return _flow(_lorenz63_field, params, (1.0, 1.0, 1.0), 1.0, n_steps, dt, x0, transient,
                 zscore, noise, seed, rtol, atol, progress)


def rossler(n_steps=100_000, dt=0.08, a=0.2, b=0.2, c=5.7, *, x0=None, transient=5000,
            zscore=True, noise=0.0, seed=None, rtol=1e-10, atol=1e-12, progress=None):
    """Rössler trajectory, as in the AL-RNN reference data.

    Parameters
    ----------
    n_steps : int, >= 1
        Number of samples.
    dt : float, > 0
        Sampling interval (0.08 in the reference data).
    a, b, c : float
        System parameters (0.2, 0.2, 5.7).
    x0 : array_like, shape (3,), optional
        Initial state. Default: ``(1, 1, 0)``, plus a standard normal perturbation drawn from
        ``seed`` when a seed is given.
    transient : int, >= 0
        Samples integrated and discarded before recording (default 5000, i.e. 400 time units).
    zscore : bool
        Standardise each dimension to mean 0, std 1.
    noise : float, >= 0
        Std of additive Gaussian observation noise relative to each dimension's std.
    seed : int, numpy.random.Generator or None
        Randomness of ``x0`` (when not given) and of the noise.
    rtol, atol : float
        DOP853 tolerances.
    progress : callable, optional
        ``progress(fraction, message)`` during integration.

    Returns
    -------
    numpy.ndarray, shape (n_steps, 3)

    Notes
    -----
    Integrates :func:`rossler_rhs`,
    :math:`\\dot x = -y-z,\\ \\dot y = x+ay,\\ \\dot z = b+z(x-c)`, with DOP853 sampled every
    dt (``research/alrnn.md`` §4: 1e5 steps at dt = 0.08, z-scored).
    """
    params = _check_rossler_params(a, b, c)
    return _flow(_rossler_field, params, (1.0, 1.0, 0.0), 1.0, n_steps, dt, x0, transient,
                 zscore, noise, seed, rtol, atol, progress)


# --------------------------------------------------------------------------------------------
# Mackey-Glass delay differential equation
# --------------------------------------------------------------------------------------------
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


def mackey_glass(n_steps, dt=1.0, tau=17.0, *, beta=0.2, gamma=0.1, n=10.0, x0=None, h=0.1,
                 transient=1000, zscore=False, noise=0.0, seed=None):
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
    Mackey & Glass (1977); ``research/ei_reservoir.md`` §4.2:

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


# --------------------------------------------------------------------------------------------
# NARMA-10
# --------------------------------------------------------------------------------------------
def narma10(n_steps, seed=None, *, u=None, transient=0):
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
        Invalid arguments, or a diverging series (|y| > 100; a rare event for u in
        [0, 0.5], usual for larger inputs): the message names the step.

    Notes
    -----
    ``research/ei_reservoir.md`` §4.2 (Atiya & Parlos 2000):

    .. math:: y(t+1) = 0.3\\,y(t) + 0.05\\,y(t)\\sum_{i=0}^{9} y(t-i) + 1.5\\,u(t-9)\\,u(t) + 0.1

    with :math:`y(t) = 0` for :math:`t \\le 9` and :math:`u(t) \\sim \\mathcal U[0, 0.5]`.
    """
    n_steps = check_int(n_steps, "n_steps", 1)
    transient = check_int(transient, "transient", 0)
    total = n_steps + transient
    if u is None:
        u = check_seed(seed).uniform(0.0, 0.5, size=total)
    else:
        arr = check_array(u, "u", ndim=(1, 2))
        if arr.shape not in ((total,), (total, 1)):
            raise ValueError(f"u must have shape ({total},) or ({total}, 1) "
                             f"(n_steps + transient), got {arr.shape}")
        u = arr.reshape(total)
    uu = u.tolist()
    y = [0.0] * total
    window = 0.0  # sum of y[t-9..t]
    for t in range(9, total - 1):
        window += y[t] - (y[t - 10] if t >= 10 else 0.0)
        nxt = 0.3 * y[t] + 0.05 * y[t] * window + 1.5 * uu[t - 9] * uu[t] + 0.1
        if not abs(nxt) <= _NARMA_BOUND:
            raise ValueError(f"NARMA-10 series diverged at step {t + 1} (|y| > {_NARMA_BOUND:g}); "
                             f"use inputs in [0, 0.5] or another seed")
        y[t + 1] = nxt
    u_out = np.asarray(u[transient:], dtype=float)[:, None]
    y_out = np.asarray(y[transient:], dtype=float)[:, None]
    return u_out, y_out


#: Generators by name, for the CLI and the GUI.
SYSTEMS: dict[str, Callable] = {
    "lorenz63": lorenz63,
    "rossler": rossler,
    "mackey_glass": mackey_glass,
    "narma10": narma10,
}
