"""Benchmark of the E/I rate reservoir against reservoirpy 0.4.2 (the named peer).

Run: ``python benchmarks/reservoir.py`` (needs ``pip install reservoirpy==0.4.2``); add
``WORKBENCH_NATIVE=0`` in front to measure our numpy path instead of the compiled kernel.

1. Same reservoir (N = 500, k = 50; reservoirpy gets our exact W, W_in and bias), 20 000
   teacher-forced steps + ridge fit + 1 000 prediction steps (Mackey-Glass one-step):
   ours vs ``Reservoir >> Ridge``. Target: >= 3x.
2. 32-point beta sweep, N = 500, memory capacity with k_max = 100 on a 2 000-step input:
   ours (``run_balances``: the 32 copies share A^E and A^I, so one sparse x dense product per
   step advances all 32; then ``workbench.metrics.memory_capacity`` per reservoir) vs
   looping reservoirpy's ``memory_capacity`` over the same 32 reservoirs. Target: >= 10x.
3. N = 2000 for 100 000 steps streamed into an on-disk store (``reservoirs.simulate``) in a
   child process: peak RSS against the 1.6 GB the states would need in RAM.
4. ``--numba``: the two time loops of the C kernel (one network in the SELL layout, N = 500,
   20 000 steps; a 32-network shared-matrix batch, N = 500, 2 000 steps) against the same
   loops compiled by numba ``@njit(cache=True)`` (``benchmarks/numba_kernels.py``), with the
   same inputs; only this measurement runs with ``--numba``.

BLAS is limited to one thread for both libraries. Measurements 1 and 2 alternate ours and
the peer ``REPEATS`` times and print the medians of the wall-clock seconds, their ratio, and
the ratio of process CPU times (both sides are single-threaded, so on a shared machine the
CPU-time ratio is the steadier measure of the work done).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from reservoirs import EIReservoir, run_balances, run_batch, with_balances  # noqa: E402
from workbench.metrics import memory_capacity  # noqa: E402
from workbench.readout import RidgeReadout  # noqa: E402
from workbench.systems import mackey_glass  # noqa: E402

N, RIDGE, WARMUP = 500, 1e-6, 100
#: Interleaved repetitions of each measurement (medians are reported).
REPEATS = 5


def peer_reservoir(res: EIReservoir):
    """reservoirpy Reservoir with exactly our dynamics: sigmoid(c (W r + W_in u - theta))."""
    from reservoirpy.nodes import Reservoir

    c = res.gain
    return Reservoir(W=(c * res.weights).tocsr(), Win=c * res.input_weights,
                     bias=-c * res.threshold, activation="sigmoid", lr=res.leak_rate)


def interleaved(ours, peer, repeats=REPEATS):
    """Run ``ours`` and ``peer`` alternately ``repeats`` times; per side the median wall time,
    median CPU time, the last result and the median of each timed part."""
    runs = {"ours": [], "peer": []}
    for _ in range(repeats):
        for name, fn in (("ours", ours), ("peer", peer)):
            c0, t0 = time.process_time(), time.perf_counter()
            result, parts = fn()
            runs[name].append((time.perf_counter() - t0, time.process_time() - c0, result, parts))
    out = []
    for name in ("ours", "peer"):
        rows = runs[name]
        parts = {k: float(np.median([r[3][k] for r in rows])) for k in rows[0][3]}
        out.append((float(np.median([r[0] for r in rows])), float(np.median([r[1] for r in rows])),
                    rows[-1][2], parts))
    return out


def bench_fit_predict():
    import reservoirpy
    from reservoirpy.nodes import Ridge

    reservoirpy.verbosity = 0
    series = mackey_glass(21_001, zscore=True)
    u_train, y_train = series[:20_000], series[1:20_001]
    u_test = series[20_000:21_000]
    res = EIReservoir(N, seed=0)

    # correctness of the comparison: both produce the same states from r = 0
    check = peer_reservoir(res).run(u_train[:200])
    ours = res.run(u_train[:200], state=np.zeros(N))
    diff = float(np.abs(check - ours).max())

    def ours():
        t0 = time.perf_counter()
        states = res.run(u_train, state=np.zeros(N))
        t_sim = time.perf_counter() - t0
        readout = RidgeReadout(alpha=RIDGE).fit(states[WARMUP:], y_train[WARMUP:])
        t_fit = time.perf_counter() - t0 - t_sim
        return readout.predict(res.run(u_test)), {"run": t_sim, "fit": t_fit}

    def peer():
        model = peer_reservoir(res) >> Ridge(ridge=RIDGE)
        model.fit(u_train, y_train, warmup=WARMUP)
        return model.run(u_test), {}

    (t_ours, c_ours, pred_ours, parts), (t_peer, c_peer, pred_peer, _) = interleaved(ours, peer)
    t_sim, t_fit = parts["run"], parts["fit"]
    err = lambda p: float(np.sqrt(np.mean((p - series[20_001:21_001]) ** 2)))  # noqa: E731
    print(f"[1] N={N}, 20000 steps + ridge + 1000 predictions (max state diff {diff:.1e})")
    print(f"    ours        {t_ours:7.3f} s   (RMSE {err(pred_ours):.2e}; 20000-step run "
          f"{t_sim:.3f} s, RidgeReadout.fit {t_fit:.3f} s)")
    print(f"    reservoirpy {t_peer:7.3f} s   (RMSE {err(pred_peer):.2e})")
    print(f"    speed-up    {t_peer / t_ours:7.2f} x  (target >= 3); CPU time "
          f"{c_ours:.3f} s vs {c_peer:.3f} s = {c_peer / c_ours:.2f} x")
    return t_peer / t_ours


def bench_balance_sweep(n_steps=2000, k_max=100, n_balances=32, batch=32):
    import reservoirpy
    from reservoirpy.nodes import Ridge
    from reservoirpy.observables import memory_capacity as rpy_mc

    reservoirpy.verbosity = 0
    u = np.random.default_rng(0).uniform(-0.8, 0.8, (n_steps, 1))
    balances = np.linspace(0.5, 2.0, n_balances)
    base = EIReservoir(N, gain=4.0, strength=2.0, seed=0)

    base.state = np.zeros(N)

    # correctness of the fast path: equal to running each copy (block-diagonal batch) alone
    short = u[:300]
    diff = float(np.abs(run_balances(base, balances, short)
                        - run_batch(with_balances(base, balances), short)).max())

    def ours_sweep():
        mcs, t_mc = [], 0.0
        for lo in range(0, n_balances, batch):
            for states in run_balances(base, balances[lo:lo + batch], u):
                t1 = time.perf_counter()
                mcs.append(memory_capacity(u, states, k_max, washout=k_max, alpha=RIDGE).total)
                t_mc += time.perf_counter() - t1
        return mcs, {"mc": t_mc}

    def peer_sweep():
        mcs = []
        for net in with_balances(base, balances):
            model = peer_reservoir(net) >> Ridge(ridge=RIDGE)
            mcs.append(float(rpy_mc(model, k_max=k_max, series=u, test_size=0.2)))
        return mcs, {}

    (t_ours, c_ours, ours, parts), (t_peer, c_peer, peer, _) = interleaved(ours_sweep, peer_sweep)
    t_mc = parts["mc"]
    print(f"[2] {n_balances}-point beta sweep, N={N}, MC k_max={k_max}, {n_steps} steps "
          f"(max state diff to separate runs {diff:.1e})")
    at_one = int(np.argmin(abs(balances - 1)))
    print(f"    ours        {t_ours:7.3f} s   (MC at beta=1: {ours[at_one]:.2f}; "
          f"simulation {t_ours - t_mc:.3f} s, memory_capacity readouts {t_mc:.3f} s)")
    print(f"    reservoirpy {t_peer:7.3f} s   (MC at beta=1: {peer[at_one]:.2f})")
    print(f"    max |MC_ours - MC_peer| = {np.max(np.abs(np.array(ours) - np.array(peer))):.2f}")
    print(f"    speed-up    {t_peer / t_ours:7.2f} x  (target >= 10); CPU time "
          f"{c_ours:.3f} s vs {c_peer:.3f} s = {c_peer / c_ours:.2f} x")
    return t_peer / t_ours


def memory_child(path, n_neurons=2000, n_steps=100_000):
    """Child process: stream a long run into an on-disk store; print time and peak RSS."""
    from reservoirs.experiments import SimulateExperiment
    from workbench.store import Store

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    store = Store(path)
    rid = SimulateExperiment(n_neurons=n_neurons, n_steps=n_steps, chunk_size=1000).run(store)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shape = store.open(rid)["mean_rate"].shape
    print(f"{elapsed:.3f} {before:.1f} {peak:.1f} {shape[0]}")


def bench_memory(n_neurons=2000, n_steps=100_000):
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, __file__, "--memory-child", f"{tmp}/bench.zarr",
                              str(n_neurons), str(n_steps)], capture_output=True, text=True,
                             check=True)
    elapsed, before, peak, rows = out.stdout.split()[-4:]
    full = n_neurons * n_steps * 8 / 2**20
    print(f"[3] N={n_neurons}, {n_steps} steps streamed to disk ({rows} rows written) "
          f"in {float(elapsed):.1f} s")
    print(f"    peak RSS {float(peak):.0f} MiB (after imports {float(before):.0f} MiB); "
          f"all states in RAM would be {full:.0f} MiB")


def bench_numba(steps=20_000, batch_steps=2000, n_balances=32):
    import numba_kernels as nk
    import scipy.sparse as sp

    from reservoirs import compiled
    from reservoirs.dynamics import _row_scaled

    lib = compiled.kernel()
    res = EIReservoir(N, gain=4.0, strength=2.0, seed=0)
    u = np.random.default_rng(0).uniform(-1, 1, (steps, 1))
    w = res.weights
    scale = -res.gain * np.ones(N)
    data = _row_scaled(w, scale)
    layout = compiled.SellLayout(w)
    values = layout.values(data)
    win, bias = res.input_weights * scale[:, None], -scale * res.threshold
    indices = layout.indices

    def c_single():
        state = np.full(N, 0.5)
        out = np.empty((steps, N))
        compiled.run_rate(lib, layout, data, u, win, bias, None, "sigmoid", state, out)
        return out

    def nb_single():
        state = np.full(N, 0.5)
        out = np.empty((steps, N))
        nk.rate_run(N, layout.off.size - 1, steps, layout.off, indices, values, u, win, bias,
                    state, out)
        return out

    betas = np.linspace(0.5, 2.0, n_balances)
    parts = sp.hstack([res.excitatory, res.inhibitory], format="csr")
    parts.sort_indices()
    pdata = _row_scaled(parts, scale)
    scales = np.vstack([np.ones_like(betas), -betas / res.balance])
    ub = u[:batch_steps]

    def c_batch():
        return compiled.run_shared(lib, parts, pdata, scales, ub, win, bias, None, "sigmoid",
                                   np.full((N, n_balances), 0.5))

    def nb_batch():
        state = np.full(N * n_balances, 0.5)
        z = np.empty(2 * N * n_balances)
        y = np.empty(N * n_balances)
        nk.shared_run(N, 2, n_balances, batch_steps, parts.indptr.astype(np.int32),
                      parts.indices.astype(np.int32), pdata, scales, ub, win, bias, state, z, y)
        return state.reshape(N, n_balances)

    nb_single(), nb_batch()                              # compile (or load the cache)
    for name, c_fn, nb_fn, work in (("one network, SELL step loop", c_single, nb_single,
                                     f"N={N}, {steps} steps"),
                                    ("shared-matrix batch", c_batch, nb_batch,
                                     f"{n_balances} networks, N={N}, {batch_steps} steps")):
        (t_c, cpu_c, out_c, _), (t_nb, cpu_nb, out_nb, _) = interleaved(
            lambda c_fn=c_fn: (c_fn(), {}), lambda nb_fn=nb_fn: (nb_fn(), {}))
        diff = float(np.abs(out_c - out_nb).max())
        print(f"[4] {name} ({work}; max |C - numba| {diff:.1e})")
        print(f"    C kernel {t_c:7.3f} s ({cpu_c:.3f} s CPU)   numba {t_nb:7.3f} s "
              f"({cpu_nb:.3f} s CPU)   numba / C = {t_nb / t_c:.2f} wall, "
              f"{cpu_nb / cpu_c:.2f} CPU")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--numba":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        with threadpool_limits(1):
            bench_numba()
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--memory-child":
        with threadpool_limits(1):
            memory_child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    with threadpool_limits(1):
        bench_fit_predict()
        bench_balance_sweep()
    bench_memory()


if __name__ == "__main__":
    main()
