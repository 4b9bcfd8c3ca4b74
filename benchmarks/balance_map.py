"""Throughput of the balance map (global condition, MC + NARMA-10, N = 300) against reservoirpy.

Run: ``python benchmarks/balance_map.py [n_betas] [--full]`` (needs ``pip install reservoirpy==0.4.2``).

Ours: one unit of ``reservoirs.balance_map`` (:func:`reservoirs.balance_map.run_unit`) with the
global condition only: the ``n_betas`` copies of one network run as one shared-matrix batch
(4000 steps), each scored on MC (k_max = 100) and NARMA-10 from one ridge readout with
per-target penalties chosen by validation (one Gram matrix for all 101 targets), and its
operating point measured (dense Jacobian eigenvalues). The peer (named: reservoirpy 0.4.2)
loops over the same reservoirs (our exact W at each beta, W_in and bias): ``Reservoir.run``
on the same input, then one ``Ridge`` (fixed penalty 1e-6, no validation, no operating
point) on the same 101 targets. The peer thus does less work per reservoir; both results
are printed so the scores can be compared.

Prints reservoirs per second (wall and process CPU time; the CPU-time rate is the steadier
measure on a shared machine), the split of our time, and the extrapolated time of the full
16 beta x 4 coupling x 4 sigma_in x 2 x 10-seed map (5120 reservoirs) on one and two cores.

Then whole units as the full map runs them (``--full``): every condition (global; homogeneous
and heterogeneous adaptation, 3000 steps of the homeostatic rule, and the one-step design,
each for rho in 0.3, 0.5, 0.7), one unit per balance mode, with their reservoirs per second
beside the peer's rate from the same run (reservoirpy's cost per reservoir does not depend
on the values of W, so its rate on the global copies is its rate on adapted ones) and the
extrapolated time of the 320-unit map on two cores.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from reservoirs import EIReservoir, with_balances  # noqa: E402
from reservoirs.balance_map import run_unit  # noqa: E402
from workbench.systems import narma10  # noqa: E402

N, K_MAX, STEPS, WASHOUT = 300, 100, 4000, 200
FULL_MAP = 16 * 4 * 4 * 2 * 10


def _spec(n_betas):
    return dict(n_neurons=N, in_degree=50, gain=4.0, input_fraction=0.3, leak_rate=1.0,
                k_max=K_MAX, washout=WASHOUT, adapt_steps=10, learning_rate=1e-3,
                concentration=4.0, task_steps=STEPS,
                balances=list(np.linspace(0.5, 2.375, n_betas)), target_rates=[0.5],
                conditions=["global"], tasks=["mc", "narma"], batch_size=16)


def ours(spec, seed=0):
    return run_unit(spec, "multiplicative", "random", 8.0, 0.5, seed)


def peer(spec, seed=0):
    """reservoirpy on the same reservoirs and input (rebuilt exactly as run_unit does)."""
    import reservoirpy
    from reservoirpy.nodes import Reservoir, Ridge

    reservoirpy.verbosity = 0
    s_mem = np.random.SeedSequence(seed).spawn(3)[0]
    u = np.random.default_rng(s_mem).uniform(-1, 1, (STEPS, 1))
    net_seed = np.random.SeedSequence([seed, 1]).spawn(2)[0]
    base = EIReservoir(N, in_degree=50, gain=4.0, coupling=8.0, input_scaling=0.5,
                       seed=np.random.default_rng(net_seed))
    _, y = narma10(STEPS, u=(u[:, 0] + 1) / 4)
    rows = np.arange(max(WASHOUT, K_MAX), STEPS - 1)
    targets = np.column_stack([u[rows - k, 0] for k in range(1, K_MAX + 1)] + [y[rows + 1, 0]])
    n_train = int(0.8 * rows.size)
    mcs, errs = [], []
    for net in with_balances(base, spec["balances"]):
        c = net.gain
        res = Reservoir(W=(c * net.weights).tocsr(), Win=c * net.input_weights,
                        bias=-c * net.threshold, activation="sigmoid", lr=1.0)
        states = res.run(u)[rows]
        ridge = Ridge(ridge=1e-6).fit(states[:n_train], targets[:n_train])
        pred = ridge.run(states[n_train:])
        yt = targets[n_train:]
        corr = [np.corrcoef(yt[:, k], pred[:, k])[0, 1] ** 2 for k in range(K_MAX)]
        mcs.append(float(np.sum(corr)))
        errs.append(float(np.sqrt(np.mean((yt[:, -1] - pred[:, -1]) ** 2) / np.var(yt[:, -1]))))
    return np.array(mcs), np.array(errs)


def timed(fn, *args):
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0, time.process_time() - c0


def parts(spec):
    """Our time split: simulation, readouts, operating point (one reservoir's worth each)."""
    from reservoirs.balance_map import score_memory
    from reservoirs.batch import run_balances
    from reservoirs.operating_point import measure

    base = EIReservoir(N, in_degree=50, gain=4.0, coupling=8.0, input_scaling=0.5, seed=0)
    u = np.random.default_rng(0).uniform(-1, 1, (STEPS, 1))
    betas = spec["balances"]
    states, t_sim, _ = timed(run_balances, base, betas, u)
    _, t_fit, _ = timed(score_memory, states[0], u, K_MAX, WASHOUT)
    _, t_op, _ = timed(measure, base, states[0][WASHOUT:], u[WASHOUT:], 1.0)
    return t_sim / len(betas), t_fit, t_op


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n_betas = int(args[0]) if args else 16
    spec = _spec(n_betas)
    with threadpool_limits(1):
        ours(_spec(2))                                   # warm-up: kernel build, imports
        res, t_ours, c_ours = timed(ours, spec)
        (mc_p, err_p), t_peer, c_peer = timed(peer, spec)
        t_sim, t_fit, t_op = parts(spec)
    mc_o, err_o = res["mc"][0, 0], res["narma"][0, 0]
    print(f"balance map unit, N={N}, {n_betas} betas, {STEPS} steps, MC (k_max={K_MAX}) + NARMA-10")
    print(f"  ours        {t_ours:7.2f} s wall, {c_ours:7.2f} s CPU -> "
          f"{n_betas / t_ours:6.2f} reservoirs/s wall, {n_betas / c_ours:6.2f} /s CPU")
    print(f"              per reservoir: simulation {t_sim:.3f} s, MC+NARMA readout {t_fit:.3f} s, "
          f"operating point {t_op:.3f} s")
    print(f"  reservoirpy {t_peer:7.2f} s wall, {c_peer:7.2f} s CPU -> "
          f"{n_betas / t_peer:6.2f} reservoirs/s wall, {n_betas / c_peer:6.2f} /s CPU")
    print(f"  speed-up    {t_peer / t_ours:5.2f} x wall, {c_peer / c_ours:5.2f} x CPU")
    print(f"  MC  ours {np.round(mc_o, 2)}\n      peer {np.round(mc_p, 2)}")
    print(f"  NARMA NRMSE ours {np.round(err_o, 3)}\n              peer {np.round(err_p, 3)}")
    per = c_ours / n_betas
    print(f"  full map ({FULL_MAP} reservoirs) extrapolated from the CPU time: "
          f"{FULL_MAP * per / 60:.1f} min on one core, {FULL_MAP * per / 120:.1f} min on two "
          f"(workers=2, if the cores are free)")
    if "--full" not in sys.argv:
        return
    full = dict(spec, adapt_steps=3000, target_rates=[0.3, 0.5, 0.7],
                conditions=["global", "homogeneous", "heterogeneous", "one_step"])
    unit_cpu = []
    with threadpool_limits(1):
        for mode in ("multiplicative", "mean_shift"):
            # the one-step network forgets a multiplicative beta: one per rho there
            count = n_betas * 7 + (3 if mode == "multiplicative" else 3 * n_betas)
            _, t, c = timed(run_unit, full, mode, "random", 8.0, 0.5, 0)
            unit_cpu.append(c)
            print(f"  whole unit, {mode}: {count} reservoirs in {t:.2f} s wall, {c:.2f} s CPU "
                  f"-> {count / c:.2f} reservoirs/s CPU (reservoirpy {n_betas / c_peer:.2f} /s)")
    units = FULL_MAP // n_betas
    print(f"  full map with every condition ({units} units, half per mode) extrapolated: "
          f"{units * np.mean(unit_cpu) / 120:.1f} min on two free cores")


if __name__ == "__main__":
    main()
