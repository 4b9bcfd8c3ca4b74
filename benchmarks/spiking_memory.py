"""Scan: memory capacity of the spiking E/I reservoir against its time scales and drive.

The spiking reservoir (:class:`reservoirs.spiking.SpikingEIReservoir`, LIF neurons of
Brette et al. 2007) forgets within about two input steps at its defaults (MC ~ 2). This
script maps the held-out memory capacity (Jaeger 2002, :func:`reservoirs.tasks.memory_capacity_task`)
over named operating points that change one group of time scales or the drive at a time:
input step length, membrane and synaptic time constants, readout filter time constants,
recurrent coupling (``w_exc``, ``g``, connectivity) and input drive. Each point is run
without plasticity and (``--istdp``) after inhibitory STDP (Vogels et al. 2011) adaptation
towards a homogeneous target rate, frozen before the task.

The peer of every MC is the default operating point measured in the same process: each
line prints ``MC / MC_default``.

Run (reduced scan; minutes on a loaded 2-core machine)::

    OMP_NUM_THREADS=1 python benchmarks/spiking_memory.py --n-neurons 400 --n-steps 2000 \
        --points default weak slow_syn ...
    OMP_NUM_THREADS=1 python benchmarks/spiking_memory.py --list

Output: one line per (point, plasticity), and ``--json FILE`` appends one JSON object per
line (point, overrides, MC, MC_k, E rate, wall seconds).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

#: Named operating points: overrides of the SpikingEIReservoir defaults. Filter time
#: constants scale with the step (the readout sees 0.5-16 steps at every step length).
POINTS = {
    # the model's defaults: step 20 ms, tau_m 20 ms, CUBA tau_e 5 / tau_i 10 ms,
    # w_exc 1.62 mV, g = 9 / 1.62, p = 0.08, input U(-10, 10) mV on every neuron
    "default": {},
    # recurrence nearly off: the network is a bank of independently driven LIF neurons
    "weak": dict(w_exc=0.2),
    # stronger drive of the input current
    "drive": dict(input_scale=30.0),
    "weak_drive": dict(w_exc=0.2, input_scale=30.0),
    # shorter / longer input steps (filters scaled with the step)
    "step10": dict(step=10.0, tau_filter=5.0, tau_filter_max=160.0),
    "step50": dict(step=50.0, tau_filter=25.0, tau_filter_max=800.0),
    "weak_step50": dict(w_exc=0.2, step=50.0, tau_filter=25.0, tau_filter_max=800.0),
    # a slow membrane: each neuron integrates its input over ~5 steps
    "slow_membrane": dict(tau_m=100.0),
    "weak_slow_membrane": dict(w_exc=0.2, tau_m=100.0),
    # slow (NMDA-like) synapses, same charge per spike
    "slow_syn": dict(tau_e=100.0, tau_i=100.0, w_exc=1.62 * 5 / 100),
    # readout filters reaching further back (up to 64 steps)
    "long_filters": dict(tau_filter_max=1280.0),
    # denser / sparser wiring
    "dense": dict(connectivity=0.2),
    "sparse": dict(connectivity=0.02),
    # fluctuation-driven: rest below threshold, Poisson background noise (4 kHz of 0.5 mV
    # kicks: mean drive ~10 mV, fluctuations ~1-2 mV), weaker input current
    "noisy": dict(v_rest=-60.0, background_rate=4000.0, background_weight=0.5, input_scale=5.0),
    "noisy_weak": dict(w_exc=0.2, v_rest=-60.0, background_rate=4000.0, background_weight=0.5,
                       input_scale=5.0),
    # weak coupling with a stronger constant drive (rest further above threshold: more
    # spikes per step), and the network practically uncoupled (the readout filters alone)
    "weak_rest45": dict(w_exc=0.2, v_rest=-45.0),
    "weak_rest40": dict(w_exc=0.2, v_rest=-40.0),
    "uncoupled": dict(w_exc=0.01),
    # intermediate coupling, with fast and with slow (10x, same charge per spike) synapses
    "mid": dict(w_exc=0.5),
    "mid_slow_syn": dict(w_exc=0.05, tau_e=50.0, tau_i=100.0),
    # weak coupling combined with the other time scales
    "weak_long_filters": dict(w_exc=0.2, tau_filter_max=1280.0),
    "weak_step10": dict(w_exc=0.2, step=10.0, tau_filter=5.0, tau_filter_max=160.0),
    # inhibition-dominated and near-balanced
    "g_low": dict(g=2.0),
    "g_high": dict(g=10.0),
}


def measure(point: str, n_neurons: int, n_steps: int, k_max: int, seed: int, istdp: bool,
            target_rate: float, adapt_s: float, codegen: str) -> dict:
    """MC of one operating point (one network seed), optionally after iSTDP."""
    from reservoirs.spiking import InhibitorySTDP, SpikingEIReservoir
    from reservoirs.tasks import memory_capacity_task

    kw = dict(POINTS[point])
    plasticity = InhibitorySTDP(target_rate=target_rate, eta=0.3) if istdp else None
    t0 = time.perf_counter()
    res = SpikingEIReservoir(n_neurons, plasticity=plasticity, codegen=codegen,
                             on_bad_activity="flag", seed=seed, **kw)
    if istdp:
        steps = max(1, int(round(adapt_s * 1000.0 / res.step)))
        res.adapt(np.random.default_rng(seed + 1).uniform(-1, 1, (steps, 1)))
    mc = memory_capacity_task(res, k_max=k_max, n_steps=n_steps, washout=100, seed=seed)
    rate = res.last_segment.mean_rate("exc") if res.last_segment is not None else float("nan")
    return dict(point=point, overrides=kw, istdp=istdp, n_neurons=n_neurons, n_steps=n_steps,
                seed=seed, mc=float(mc.total), mc_k=[float(v) for v in mc.per_delay[:10]],
                rate_exc=float(rate), wall_s=time.perf_counter() - t0)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", nargs="+", default=["default", "weak", "step50", "slow_syn"],
                    choices=sorted(POINTS))
    ap.add_argument("--list", action="store_true", help="print the operating points and exit")
    ap.add_argument("--n-neurons", type=int, default=400)
    ap.add_argument("--n-steps", type=int, default=2000)
    ap.add_argument("--k-max", type=int, default=30)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--istdp", action="store_true", help="also run each point after iSTDP")
    ap.add_argument("--target-rate", type=float, default=5.0, help="iSTDP target (Hz)")
    ap.add_argument("--adapt-s", type=float, default=3.0, help="iSTDP adaptation (s)")
    ap.add_argument("--codegen", default="auto")
    ap.add_argument("--json", default="", help="append one JSON line per result here")
    ap.add_argument("--no-peer", action="store_true",
                    help="do not run the default point first (no MC / default ratio)")
    args = ap.parse_args(argv)
    if args.list:
        for name, kw in POINTS.items():
            print(f"{name:20s} {kw}")
        return
    points = ([] if args.no_peer else ["default"]) + [p for p in args.points if p != "default"]
    base = {}
    print(f"N={args.n_neurons} steps={args.n_steps} k_max={args.k_max} seeds={args.seeds}",
          flush=True)
    print(f"{'point':20s} {'plast':6s} {'seed':>4s} {'MC':>6s} {'/default':>8s} "
          f"{'E Hz':>6s} {'wall s':>7s}  MC_1..5", flush=True)
    for point in points:
        for istdp in ([False, True] if args.istdp else [False]):
            for seed in args.seeds:
                r = measure(point, args.n_neurons, args.n_steps, args.k_max, seed, istdp,
                            args.target_rate, args.adapt_s, args.codegen)
                if point == "default":
                    base.setdefault((istdp, seed), r["mc"])
                ratio = r["mc"] / base[(istdp, seed)] if (istdp, seed) in base else float("nan")
                print(f"{point:20s} {'iSTDP' if istdp else 'static':6s} {seed:4d} "
                      f"{r['mc']:6.2f} {ratio:8.2f} {r['rate_exc']:6.1f} {r['wall_s']:7.1f}  "
                      + " ".join(f"{v:.2f}" for v in r["mc_k"][:5]), flush=True)
                if args.json:
                    with open(args.json, "a") as f:
                        f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
