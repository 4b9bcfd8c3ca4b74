"""Distance of the reservoir kernels to their rooflines, on this machine, one core.

Run: ``python benchmarks/roofline.py``.

Measures the two roofs first, then each kernel:

* memory roof: read bandwidth of ``numpy.sum`` over an array resident in L2 (512 KiB), one in
  L3 (8 MiB) and one that streams from DRAM (256 MiB);
* compute roof: single-threaded ``dgemm`` (2000 x 2000 ``numpy`` product), GFLOP/s.

Kernels (minimum over repeats, so that a loaded machine's interruptions are filtered out):

1. one network, N = 500, k = 50, the SELL step (``reservoirs.compiled.run_rate``): per step
   it streams 12 bytes per stored slot (8-byte value, 4-byte index; ~300 KB, L2-resident),
   gathers ``r`` from L1 and does 2 flops per slot: bound by the L2 read roof.
2. 32 networks sharing ``[A^E, A^I]`` (``run_shared``): per step and link it reads the
   value and index once and one 32-wide row of ``Z`` (256 bytes, from L1/L2) for 64 flops:
   bound by the L2 read roof.
3. 16 copies of one network with their own link values (adapted inhibition;
   ``run_pattern``): per step and link it reads the index once and 16 values and 16 states
   side by side (8-byte values: 132 bytes per link, ~3.3 MB per step at N = 500, beyond L2)
   for 32 flops: bound by the L3 read roof; with the homeostatic rule inside the loop as well.
4. the Gram matrix ``X^T X`` of a readout (T = 3700 rows, 301 columns): numpy hands
   ``X.T @ X`` to BLAS ``syrk``, ``T n (n + 1)`` flops, bound by the dgemm rate; and the whole
   ``RidgeReadout`` fit (Gram, two eigendecompositions, validation of 11 penalties for 101 targets)
   for scale.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from reservoirs import EIReservoir, compiled  # noqa: E402
from reservoirs.dynamics import _row_scaled  # noqa: E402
from workbench.readout import RidgeReadout  # noqa: E402

REPEATS = 7


def best(fn, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def read_bandwidth(n_bytes, inner):
    a = np.ones(n_bytes // 8)
    t = best(lambda: [a.sum() for _ in range(inner)])
    return n_bytes * inner / t


def dgemm_rate(n=2000):
    a, b = np.random.rand(n, n), np.random.rand(n, n)
    return 2 * n ** 3 / best(lambda: a @ b, 3)


def main():
    with threadpool_limits(1):
        bw_l2 = read_bandwidth(512 * 1024, 400)
        bw_l3 = read_bandwidth(8 * 2 ** 20, 20)
        bw_mem = read_bandwidth(256 * 2 ** 20, 1)
        flops = dgemm_rate()
        print(f"roofs: L2 read {bw_l2 / 1e9:.1f} GB/s, L3 read {bw_l3 / 1e9:.1f} GB/s, "
              f"DRAM read {bw_mem / 1e9:.1f} GB/s, "
              f"dgemm {flops / 1e9:.1f} GFLOP/s (one core)")

        n, steps = 500, 4000
        res = EIReservoir(n, gain=4.0, strength=2.0, seed=0)
        lib = compiled.kernel()
        scale = -res.gain * np.ones(n)
        w = res.weights
        data = _row_scaled(w, scale)
        layout = compiled.SellLayout(w)
        win, bias = res.input_weights * scale[:, None], -scale * res.threshold
        u = np.random.default_rng(0).uniform(-1, 1, (steps, 1))
        out = np.empty((steps, n))
        t = best(lambda: compiled.run_rate(lib, layout, data, u, win, bias, None, "sigmoid",
                                           np.full(n, 0.5), out)) / steps
        slots = layout.off[-1]
        bound = (12 * slots + 8 * n) / bw_l2
        print(f"[1] one network N={n}: {t * 1e6:.1f} us/step; L2 roof {bound * 1e6:.1f} us/step "
              f"({12 * slots / 1e3:.0f} kB streamed) -> {t / bound:.1f}x from the roof, "
              f"{2 * slots / t / 1e9:.2f} GFLOP/s")

        b = 32
        parts = sp.hstack([res.excitatory, res.inhibitory], format="csr")
        parts.sort_indices()
        pdata = _row_scaled(parts, scale)
        scales = np.vstack([np.ones(b), -np.linspace(0.5, 2, b)])
        ub = u[:1000]
        t = best(lambda: compiled.run_shared(lib, parts, pdata, scales, ub, win, bias, None,
                                             "sigmoid", np.full((n, b), 0.5))) / ub.shape[0]
        links = parts.nnz
        bound = (links * (12 + 8 * b) + 2 * 8 * n * b * 2) / bw_l2
        print(f"[2] {b} networks sharing A^E, A^I, N={n}: {t * 1e6:.1f} us/step "
              f"({t / b * 1e6:.1f} us per network-step); L2 roof {bound * 1e6:.1f} us/step -> "
              f"{t / bound:.1f}x from the roof, {2 * links * b / t / 1e9:.2f} GFLOP/s")

        b = 16
        values = np.column_stack([w.data * f for f in np.linspace(0.5, 1.5, b)])
        inh = np.flatnonzero(~res.cell_types[w.indices])
        rows = np.repeat(np.arange(n), np.diff(w.indptr))[inh]
        rule = (inh, rows, 1e-3, np.full((n, b), 0.5))
        for label, r in (("", None), (" + homeostatic rule", rule)):
            t = best(lambda r=r: compiled.run_pattern(
                lib, w, values.copy(), ub, res.input_weights, res.threshold, scale, None,
                "sigmoid", np.full((n, b), 0.5), rule=r)) / ub.shape[0]
            bound = w.nnz * (4 + 8 * b) / bw_l3
            print(f"[3] {b} copies with their own values{label}, N={n}: {t * 1e6:.1f} us/step "
                  f"({t / b * 1e6:.1f} us per network-step, {t / (b * w.nnz) * 1e9:.3f} ns per "
                  f"link and network); L3 roof {bound * 1e6:.1f} us/step -> {t / bound:.1f}x "
                  f"from the roof")

        x = np.random.rand(3700, 301)
        t = best(lambda: x.T @ x)
        bound = 3700 * 301 * 302 / flops
        print(f"[4] Gram X^T X (3700 x 301): {t * 1e3:.1f} ms; dgemm roof {bound * 1e3:.1f} ms "
              f"-> {t / bound:.1f}x from the roof")
        y = np.random.rand(3700, 101)
        t_fit = best(lambda: RidgeReadout(alpha_per_target=True, cv=0.2).fit(x[:2960], y[:2960]), 3)
        print(f"    whole RidgeReadout fit (101 targets, 11 penalties): {t_fit * 1e3:.1f} ms "
              f"= {t_fit / bound:.1f}x the Gram's roof")


if __name__ == "__main__":
    main()
