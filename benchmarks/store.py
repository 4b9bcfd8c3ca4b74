"""Benchmark of the trajectory store against ``np.save``/``np.load``.

Writes a 1 000 000 × 3 float32 trajectory, appends 1 000 blocks of 100 rows, reads both
back, and prints each time with its ratio to ``np.save``/``np.load`` of the same data,
measured in the same process on the same disk. Goal: writing within 2× of ``np.save``.

Usage: ``python benchmarks/store.py [--repeat 5] [--dir DIR]``
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from workbench.store import Store


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", default=None, help="Directory on the disk to measure (default: temp dir).")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(dir=args.dir))
    rng = np.random.default_rng(0)
    traj = rng.standard_normal((1_000_000, 3)).astype(np.float32)
    blocks = [rng.standard_normal((100, 3)).astype(np.float32) for _ in range(1000)]
    appended = np.concatenate(blocks)
    counter = iter(range(10**6))

    def np_save():
        np.save(base / "traj.npy", traj)
        np.save(base / "app.npy", appended)

    def np_load():
        np.load(base / "traj.npy")
        np.load(base / "app.npy")

    def np_save_one():
        np.save(base / "traj.npy", traj)

    state = {}

    def store_write():
        path = base / f"s{next(counter)}.zarr"
        store = Store(path)
        with store.new_run("bench.store", {}) as run:
            run.write("trajectory", traj, dims=("time", "dim"))
        state["store"], state["write_id"] = store, run.id
        shutil.rmtree(path)

    def store_append():
        path = base / f"s{next(counter)}.zarr"
        store = Store(path)
        with store.new_run("bench.store", {}) as run:
            for b in blocks:
                run.append("appended", b, dims=("step", "dim"))
        shutil.rmtree(path)

    def store_both():
        path = base / "keep.zarr"
        if path.exists():
            shutil.rmtree(path)
        store = Store(path)
        with store.new_run("bench.store", {}) as run:
            run.write("trajectory", traj, dims=("time", "dim"))
            for b in blocks:
                run.append("appended", b, dims=("step", "dim"))
        state["store"], state["id"] = Store(path), run.id

    def store_read():
        reader = state["store"].open(state["id"])
        reader["trajectory"]
        reader["appended"]

    t_np_save1 = best_of(np_save_one, args.repeat)
    t_np_save = best_of(np_save, args.repeat)
    t_np_load = best_of(np_load, args.repeat)
    t_write = best_of(store_write, args.repeat)
    t_append = best_of(store_append, args.repeat)
    t_both = best_of(store_both, args.repeat)
    t_read = best_of(store_read, args.repeat)
    reader = state["store"].open(state["id"])
    assert np.array_equal(reader["trajectory"], traj) and np.array_equal(reader["appended"], appended)

    mb = traj.nbytes / 2**20
    print(f"data: trajectory {traj.shape} float32 ({mb:.1f} MiB) + 1000 appended blocks of 100 rows")
    print(f"np.save trajectory            {t_np_save1 * 1e3:8.1f} ms")
    print(f"store.write trajectory        {t_write * 1e3:8.1f} ms   ratio {t_write / t_np_save1:5.2f}x np.save")
    print(f"store.append 1000 x 100 rows  {t_append * 1e3:8.1f} ms")
    print(f"np.save both arrays           {t_np_save * 1e3:8.1f} ms")
    print(f"store write + append          {t_both * 1e3:8.1f} ms   ratio {t_both / t_np_save:5.2f}x np.save")
    print(f"np.load both                  {t_np_load * 1e3:8.1f} ms")
    print(f"store read both               {t_read * 1e3:8.1f} ms   ratio {t_read / t_np_load:5.2f}x np.load")
    shutil.rmtree(base)


if __name__ == "__main__":
    main()
