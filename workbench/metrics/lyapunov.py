r"""Lyapunov exponents: QR (Benettin) method on Jacobians, Rosenstein's method on data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import linalg
from scipy.spatial import cKDTree

from ..validation import check_array, check_choice, check_int, check_positive
from ._common import _as_2d

__all__ = ["lyapunov_spectrum", "max_lyapunov", "rosenstein_divergence", "rosenstein_lyapunov"]


def lyapunov_spectrum(trajectory: ArrayLike,
                      jacobian: Callable[[np.ndarray], ArrayLike] | ArrayLike, dt: float = 1.0,
                      *, flow: bool = False, n_exponents: int | None = None, transient: int = 0,
                      renorm_every: int = 1) -> np.ndarray:
    r"""Lyapunov exponents by the QR (Benettin) method along a trajectory.

    Parameters
    ----------
    trajectory : array_like of shape (T, N)
        States :math:`x_0, \dots, x_{T-1}` (finite), sampled every ``dt``.
    jacobian : callable or array_like of shape (T, N, N)
        Jacobians along the trajectory, or a vectorised function ``jacobian(X)`` mapping
        states (T, N) to (T, N, N). For a map (``flow=False``) these are the one-step
        Jacobians :math:`J_t = \partial x_{t+1}/\partial x_t` (AL-RNN:
        :math:`\mathrm{diag}(A) + W D_{\Omega(t)}`); for a flow (``flow=True``) the
        vector-field Jacobians :math:`Df(x_t)`.
    dt : float, default 1.0
        Sampling interval (> 0): exponents are per unit time (per step for ``dt=1``).
    flow : bool, default False
        Treat ``jacobian`` as the Jacobian of an ODE vector field.
    n_exponents : int, optional
        Number of leading exponents (1..N); default all N.
    transient : int, default 0
        Tangent steps iterated first without being counted (aligns the frame).
    renorm_every : int, default 1
        Re-orthonormalise after this many steps (products of consecutive tangent maps
        are formed vectorised); keep :math:`e^{(\lambda_1-\lambda_N)\,m\,dt}` far below
        :math:`10^{16}`.

    Returns
    -------
    ndarray of shape (n_exponents,)
        Exponents in decreasing order.

    Notes
    -----
    With tangent maps :math:`M_t` and :math:`M_t Q_{t} = Q_{t+1} R_{t+1}` (reduced QR),

    .. math:: \lambda_i = \frac{1}{K\,dt}\sum_{t} \log |(R_{t})_{ii}|

    over the K counted steps (Benettin et al. 1980; Eckmann & Ruelle 1985). For a map
    :math:`M_t = J_t`. For a flow, the one-step propagator of the variational equation
    :math:`\dot\Phi = Df(x(t))\Phi` is approximated by the exponential trapezoid (Magnus)
    rule :math:`M_t = \exp\big(\tfrac{dt}{2}(Df(x_t) + Df(x_{t+1}))\big)`, second order
    in ``dt``. Per-step values are divided by ``dt``: exponents per unit time, as Brenner
    et al. 2024 report them.
    """
    x = check_array(trajectory, "trajectory", ndim=2, min_length=2)
    n_dim = x.shape[1]
    check_positive(dt, "dt")
    check_choice(flow, "flow", (True, False))
    k = n_dim if n_exponents is None else check_int(n_exponents, "n_exponents", 1, n_dim)
    renorm_every = check_int(renorm_every, "renorm_every", 1, None)
    jac = _jacobians_along(x, jacobian)
    maps = _flow_tangent_maps(jac, float(dt)) if flow else jac
    transient = check_int(transient, "transient", 0, maps.shape[0] - 1)
    q = np.eye(n_dim)[:, :k]
    q, _ = _qr_iterate(maps[:transient], q, renorm_every)
    _, logs = _qr_iterate(maps[transient:], q, renorm_every)
    return np.sort(logs / ((maps.shape[0] - transient) * float(dt)))[::-1]


def _jacobians_along(x, jacobian):
    if callable(jacobian):
        jac = np.asarray(jacobian(x), dtype=float)
        what = "jacobian(trajectory)"
    else:
        jac = check_array(jacobian, "jacobian", ndim=3)
        what = "jacobian"
    want = (x.shape[0], x.shape[1], x.shape[1])
    if jac.shape != want:
        raise ValueError(f"{what} must have shape {want} (one N x N Jacobian per state; a "
                         f"callable must be vectorised over states), got {jac.shape}")
    if not np.all(np.isfinite(jac)):
        raise ValueError(f"{what} must be finite (no NaN or inf)")
    return jac


def _flow_tangent_maps(jac, dt):
    return linalg.expm(0.5 * dt * (jac[:-1] + jac[1:]))


def _block_products(maps, m):
    """Products M_{b m + m - 1} ... M_{b m} of consecutive maps, vectorised over blocks."""
    n_blocks = -(-maps.shape[0] // m)
    pad = n_blocks * m - maps.shape[0]
    if pad:
        eye = np.broadcast_to(np.eye(maps.shape[1]), (pad,) + maps.shape[1:])
        maps = np.concatenate([maps, eye])
    blocks = maps.reshape(n_blocks, m, *maps.shape[1:])
    prod = blocks[:, 0]
    for j in range(1, m):
        prod = blocks[:, j] @ prod
    return prod


def _qr_iterate(maps, q, m):
    """Push the orthonormal frame ``q`` through ``maps``; return it and sum log|diag R|."""
    logs = np.zeros(q.shape[1])
    if maps.shape[0] == 0:
        return q, logs
    for step in (_block_products(maps, m) if m > 1 else maps):
        q, r = np.linalg.qr(step @ q)
        logs += np.log(np.abs(np.diag(r)))
    return q, logs


def rosenstein_divergence(data: ArrayLike, dt: float = 1.0, *, horizon: int | None = None,
                          min_separation: int | None = None, embedding_dim: int = 1,
                          lag: int = 1) -> tuple[np.ndarray, np.ndarray]:
    r"""Mean log-divergence of nearest neighbours (Rosenstein, Collins & De Luca 1993).

    Parameters
    ----------
    data : array_like of shape (T,) or (T, N)
        Observed trajectory (finite).
    dt : float, default 1.0
        Sampling interval (> 0).
    horizon : int, optional
        Number of steps neighbours are followed (>= 2); default ``4 * min_separation``.
    min_separation : int, optional
        Theiler window: neighbours must be more than this many steps apart. Default: the
        mean period :math:`1/\bar f` with :math:`\bar f` the power-weighted mean frequency
        of the (mean) power spectrum, as in Rosenstein et al.
    embedding_dim, lag : int, default 1
        Optional delay embedding :math:`(x_t, x_{t-\tau}, \dots, x_{t-(m-1)\tau})` of every
        column (m = ``embedding_dim``, :math:`\tau` = ``lag``).

    Returns
    -------
    times : ndarray of shape (horizon,)
        :math:`k\,dt`, k = 0 .. horizon-1.
    log_divergence : ndarray of shape (horizon,)
        :math:`y(k) = \langle \ln d_j(k) \rangle_j`, :math:`d_j(k) = \lVert x_{j+k} -
        x_{\hat j + k}\rVert` with :math:`\hat j` the nearest neighbour of :math:`x_j`
        among points with :math:`|j - \hat j| > ` ``min_separation``.
    """
    x = _as_2d(check_array(data, "data", ndim=(1, 2), min_length=10))
    check_positive(dt, "dt")
    embedding_dim = check_int(embedding_dim, "embedding_dim", 1, None)
    lag = check_int(lag, "lag", 1, None)
    x = _delay_embed(x, embedding_dim, lag)
    if min_separation is None:
        min_separation = _mean_period(x)
    min_separation = check_int(min_separation, "min_separation", 0, x.shape[0] // 4)
    if horizon is None:
        horizon = max(4 * min_separation, 2)
    # the points followed for `horizon` steps must still have neighbours outside the window
    horizon = check_int(horizon, "horizon", 2, max(x.shape[0] - 2 * min_separation - 3, 2))
    pts = x[:x.shape[0] - horizon + 1]
    neighbour, dist0 = _nearest_outside_window(pts, min_separation)
    ref = np.flatnonzero(np.isfinite(dist0))
    nb = neighbour[ref]
    log_div = np.empty(horizon)
    for step in range(horizon):
        d = np.linalg.norm(x[ref + step] - x[nb + step], axis=1)
        log_div[step] = np.mean(np.log(d[d > 0])) if np.any(d > 0) else -np.inf
    return np.arange(horizon) * float(dt), log_div


def rosenstein_lyapunov(data: ArrayLike, dt: float = 1.0, *,
                        fit_range: tuple[int, int] | None = None, **kwargs: Any) -> float:
    r"""Largest Lyapunov exponent from data (Rosenstein et al. 1993).

    Parameters
    ----------
    data : array_like of shape (T,) or (T, N)
        Observed trajectory (finite).
    dt : float, default 1.0
        Sampling interval (> 0); the exponent is per unit time.
    fit_range : tuple of int, optional
        Steps ``(start, stop)`` of the linear region of the divergence curve fitted by
        least squares. Default ``(horizon // 8, horizon // 2)``: with the default horizon
        of four mean periods this skips the first half period, where neighbours still
        align with the unstable direction and the curve rises faster than
        :math:`\lambda_{max}`, and stops before saturation.
    **kwargs
        ``horizon``, ``min_separation``, ``embedding_dim``, ``lag`` of
        :func:`rosenstein_divergence`.

    Returns
    -------
    float
        Slope of :math:`y(k)` against :math:`k\,dt` over ``fit_range``:
        :math:`\lambda_{max} \approx \frac{d}{dt}\langle \ln d_j(t)\rangle_j`.
    """
    times, log_div = rosenstein_divergence(data, dt, **kwargs)
    h = times.size
    start, stop = (h // 8, max(h // 2, h // 8 + 2)) if fit_range is None else fit_range
    start = check_int(start, "fit_range[0]", 0, h - 2)
    stop = check_int(stop, "fit_range[1]", start + 2, h)
    slope, _ = np.polyfit(times[start:stop], log_div[start:stop], 1)
    return float(slope)


def _delay_embed(x, dim, lag):
    if dim == 1:
        return x
    span = (dim - 1) * lag
    if x.shape[0] <= span + 10:
        raise ValueError(f"data too short for embedding_dim={dim}, lag={lag}")
    return np.hstack([x[span - j * lag: x.shape[0] - j * lag] for j in range(dim)])


def _mean_period(x):
    ps = np.sum(np.abs(np.fft.rfft(x - x.mean(axis=0), axis=0)) ** 2, axis=1)
    freqs = np.fft.rfftfreq(x.shape[0])
    mean_f = np.sum(freqs[1:] * ps[1:]) / np.sum(ps[1:])
    return int(min(np.ceil(1.0 / mean_f), x.shape[0] // 4))


def _nearest_outside_window(x, window):
    """Nearest neighbour of every point among points more than ``window`` steps away."""
    n = x.shape[0]
    k = min(2 * window + 2, n)   # at most 2 window + 1 points lie inside the window
    dist, idx = cKDTree(x).query(x, k=k)
    far = np.abs(idx - np.arange(n)[:, None]) > window
    far &= idx < n
    first = np.argmax(far, axis=1)
    found = far[np.arange(n), first]
    neighbour = idx[np.arange(n), first]
    dist0 = np.where(found, dist[np.arange(n), first], np.inf)
    return neighbour, dist0


def max_lyapunov(trajectory: ArrayLike, dt: float = 1.0, *,
                 jacobian: Callable[[np.ndarray], ArrayLike] | ArrayLike | None = None,
                 **kwargs: Any) -> float:
    r"""Largest Lyapunov exponent :math:`\lambda_{max}` per unit time.

    Parameters
    ----------
    trajectory : array_like of shape (T, N)
        Trajectory sampled every ``dt``.
    dt : float, default 1.0
        Sampling interval (> 0).
    jacobian : callable or array_like, optional
        When given: QR method on Jacobians along ``trajectory``
        (:func:`lyapunov_spectrum`, e.g. ``flow=True`` for ODE vector fields).
        When omitted: Rosenstein's method on the data (:func:`rosenstein_lyapunov`).
    **kwargs
        Passed to the chosen method.

    Returns
    -------
    float
        :math:`\lambda_{max}` (Lorenz-63: about 0.905; Rössler: about 0.07).
    """
    if jacobian is None:
        return rosenstein_lyapunov(trajectory, dt, **kwargs)
    return float(lyapunov_spectrum(trajectory, jacobian, dt, n_exponents=1, **kwargs)[0])

