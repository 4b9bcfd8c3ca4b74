"""Segments that store the union of M patterns, and neurons with K segments."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from math import comb, floor

import numpy as np

from workbench.validation import check_int

from .exact import _check_le, _finish, _int_array, _map, _tail
from .segments import _segment_args

__all__ = ["neuron_false_match_probability", "union_false_match_probability",
           "union_size_distribution", "union_synapse_count"]


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
        :math:`s_M = n\\left(1 - (1 - s/n)^M\\right)` (Ahmad & Hawkins 2016, union
        property); ``n=1000, s=25, M=19``
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
    Paper form (Ahmad & Hawkins 2016, union property; ``sdr_paper_unions.py``): the union
    acts as one random segment of
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
        probability (Ahmad & Hawkins 2016, neurons with many segments), evaluated as
        ``-expm1(K log1p(-p))`` to keep full relative precision for tiny ``p``.
    """
    K = _int_array(K, "K", 1)
    p = np.asarray(union_false_match_probability(n, a, s, theta, M, method=method))
    with np.errstate(divide="ignore"):
        out = -np.expm1(K * np.log1p(-p))
    return _finish(np.asarray(out, dtype=np.float64))
