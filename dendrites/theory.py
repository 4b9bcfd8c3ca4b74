"""Exact SDR and active-dendrite theory (Ahmad & Hawkins 2016, arXiv:1601.00720).

Every probability here is a hypergeometric tail evaluated **exactly**: the numerator and the
denominator are Python integers (``math.comb``) and the one final division ``int / int`` is
correctly rounded by Python, so the relative error is at most one ulp (~1.1e-16) for every
result above the float64 underflow threshold (~2.2e-308). The symmetric form of the
hypergeometric distribution is used so the integers have ``min(s, a)`` binomial factors, not
``a`` (see :func:`_tail_table`). Tail tables are cached, so sweeping θ costs nothing extra.

All public functions broadcast numpy arrays over every argument and return float64 (a
numpy scalar for scalar input). Notation follows ``../shared/research/dendrites.md`` §1:
``n`` cells, ``a`` active cells, ``s`` synapses per segment, ``θ`` NMDA threshold, ``v``
noise bits, ``M`` patterns per segment (union), ``K`` segments per neuron.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from itertools import accumulate
from math import comb, floor

import numpy as np

from workbench.validation import check_int, check_probability

__all__ = [
    "PAPER_THETAS",
    "PAPER_NS",
    "PAPER_SPARSITIES",
    "PAPER_SYNAPSES",
    "ThresholdScan",
    "false_match_probability",
    "false_negative_probability",
    "n_sdrs",
    "neuron_false_match_probability",
    "optimal_threshold",
    "overlap_set_size",
    "union_false_match_probability",
    "union_size_distribution",
    "union_synapse_count",
]

#: θ grid of the optimal-threshold analysis (``compute_optimal_threshold.py``, note §2.8).
PAPER_THETAS = tuple(range(3, 25))
#: n grid of the optimal-threshold analysis: 10 000, 30 000, ..., 190 000.
PAPER_NS = tuple(range(10_000, 200_000, 20_000))
#: sparsity grid a/n of the optimal-threshold analysis: 0.005 ... 0.030.
PAPER_SPARSITIES = (0.005, 0.010, 0.015, 0.020, 0.025, 0.030)
#: segment sizes of the optimal-threshold analysis: 20, 25, ..., 50.
PAPER_SYNAPSES = tuple(range(20, 51, 5))


# -- validation helpers ------------------------------------------------------------------------

def _int_array(value, name, low=0):
    """Integer array (int64) of ``value``; ``ValueError`` names ``name`` and the range."""
    return np.asarray(check_int(value, name, low, None), dtype=np.int64)


def _check_le(small, small_name, big, big_name):
    """Elementwise ``small <= big`` after broadcasting; the error names both parameters."""
    bad = np.atleast_1d(small > big)
    if np.any(bad):
        small, big = np.broadcast_arrays(np.atleast_1d(small), np.atleast_1d(big))
        bad = np.broadcast_to(bad, small.shape)
        idx = tuple(int(i[0]) for i in np.nonzero(bad))
        sv, bv = small[idx], big[idx]
        raise ValueError(f"{small_name} must be <= {big_name}, got {small_name}={sv} > "
                         f"{big_name}={bv}")


def _finish(out):
    """Scalars come back as numpy float64 scalars, arrays keep their broadcast shape."""
    return out[()] if out.ndim == 0 else out


# -- exact hypergeometric tails -----------------------------------------------------------------

@lru_cache(maxsize=16384)
def _tail_table(N: int, K: int, k: int) -> tuple[int, tuple[int, ...], int]:
    """Exact upper-tail numerators of X ~ Hypergeom(population N, K marked, k draws).

    Returns ``(lo, suffix, denominator)`` with ``P(X >= lo + i) = suffix[i] / denominator``
    for ``0 <= i < len(suffix)``; ``P(X >= t) = 1`` for ``t <= lo`` and 0 past the support.

    Uses the symmetry ``C(K,b)C(N-K,k-b)/C(N,k) = C(k,b)C(N-k,K-b)/C(N,K)``, so the smaller
    of ``K`` and ``k`` is the number of draws and the integers stay small.
    """
    if k > K:
        K, k = k, K
    lo = max(0, k - (N - K))
    terms = [comb(K, lo) * comb(N - K, k - lo)]
    for b in range(lo, k):  # exact: T(b+1) (b+1)(N-K-k+b+1) = T(b) (K-b)(k-b)
        terms.append(terms[-1] * ((K - b) * (k - b)) // ((b + 1) * (N - K - k + b + 1)))
    suffix = tuple(accumulate(reversed(terms)))[::-1]
    return lo, suffix, comb(N, k)


def _tail_exact(N: int, K: int, k: int, t: int) -> Fraction:
    """``P(X >= t)`` as an exact fraction (see :func:`_tail_table`)."""
    lo, suffix, den = _tail_table(N, K, k)
    if t <= lo:
        return Fraction(1)
    if t - lo >= len(suffix):
        return Fraction(0)
    return Fraction(suffix[t - lo], den)


def _tail(N: int, K: int, k: int, t: int) -> float:
    """``P(X >= t)`` rounded once to float64 (Python's int division is correctly rounded)."""
    lo, suffix, den = _tail_table(N, K, k)
    if t <= lo:
        return 1.0
    if t - lo >= len(suffix):
        return 0.0
    return suffix[t - lo] / den


def _map(func, *arrays):
    """Apply a scalar function of Python ints elementwise over broadcast int arrays."""
    arrs = np.broadcast_arrays(*arrays)
    out = np.empty(arrs[0].shape, dtype=np.float64)
    flat = out.reshape(-1)
    for i, args in enumerate(zip(*(a.reshape(-1).tolist() for a in arrs))):
        flat[i] = func(*args)
    return out


# -- counting SDRs ------------------------------------------------------------------------------

def _as_output(values, shape, exact):
    if exact:
        out = np.empty(shape, dtype=object)
        out.reshape(-1)[:] = values
        return out[()] if out.ndim == 0 else out
    floats = [float(v) if v.bit_length() < 1024 else np.inf for v in values]
    return _finish(np.asarray(floats, dtype=np.float64).reshape(shape))


def n_sdrs(n, a, *, exact=False):
    """Number of distinct SDRs with ``a`` of ``n`` bits on.

    Parameters
    ----------
    n : int or array_like of int
        Population size, ``n >= 1``.
    a : int or array_like of int
        Number of active bits, ``0 <= a <= n``.
    exact : bool, default False
        Return Python integers (object array) instead of float64 (``inf`` past 1.8e308).

    Returns
    -------
    float or numpy.ndarray
        :math:`|\\Omega_n(a)| = \\binom{n}{a}` (note §2.1); e.g. ``n_sdrs(2048, 40)`` is
        about 2.37e84.

    Notes
    -----
    The probability that two random SDRs are identical is :math:`1/\\binom{n}{a}`.
    """
    n = _int_array(n, "n", 1)
    a = _int_array(a, "a", 0)
    _check_le(a, "a", n, "n")
    nb, ab = np.broadcast_arrays(n, a)
    values = [comb(x, y) for x, y in zip(nb.reshape(-1).tolist(), ab.reshape(-1).tolist())]
    return _as_output(values, nb.shape, exact)


def overlap_set_size(n, a_x, b, a_y, *, exact=False):
    """Number of SDRs with ``a_y`` bits on that overlap a fixed ``a_x``-bit SDR in exactly ``b``.

    Parameters
    ----------
    n : int or array_like of int
        Population size, ``n >= 1``.
    a_x : int or array_like of int
        Active bits of the fixed vector x, ``0 <= a_x <= n``.
    b : int or array_like of int
        Overlap, ``0 <= b <= a_x``.
    a_y : int or array_like of int
        Active bits of the counted vectors y, ``0 <= a_y <= n``.
    exact : bool, default False
        Return Python integers (object array) instead of float64.

    Returns
    -------
    float or numpy.ndarray
        :math:`|\\Omega_n(a_x, b, a_y)| = \\binom{a_x}{b}\\binom{n-a_x}{a_y-b}` (note §2.2),
        zero when ``b > a_y``.
    """
    n = _int_array(n, "n", 1)
    a_x = _int_array(a_x, "a_x", 0)
    b = _int_array(b, "b", 0)
    a_y = _int_array(a_y, "a_y", 0)
    _check_le(a_x, "a_x", n, "n")
    _check_le(a_y, "a_y", n, "n")
    _check_le(b, "b", a_x, "a_x")
    arrs = np.broadcast_arrays(n, a_x, b, a_y)
    values = [comb(ax, bb) * comb(nn - ax, ay - bb) if ay >= bb else 0
              for nn, ax, bb, ay in zip(*(x.reshape(-1).tolist() for x in arrs))]
    return _as_output(values, arrs[0].shape, exact)


# -- the segment equations ----------------------------------------------------------------------

def _segment_args(n, a, s, theta):
    n = _int_array(n, "n", 1)
    a = _int_array(a, "a", 0)
    s = _int_array(s, "s", 1)
    theta = _int_array(theta, "theta", 1)
    _check_le(a, "a", n, "n")
    _check_le(s, "s", n, "n")
    _check_le(theta, "theta", s, "s")
    return n, a, s, theta


def false_match_probability(n, a, s, theta):
    """Probability that a random ``a``-of-``n`` SDR reaches θ on a segment of ``s`` synapses.

    Parameters
    ----------
    n : int or array_like of int
        Cells in the presynaptic population, ``n >= 1``.
    a : int or array_like of int
        Active cells of the random pattern, ``0 <= a <= n``.
    s : int or array_like of int
        Synapses on the segment, ``1 <= s <= n``.
    theta : int or array_like of int
        NMDA-spike threshold, ``1 <= theta <= s``.

    Returns
    -------
    float or numpy.ndarray
        The false-match (false-positive) probability, broadcast over all arguments.

    Notes
    -----
    Ahmad & Hawkins (2016), main equation (note §2.4):

    .. math::

        P_{FP}(n,a,s,\\theta) = \\frac{\\sum_{b=\\theta}^{s}\\binom{s}{b}\\binom{n-s}{a-b}}
                                      {\\binom{n}{a}},

    the upper tail of a hypergeometric distribution (population n, s marked cells, a draws).
    Evaluated with exact integers and one correctly-rounded division, never term by term in
    floating point (the pitfall of note §6 that gives a spurious 0).

    Examples
    --------
    >>> float(false_match_probability(10_000, 300, 24, 12))  # doctest: +ELLIPSIS
    8.3758452270...e-13
    """
    n, a, s, theta = _segment_args(n, a, s, theta)
    return _finish(_map(lambda nn, aa, ss, tt: _tail(nn, ss, aa, tt), n, a, s, theta))


def false_negative_probability(a, s, theta, v):
    """Probability that a stored pattern with ``v`` of its ``a`` bits replaced misses θ.

    Parameters
    ----------
    a : int or array_like of int
        Active cells of the stored pattern, ``a >= 1``.
    s : int or array_like of int
        Synapses the segment formed on the pattern's cells, ``1 <= s <= a``.
    theta : int or array_like of int
        NMDA-spike threshold, ``1 <= theta <= s``.
    v : int or array_like of int
        Noise bits: active cells removed (and replaced by cells outside the pattern),
        ``0 <= v <= a``.

    Returns
    -------
    float or numpy.ndarray
        The false-negative probability (independent of n).

    Notes
    -----
    Note §2.5 ("Noisy matches" sheet, notebook ``noiseFN``): the segment fails iff more than
    ``s - θ`` of its synapses lost their input,

    .. math::

        P_{FN}(a,s,\\theta,v) = \\frac{\\sum_{b=s-\\theta+1}^{\\min(s,v)}
                                \\binom{s}{b}\\binom{a-s}{v-b}}{\\binom{a}{v}},

    i.e. ``hypergeom.sf(s - θ, M=a, n=s, N=v)``. It is exactly 0 for ``v <= s - θ``.
    """
    a = _int_array(a, "a", 1)
    s = _int_array(s, "s", 1)
    theta = _int_array(theta, "theta", 1)
    v = _int_array(v, "v", 0)
    _check_le(s, "s", a, "a")
    _check_le(theta, "theta", s, "s")
    _check_le(v, "v", a, "a")
    return _finish(_map(lambda aa, ss, tt, vv: _tail(aa, ss, vv, ss - tt + 1), a, s, theta, v))


# -- unions -------------------------------------------------------------------------------------

def _union_args(n, a, s, theta, M):
    n, a, s, theta = _segment_args(n, a, s, theta)
    M = _int_array(M, "M", 1)
    return n, a, s, theta, M


def _rounded_union_count(n: int, s: int, M: int) -> int:
    """``round(n (1 - (1 - s/n)^M))`` computed exactly (ties round up, like Python 2)."""
    expected = n * (1 - (1 - Fraction(s, n)) ** M)
    return floor(expected + Fraction(1, 2))


def union_synapse_count(n, s, M, *, rounded=False):
    """Expected number of distinct synapses when ``M`` random ``s``-synapse sets share a segment.

    Parameters
    ----------
    n : int or array_like of int
        Population size, ``n >= 1``.
    s : int or array_like of int
        Synapses per stored pattern, ``1 <= s <= n``.
    M : int or array_like of int
        Number of patterns stored on the segment, ``M >= 1``.
    rounded : bool, default False
        Round to the nearest integer (ties up) as Numenta's ``sdr_paper_unions.py`` does.

    Returns
    -------
    float or numpy.ndarray
        :math:`s_M = n\\left(1 - (1 - s/n)^M\\right)` (note §2.6); ``n=1000, s=25, M=19``
        gives 381.9.
    """
    n = _int_array(n, "n", 1)
    s = _int_array(s, "s", 1)
    M = _int_array(M, "M", 1)
    _check_le(s, "s", n, "n")
    if rounded:
        return _finish(_map(_rounded_union_count, n, s, M))
    return _finish(_map(lambda nn, ss, mm: float(nn * (1 - (1 - Fraction(ss, nn)) ** mm)),
                        n, s, M))


@lru_cache(maxsize=65536)
def _union_growth(n: int, s: int, u: int) -> np.ndarray:
    """P(j new cells) for j = 0..s when a random s-subset joins a union of u cells."""
    den = comb(n, s)
    return np.array([comb(n - u, j) * comb(u, s - j) / den for j in range(s + 1)])


@lru_cache(maxsize=1024)
def _union_size_pmf(n: int, s: int, M: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Distribution of the number of distinct cells in the union of M random s-subsets of n."""
    if M == 1:
        return (s,), (1.0,)
    sizes, probs = _union_size_pmf(n, s, M - 1)
    new = np.zeros(min(n, M * s) + s + 1)
    for u, w in zip(sizes, probs):
        new[u:u + s + 1] += w * _union_growth(n, s, u)
    support = np.flatnonzero(new)
    return tuple(int(u) for u in support), tuple(float(new[u]) for u in support)


def union_size_distribution(n, s, M):
    """Exact distribution of the number of distinct synapses of a union segment.

    Parameters
    ----------
    n : int
        Population size, ``n >= 1``.
    s : int
        Synapses formed per stored pattern (a uniformly random ``s``-subset of ``n``),
        ``1 <= s <= n``.
    M : int
        Stored patterns, ``M >= 1``.

    Returns
    -------
    sizes : numpy.ndarray of int
        Possible union sizes ``u``.
    probabilities : numpy.ndarray of float
        :math:`P(U = u)`.

    Notes
    -----
    Markov chain over the union size [derived here, not in the paper]: adding a random
    ``s``-subset to a union of ``u`` cells adds ``j`` new cells with probability
    :math:`\\binom{n-u}{j}\\binom{u}{s-j}/\\binom{n}{s}`. Its mean is the paper's
    :math:`s_M = n(1-(1-s/n)^M)`.
    """
    n = check_int(n, "n", 1)
    s = check_int(s, "s", 1, n)
    M = check_int(M, "M", 1)
    sizes, probs = _union_size_pmf(n, s, M)
    return np.asarray(sizes, dtype=np.int64), np.asarray(probs)


def _union_exact(n: int, a: int, s: int, theta: int, M: int) -> float:
    """Mixture of P_FP over the exact union-size distribution, summed from the largest size."""
    sizes, probs = _union_size_pmf(n, s, M)
    remaining = sum(probs)
    total = 0.0
    for u, w in zip(reversed(sizes), reversed(probs)):
        p = _tail(n, u, a, theta) if u >= theta else 0.0
        total += w * p
        remaining -= w
        # P_FP grows with u, so what is left is at most remaining * p.
        if remaining * p <= 1e-15 * total:
            break
    return total


def union_false_match_probability(n, a, s, theta, M, *, method="expected"):
    """False-match probability of a segment that stores ``s`` synapses for each of ``M`` patterns.

    Parameters
    ----------
    n : int or array_like of int
        Population size, ``n >= 1``.
    a : int or array_like of int
        Active cells of the random test pattern, ``0 <= a <= n``.
    s : int or array_like of int
        Synapses per stored pattern, ``1 <= s <= n``.
    theta : int or array_like of int
        NMDA threshold, ``1 <= theta <= s`` (each stored pattern must still reach it).
    M : int or array_like of int
        Stored patterns, ``M >= 1``.
    method : {"expected", "exact"}
        ``"expected"`` is the paper's formula; ``"exact"`` averages over the exact
        distribution of the union size (:func:`union_size_distribution`), which is what a
        simulation of the process measures.

    Returns
    -------
    float or numpy.ndarray
        The false-match probability.

    Notes
    -----
    Paper form (note §2.6, ``sdr_paper_unions.py``): the union acts as one random segment of
    :math:`s_M = \\operatorname{round}(n(1-(1-s/n)^M))` synapses,

    .. math::

        P^{\\cup}_{FP}(n,a,s,\\theta,M) = P_{FP}(n, a, s_M, \\theta),

    without Numenta's cap to 1.0 above 0.9999999999. The exact form is
    :math:`\\sum_u P(U=u)\\,P_{FP}(n,a,u,\\theta)`.
    """
    if method not in ("expected", "exact"):
        raise ValueError(f"method must be one of ['exact', 'expected'], got {method!r}")
    n, a, s, theta, M = _union_args(n, a, s, theta, M)
    if method == "exact":
        return _finish(_map(_union_exact, n, a, s, theta, M))

    def expected(nn, aa, ss, tt, mm):
        sm = _rounded_union_count(nn, ss, mm)
        return _tail(nn, sm, aa, tt) if sm >= tt else 0.0

    return _finish(_map(expected, n, a, s, theta, M))


def neuron_false_match_probability(n, a, s, theta, K, M=1, *, method="expected"):
    """Probability that a neuron with ``K`` independent segments fires for a random SDR.

    Parameters
    ----------
    n, a, s, theta : int or array_like of int
        As in :func:`false_match_probability` (``1 <= theta <= s``).
    K : int or array_like of int
        Dendritic segments on the neuron, ``K >= 1``.
    M : int or array_like of int, default 1
        Patterns stored per segment (union, :func:`union_false_match_probability`).
    method : {"expected", "exact"}
        How the union segment is treated when ``M > 1``.

    Returns
    -------
    float or numpy.ndarray
        :math:`P^{neuron}_{FP} = 1 - (1 - p)^K \\le K p` with ``p`` the per-segment
        probability (note §2.7), evaluated as ``-expm1(K log1p(-p))`` to keep full relative
        precision for tiny ``p``.
    """
    K = _int_array(K, "K", 1)
    p = np.asarray(union_false_match_probability(n, a, s, theta, M, method=method))
    with np.errstate(divide="ignore"):
        out = -np.expm1(K * np.log1p(-p))
    return _finish(np.asarray(out, dtype=np.float64))


# -- optimal threshold --------------------------------------------------------------------------

@dataclass(frozen=True)
class ThresholdScan:
    """False-match statistics per θ over a grid of (n, a, s) (note §2.8).

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
    ``compute_optimal_threshold.py`` (note §2.8): for each θ the 420 grid points give
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
