"""Benchmark of dendrites: Monte-Carlo throughput and theory-curve time.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/dendrites.py [--samples 100000000]``

Peer: a straightforward dense-boolean numpy simulation of the same protocol (Numenta's:
one random segment, 500 random patterns per trial, dense boolean vectors, overlap by
``(patterns & segment).sum(axis=1)``), measured in the same process. Prints tests per
second of both, the ratio, the time for one figure point of 1e8 tests, and the time of a
100-point exact theory curve.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

# This file is named like the package: run as a script, its folder comes first on sys.path
# and would shadow ``dendrites``; put the repository root there instead.
_ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(_ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != _ROOT / "benchmarks"]

from dendrites import simulate, theory  # noqa: E402

N, A, S, THETA = 2048, 40, 24, 12


def dense_boolean_baseline(n, a, s, theta, n_samples, seed=0, batch=500):
    """Hits of ``n_samples`` segment-vs-pattern tests with dense boolean vectors."""
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(n_samples // batch):
        segment = np.zeros(n, dtype=bool)
        segment[rng.choice(n, s, replace=False)] = True
        keys = rng.random((batch, n))
        patterns = keys <= np.partition(keys, a - 1, axis=1)[:, a - 1:a]  # the a smallest keys
        hits += int(np.count_nonzero((patterns & segment).sum(axis=1) >= theta))
    return hits, (n_samples // batch) * batch


def dense_matmul_grid(n, a, s, theta, n_samples, seed=0, patterns=4096, segments=512):
    """Context only: dense float32 vectors, all pattern x segment pairs by one BLAS product."""
    rng = np.random.default_rng(seed)
    hits, done = 0, 0
    while done < n_samples:
        keys = rng.random((patterns, n))
        pats = (keys <= np.partition(keys, a - 1, axis=1)[:, a - 1:a]).astype(np.float32)
        keys = rng.random((segments, n))
        segs = (keys <= np.partition(keys, s - 1, axis=1)[:, s - 1:s]).astype(np.float32)
        hits += int(np.count_nonzero(pats @ segs.T >= theta))
        done += patterns * segments
    return hits, done


def timed(func, *args, **kw):
    t0 = time.perf_counter()
    out = func(*args, **kw)
    return out, time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000_000, help="tests for the 1e8 point")
    parser.add_argument("--baseline-samples", type=int, default=200_000)
    args = parser.parse_args()

    print(f"Monte-Carlo throughput, n={N}, a={A}, s={S}, theta={THETA}")
    (hits_b, trials_b), t_b = timed(dense_boolean_baseline, N, A, S, THETA, args.baseline_samples)
    rate_b = trials_b / t_b
    print(f"  dense-boolean numpy baseline: {trials_b:.3g} tests in {t_b:.2f} s -> {rate_b:.3g} tests/s")
    est, t_o = timed(simulate.simulate_false_match, N, A, S, THETA, args.samples, seed=0)
    rate_o = est.trials / t_o
    print(f"  dendrites.simulate:           {est.trials:.3g} tests in {t_o:.2f} s -> {rate_o:.3g} tests/s")
    print(f"  ratio (ours / baseline): {rate_o / rate_b:.1f}x")
    (_, trials_m), t_m = timed(dense_matmul_grid, N, A, S, THETA, 20_000_000)
    print(f"  (context) dense float32 matmul on the same pattern x segment grid: "
          f"{trials_m / t_m:.3g} tests/s; ours is {rate_o / (trials_m / t_m):.1f}x that")
    print(f"  hits {est.hits[0]} (theory p = {theory.false_match_probability(N, A, S, THETA):.3e})")

    n, a = 700, 64  # a figure point whose probability (1.4e-7) needs ~1e8 tests
    est, t = timed(simulate.simulate_false_match, n, a, S, THETA, args.samples, seed=1)
    p = theory.false_match_probability(n, a, S, THETA)
    print(f"Fig. B point n={n}, a={a}: {est.trials:.3g} tests in {t:.2f} s; estimate {est.estimate[0]:.3e} "
          f"[{est.low[0]:.2e}, {est.high[0]:.2e}] vs theory {p:.4e} (paper's C++: 1.1e-7)")

    ns = np.arange(300, 20_100, 200)[:100]
    times = []
    for _ in range(5):
        theory._tail_table.cache_clear()
        _, t = timed(theory.false_match_probability, ns, 256, S, THETA)
        times.append(t)
    print(f"Theory: 100-point curve (a=256, n=300..20100, exact, cold cache): "
          f"best {min(times) * 1e3:.1f} ms, median {np.median(times) * 1e3:.1f} ms")
    theory._tail_table.cache_clear()
    _, t = timed(theory.optimal_threshold)
    print(f"Theory: optimal-threshold grid (22 thetas x 420 points): {t * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
