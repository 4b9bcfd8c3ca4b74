"""Lorenz-63 and Rössler flows: vector fields, Jacobians and reference trajectories.

Settings of the AL-RNN reference data of Brenner et al. 2024 (Lorenz-63: σ=10, ρ=28, β=8/3,
dt=0.01; Rössler: a=b=0.2, c=5.7, dt=0.08; z-scored after integration, transient dropped).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from ..validation import check_array, check_positive, check_range, check_seed
from .integrate import _check_integration, _check_output_options, _postprocess, _solve

__all__ = ["lorenz63", "lorenz63_jacobian", "lorenz63_rhs", "rossler", "rossler_jacobian",
           "rossler_rhs"]


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


def lorenz63_rhs(t: float, x: ArrayLike, sigma: float = 10.0, rho: float = 28.0,
                 beta: float = 8.0 / 3.0) -> np.ndarray:
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
    Lorenz (1963), with the settings of Brenner et al. 2024:

    .. math:: \\dot x = \\sigma (y - x),\\quad \\dot y = x(\\rho - z) - y,\\quad
              \\dot z = x y - \\beta z.
    """
    sigma, rho, beta = _check_lorenz_params(sigma, rho, beta)
    return _lorenz63_field(t, _check_state(x), sigma, rho, beta)


def lorenz63_jacobian(x: ArrayLike, sigma: float = 10.0, rho: float = 28.0,
                      beta: float = 8.0 / 3.0) -> np.ndarray:
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
    xs = _check_state(x)
    u, v, w = xs[..., 0], xs[..., 1], xs[..., 2]
    jac = np.zeros(xs.shape + (3,))
    jac[..., 0, 0] = -sigma
    jac[..., 0, 1] = sigma
    jac[..., 1, 0] = rho - w
    jac[..., 1, 1] = -1.0
    jac[..., 1, 2] = -u
    jac[..., 2, 0] = v
    jac[..., 2, 1] = u
    jac[..., 2, 2] = -beta
    return jac


def rossler_rhs(t: float, x: ArrayLike, a: float = 0.2, b: float = 0.2,
                c: float = 5.7) -> np.ndarray:
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
    Rössler (1976), with the settings of Brenner et al. 2024:

    .. math:: \\dot x = -y - z,\\quad \\dot y = x + a y,\\quad \\dot z = b + z (x - c).
    """
    a, b, c = _check_rossler_params(a, b, c)
    return _rossler_field(t, _check_state(x), a, b, c)


def rossler_jacobian(x: ArrayLike, a: float = 0.2, b: float = 0.2, c: float = 5.7) -> np.ndarray:
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
    xs = _check_state(x)
    jac = np.zeros(xs.shape + (3,))
    jac[..., 0, 1] = -1.0
    jac[..., 0, 2] = -1.0
    jac[..., 1, 0] = 1.0
    jac[..., 1, 1] = a
    jac[..., 2, 0] = xs[..., 2]
    jac[..., 2, 2] = xs[..., 0] - c
    return jac


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


def lorenz63(n_steps: int = 100_000, dt: float = 0.01, *, sigma: float = 10.0,
             rho: float = 28.0, beta: float = 8.0 / 3.0, x0: ArrayLike | None = None,
             transient: int = 5000, zscore: bool = True, noise: float = 0.0,
             seed: int | np.random.Generator | None = None, rtol: float = 1e-10, atol: float = 1e-12,
             progress: Callable[[float, str], None] | None = None) -> np.ndarray:
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
    DOP853 and samples :math:`t_k = (\\text{transient}+k)\\,dt` (Brenner et al. 2024:
    1e5 steps at dt = 0.01, transient dropped, z-scored after integration).
    """
    params = _check_lorenz_params(sigma, rho, beta)
    return _flow(_lorenz63_field, params, (1.0, 1.0, 1.0), 1.0, n_steps, dt, x0, transient,
                 zscore, noise, seed, rtol, atol, progress)


def rossler(n_steps: int = 100_000, dt: float = 0.08, a: float = 0.2, b: float = 0.2,
            c: float = 5.7, *, x0: ArrayLike | None = None, transient: int = 5000,
            zscore: bool = True, noise: float = 0.0, seed: int | np.random.Generator | None = None,
            rtol: float = 1e-10, atol: float = 1e-12,
            progress: Callable[[float, str], None] | None = None) -> np.ndarray:
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
    dt (Brenner et al. 2024: 1e5 steps at dt = 0.08, z-scored).
    """
    params = _check_rossler_params(a, b, c)
    return _flow(_rossler_field, params, (1.0, 1.0, 0.0), 1.0, n_steps, dt, x0, transient,
                 zscore, noise, seed, rtol, atol, progress)
