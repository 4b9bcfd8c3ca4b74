"""Uniformly random SDRs (Floyd's algorithm, vectorised over sets) and noisy copies."""

from __future__ import annotations

import numpy as np

from workbench.validation import check_array, check_int, check_seed

__all__ = ["add_noise", "random_sdrs"]

#: bytes allowed for one block's indicator matrix (memory bound of every simulation).
_BLOCK_BYTES = 1 << 24


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
    ``addNoise`` of Numenta's ``sdr_utilities.cpp``: keep a random ``a - v`` of the
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

