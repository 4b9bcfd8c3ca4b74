"""Counting overlaps on a grid of R x C set pairs, block by block within a memory bound."""

from __future__ import annotations

from math import ceil

import numpy as np

from .sampling import _BLOCK_BYTES

#: sets on the "rows" side of one block, and rows added per accumulator pass.
_ROWS_PER_BLOCK = 1024
_ROWS_PER_PASS = 64


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
