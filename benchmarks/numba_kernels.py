"""numba versions of the two compiled time loops of ``reservoirs/_rate_kernel.c``.

Measured against the C kernel by ``python benchmarks/reservoir.py --numba``: the same loops
(sliced-ELLPACK step of one network; 8-wide batch rows of the shared-matrix batch), written
with ``@njit(cache=True)`` and the logistic sigmoid from ``math.exp``. Benchmark code only:
the package does not import it.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

LANES = 8


@njit(cache=True)
def rate_run(m, n_chunks, steps, off, indices, data, u, win, bias, state, out):
    """One network, sigmoid, no leak: ``out[t] = g(bias + win u(t) + W r(t))`` (SELL W)."""
    d_in = u.shape[1]
    r = state.copy()
    acc = np.empty(LANES)
    for t in range(steps):
        x = out[t]
        for c in range(n_chunks):
            for lane in range(LANES):
                i = c * LANES + lane
                a = 0.0
                if i < m:
                    a = bias[i]
                    for k in range(d_in):
                        a += win[i, k] * u[t, k]
                acc[lane] = a
            base = off[c]
            width = (off[c + 1] - base) // LANES
            for j in range(width):
                p = base + j * LANES
                for lane in range(LANES):
                    acc[lane] += data[p + lane] * r[indices[p + lane]]
            for lane in range(LANES):
                i = c * LANES + lane
                if i < m:
                    y = acc[lane]
                    x[i] = 0.0 if y > 709.0 else 1.0 / (1.0 + math.exp(y))
        r = x
    state[:] = r


@njit(cache=True)
def shared_run(n, n_parts, batch, steps, indptr, indices, data, scales, u, win, bias, state,
               z, y):
    """``B`` networks ``W_b = sum_k s_kb M_k``, sigmoid, no leak, states discarded."""
    d_in = u.shape[1]
    nb = n * batch
    for t in range(steps):
        for k in range(n_parts):
            for i in range(n):
                for b in range(batch):
                    z[k * nb + i * batch + b] = state[i * batch + b] * scales[k, b]
        for i in range(n):
            di = bias[i]
            for k in range(d_in):
                di += win[i, k] * u[t, k]
            row = i * batch
            for b in range(batch):
                y[row + b] = di
            for p in range(indptr[i], indptr[i + 1]):
                w = data[p]
                col = indices[p] * batch
                for b in range(batch):
                    y[row + b] += w * z[col + b]
        for q in range(nb):
            v = y[q]
            state[q] = 0.0 if v > 709.0 else 1.0 / (1.0 + math.exp(v))
