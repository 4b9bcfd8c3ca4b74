"""Scores of many generated series against one fixed reference series.

:class:`ReferenceScores` gives exactly :func:`~workbench.metrics.state_space_divergence`
(binning variant) and :func:`~workbench.metrics.hellinger_distance` of a generated series
against a reference, with the reference's histogram and power spectrum computed once: the
evaluation of a population of models scores hundreds of free runs against the same data.
Definitions follow Brenner et al. 2024, "Almost-Linear RNNs Yield Highly Interpretable
Symbolic Codes in Dynamical Systems Reconstruction" (and the Durstewitz-lab Julia code).
"""

from __future__ import annotations

import numpy as np

from .attractor import _DENSE_MAX_CELLS, GMM_MIN_DIM, _cells, _kl_dense, state_space_divergence
from .spectral import _normalised_spectrum

__all__ = ["ReferenceScores"]


class ReferenceScores:
    r"""D_stsp and D_H of generated series against one reference series.

    .. math::

        D_{stsp} = \mathrm{KL}\big(\hat p_{true} \,\|\, \hat p_{gen}\big), \qquad
        D_H = \frac{1}{N}\sum_{i=1}^{N} \sqrt{1 - \sum_\omega \sqrt{f_i(\omega)\, g_i(\omega)}},

    with :math:`\hat p` the Laplace-smoothed occupation of ``n_bins`` bins per dimension (the
    binning of :func:`~workbench.metrics.state_space_divergence`, whose edges come from the
    reference) and :math:`f_i, g_i` the Gaussian-smoothed, normalised power spectra of
    dimension :math:`i` (:func:`~workbench.metrics.hellinger_distance`).

    Parameters
    ----------
    data : ndarray, shape (T, N)
        The reference series (finite).
    n_bins : int
        Bins per dimension of D_stsp.
    smoothing : float
        Standard deviation of the spectral smoothing of D_H.

    Notes
    -----
    Each call returns the same value as the corresponding function applied to
    ``(data, generated)``; data of :data:`~workbench.metrics.GMM_MIN_DIM` or more dimensions
    (or with too many cells for the dense histogram) fall back to that function.
    """

    def __init__(self, data: np.ndarray, n_bins: int, smoothing: float):
        self.data, self.n_bins, self.smoothing = data, int(n_bins), float(smoothing)
        self.binned = data.shape[1] < GMM_MIN_DIM and bool(np.all(data.std(axis=0) > 0))
        self.n_cells = n_bins ** data.shape[1]
        if self.binned:
            sd = data.std(axis=0, ddof=1)
            self.lo = data.min(axis=0) - 0.1 * sd
            self.width = (data.max(axis=0) + 0.1 * sd - self.lo) / n_bins
            self.ct = _cells(data, self.lo, self.width, n_bins)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            self.f = np.sqrt(_normalised_spectrum(data, self.smoothing))

    def d_stsp(self, generated: np.ndarray) -> float:
        """State-space divergence of ``generated`` from the reference (NaN if it leaves every bin)."""
        if not self.binned or self.n_cells > _DENSE_MAX_CELLS:
            return float(state_space_divergence(self.data, generated, n_bins=self.n_bins, seed=0))
        cg = _cells(generated, self.lo, self.width, self.n_bins)
        return float("nan") if cg.size == 0 else float(_kl_dense(self.ct, cg, self.n_cells))

    def d_h(self, generated: np.ndarray) -> float:
        """Power-spectrum Hellinger distance of ``generated`` from the reference."""
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            h = _normalised_spectrum(generated, self.smoothing)
            return float(np.mean(np.sqrt(np.sum((self.f - np.sqrt(h)) ** 2, axis=0) / 2.0)))
