"""Integration of continuous flows: :func:`scipy.integrate.solve_ivp` sampled on a grid.

Flows are integrated with DOP853 (rtol 1e-10, atol 1e-12 by default) and sampled on the grid
``t_k = (transient + k) dt`` through the solver's dense output, in blocks restarted exactly on
the grid. Also the output options (z-scoring, observation noise) shared by every generator.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike
from scipy.integrate import solve_ivp

from ..validation import check_array, check_choice, check_int, check_positive, check_range

__all__ = ["integrate"]

#: Methods of :func:`scipy.integrate.solve_ivp` accepted by :func:`integrate`.
_METHODS = ("DOP853", "RK45", "RK23", "Radau", "BDF", "LSODA")

#: Output samples per :func:`solve_ivp` call; the integration restarts from the last sample
#: of each chunk (exactly on the grid), so results do not depend on whether progress is shown.
_CHUNK = 10_000


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


def integrate(f: Callable[..., ArrayLike], x0: ArrayLike, n_steps: int, dt: float, *,
              transient: int = 0, args: tuple = (), method: str = "DOP853", rtol: float = 1e-10,
              atol: float = 1e-12, progress: Callable[[float, str], None] | None = None) -> np.ndarray:
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
    start: np.ndarray = check_array(x0, "x0", ndim=1, min_length=1)
    n_steps, dt, transient = _check_integration(n_steps, dt, transient, rtol, atol, method)
    args = tuple(args)
    if _takes_time(f, len(args)):
        field = (lambda t, x: f(t, x, *args)) if args else f
    else:
        field = lambda t, x: f(x, *args)  # noqa: E731
    try:
        probe = np.asarray(field(0.0, start.copy()), dtype=float)
    except Exception as exc:  # report the user's error as a bad `f`
        raise ValueError(f"f failed on x0: {type(exc).__name__}: {exc}") from exc
    if probe.shape != start.shape:
        raise ValueError(f"f must return an array of shape {start.shape}, got {probe.shape}")
    return _solve(field, start, n_steps, dt, transient, method, rtol, atol, progress)


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
