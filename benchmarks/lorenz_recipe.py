"""Compare Lorenz-63 AL-RNN recipes over training seeds, on validation data by default.

A recipe is chosen here, not on the test series: every variant is trained on the
experiment's training trajectory (``alrnn.lorenz63``: data seed 0) and scored with the lab
protocol (Brenner et al. 2024; free run of 1.25 T from the first point, 0.25 T dropped,
D_stsp with 30 bins, D_H with sigma 20, subregions holding 99 % of the free run) on a
*validation* trajectory, a third generated series (data seed 2) that neither training nor the
test evaluation uses. ``--series test`` scores on the experiment's test trajectory (data
seed 1) instead: only for the final, held-out report of a recipe already chosen.

Prints, per variant, the share of seeds meeting the Lorenz targets (D_stsp <= 2.5, D_H <= 0.3,
3 regions), median and range of D_stsp and D_H, the number of collapsed trainings
(D_stsp > 5) and the median wall time, and the ratio of each variant's median D_stsp to the
first variant's (the peer: the recipe being replaced).

Usage::

    OMP_NUM_THREADS=1 python benchmarks/lorenz_recipe.py --seeds 12 13 14 15 16 17 18 19 \\
        --variant old:4:d_stsp --variant new:8:targets
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

# benchmarks/alrnn.py would shadow the ``alrnn`` package: the repository root goes first.
_ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(_ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != _ROOT / "benchmarks"]

DATA_SEEDS = {"validation": 2, "test": 1}
COLLAPSED = 5.0


def _bad_input(message: str):
    print(message, file=sys.stderr)
    raise SystemExit(2)


def parse_variant(text: str):
    """``name:population:rule`` with rule ``d_stsp`` (authors) or ``targets``."""
    try:
        name, pop, rule = text.split(":")
        pop = int(pop)
    except ValueError:
        _bad_input(f"--variant must be NAME:POPULATION:RULE (e.g. new:8:targets), got {text!r}")
    if rule not in ("d_stsp", "targets") or pop < 1:
        _bad_input(f"--variant: RULE must be d_stsp or targets and POPULATION >= 1, got {text!r}")
    return name, pop, rule


def series(n_steps: int, which: str):
    """Training trajectory and the scoring trajectory, z-scored with the training statistics."""
    from alrnn.data import zscore
    from alrnn.experiments import _TOLERANCES, SYSTEMS, TRAIN_DATA_SEED

    sys_ = SYSTEMS["lorenz63"]
    kw = dict(n_steps=n_steps, dt=sys_.dt, zscore=False, **_TOLERANCES)
    train, mean, std = zscore(np.asarray(sys_.generate(seed=TRAIN_DATA_SEED, **kw)))
    return train, zscore(np.asarray(sys_.generate(seed=DATA_SEEDS[which], **kw)), mean, std)[0], sys_


def run_variant(train, score_series, sys_, population, rule, seed):
    from alrnn.experiments import reconstruct
    from alrnn.recipe import FAST_CONFIGS

    sizes, config = FAST_CONFIGS["lorenz63"]
    targets = (sys_.d_stsp_target, sys_.d_h_target) if rule == "targets" else None
    config = config.replace(population=population, select_targets=targets)
    t0 = time.perf_counter()
    rec = reconstruct(train, score_series, sizes["M"], sizes["P"], config, seed=seed, dt=sys_.dt,
                      max_period=1)
    regions = rec.analysis.n_regions_covering(0.99) if rec.analysis is not None else None
    return {"seed": seed, "d_stsp": rec.scores["d_stsp"], "d_h": rec.scores["d_h"], "regions": regions,
            "seconds": time.perf_counter() - t0, "best_epoch": rec.result.best_epoch}


def summary(rows, sys_):
    d = [r["d_stsp"] for r in rows]
    h = [r["d_h"] for r in rows]
    met = sum(r["d_stsp"] <= sys_.d_stsp_target and r["d_h"] <= sys_.d_h_target
              and r["regions"] == sys_.n_regions_target for r in rows)
    return {"met": met, "n": len(rows), "d_stsp_median": statistics.median(d),
            "d_stsp_range": (min(d), max(d)),
            "d_h_median": statistics.median(h), "d_h_range": (min(h), max(h)),
            "collapsed": sum(not (x <= COLLAPSED) for x in d),
            "seconds_median": statistics.median(r["seconds"] for r in rows)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", required=True, help="training seeds")
    ap.add_argument("--variant", action="append", required=True,
                    help="NAME:POPULATION:RULE, RULE d_stsp (authors) or targets; the first is the peer")
    ap.add_argument("--series", choices=sorted(DATA_SEEDS), default="validation",
                    help="scoring trajectory (test: final report of a recipe already chosen)")
    ap.add_argument("--n-steps", type=int, default=100_000, help="length of each trajectory")
    ap.add_argument("--jsonl", default=None, help="append one line per (variant, seed) to this file")
    args = ap.parse_args(argv)
    variants = [parse_variant(v) for v in args.variant]
    train, score_series, sys_ = series(args.n_steps, args.series)
    print(f"scoring on the {args.series} trajectory (data seed {DATA_SEEDS[args.series]}), "
          f"{args.n_steps} steps; training seeds {args.seeds}", flush=True)
    results = {}
    for name, pop, rule in variants:
        rows = []
        for seed in args.seeds:
            row = {"variant": name, "population": pop, "rule": rule, "series": args.series,
                   **run_variant(train, score_series, sys_, pop, rule, seed)}
            rows.append(row)
            print(f"  {name} seed {seed}: D_stsp {row['d_stsp']:.2f}, D_H {row['d_h']:.3f}, "
                  f"{row['regions']} regions, {row['seconds']:.0f} s", flush=True)
            if args.jsonl:
                with open(args.jsonl, "a") as f:
                    f.write(json.dumps(row) + "\n")
        results[name] = summary(rows, sys_)
    peer = results[variants[0][0]]["d_stsp_median"]
    for name, s in results.items():
        print(f"{name}: targets met {s['met']}/{s['n']}, D_stsp median {s['d_stsp_median']:.2f} "
              f"[{s['d_stsp_range'][0]:.2f}, {s['d_stsp_range'][1]:.2f}], D_H median {s['d_h_median']:.3f} "
              f"[{s['d_h_range'][0]:.3f}, {s['d_h_range'][1]:.3f}], collapsed {s['collapsed']}, "
              f"median {s['seconds_median']:.0f} s; "
              f"median D_stsp {s['d_stsp_median'] / peer:.2f}x the peer's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
