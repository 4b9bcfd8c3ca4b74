"""Benchmark of Dask sweeps: a 16-point β sweep of the rate reservoir.

Measures, in one process on this machine:

1. serial: the 16 memory-capacity runs one after another in this process (``Experiment.run``
   into a local store), the peer;
2. dask: the same 16 points through ``workbench.sweep`` on a LocalCluster with 2 single-threaded
   worker processes (cluster start-up counted separately);
3. scheduling overhead per task: 64 no-op points (an experiment that writes one number)
   through the same cluster vs run serially; (dask − serial) / 64.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/sweep.py [--n-neurons 500] [--workers 2]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cloudpickle  # noqa: E402
import numpy as np  # noqa: E402
import param  # noqa: E402
from dask.distributed import Client, LocalCluster  # noqa: E402

from workbench.experiment import Experiment  # noqa: E402
from workbench.registry import get_experiment  # noqa: E402
from workbench.store import Store  # noqa: E402
from workbench.sweep import sweep  # noqa: E402


class Noop(Experiment):
    """Writes one number: measures pure scheduling + store overhead."""

    kind = "bench.noop"
    x = param.Number(0.0)

    def execute(self, run, progress):
        run.metrics["x"] = self.x


cloudpickle.register_pickle_by_value(sys.modules[__name__])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-neurons", type=int, default=500)
    parser.add_argument("--points", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp())
    balances = [round(float(b), 4) for b in np.linspace(0.5, 2.0, args.points)]
    fixed = {"n_neurons": args.n_neurons}
    cls = get_experiment("reservoirs.memory_capacity")

    t0 = time.perf_counter()
    serial_store = Store(base / "serial.zarr")
    for b in balances:
        cls.from_config({**fixed, "balance": b}).run(serial_store)
    t_serial = time.perf_counter() - t0

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           dashboard_address="127.0.0.1:0", silence_logs=40)
    client = Client(cluster)
    client.run(lambda: __import__("reservoirs.experiments"))  # warm imports like a running cluster
    t_start = time.perf_counter() - t0

    t0 = time.perf_counter()
    table = sweep("reservoirs.memory_capacity", {"balance": balances}, base=fixed,
                  store=Store(base / "dask.zarr"), client=client)
    t_dask = time.perf_counter() - t0
    assert (table["status"] == "complete").all(), table

    n_noop = 64
    t0 = time.perf_counter()
    noop_store = Store(base / "noop-serial.zarr")
    for i in range(n_noop):
        Noop(x=float(i)).run(noop_store)
    t_noop_serial = time.perf_counter() - t0
    t0 = time.perf_counter()
    sweep(Noop, {"x": list(range(n_noop))}, store=Store(base / "noop-dask.zarr"), client=client)
    t_noop_dask = time.perf_counter() - t0
    client.close()
    cluster.close()
    shutil.rmtree(base)

    print(f"{args.points}-point beta sweep, reservoirs.memory_capacity, N={args.n_neurons}")
    print(f"serial (one process)            {t_serial:7.2f} s")
    print(f"dask, {args.workers} worker processes       {t_dask:7.2f} s   speed-up {t_serial / t_dask:4.2f}x "
          f"(cluster start-up {t_start:.2f} s not included)")
    per_task = (t_noop_dask - t_noop_serial) / n_noop
    print(f"no-op tasks: serial {t_noop_serial * 1e3 / n_noop:6.1f} ms/task, "
          f"dask {t_noop_dask * 1e3 / n_noop:6.1f} ms/task")
    print(f"scheduling overhead per task     {per_task * 1e3:6.1f} ms (goal < 50 ms)")
    print("MC by beta:", ", ".join(f"{b:g}:{m:.1f}" for b, m in zip(table["balance"], table["mc"])))


if __name__ == "__main__":
    main()
