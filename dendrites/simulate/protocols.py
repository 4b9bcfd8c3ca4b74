"""The three simulated protocols: false match, false negative under noise, union segments."""

from __future__ import annotations

import numpy as np

from workbench.validation import check_int, check_probability, check_seed

from .grid import _run_grid
from .sampling import _BLOCK_BYTES, _floyd, _subsets
from .statistics import MonteCarloEstimate

__all__ = ["simulate_false_match", "simulate_false_negative", "simulate_union"]


def _check_common(n, a, s, theta, n_samples):
    n = check_int(n, "n", 1)
    a = check_int(a, "a", 1, n)
    s = check_int(s, "s", 1, n)
    thetas = np.atleast_1d(check_int(theta, "theta", 1))
    if thetas.ndim != 1:
        raise ValueError("theta must be an integer or a 1-D sequence of integers")
    n_samples = check_int(n_samples, "n_samples", 1)
    return n, a, s, [int(t) for t in thetas], n_samples


def _check_confidence(confidence):
    check_probability(confidence, "confidence", open_interval=True)
    return float(confidence)


def simulate_false_match(n, a, s, theta, n_samples, seed=None, *, confidence=0.95):
    """Monte-Carlo estimate of the false-match probability of a random segment.

    Parameters
    ----------
    n : int
        Population size, ``n >= 1``.
    a : int
        Active cells per random pattern, ``1 <= a <= n``.
    s : int
        Synapses per random segment, ``1 <= s <= n``.
    theta : int or sequence of int
        Threshold(s), each in ``[1, s]``; one simulation serves all of them.
    n_samples : int
        Segment-vs-pattern tests, ``>= 1`` (the paper used 1e8 per point).
    seed : int, numpy.random.Generator or None
        Randomness.
    confidence : float, default 0.95
        Coverage of the interval, in (0, 1).

    Returns
    -------
    MonteCarloEstimate
        Fraction of tests with overlap ``>= θ`` and its 95 % interval; compare with
        :func:`dendrites.theory.false_match_probability`.

    Notes
    -----
    Protocol of Numenta's ``sdr_calculations2.cpp``: random segments with ``s`` synapses and
    random ``a``-of-``n`` patterns, a hit when :math:`x_i \\cdot y \\ge \\theta` (the event of
    :func:`dendrites.theory.false_match_probability`).
    """
    n, a, s, thetas, n_samples = _check_common(n, a, s, theta, n_samples)
    if max(thetas) > s:
        raise ValueError(f"theta must be in [1, s={s}], got {max(thetas)}")
    rng = check_seed(seed)
    confidence = _check_confidence(confidence)
    small, large = sorted((a, s))

    def block(rng, rows_n, cols_n):
        rows = _subsets(rng, n, small, rows_n)
        _, member = _floyd(rng, n, large, cols_n)
        return rows, member

    hits, trials = _run_grid(block, n_samples, n, rng, thetas)
    return MonteCarloEstimate.from_counts(thetas, hits, trials, confidence)


def _noisy_copies(rng, pattern, n, v, size):
    """``size`` copies of ``pattern`` with ``v`` active cells moved to random inactive cells.

    Keeps a random ``a - v`` of the pattern's cells and adds ``v`` random cells from the
    ``n - a`` cells outside it (``addNoise`` of ``sdr_utilities.cpp``). Returns the
    ``(n + 1, size)`` indicator matrix.
    """
    a = pattern.size
    outside = np.setdiff1d(np.arange(n), pattern)
    keep, _ = _floyd(rng, a, a - v, size)
    add, _ = _floyd(rng, n - a, v, size)
    member = np.zeros((n + 1, size), dtype=np.uint8)
    cols = np.arange(size)[:, None]
    member[pattern[keep], cols] = 1
    member[outside[add], cols] = 1
    return member


def simulate_false_negative(n, a, s, theta, v, n_samples, seed=None, *, confidence=0.95):
    """Monte-Carlo estimate of the false-negative probability under noise.

    Parameters
    ----------
    n : int
        Population size; needs ``n - a >= v`` cells to move noise bits to.
    a : int
        Active cells of the stored pattern, ``1 <= a <= n``.
    s : int
        Synapses the segment forms on a random subsample of the pattern, ``1 <= s <= a``.
    theta : int or sequence of int
        Threshold(s), each in ``[1, s]``.
    v : int
        Noise bits, ``0 <= v <= min(a, n - a)``.
    n_samples : int
        Segment-vs-noisy-pattern tests, ``>= 1``.
    seed : int, numpy.random.Generator or None
        Randomness.
    confidence : float, default 0.95
        Coverage of the interval, in (0, 1).

    Returns
    -------
    MonteCarloEstimate
        Fraction of tests with overlap ``< θ``; compare with
        :func:`dendrites.theory.false_negative_probability` (Ahmad & Hawkins 2016, robustness to noise).

    Notes
    -----
    Protocol of Numenta's ``sdr_calculations2.cpp``: each block stores one random pattern,
    grows segments on random ``s``-subsamples of its cells (one-shot learning) and presents
    noisy copies of it.
    """
    n, a, s, thetas, n_samples = _check_common(n, a, s, theta, n_samples)
    if s > a:
        raise ValueError(f"s must be in [1, a={a}], got {s}")
    if max(thetas) > s:
        raise ValueError(f"theta must be in [1, s={s}], got {max(thetas)}")
    v = check_int(v, "v", 0, min(a, n - a))
    rng = check_seed(seed)
    confidence = _check_confidence(confidence)

    def block(rng, rows_n, cols_n):
        pattern = _floyd(rng, n, a, 1)[0][0]
        segments = pattern[_floyd(rng, a, s, rows_n)[0]]
        return segments, _noisy_copies(rng, pattern, n, v, cols_n)

    hits, trials = _run_grid(block, n_samples, n, rng, thetas)
    return MonteCarloEstimate.from_counts(thetas, trials - hits, trials, confidence)


def _union_segments(rng, n, a, s, M, size):
    """``size`` union segments: ``s`` synapses on each of ``M`` random ``a``-bit patterns.

    Returns the synapse indices padded with ``n`` to width ``M * s``.
    """
    out = np.empty((size, M * s), dtype=np.int64)
    chunk = max(1, _BLOCK_BYTES // ((n + 1) * M))
    for start in range(0, size, chunk):
        m = min(chunk, size - start)
        patterns = _subsets(rng, n, a, m * M)
        picks = _floyd(rng, a, s, m * M)[0]
        synapses = np.take_along_axis(patterns, picks, axis=1).reshape(m, M * s)
        synapses.sort(axis=1)
        dup = np.zeros_like(synapses, dtype=bool)
        dup[:, 1:] = synapses[:, 1:] == synapses[:, :-1]
        synapses[dup] = n
        out[start:start + m] = synapses
    return out


def simulate_union(n, a, s, theta, M, n_samples, seed=None, *, confidence=0.95):
    """Monte-Carlo false-match rate of a segment storing ``M`` patterns (union property).

    Parameters
    ----------
    n : int
        Population size, ``n >= 1``.
    a : int
        Active cells of stored and test patterns, ``1 <= a <= n``.
    s : int
        Synapses per stored pattern (a random subsample of its cells), ``1 <= s <= a``.
    theta : int or sequence of int
        Threshold(s), each in ``[1, s]``.
    M : int
        Patterns stored on each segment, ``M >= 1``.
    n_samples : int
        Segment-vs-random-pattern tests, ``>= 1``.
    seed : int, numpy.random.Generator or None
        Randomness.
    confidence : float, default 0.95
        Coverage of the interval, in (0, 1).

    Returns
    -------
    MonteCarloEstimate
        Fraction of random patterns reaching θ on a union segment; compare with
        ``union_false_match_probability(..., method="exact")`` (the paper's
        ``method="expected"`` uses the rounded mean union size, an approximation).

    Notes
    -----
    Union segments differ in size, so tests that share a segment are correlated; the
    interval is cluster-robust over segments (:meth:`MonteCarloEstimate.from_clusters`).
    """
    n, a, s, thetas, n_samples = _check_common(n, a, s, theta, n_samples)
    if s > a:
        raise ValueError(f"s must be in [1, a={a}], got {s}")
    if max(thetas) > s:
        raise ValueError(f"theta must be in [1, s={s}], got {max(thetas)}")
    M = check_int(M, "M", 1)
    rng = check_seed(seed)
    confidence = _check_confidence(confidence)

    def block(rng, rows_n, cols_n):
        patterns = _subsets(rng, n, a, rows_n)
        segments = _union_segments(rng, n, a, s, M, cols_n)
        member = np.zeros((n + 1, cols_n), dtype=np.uint8)
        member[segments, np.arange(cols_n)[:, None]] = 1
        member[n] = 0
        return patterns, member

    hits, trials = _run_grid(block, n_samples, n, rng, thetas, per_column=True)
    return MonteCarloEstimate.from_clusters(thetas, hits, trials, confidence)
