"""Benchmark: SpikingEIReservoir vs a plain brian2 script of the same network.

The network is the CUBA benchmark of Brette et al. 2007 (benchmark 2, after Vogels & Abbott
2005; brian2's ``examples/CUBA.py``): 4 000 LIF neurons, 3 200 E / 800 I, connection
probability 0.02, ``w_e = 1.62 mV``, ``w_i = 9 mV``, ``E_L = -49 mV``, 1 s of biological
time, every spike recorded. The wrapper runs the same network through
``SpikingEIReservoir.run`` with a zero input (100 steps of 10 ms) and also computes its
readout features.

Printed: wall-clock seconds (build + run) of each, the wrapper/plain ratio (target <= 1.2),
and simulated seconds per wall second for the cython runtime and for cpp_standalone
(simulation loop alone and including code generation + compilation).

Run: ``OMP_NUM_THREADS=1 python benchmarks/spiking.py [--repeats 3] [--skip-standalone]``.
The first cython run compiles (~40 s) into brian2's cache; timings use the warm cache.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import brian2
import numpy as np
from brian2 import Network, NeuronGroup, SpikeMonitor, Synapses, ms, mV, second
from brian2.devices.device import get_device, reset_device, set_device

from reservoirs.spiking import SpikingEIReservoir

N, N_EXC, P, DURATION = 4000, 3200, 0.02, 1.0


def plain_cuba():
    """brian2's CUBA example, unchanged apart from an explicit Network and namespace."""
    ns = {"taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms, "Vt": -50 * mV, "Vr": -60 * mV,
          "El": -49 * mV, "we": (60 * 0.27 / 10) * mV, "wi": (-20 * 4.5 / 10) * mV}
    eqs = """
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    P_ = NeuronGroup(N, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                     method="exact", namespace=ns)
    P_.v = "Vr + rand() * (Vt - Vr)"
    P_.ge = 0 * mV
    P_.gi = 0 * mV
    Ce = Synapses(P_, P_, on_pre="ge += we", namespace=ns)
    Ci = Synapses(P_, P_, on_pre="gi += wi", namespace=ns)
    Ce.connect(f"i<{N_EXC}", p=P)
    Ci.connect(f"i>={N_EXC}", p=P)
    mon = SpikeMonitor(P_)
    net = Network(P_, Ce, Ci, mon)
    net.run(DURATION * second, namespace=ns)
    return mon


def wrapper(codegen, build_dir=None, seed=0):
    # step, input fraction and one filter tau pinned to the configuration the README's
    # benchmark table was measured with (the reservoir's MC defaults differ since)
    res = SpikingEIReservoir(N, connectivity=P, synapse="cuba", codegen=codegen, step=10.0,
                             input_scale=0.0, input_fraction=0.3, tau_filter=20.0,
                             tau_filter_max=None, build_dir=build_dir, seed=seed)
    features = res.run(np.zeros(int(round(DURATION / 0.01))))
    return res, features


def timed(fn, *args, **kw):
    start = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - start, out


def bench_cython(repeats):
    brian2.prefs.codegen.target = "cython"
    print("warming the cython cache (compiles on the first run) ...", flush=True)
    t_first_plain, _ = timed(plain_cuba)
    t_first_wrap, _ = timed(wrapper, "cython")
    print(f"  first runs incl. compilation: plain {t_first_plain:.1f} s, "
          f"wrapper {t_first_wrap:.1f} s")
    plain, wrap, rates = [], [], []
    for r in range(repeats):
        t, mon = timed(plain_cuba)
        plain.append(t)
        t, (res, _) = timed(wrapper, "cython", seed=r)
        wrap.append(t)
        rates.append((mon.num_spikes / N / DURATION, res.last_segment.mean_rate("all")))
    return min(plain), min(wrap), rates


def plain_standalone(directory):
    set_device("cpp_standalone", directory=directory, build_on_run=True, with_output=False)
    try:
        start = time.perf_counter()
        plain_cuba()
        wall = time.perf_counter() - start
        return wall, float(get_device()._last_run_time)
    finally:
        get_device().reinit()
        reset_device()


def bench_standalone():
    out = {}
    with tempfile.TemporaryDirectory(prefix="bench_spiking_") as tmp:
        out["plain"] = plain_standalone(os.path.join(tmp, "plain"))
        build = os.path.join(tmp, "wrapper")
        t_first, (res, _) = timed(wrapper, "cpp_standalone", build)
        out["wrapper_loop"] = res.last_timing["loop_s"]
        # a second reservoir reusing the build directory: make recompiles only what changed
        start = time.perf_counter()
        res, _ = wrapper("cpp_standalone", build, seed=1)
        t_second = time.perf_counter() - start
        out["wrapper_first"] = t_first
        out["wrapper_second"] = t_second
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-standalone", action="store_true")
    args = parser.parse_args()
    print(f"CUBA (Brette et al. 2007): {N} neurons, p={P}, {DURATION:g} s biological time, "
          f"brian2 {brian2.__version__}")
    plain, wrap, rates = bench_cython(args.repeats)
    print(f"cython, warm cache, best of {args.repeats} (build + run):")
    print(f"  plain brian2 script : {plain:7.2f} s  -> {DURATION / plain:.3f} simulated s / wall s")
    print(f"  SpikingEIReservoir  : {wrap:7.2f} s  -> {DURATION / wrap:.3f} simulated s / wall s")
    print(f"  overhead ratio wrapper/plain = {wrap / plain:.3f} (target <= 1.2)")
    print("  mean rates (Hz) plain vs wrapper per repeat: "
          + ", ".join(f"{a:.1f}/{b:.1f}" for a, b in rates))
    if not args.skip_standalone:
        sa = bench_standalone()
        wall, loop = sa["plain"]
        print("cpp_standalone:")
        print(f"  plain script: simulation loop {loop:.3f} s -> {DURATION / loop:.2f} simulated "
              f"s / wall s; incl. codegen + compile {wall:.1f} s")
        print(f"  SpikingEIReservoir: first build + run {sa['wrapper_first']:.1f} s, second "
              f"reservoir in the same build dir {sa['wrapper_second']:.1f} s "
              f"(ratio to plain incl. compile {sa['wrapper_first'] / wall:.3f}); simulation "
              f"loop {sa['wrapper_loop']:.3f} s -> {DURATION / sa['wrapper_loop']:.2f} simulated "
              f"s / wall s (ratio to plain loop {sa['wrapper_loop'] / loop:.3f})")


if __name__ == "__main__":
    main()
