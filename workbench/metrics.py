"""Metrics shared by the reservoir and AL-RNN packages.

Dynamical-systems reconstruction measures follow the Durstewitz-lab Julia code (the
definitions of Brenner et al. 2024, research note ``alrnn.md`` §3): the state-space
divergence :math:`D_{stsp}` (binning or Gaussian-mixture version), the power-spectrum
Hellinger distance :math:`D_H`, the n-step prediction error, plus the maximal Lyapunov
exponent (QR/Benettin on Jacobians, Rosenstein on data). The memory capacity is Jaeger's
(research note ``ei_reservoir.md`` §4.1), computed on a held-out split.

Generated trajectories and predictions may contain NaN or inf (a diverging model is a
legitimate outcome): such values give NaN or large scores as documented per function.
The reference (``true``) data must be finite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg
from scipy.ndimage import gaussian_filter1d
from scipy.spatial import cKDTree
from scipy.special import logsumexp

from .readout import RidgeReadout
from .validation import (check_array, check_choice, check_int, check_positive, check_range,
                         check_seed)

__all__ = [
    "MemoryCapacity",
    "hellinger_distance",
    "lyapunov_spectrum",
    "max_lyapunov",
    "memory_capacity",
    "nrmse",
    "prediction_error",
    "rosenstein_divergence",
    "rosenstein_lyapunov",
    "state_space_divergence",
]

#: Laplace smoothing constant of the binned D_stsp (``laplace_smoothing`` in stsp_measure.jl).
LAPLACE_ALPHA = 1e-5
#: Dimension from which ``state_space_divergence(method="auto")`` uses the GMM estimator.
GMM_MIN_DIM = 11
#: Histograms up to this many cells are dense (bincount over all cells), larger ones sparse.
_DENSE_MAX_CELLS = 1 << 22
_LOG_TINY = float(np.log(np.finfo(float).tiny))


def _as_2d(x):
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


# ---------------------------------------------------------------------------------------
# D_stsp
# ---------------------------------------------------------------------------------------
def state_space_divergence(true, gen, n_bins=30, *, method="auto", sigma2=1.0,
                           n_samples=1000, max_points=10_000, seed=None):
    r"""State-space divergence :math:`D_{stsp} = \mathrm{KL}(p_{true} \,\|\, p_{gen})`.

    Parameters
    ----------
    true : array_like of shape (T, N) or (T,)
        Reference trajectory (finite).
    gen : array_like of shape (T', N) or (T',)
        Generated trajectory; NaN/inf rows count as outside the attractor.
    n_bins : int, default 30
        Bins per dimension of the binning estimator (>= 1).
    method : {"auto", "bins", "gmm"}, default "auto"
        ``"auto"``: binning for N < 11, Gaussian mixtures for N >= 11 (as the lab code).
    sigma2 : float, default 1.0
        Variance :math:`\sigma^2` of the isotropic Gaussians of the GMM estimator
        (``D_stsp_scaling``: 1.0 in the EEG/Lorenz-96 settings, 0.3 in the defaults).
    n_samples : int, default 1000
        Monte-Carlo samples of the GMM estimator.
    max_points : int, default 10000
        The GMM uses the first ``max_points`` points of each trajectory.
    seed : int or numpy.random.Generator, optional
        Randomness of the GMM Monte-Carlo samples.

    Returns
    -------
    float
        :math:`D_{stsp}` in nats; NaN when no generated point falls in the box (binning)
        or every Monte-Carlo sample underflows (GMM).

    Notes
    -----
    **Binning** (``stsp_measure.jl``, Brenner et al. 2024): a regular grid of
    ``n_bins`` cells per dimension over the box
    :math:`[\min X - 0.1\sigma_X,\ \max X + 0.1\sigma_X]` of the true data
    (:math:`\sigma_X` with ddof=1, cells closed on the left, points outside dropped),
    Laplace smoothing with :math:`\alpha = 10^{-5}` over all :math:`K = n^N` cells,

    .. math::

        \hat p_k = \frac{c_k + \alpha}{\sum_j c_j + \alpha K},\qquad
        D_{stsp} = \sum_k \hat p_{true,k} \log\frac{\hat p_{true,k}}{\hat p_{gen,k}} .

    Cells are counted with ``np.ravel_multi_index`` and ``np.bincount``. Beyond :math:`2^{22}` cells only the occupied cells are enumerated
    (``np.unique``) and the :math:`K - |\text{occupied}|` empty ones contribute in closed
    form, so the result equals the dense sum for any N.

    **GMM** (Hess et al. 2023, Hershey & Olsen 2007): each trajectory (first
    ``max_points`` points) defines :math:`\hat p(x) = \frac1T\sum_t \mathcal N(x; x_t, \sigma^2 I)`;
    with :math:`x^{(i)} = x_{t_i} + \sigma\varepsilon_i` drawn from :math:`\hat p_{true}`,
    :math:`D_{stsp} \approx \frac1{n}\sum_i \log\hat p_{true}(x^{(i)}) - \log\hat p_{gen}(x^{(i)})`.
    Densities are evaluated in the log domain; samples whose density would underflow to
    zero in float64 are dropped, as ``filter_outliers`` does in the lab code.
    """
    t, g = _pair(true, gen)
    check_choice(method, "method", ("auto", "bins", "gmm"))
    n_bins = check_int(n_bins, "n_bins", 1, None)
    check_positive(sigma2, "sigma2")
    n_samples = check_int(n_samples, "n_samples", 1, None)
    max_points = check_int(max_points, "max_points", 1, None)
    rng = check_seed(seed)
    if method == "auto":
        method = "gmm" if t.shape[1] >= GMM_MIN_DIM else "bins"
    if method == "bins":
        return _binned_kl(t, g, n_bins)
    return _gmm_kl(t, g, float(sigma2), n_samples, max_points, rng)


def _cells(x, lo, width, n_bins):
    """Flat cell index (row-major) of every point inside the box; points outside dropped."""
    with np.errstate(invalid="ignore"):
        rel = np.floor((x - lo) / width)          # NaN/inf rows never pass the tests below
        inside = np.ones(x.shape[0], dtype=bool)
        for j in range(x.shape[1]):
            inside &= (rel[:, j] >= 0) & (rel[:, j] < n_bins)
    return np.ravel_multi_index(rel[inside].astype(np.int64).T, (n_bins,) * x.shape[1])


def _binned_kl(t, g, n_bins):
    n_dim = t.shape[1]
    if n_dim * np.log(n_bins) > 62 * np.log(2):
        raise ValueError(f"n_bins**N = {n_bins}**{n_dim} cells is too many for the binning "
                         "estimator; use method='gmm' or fewer bins")
    sd = t.std(axis=0, ddof=1)
    if np.any(sd == 0):
        raise ValueError("true must vary in every dimension (the box of a constant column "
                         "has zero width)")
    lo = t.min(axis=0) - 0.1 * sd
    width = (t.max(axis=0) + 0.1 * sd - lo) / n_bins
    ct, cg = _cells(t, lo, width, n_bins), _cells(g, lo, width, n_bins)
    if cg.size == 0:
        return float("nan")
    n_cells = n_bins ** n_dim
    if n_cells <= _DENSE_MAX_CELLS:
        return _kl_dense(ct, cg, n_cells)
    return _kl_sparse(ct, cg, float(n_cells))


def _kl_dense(ct, cg, n_cells):
    """KL of the Laplace-smoothed histograms, summing over every cell."""
    p = np.bincount(ct, minlength=n_cells) + LAPLACE_ALPHA
    q = np.bincount(cg, minlength=n_cells) + LAPLACE_ALPHA
    p /= ct.size + LAPLACE_ALPHA * n_cells
    q /= cg.size + LAPLACE_ALPHA * n_cells
    return float(np.sum(p * np.log(p / q)))


def _kl_sparse(ct, cg, n_cells):
    """Same value, enumerating only occupied cells; empty cells are added in closed form."""
    occupied, inverse = np.unique(np.concatenate([ct, cg]), return_inverse=True)
    n_occ = occupied.size
    norm_t = ct.size + LAPLACE_ALPHA * n_cells
    norm_g = cg.size + LAPLACE_ALPHA * n_cells
    p = (np.bincount(inverse[:ct.size], minlength=n_occ) + LAPLACE_ALPHA) / norm_t
    q = (np.bincount(inverse[ct.size:], minlength=n_occ) + LAPLACE_ALPHA) / norm_g
    kl = float(np.sum(p * np.log(p / q)))
    p0, q0 = LAPLACE_ALPHA / norm_t, LAPLACE_ALPHA / norm_g
    return kl + (n_cells - n_occ) * p0 * float(np.log(p0 / q0))


def _log_mixture(samples, centres, sigma2, chunk=256):
    """log of (1/T) sum_t exp(-|s - c_t|^2 / (2 sigma2)), per sample (normaliser dropped)."""
    c2 = np.einsum("tn,tn->t", centres, centres)
    out = np.empty(samples.shape[0])
    for a in range(0, samples.shape[0], chunk):
        s = samples[a:a + chunk]
        d2 = np.einsum("in,in->i", s, s)[:, None] + c2[None, :] - 2.0 * s @ centres.T
        out[a:a + chunk] = logsumexp(-0.5 * np.maximum(d2, 0.0) / sigma2, axis=1)
    return out - np.log(centres.shape[0])


def _gmm_kl(t, g, sigma2, n_samples, max_points, rng):
    x = t[:max_points]
    y = g[:max_points]
    y = y[np.all(np.isfinite(y), axis=1)]
    if y.shape[0] == 0:
        return float("nan")
    idx = rng.integers(0, x.shape[0], size=n_samples)
    samples = x[idx] + np.sqrt(sigma2) * rng.standard_normal((n_samples, x.shape[1]))
    log_p = _log_mixture(samples, x, sigma2)
    log_q = _log_mixture(samples, y, sigma2)
    # the lab code evaluates densities directly and drops samples where one underflows to 0
    log_norm = -0.5 * x.shape[1] * np.log(sigma2)
    keep = (log_p + log_norm > _LOG_TINY) & (log_q + log_norm > _LOG_TINY)
    if not np.any(keep):
        return float("nan")
    return float(np.mean(log_p[keep] - log_q[keep]))


# ---------------------------------------------------------------------------------------
# D_H
# ---------------------------------------------------------------------------------------
def hellinger_distance(true, gen, smoothing=20.0, *, per_dimension=False):
    r"""Power-spectrum Hellinger distance :math:`D_H` (``pse.jl``, Brenner et al. 2024).

    Parameters
    ----------
    true : array_like of shape (T, N) or (T,)
        Reference series (finite, no constant dimension).
    gen : array_like, same shape as ``true``
        Generated series. A constant or non-finite generated dimension gives NaN.
    smoothing : float, default 20
        Standard deviation :math:`\sigma` (in frequency bins, >= 0) of the Gaussian
        smoothing of the power spectra; 0 disables smoothing. Because it is counted in
        bins, compare series of the same length only.
    per_dimension : bool, default False
        Return the distance of every dimension instead of their mean.

    Returns
    -------
    float or ndarray of shape (N,)
        In [0, 1]: 0 for identical spectra, 1 for spectra with disjoint support.

    Notes
    -----
    For each dimension: z-score, :math:`|\mathrm{rfft}|^2`, smooth with
    ``scipy.ndimage.gaussian_filter1d(sigma, mode="reflect", truncate=4)`` (the lab's
    kernel of length :math:`8\sigma+1`), clip negatives, normalise to sum 1 (:math:`f_i`,
    :math:`g_i`); then

    .. math::

        H(f, g) = \tfrac{1}{\sqrt 2}\,\lVert\sqrt f - \sqrt g\rVert_2
                = \sqrt{1 - \textstyle\sum_\omega \sqrt{f(\omega) g(\omega)}},\qquad
        D_H = \frac1N \sum_{i=1}^N H(f_i, g_i).
    """
    t, g = _pair(true, gen, same_length=True)
    check_range(smoothing, "smoothing", 0.0, None)
    check_choice(per_dimension, "per_dimension", (True, False))
    if np.any(np.ptp(t, axis=0) == 0):
        raise ValueError("true must vary in every dimension (a constant column has no spectrum)")
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        f = _normalised_spectrum(t, float(smoothing))
        h = _normalised_spectrum(g, float(smoothing))
        dist = np.sqrt(np.sum((np.sqrt(f) - np.sqrt(h)) ** 2, axis=0) / 2.0)
    return dist if per_dimension else float(np.mean(dist))


def _normalised_spectrum(x, sigma):
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    ps = np.abs(np.fft.rfft(z, axis=0)) ** 2
    if sigma > 0:
        ps = gaussian_filter1d(ps, sigma, axis=0, mode="reflect", truncate=4.0)
        ps[ps < 0] = 0.0
    return ps / ps.sum(axis=0)


# ---------------------------------------------------------------------------------------
# prediction errors
# ---------------------------------------------------------------------------------------
def prediction_error(predict_fn, data, n=20):
    r"""n-step prediction error :math:`PE(n)` (``prediction_error.jl``).

    Parameters
    ----------
    predict_fn : callable
        ``predict_fn(x0, n) -> x_n``: from a batch of observed states ``x0`` of shape
        (B, N), iterate the model ``n`` steps freely and return the predicted observations
        (B, N). (For an AL-RNN: initialise :math:`z = [x_0; L x_0]`, step, read out.)
    data : array_like of shape (T, N)
        Observed trajectory (finite), T > n.
    n : int, default 20
        Prediction horizon in steps (>= 1).

    Returns
    -------
    float
        .. math:: PE(n) = \frac{1}{(T-n)N}\sum_{t=1}^{T-n}\sum_i (\hat x_{t+n,i} - x_{t+n,i})^2

        starting from every data point; NaN/inf when the model diverges.
    """
    if not callable(predict_fn):
        raise ValueError(f"predict_fn must be callable, got {type(predict_fn).__name__}")
    n = check_int(n, "n", 1, None)
    x = _as_2d(check_array(data, "data", ndim=(1, 2)))
    if x.shape[0] <= n:
        raise ValueError(f"data must have more than n={n} rows, got {x.shape[0]}")
    start = x[:-n]
    pred = np.asarray(predict_fn(start.copy(), n), dtype=float)
    if pred.shape != start.shape:
        raise ValueError(f"predict_fn must return an array of shape {start.shape}, "
                         f"got {pred.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.mean((pred - x[n:]) ** 2))


def nrmse(y_true, y_pred, *, per_dimension=False):
    r"""Normalised root-mean-square error.

    Parameters
    ----------
    y_true : array_like of shape (T,) or (T, N)
        Targets (finite, each dimension with non-zero variance).
    y_pred : array_like, same shape
        Predictions (non-finite values give a non-finite score).
    per_dimension : bool, default False
        Return one value per dimension.

    Returns
    -------
    float or ndarray of shape (N,)
        Per dimension :math:`\mathrm{NRMSE}_i = \sqrt{\langle (y_i-\hat y_i)^2\rangle_t /
        \mathrm{var}_t(y_i)}` (``ei_reservoir.md`` §4.2); the scalar version is
        :math:`\sqrt{\frac1N\sum_i \langle (y_i-\hat y_i)^2\rangle_t / \mathrm{var}_t(y_i)}`,
        which equals the formula above for one dimension. 0 is perfect; 1 is the error
        of predicting the mean.
    """
    y = _as_2d(check_array(y_true, "y_true", ndim=(1, 2), min_length=2))
    yp = _as_2d(check_array(y_pred, "y_pred", ndim=(1, 2), finite=False))
    if yp.shape != y.shape:
        raise ValueError(f"y_pred must have the shape of y_true {np.shape(y_true)}, "
                         f"got {np.shape(y_pred)}")
    check_choice(per_dimension, "per_dimension", (True, False))
    var = y.var(axis=0)
    if np.any(var == 0):
        raise ValueError("y_true must have non-zero variance in every dimension")
    with np.errstate(over="ignore", invalid="ignore"):
        ratio = np.mean((y - yp) ** 2, axis=0) / var
    return np.sqrt(ratio) if per_dimension else float(np.sqrt(np.mean(ratio)))


# ---------------------------------------------------------------------------------------
# Lyapunov exponents
# ---------------------------------------------------------------------------------------
def lyapunov_spectrum(trajectory, jacobian, dt=1.0, *, flow=False, n_exponents=None,
                      transient=0, renorm_every=1):
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
    in ``dt``. Per-step values are divided by ``dt`` (``alrnn.md`` §3.5).
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


def rosenstein_divergence(data, dt=1.0, *, horizon=None, min_separation=None,
                          embedding_dim=1, lag=1):
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


def rosenstein_lyapunov(data, dt=1.0, *, fit_range=None, **kwargs):
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


def max_lyapunov(trajectory, dt=1.0, *, jacobian=None, **kwargs):
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


# ---------------------------------------------------------------------------------------
# memory capacity
# ---------------------------------------------------------------------------------------
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


def memory_capacity(inputs, states, k_max, *, k_min=1, washout=0, train_fraction=0.8,
                    alpha=None, alphas=None, validation_fraction=0.2):
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

    on the test part (``ei_reservoir.md`` §4.1). A delay line whose states are
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
