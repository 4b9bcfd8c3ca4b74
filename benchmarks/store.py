"""Benchmark of the trajectory store against ``np.save``/``np.load``.

Writes a 1 000 000 × 3 float32 trajectory, appends 1 000 blocks of 100 rows, reads both
back, and prints each time with its ratio to ``np.save``/``np.load`` of the same data,
measured in the same process on the same disk. Goal: writing within 2× of ``np.save``.

Usage: ``python benchmarks/store.py [--repeat 9] [--dir DIR]``
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from workbench.store import Store


def interleaved(fns, repeat):
    """Median time of each function, calling them in turn so that all see the same disk
    state (page cache and write-back pressure change over a run; a best-of of one function
    measured before the other would compare different conditions)."""
    times = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - t0)
    return [float(np.median(t)) for t in times]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--dir", default=None, help="Directory on the disk to measure (default: temp dir).")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(dir=args.dir))
    rng = np.random.default_rng(0)
    traj = rng.standard_normal((1_000_000, 3)).astype(np.float32)
    blocks = [rng.standard_normal((100, 3)).astype(np.float32) for _ in range(1000)]
    appended = np.concatenate(blocks)
    counter = iter(range(10**6))
    state = {}

    def np_save():
        i = next(counter)
        np.save(base / f"traj{i}.npy", traj)
        np.save(base / f"app{i}.npy", appended)
        state["np"] = i

    def np_load():
        np.load(base / f"traj{state['np']}.npy")
        np.load(base / f"app{state['np']}.npy")

    def np_save_one():
        np.save(base / f"one{next(counter)}.npy", traj)

    open_store = Store(base / "open.zarr")
    writer = open_store.new_run("bench.store", {}).__enter__()

    def store_write():  # one array into an open run (like np.save: one new file set)
        writer.write(f"trajectory{next(counter)}", traj, dims=(f"time{next(counter)}", "dim"))

    def store_append():
        w = open_store.new_run("bench.store", {}).__enter__()
        for b in blocks:
            w.append("appended", b, dims=("step", "dim"))
        w.flush()

    def store_both():  # the whole run: create, write, stream, finish
        store = Store(base / f"s{next(counter)}.zarr")
        with store.new_run("bench.store", {}) as run:
            run.write("trajectory", traj, dims=("time", "dim"))
            for b in blocks:
                run.append("appended", b, dims=("step", "dim"))
        state["store"], state["id"] = store, run.id

    def store_read():
        reader = state["store"].open(state["id"])
        reader["trajectory"]
        reader["appended"]

    t_np_save1, t_write = interleaved([np_save_one, store_write], args.repeat)
    t_np_save, t_both, t_append = interleaved([np_save, store_both, store_append], args.repeat)
    t_np_load, t_read = interleaved([np_load, store_read], args.repeat)
    reader = state["store"].open(state["id"])
    assert np.array_equal(reader["trajectory"], traj) and np.array_equal(reader["appended"], appended)

    mb = traj.nbytes / 2**20
    print(f"data: trajectory {traj.shape} float32 ({mb:.1f} MiB) + 1000 appended blocks of 100 rows")
    print(f"np.save trajectory            {t_np_save1 * 1e3:8.1f} ms")
    print(f"run.write trajectory          {t_write * 1e3:8.1f} ms   ratio {t_write / t_np_save1:5.2f}x np.save")
    print(f"store.append 1000 x 100 rows  {t_append * 1e3:8.1f} ms")
    print(f"np.save both arrays           {t_np_save * 1e3:8.1f} ms")
    print(f"whole run: create + write + append + finish {t_both * 1e3:6.1f} ms   ratio {t_both / t_np_save:5.2f}x np.save")
    print(f"np.load both                  {t_np_load * 1e3:8.1f} ms")
    print(f"store read both               {t_read * 1e3:8.1f} ms   ratio {t_read / t_np_load:5.2f}x np.load")
    writer.__exit__(None, None, None)
    shutil.rmtree(base)


if __name__ == "__main__":
    main()
