"""The optimal NMDA threshold: false-match statistics per θ over the paper's (n, a/n, s) grid."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.validation import check_probability

from .exact import _check_le, _int_array, _tail

__all__ = ["PAPER_NS", "PAPER_SPARSITIES", "PAPER_SYNAPSES", "PAPER_THETAS", "ThresholdScan",
           "optimal_threshold"]

#: θ grid of the optimal-threshold analysis (Numenta's ``compute_optimal_threshold.py``).
PAPER_THETAS = tuple(range(3, 25))
#: n grid of the optimal-threshold analysis: 10 000, 30 000, ..., 190 000.
PAPER_NS = tuple(range(10_000, 200_000, 20_000))
#: sparsity grid a/n of the optimal-threshold analysis: 0.005 ... 0.030.
PAPER_SPARSITIES = (0.005, 0.010, 0.015, 0.020, 0.025, 0.030)
#: segment sizes of the optimal-threshold analysis: 20, 25, ..., 50.
PAPER_SYNAPSES = tuple(range(20, 51, 5))


@dataclass(frozen=True)
class ThresholdScan:
    """False-match statistics per θ over a grid of (n, a, s) (Ahmad & Hawkins 2016).

    Attributes
    ----------
    thetas : numpy.ndarray
        The thresholds.
    median, mean, minimum, maximum : numpy.ndarray
        Statistics of :math:`P_{FP}` over the grid for each θ.
    probabilities : numpy.ndarray
        All values, shape ``(len(thetas), n_grid_points)``.
    target : float
        Error rate that defines the optimum.
    optimal : int or None
        Smallest θ whose median is ``<= target`` (None if none is).
    """

    thetas: np.ndarray
    median: np.ndarray
    mean: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray
    probabilities: np.ndarray
    target: float
    optimal: int | None


def optimal_threshold(thetas=PAPER_THETAS, ns=PAPER_NS, sparsities=PAPER_SPARSITIES,
                      synapses=PAPER_SYNAPSES, *, target=1e-9):
    """Statistics of the false-match rate per θ over the paper's (n, a/n, s) grid.

    Parameters
    ----------
    thetas : sequence of int
        Thresholds, each ``>= 1`` (paper: 3 ... 24).
    ns : sequence of int
        Population sizes, each ``>= 1`` (paper: 10 000, 30 000, ..., 190 000).
    sparsities : sequence of float
        Activity fractions a/n in (0, 1]; ``a = round(sparsity * n)`` (paper: 0.005 ... 0.03).
    synapses : sequence of int
        Segment sizes ``s`` (paper: 20, 25, ..., 50), each ``<= min(ns)``.
    target : float, default 1e-9
        Error rate that defines the optimum, in (0, 1).

    Returns
    -------
    ThresholdScan
        Median/mean/min/max of :math:`P_{FP}(n,a,s,\\theta)` per θ over the grid; the
        median at θ = 10 is 7.400e-11 and ``optimal`` is 10 for the paper's grid.

    Notes
    -----
    Numenta's ``compute_optimal_threshold.py`` for Ahmad & Hawkins 2016: for each θ the 420 grid points give
    :math:`P_{FP}` (0 where ``s < θ``); the paper plots the median against θ and argues
    that θ ≳ 9-10 keeps the median error below 1e-9.
    """
    thetas = np.atleast_1d(_int_array(thetas, "thetas", 1))
    ns = np.atleast_1d(_int_array(ns, "ns", 1))
    synapses = np.atleast_1d(_int_array(synapses, "synapses", 1))
    sparsities = np.atleast_1d(np.asarray(sparsities, dtype=float))
    check_probability(sparsities, "sparsities", open_interval=False)
    check_probability(target, "target", open_interval=True)
    if np.any(sparsities <= 0):
        raise ValueError("sparsities must be in (0, 1], got a value <= 0")
    _check_le(synapses.max(), "synapses", ns.min(), "ns")
    grid = [(int(n), int(round(sp * n)), int(s)) for n in ns for sp in sparsities for s in synapses]
    probs = np.array([[_tail(n, s, a, int(t)) if t <= s else 0.0 for (n, a, s) in grid]
                      for t in thetas])
    median = np.median(probs, axis=1)
    below = np.flatnonzero(median <= target)
    return ThresholdScan(thetas=thetas, median=median, mean=probs.mean(axis=1),
                         minimum=probs.min(axis=1), maximum=probs.max(axis=1),
                         probabilities=probs, target=float(target),
                         optimal=int(thetas[below[0]]) if below.size else None)
