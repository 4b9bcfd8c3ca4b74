r"""Power-spectrum Hellinger distance :math:`D_H` (Brenner et al. 2024, ``pse.jl``)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.ndimage import gaussian_filter1d

from ..validation import check_choice, check_range
from ._common import _pair

__all__ = ["hellinger_distance"]


def hellinger_distance(true: ArrayLike, gen: ArrayLike, smoothing: float = 20.0, *,
                       per_dimension: bool = False) -> float | np.ndarray:
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

