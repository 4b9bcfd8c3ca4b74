"""Exact hypergeometric tails and the argument handling shared by the theory functions.

Every probability of :mod:`dendrites.theory` is a hypergeometric tail evaluated **exactly**:
numerator and denominator are Python integers (``math.comb``) and the one final division
``int / int`` is correctly rounded by Python.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from itertools import accumulate
from math import comb

import numpy as np

from workbench.validation import check_int


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

