"""AL-RNN benchmark: training-step throughput (JAX vs eager PyTorch) and time to targets.

Run: ``OMP_NUM_THREADS=1 python benchmarks/alrnn.py [--seeds 0 1 2] [--skip-experiment] [--store PATH]
[--population 10] [--population-epochs 40] [--skip-throughput]``

1. Throughput of one training step (teacher-forced loss over a batch of windows, gradient,
   RAdam update) for the same model (M=20, P=2, N=3), batch (16 windows of 200 steps),
   forcing interval (tau=16) and parameters, in
   * this package (``jax.jit``, ``lax.scan`` over time, 50 steps per compiled call as in
     training), and
   * eager PyTorch (the authors' tutorial style: a Python loop over time,
     ``torch.optim.RAdam``), with 1 thread and with the default number of threads.
   The two losses are checked to agree on the same batch before timing.
2. Seeds trained together: ``train_population`` of S seeds (one ``jax.vmap``-ped computation)
   against one seed, both with the Lorenz-63 fast recipe (``FAST_CONFIGS["lorenz63"]``:
   eight initialisations explored per seed, checkpoint scoring on the 100 000-step training
   series) shortened to ``--population-epochs`` epochs, measured in the same process after
   a warm-up that compiles every shape (compile time reported separately). Prints the
   ratio S seeds / one seed and the speed-up over S sequential trainings.
3. ``--scores``: the benchmark adapters (``alrnn.benchmark.make_alrnn`` /
   ``make_shplrnn``) fitted on the lab's Lorenz-63 training file (5 % observation noise) and
   scored on its separate clean test file (free run of 1.25 T from the first test point,
   first 0.25 T dropped; D_stsp 30 bins, D_H sigma 20, PE(20)), per seed, with wall times.
4. Wall time of the ``alrnn.lorenz63`` experiment with its defaults (training, lab-protocol
   evaluation on 100 000 test steps, symbolic analysis, figures, writing the run), and
   whether it met the targets (D_stsp <= 2.5, D_H <= 0.3, 3 regions holding >= 99 %). The
   ground truth is generated first (timed separately) and cached in the store, as it is for
   every run after the first.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

# This file is named like the package: run as a script, its folder comes first on sys.path
# and would shadow ``alrnn``; put the repository root first instead.
_ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(_ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != _ROOT / "benchmarks"]

os.environ.setdefault("OMP_NUM_THREADS", "1")
# Eigen's matrix products on one thread. (``intra_op_parallelism_threads=1``, often quoted
# beside it, is a TensorFlow option, not an XLA flag: XLA stops parsing at it.)
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from alrnn.block import ALRNNFamily  # noqa: E402
from alrnn.model import ALRNN  # noqa: E402
from alrnn.train import TrainConfig, forcing_weights, make_train_block, window_loss  # noqa: E402

M, N, P, B, T, TAU, BPE = 20, 3, 2, 16, 200, 16, 50


def _batch(seed=0):
    """Lorenz-63 data (the reference file when present, else generated) and one batch."""
    from workbench.benchmark.datasets import data_dir

    try:
        ref = data_dir() / "alrnn-dsr" / "lorenz63.npy"
    except FileNotFoundError:
        ref = None
    if ref is not None and ref.is_file():
        data = np.load(ref)
    else:
        from workbench.systems import lorenz63
        data = lorenz63(20_000, seed=0)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, len(data) - T - 1, B)
    return np.asarray(data, np.float32), np.stack([data[s:s + T + 1] for s in starts]).astype(np.float32)


def jax_step_time(model, data, repeats=5):
    """Seconds per training step inside the compiled block (50 steps per call)."""
    block, opt = make_train_block(ALRNNFamily(M, P), B, T, BPE, 1)
    params = dict(model.params)
    state = jax.jit(opt.init)(params)
    force = {"force": jnp.asarray(forcing_weights(T, TAU))}
    lrs = jnp.full((1,), 1e-3, jnp.float32)
    d = jnp.asarray(data)
    key = jax.random.PRNGKey(0)
    out = block(params, state, force, key, d, lrs, jnp.float32(0.05))
    jax.block_until_ready(out)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = block(out[0], out[1], out[2], key, d, lrs, jnp.float32(0.05))
        jax.block_until_ready(out)
        times.append((time.perf_counter() - t0) / BPE)
    return min(times)


def torch_step_time(model, windows, threads, repeats=3, steps=10):
    """Seconds per eager PyTorch training step (same loss, RAdam)."""
    import torch

    torch.set_num_threads(threads)
    p = {k: torch.nn.Parameter(torch.tensor(v)) for k, v in model.to_arrays().items()}
    opt = torch.optim.RAdam(list(p.values()), lr=1e-3)
    x = torch.tensor(windows)
    force = forcing_weights(T, TAU)

    def loss_fn():
        z = torch.cat([x[:, 0], (x[:, 0] @ p["L"].T)[:, N:]], dim=1)
        total = 0.0
        for t in range(T):
            phi = torch.cat([z[:, :M - P], torch.relu(z[:, M - P:])], dim=1)
            z = p["A"] * z + phi @ p["W"].T + p["h"]
            total = total + ((z[:, :N] - x[:, t + 1]) ** 2).sum()
            if force[t] > 0:
                z = torch.cat([x[:, t + 1], z[:, N:]], dim=1)
        return total / (B * T * N)

    with torch.no_grad():
        first = float(loss_fn())
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            opt.zero_grad()
            loss = loss_fn()
            loss.backward()
            opt.step()
        times.append((time.perf_counter() - t0) / steps)
    return min(times), first


def population_time(n_seeds, epochs, members=None, threads=1):
    """Wall times of one seed and of ``n_seeds`` seeds trained together (same recipe;
    ``members`` overrides the recipe's initialisations explored per seed; ``threads`` groups
    of seeds, one per core; one seed is one group whatever ``threads`` is)."""
    from alrnn.train import FAST_CONFIGS, train_population

    sizes, cfg = FAST_CONFIGS["lorenz63"]
    cfg = cfg.replace(epochs=epochs, population=members or cfg.population)
    data, _ = _batch()
    out = {}
    for S in (1, n_seeds):
        warm = cfg.replace(epochs=2 * cfg.eval_every, explore_fraction=0.5)
        t0 = time.perf_counter()
        train_population(data, **sizes, config=warm, seeds=list(range(S)), threads=threads)
        compile_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = train_population(data, **sizes, config=cfg, seeds=list(range(S)), threads=threads)
        out[S] = (time.perf_counter() - t0, compile_s, res)
    return cfg, out


def protocol_scores(names, seeds, quick):
    """Fit the benchmark adapters on the lab's Lorenz-63 files and score them on the test file."""
    from dataclasses import dataclass

    from alrnn.benchmark import make_alrnn, make_shplrnn
    from workbench import metrics
    from workbench.benchmark.datasets import data_dir

    folder = data_dir() / "gtf-icml2023"
    train = np.load(folder / "lorenz63_on0.05_train.npy").astype(np.float64)
    test = np.load(folder / "lorenz63_test.npy").astype(np.float64)

    @dataclass(frozen=True)
    class Info:
        name: str = "lorenz63"
        dim: int = 3
        dt: float = 0.01
        n_train: int = len(train)
        n_test: int = len(test)

    T, drop = len(test), len(test) // 4
    print(f"\nbenchmark adapters on the lab's Lorenz-63 files ({'quick' if quick else 'full'} budget; "
          f"floor D_stsp 0.119, D_H 0.070)")
    for name in names:
        make = {"alrnn": make_alrnn, "shplrnn": make_shplrnn}[name]
        for seed in seeds:
            model = make(Info(), quick)
            t0 = time.perf_counter()
            info = model.fit(train, seed)
            fit_s = time.perf_counter() - t0
            gen = model.generate(test[:1], T + drop)[drop:]
            finite = bool(np.all(np.isfinite(gen)))
            d = metrics.state_space_divergence(test, gen, n_bins=30) if finite else float("nan")
            h = metrics.hellinger_distance(test, gen, smoothing=20.0) if finite else float("nan")
            windows = test[:-20][::10, None, :]
            pred = model.predict(windows, 20)[:, -1]
            pe = float(np.mean((pred - test[20::10][:len(pred)]) ** 2))
            regions = np.bincount(model.subregions(gen)) / len(gen)
            n99 = int(np.searchsorted(np.cumsum(np.sort(regions)[::-1]), 0.99 - 1e-12) + 1)
            print(f"  {name:8s} seed {seed}: fit {fit_s:6.1f} s (epochs {info['epochs']}, "
                  f"best {info['best_epoch']}, "
                  f"{model.n_parameters} parameters)  D_stsp {d:.2f}  D_H {h:.3f}  PE20 {pe:.4f}  "
                  f"regions(99%) {n99}", flush=True)


def experiment_time(seed, store):
    """Wall time and metrics of the default ``alrnn.lorenz63`` experiment in ``store``."""
    from alrnn.experiments import Lorenz63Experiment

    t0 = time.perf_counter()
    run_id = Lorenz63Experiment(seed=seed).run(store)
    wall = time.perf_counter() - t0
    return wall, store.open(run_id).metrics


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="*", default=[0])
    ap.add_argument("--skip-experiment", action="store_true")
    ap.add_argument("--population", type=int, default=10, help="seeds trained together (0: skip)")
    ap.add_argument("--population-epochs", type=int, default=40)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                    help="groups of seeds trained at once, one per core (default: the cores)")
    ap.add_argument("--members", type=int, default=None,
                    help="initialisations explored per seed (default: the recipe's 4)")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--scores", nargs="*", default=None, choices=["alrnn", "shplrnn"],
                    help="fit and score these adapters on the lab's Lorenz-63 files")
    ap.add_argument("--quick", action="store_true", help="quick budgets for --scores")
    ap.add_argument("--store", default=None, help="store holding (or caching) the ground truth; "
                                                  "default a fresh in-memory store")
    args = ap.parse_args()

    if args.scores:
        protocol_scores(args.scores, args.seeds, args.quick)
    if args.population:
        cfg, out = population_time(args.population, args.population_epochs, args.members, args.threads)
        (t1, c1, _), (tS, cS, rS) = out[1], out[args.population]
        S = args.population
        print(f"seeds trained together (Lorenz-63 fast recipe, M={M}, P={P}, {cfg.epochs} epochs x "
              f"{cfg.batches_per_epoch} batches, {cfg.population} initialisations explored per seed, "
              f"evaluation every {cfg.eval_every} epochs on {cfg.eval_starts} starts; "
              f"{min(args.threads, S)} thread(s) for the {S} seeds):")
        print(f"  1 seed:   {t1:7.1f} s  (warm-up incl. compile {c1:.1f} s)")
        print(f"  {S} seeds: {tS:7.1f} s  (warm-up incl. compile {cS:.1f} s)")
        print(f"  ratio {S} seeds / 1 seed = {tS / t1:.2f}x (goal <= 3x); speed-up over {S} sequential "
              f"trainings = {S * t1 / tS:.2f}x")
        d = [r.best_metrics["d_stsp"] for r in rS if hasattr(r, "best_metrics")]
        print(f"  training-data D_stsp of the {S} seeds' best checkpoints: "
              f"{np.mean(d):.2f} +- {np.std(d, ddof=1) / np.sqrt(len(d)) if len(d) > 1 else 0:.2f} (SEM); "
              f"diverged: {sum(not hasattr(r, 'best_metrics') for r in rS)}")
    if args.skip_throughput:
        return
    model = ALRNN(M, N, P, seed=0)
    data, windows = _batch()
    jax_loss = float(window_loss(model.params, jnp.asarray(windows), jnp.asarray(forcing_weights(T, TAU)), P))
    t_jax = jax_step_time(model, data)
    print(f"training step (M={M}, P={P}, N={N}, batch {B} x {T} steps, tau={TAU}, RAdam)")
    print(f"  jax (this package, jit + lax.scan): {t_jax * 1e3:8.3f} ms/step  ({1 / t_jax:7.1f} steps/s)")
    for threads in (1, os.cpu_count() or 1):
        t_torch, torch_loss = torch_step_time(model, windows, threads)
        assert abs(torch_loss - jax_loss) < 1e-4 * max(1.0, abs(jax_loss)), (torch_loss, jax_loss)
        label = f"torch eager ({threads} thread{'s' if threads > 1 else ''}):"
        print(f"  {label:36s}{t_torch * 1e3:8.3f} ms/step  "
              f"({1 / t_torch:7.1f} steps/s)   ratio jax/torch speed = {t_torch / t_jax:5.1f}x")
    print(f"  (same loss on the same batch: jax {jax_loss:.6f}, torch {torch_loss:.6f})")
    if args.skip_experiment:
        return
    from alrnn.experiments import Lorenz63Experiment
    from workbench.store import Store

    store = Store(args.store or f"memory://alrnn-bench-{uuid.uuid4().hex}")
    t0 = time.perf_counter()
    Lorenz63Experiment().load_data(store)
    print(f"\nground truth (2 x 100 000 Lorenz-63 steps, DOP853; cached in the store): "
          f"{time.perf_counter() - t0:.1f} s")
    print(f"alrnn.lorenz63 experiment with its defaults ({Lorenz63Experiment.param['epochs'].default} "
          f"epochs; the authors' recipe: {TrainConfig().epochs})")
    for seed in args.seeds:
        wall, m = experiment_time(seed, store)
        print(f"  seed {seed}: wall {wall:6.1f} s (training {m['train_seconds']:.1f} s, epochs "
              f"{m['epochs_run']}, best epoch {m['best_epoch']})  D_stsp {m['d_stsp']:.2f}  "
              f"D_H {m['d_h']:.3f}  PE20 {m['pe']:.4f}  regions(99%) {m.get('n_regions_99')}  "
              f"occupancy {[round(x, 4) for x in m.get('occupancy', [])[:4]]}  "
              f"lambda_max {m['lyapunov']:.3f}  targets met: {m['targets_met']}")
    print("  reference: the authors' PyTorch recipe takes about 21 min on CPU (note section 2.2)")


if __name__ == "__main__":
    main()
