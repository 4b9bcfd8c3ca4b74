r"""State-space divergence :math:`D_{stsp}` between a reference and a generated trajectory.

Definitions of Brenner et al. 2024 ("Almost-Linear RNNs Yield Highly Interpretable Symbolic
Codes in Dynamical Systems Reconstruction", NeurIPS), as implemented in the Durstewitz-lab
Julia code (``stsp_measure.jl``): a binning estimator for low dimensions and the
Gaussian-mixture estimator of Hess et al. 2023 for high ones.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import logsumexp

from ..validation import check_choice, check_int, check_positive, check_seed
from ._common import _pair

__all__ = ["GMM_MIN_DIM", "LAPLACE_ALPHA", "state_space_divergence"]

#: Laplace smoothing constant of the binned D_stsp (``laplace_smoothing`` in stsp_measure.jl).
LAPLACE_ALPHA = 1e-5
#: Dimension from which ``state_space_divergence(method="auto")`` uses the GMM estimator.
GMM_MIN_DIM = 11
#: Histograms up to this many cells are dense (bincount over all cells), larger ones sparse.
_DENSE_MAX_CELLS = 1 << 22
_LOG_TINY = float(np.log(np.finfo(float).tiny))


def state_space_divergence(true: ArrayLike, gen: ArrayLike, n_bins: int = 30, *,
                           method: str = "auto", sigma2: float = 1.0, n_samples: int = 1000,
                           max_points: int = 10_000,
                           seed: int | np.random.Generator | None = None) -> float:
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

    Cells are counted with ``np.ravel_multi_index`` and ``np.bincount``. Beyond
    :math:`2^{22}` cells only the occupied cells are enumerated
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

