"""Monte-Carlo simulation of random SDRs and dendritic segments (checks :mod:`dendrites.theory`).

Everything here draws random SDRs and segments and counts overlaps; nothing samples from the
theoretical distributions. The protocols are those of Numenta's C++ simulator for the paper
(``sdr_calculations2.cpp``, note §4.1).

Speed comes from two exact devices:

* **Floyd's algorithm**, vectorised over many sets at once, draws uniform ``k``-subsets of
  ``range(n)`` in ``k`` vector steps; the set-membership table it needs is also the
  ``(n, sets)`` indicator matrix used for counting.
* **A grid of tests.** Each block draws ``R`` fresh sets on one side (e.g. segments) and
  ``C`` fresh sets on the other (patterns) and tests all ``R x C`` pairs by index
  arithmetic: the overlap row of a set with indices ``i_1..i_k`` is the sum of ``k`` rows of
  the other side's indicator matrix (``uint8`` SIMD additions). The pair outcomes are
  *pairwise independent*: given one shared member of two pairs, each overlap has the same
  hypergeometric law whatever that member is (symmetry of uniform random sets). The variance
  of the hit count is therefore exactly the binomial one, and the usual binomial confidence
  interval applies, as it did for Numenta's 500 patterns per segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

import numpy as np
from scipy.special import ndtri

from workbench.validation import check_array, check_int, check_probability, check_seed

__all__ = [
    "MonteCarloEstimate",
    "add_noise",
    "random_sdrs",
    "simulate_false_match",
    "simulate_false_negative",
    "simulate_union",
    "wilson_interval",
]

#: bytes allowed for one block's indicator matrix (memory bound of every simulation).
_BLOCK_BYTES = 1 << 24
#: sets on the "rows" side of one block, and rows added per accumulator pass.
_ROWS_PER_BLOCK = 1024
_ROWS_PER_PASS = 64


# -- statistics -----------------------------------------------------------------------------

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


# -- random SDRs ----------------------------------------------------------------------------

def _floyd(rng, n, k, size):
    """``size`` uniform ``k``-subsets of ``range(n)`` and their ``(n + 1, size)`` indicator.

    Floyd's algorithm: for ``j = n-k .. n-1`` draw ``t`` uniform in ``[0, j]`` and take ``t``
    unless already taken, else ``j``. Row ``n`` of the indicator stays 0 (padding sentinel).
    """
    member = np.zeros((n + 1, size), dtype=np.uint8)
    out = np.empty((size, k), dtype=np.int64)
    cols = np.arange(size)
    for i, j in enumerate(range(n - k, n)):
        t = rng.integers(0, j + 1, size=size)
        pick = np.where(member[t, cols] != 0, j, t)
        member[pick, cols] = 1
        out[:, i] = pick
    return out, member


def _subsets(rng, n, k, size):
    """Indices of ``size`` uniform ``k``-subsets of ``range(n)``, memory-bounded."""
    chunk = max(1, _BLOCK_BYTES // (n + 1))
    parts = [_floyd(rng, n, k, min(chunk, size - start))[0] for start in range(0, size, chunk)]
    return np.concatenate(parts) if parts else np.empty((0, k), dtype=np.int64)


def random_sdrs(n, a, size, seed=None, *, dense=False):
    """Uniformly random SDRs: ``size`` sets of ``a`` distinct active cells out of ``n``.

    Parameters
    ----------
    n : int
        Population size, ``n >= 1``.
    a : int
        Active cells per SDR, ``0 <= a <= n``.
    size : int
        Number of SDRs, ``>= 0``.
    seed : int, numpy.random.Generator or None
        Randomness.
    dense : bool, default False
        Return boolean vectors of shape ``(size, n)`` instead of indices.

    Returns
    -------
    numpy.ndarray
        ``(size, a)`` int64 active-cell indices (distinct within a row, in draw order), or
        the ``(size, n)`` boolean SDRs when ``dense``.

    Notes
    -----
    Floyd's sampling algorithm, vectorised across SDRs: every ``a``-subset is equally likely,
    i.e. the patterns are uniform on :math:`\\Omega_n(a)`, :math:`|\\Omega_n(a)| = \\binom{n}{a}`.
    """
    n = check_int(n, "n", 1)
    a = check_int(a, "a", 0, n)
    size = check_int(size, "size", 0)
    idx = _subsets(check_seed(seed), n, a, size)
    if not dense:
        return idx
    out = np.zeros((size, n), dtype=bool)
    out[np.arange(size)[:, None], idx] = True
    return out


def add_noise(patterns, v, seed=None):
    """Move ``v`` random active cells of each boolean SDR to random inactive cells.

    Parameters
    ----------
    patterns : array_like of bool, shape (P, n) or (n,)
        SDRs; each needs at least ``v`` active and ``v`` inactive cells.
    v : int
        Noise bits per pattern, ``v >= 0``.
    seed : int, numpy.random.Generator or None
        Randomness.

    Returns
    -------
    numpy.ndarray of bool
        Noisy copies with the same number of active cells.

    Notes
    -----
    ``addNoise`` of Numenta's ``sdr_utilities.cpp`` (note §4.1): keep a random ``a - v`` of the
    active cells and add ``v`` cells drawn uniformly from the inactive ones; the segment
    failure probability is then :func:`dendrites.theory.false_negative_probability`.
    """
    arr = check_array(patterns, "patterns", ndim=(1, 2), dtype=bool)
    v = check_int(v, "v", 0)
    pats = np.atleast_2d(arr).copy()
    on = pats.sum(axis=1)
    if pats.size and (on.min() < v or (pats.shape[1] - on).max() < v):
        raise ValueError(f"v must be <= the active and the inactive cells of every pattern, got {v}")
    if v:
        rng = check_seed(seed)
        rows = np.arange(pats.shape[0])[:, None]
        drop = np.argpartition(np.where(pats, rng.random(pats.shape), 2.0), v - 1, axis=1)[:, :v]
        add = np.argpartition(np.where(pats, 2.0, rng.random(pats.shape)), v - 1, axis=1)[:, :v]
        pats[rows, drop] = False
        pats[rows, add] = True
    return pats[0] if arr.ndim == 1 else pats


# -- counting overlaps on a grid ----------------------------------------------------------------

def _tail_counts(rows, member, thetas, per_column=False):
    """Number of (row set, column) pairs with overlap >= each θ.

    ``rows`` (R, k) holds indices into ``member`` (n + 1, C) (index n = padding); the overlap
    of row set r with column c is ``sum_j member[rows[r, j], c]``. Returns shape ``(T,)``, or
    ``(T, C)`` counts per column when ``per_column``.
    """
    k = rows.shape[1]
    dtype = np.uint8 if k < 256 else np.uint16
    member = member.astype(dtype, copy=False)
    shape = (len(thetas), member.shape[1]) if per_column else (len(thetas),)
    counts = np.zeros(shape, dtype=np.int64)
    for start in range(0, rows.shape[0], _ROWS_PER_PASS):
        block = rows[start:start + _ROWS_PER_PASS]
        acc = member[block[:, 0]].copy()
        for j in range(1, k):
            np.add(acc, member[block[:, j]], out=acc)
        if per_column:
            counts += np.stack([np.count_nonzero(acc >= t, axis=0) for t in thetas])
        elif len(thetas) > 2:
            hist = np.bincount(acc.ravel(), minlength=k + 1)
            tails = np.cumsum(hist[::-1])[::-1]
            counts += np.array([tails[t] if t <= k else 0 for t in thetas])
        else:
            counts += np.array([np.count_nonzero(acc >= t) for t in thetas])
    return counts


def _run_grid(make_block, n_samples, n_cells, rng, thetas, per_column=False):
    """Draw blocks of R x C tests until ``n_samples`` tests are done; count overlaps >= θ.

    Returns ``(hits (T,), trials)``, or with ``per_column`` the hits ``(T, columns)`` and the
    tests ``(columns,)`` of every column set drawn.
    """
    cols_max = int(np.clip(_BLOCK_BYTES // (n_cells + 1), 16, 8192))
    hits, trials = [], []
    done = 0
    while done < n_samples:
        rows_n = min(_ROWS_PER_BLOCK, n_samples - done)
        cols_n = min(cols_max, ceil((n_samples - done) / rows_n))
        rows, member = make_block(rng, rows_n, cols_n)
        hits.append(_tail_counts(rows, member, thetas, per_column))
        trials.append(np.full(member.shape[1], rows.shape[0]))
        done += rows.shape[0] * member.shape[1]
    if per_column:
        return np.concatenate(hits, axis=1), np.concatenate(trials)
    return np.sum(hits, axis=0), done


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
    Protocol of note §4.1: random segments with ``s`` synapses and random ``a``-of-``n``
    patterns, a hit when :math:`x_i \\cdot y \\ge \\theta` (the event of eq. §2.4).
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
        :func:`dendrites.theory.false_negative_probability` (eq. §2.5).

    Notes
    -----
    Protocol of note §4.1: each block stores one random pattern, grows segments on random
    ``s``-subsamples of its cells (one-shot learning) and presents noisy copies of it.
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
        ``method="expected"`` uses the mean union size, note §2.6 and pitfall 6).

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
