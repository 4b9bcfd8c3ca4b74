"""Binomial confidence intervals and the Monte-Carlo estimate returned by every simulation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from workbench.validation import check_int, check_probability

__all__ = ["MonteCarloEstimate", "wilson_interval"]


def wilson_interval(hits, trials, confidence=0.95):
    """Wilson score interval of a binomial proportion.

    Parameters
    ----------
    hits : int or array_like of int
        Successes, ``0 <= hits <= trials``.
    trials : int or array_like of int
        Trials, ``>= 1``.
    confidence : float, default 0.95
        Coverage in (0, 1).

    Returns
    -------
    low, high : numpy.ndarray or float
        Bounds of the interval.

    Notes
    -----
    With :math:`\\hat p = k/N` and :math:`z = \\Phi^{-1}((1+c)/2)`,

    .. math::

        \\frac{\\hat p + z^2/2N \\pm z\\sqrt{\\hat p(1-\\hat p)/N + z^2/4N^2}}{1 + z^2/N}.

    Unlike the Wald interval :math:`\\hat p \\pm z\\sqrt{\\hat p(1-\\hat p)/N}` used by the
    paper's C++ code, it is not degenerate at ``hits = 0``.
    """
    hits = np.asarray(check_int(hits, "hits", 0), dtype=float)
    trials = np.asarray(check_int(trials, "trials", 1), dtype=float)
    if np.any(hits > trials):
        raise ValueError("hits must be <= trials")
    check_probability(confidence, "confidence", open_interval=True)
    z = ndtri(0.5 + confidence / 2)
    p = hits / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * np.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    low = np.where(hits == 0, 0.0, low)
    high = np.where(hits == trials, 1.0, high)
    return (low[()], high[()]) if low.ndim == 0 else (low, high)


@dataclass(frozen=True)
class MonteCarloEstimate:
    """Estimated event probabilities, one per threshold, from one simulation.

    Attributes
    ----------
    thetas : numpy.ndarray
        Thresholds the events refer to.
    hits : numpy.ndarray
        Number of tests in which the event happened, per threshold.
    trials : int
        Number of segment-vs-pattern tests.
    estimate, low, high : numpy.ndarray
        ``hits / trials`` and its confidence interval (95 % unless asked otherwise).
    """

    thetas: np.ndarray
    hits: np.ndarray
    trials: int
    estimate: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def from_counts(cls, thetas, hits, trials, confidence=0.95):
        """Estimate from independent (or pairwise independent) tests, Wilson interval."""
        hits = np.asarray(hits, dtype=np.int64)
        low, high = wilson_interval(hits, trials, confidence)
        return cls(thetas=np.asarray(thetas), hits=hits, trials=int(trials),
                   estimate=hits / trials, low=np.atleast_1d(low), high=np.atleast_1d(high))

    @classmethod
    def from_clusters(cls, thetas, hits, trials, confidence=0.95):
        r"""Estimate from clusters of correlated tests (one cluster per shared segment).

        ``hits`` has shape ``(T, C)``, ``trials`` shape ``(C,)``. The interval is
        :math:`\hat p \pm z\,\mathrm{se}` with the ratio-estimator (cluster-robust) variance
        :math:`\mathrm{se}^2 = \frac{C}{C-1}\sum_c (h_c - \hat p\, N_c)^2 / (\sum_c N_c)^2`;
        with no hit at all (or hits only) the open end falls back to the Wilson bound over
        the ``C`` independent clusters (conservative).
        """
        hits = np.atleast_2d(np.asarray(hits, dtype=np.int64))
        trials = np.asarray(trials, dtype=np.int64)
        total = int(trials.sum())
        c = trials.size
        p = hits.sum(axis=1) / total
        resid = hits - p[:, None] * trials[None, :]
        se = np.sqrt(c / max(c - 1, 1) * np.sum(resid ** 2, axis=1)) / total
        z = ndtri(0.5 + confidence / 2)
        low, high = np.clip(p - z * se, 0, 1), np.clip(p + z * se, 0, 1)
        none, every = hits.sum(axis=1) == 0, hits.sum(axis=1) == total
        high = np.where(none, wilson_interval(0, c, confidence)[1], high)
        low = np.where(every, wilson_interval(c, c, confidence)[0], low)
        return cls(thetas=np.asarray(thetas), hits=hits.sum(axis=1), trials=total,
                   estimate=p, low=low, high=high)

    def contains(self, p):
        """Whether each probability ``p`` (one per threshold) lies in the interval."""
        p = np.asarray(p, dtype=float)
        return (self.low <= p) & (p <= self.high)

