"""Benchmark of the trajectory store: local disk against ``np.save``, listing, object storage.

1. Write/read of a 1 000 000 × 3 float32 trajectory and 1 000 appended blocks of 100 rows,
   against ``np.save``/``np.load`` and against the write path before checksums and manifests
   (zarr array metadata without codecs, then plain chunk files), measured in the same process
   on the same disk. Goal: ``run.write`` within 1.2× of that path.
2. ``Store.runs()`` and the ``workbench ls`` command (a fresh process) on 2 000 runs.
   Goal: under 1 s.
3. On a local S3-compatible server (``moto_server`` started here, 127.0.0.1): ``ls`` of
   1 000 runs, timed and with its requests counted by the server's request recorder
   (goal: under 2 s and 1 100 requests); the first listing reads every run, later ones read
   the finished runs' records from ``index/finished.json``. And write/read of the 1e6 × 3 array against local
   disk (goal: within 3×).

The many-run stores are made by writing one real run and copying its folder (the listing
reads each run's ``zarr.json``; copying is only faster than writing 2 000 runs).

Usage: ``python benchmarks/store.py [--repeat 7] [--dir DIR] [--no-s3 | --only-s3]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import zarr

from workbench.store import Store


def interleaved(fns, repeat, cleanup=None):
    """Median time of each function, calling them in turn so that all see the same disk state.

    The order alternates between rounds (forward, then reversed) and ``cleanup()`` (untimed)
    removes what a round wrote after an ``os.sync()``: otherwise the kernel's write-back of
    earlier rounds' dirty pages falls on whichever function runs later.
    """
    times = [[] for _ in fns]
    for r in range(repeat):
        order = list(enumerate(fns))
        for i, fn in (order if r % 2 == 0 else order[::-1]):
            os.sync()
            t0 = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - t0)
        if cleanup is not None:
            cleanup()
    return [float(np.median(t)) for t in times]


def plain_chunks(directory: Path, arr: np.ndarray, rows: int) -> None:
    """The peer: the same chunk files without checksums (temporary name, then rename)."""
    for k, lo in enumerate(range(0, arr.shape[0], rows)):
        path = directory / "c" / str(k) / "0"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".0.{uuid.uuid4().hex}.partial")
        np.ascontiguousarray(arr[lo:lo + rows]).tofile(tmp)
        os.replace(tmp, path)


def local_section(base: Path, repeat: int, traj: np.ndarray, blocks: list[np.ndarray]) -> None:
    from workbench.store.common import chunk_rows

    appended = np.concatenate(blocks)
    counter = iter(range(10**7))
    state = {}
    rows = chunk_rows(traj.shape[1:], traj.dtype)

    def np_save_one():
        np.save(base / f"one{next(counter)}.npy", traj)

    open_store = Store(base / "open.zarr")
    writer = open_store.new_run("bench.store", {}).__enter__()
    plain_group = zarr.open_group(base / "plain.zarr", mode="a")

    def plain():  # the write path before checksums: array metadata, then raw chunk files
        i = next(counter)
        plain_group.create_array(f"t{i}", shape=traj.shape, dtype=traj.dtype, chunks=(rows, 3),
                                 compressors=None, dimension_names=(f"time{i}", "dim"), overwrite=True)
        plain_chunks(base / "plain.zarr" / f"t{i}", traj, rows)

    def store_write():
        i = next(counter)
        writer.write(f"trajectory{i}", traj, dims=(f"time{i}", "dim"))

    def np_save_both():
        i = next(counter)
        np.save(base / f"traj{i}.npy", traj)
        np.save(base / f"app{i}.npy", appended)
        state["np"] = i

    def store_both():
        store = Store(base / f"s{next(counter)}.zarr")
        with store.new_run("bench.store", {}) as run:
            run.write("trajectory", traj, dims=("time", "dim"))
            for b in blocks:
                run.append("appended", b, dims=("step", "dim"))
        state["store"], state["id"] = store, run.id

    def np_load():
        np.load(base / f"traj{state['np']}.npy")
        np.load(base / f"app{state['np']}.npy")

    def store_read():
        reader = state["store"].open(state["id"])
        reader["trajectory"]
        reader["appended"]

    def remove_round():
        for path in [*base.glob("one*.npy"), *(base / "plain.zarr").glob("t*"),
                     *(base / "open.zarr" / "runs" / writer.id).glob("trajectory*")]:
            shutil.rmtree(path) if path.is_dir() else path.unlink()

    t_np1, t_plain, t_write = interleaved([np_save_one, plain, store_write], repeat, remove_round)
    t_np, t_both = interleaved([np_save_both, store_both], repeat)
    t_load, t_read = interleaved([np_load, store_read], repeat)
    writer.__exit__(None, None, None)
    reader = state["store"].open(state["id"])
    assert np.array_equal(reader["trajectory"], traj) and np.array_equal(reader["appended"], appended)
    print(f"data: trajectory {traj.shape} float32 ({traj.nbytes / 2**20:.1f} MiB) "
          "+ 1000 appended blocks of 100 rows")
    print(f"np.save trajectory                    {t_np1 * 1e3:8.1f} ms")
    print(f"write path before checksums           {t_plain * 1e3:8.1f} ms")
    print(f"run.write (crc32c + manifest entry)   {t_write * 1e3:8.1f} ms   "
          f"ratio {t_write / t_plain:5.2f}x before (goal <= 1.2), {t_write / t_np1:5.2f}x np.save")
    print(f"whole run: create+write+append+finish {t_both * 1e3:8.1f} ms   "
          f"ratio {t_both / t_np:5.2f}x np.save of both")
    print(f"store read both (checked)             {t_read * 1e3:8.1f} ms   "
          f"ratio {t_read / t_load:5.2f}x np.load")


def many_runs(store: Store, n: int) -> None:
    """Fill ``store`` with ``n`` complete runs: one written, the rest copies of its folder."""
    with store.new_run("bench.many", {"i": 0}) as run:
        run.write("x", np.arange(10.0), dims=("t",))
        run.metrics["m"] = 1.0
    src = store.local_path / "runs" / run.id
    for i in range(1, n):
        shutil.copytree(src, src.with_name(f"{run.id[:-6]}{i:06x}"))


def listing_section(base: Path) -> None:
    store = Store(base / "many.zarr")
    many_runs(store, 2000)
    t0 = time.perf_counter()
    n = len(Store(store.path).runs())
    t_runs = time.perf_counter() - t0
    exe = Path(sys.executable).with_name("workbench")
    t0 = time.perf_counter()
    out = subprocess.run([str(exe), "ls", "--store", store.path], capture_output=True, text=True, check=True)
    t_cli = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run([str(exe), "--version"], capture_output=True, check=True)
    t_start = time.perf_counter() - t0
    assert n == 2000 and out.stdout.count("complete") == 2000
    print(f"Store.runs() on {n} runs               {t_runs * 1e3:8.1f} ms   (goal < 1 s)")
    print(f"`workbench ls` on {n} runs (process)   {t_cli * 1e3:8.1f} ms   (of which starting the command "
          f"`workbench --version`: {t_start * 1e3:.0f} ms)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def s3_section(base: Path, repeat: int, traj: np.ndarray) -> None:
    import s3fs

    port = _free_port()
    recording = base / "requests.jsonl"
    exe = Path(sys.executable).with_name("moto_server")
    env = {**os.environ, "MOTO_RECORDER_FILEPATH": str(recording)}
    server = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        opts = {"endpoint_url": endpoint, "key": "bench", "secret": "bench"}
        s3fs.S3FileSystem(**opts).mkdir("bench")
        store = Store("s3://bench/many.zarr", storage_options=opts)
        with store.new_run("bench.many", {"i": 0}) as run:
            run.write("x", np.arange(10.0), dims=("t",))
        meta = store._backend.read(f"runs/{run.id}/zarr.json")
        fs = s3fs.S3FileSystem(**opts)
        with ThreadPoolExecutor(16) as pool:
            prefix = f"bench/many.zarr/runs/{run.id[:-6]}"
            list(pool.map(lambda i: fs.pipe_file(f"{prefix}{i:06x}/zarr.json", meta), range(1, 1000)))

        def call(what):
            request = urllib.request.Request(f"{endpoint}/moto-api/recorder/{what}", method="POST")
            urllib.request.urlopen(request).read()

        for what in ("first", "later"):  # the first listing reads every run and writes the index
            call("reset-recording")
            call("start-recording")
            t0 = time.perf_counter()
            n = len(Store("s3://bench/many.zarr", storage_options=opts).runs())
            t_ls = time.perf_counter() - t0
            call("stop-recording")
            requests = sum(1 for line in recording.read_text().splitlines() if line.strip())
            print(f"S3 (moto) Store(url).runs() on {n} runs, {what:5s} {t_ls * 1e3:8.1f} ms, {requests} "
                  f"requests (goal < 2 s, < 1100 requests)")

        counter = iter(range(10**6))
        s3_writer = Store("s3://bench/io.zarr", storage_options=opts).new_run("bench.io", {}).__enter__()
        local_writer = Store(base / "io.zarr").new_run("bench.io", {}).__enter__()

        def w_s3():
            s3_writer.write(f"t{next(counter)}", traj, dims=("time", "dim"))

        def w_local():
            local_writer.write(f"t{next(counter)}", traj, dims=("time", "dim"))

        def remove_local():  # the local side's files, so write-back of earlier rounds does not slow it
            for path in (base / "io.zarr" / "runs" / local_writer.id).glob("t*"):
                shutil.rmtree(path)

        t_w_s3, t_w_local = interleaved([w_s3, w_local], repeat, remove_local)
        s3_writer.__exit__(None, None, None)
        local_writer.__exit__(None, None, None)
        with Store(base / "read.zarr").new_run("bench.io", {}) as local_run:
            local_run.write("traj", traj, dims=("time", "dim"))
        s3_reader = Store("s3://bench/io.zarr", storage_options=opts).open(s3_writer.id)
        local_reader = Store(base / "read.zarr").open(local_run.id)
        name = s3_reader.arrays[0]
        t_r_s3, t_r_local = interleaved([lambda: s3_reader[name], lambda: local_reader["traj"]], repeat)
        assert np.array_equal(s3_reader[name], traj)
        # The roofline on this server: one PUT / GET of the same bytes with s3fs, nothing else
        # (what any S3 write or read of this array must pay on moto).
        raw = traj.tobytes() + b"0123"
        fs.pipe_file("bench/raw/0", raw)
        t_put, t_get = interleaved([lambda: fs.pipe_file(f"bench/raw/{next(counter)}", raw),
                                    lambda: fs.cat_file("bench/raw/0")], repeat)
        print(f"S3 (moto) write 1e6x3 float32         {t_w_s3 * 1e3:8.1f} ms   "
              f"local {t_w_local * 1e3:6.1f} ms   ratio {t_w_s3 / t_w_local:5.2f}x (goal <= 3)")
        print(f"S3 (moto) read  1e6x3 float32         {t_r_s3 * 1e3:8.1f} ms   "
              f"local {t_r_local * 1e3:6.1f} ms   ratio {t_r_s3 / t_r_local:5.2f}x (goal <= 3)")
        print(f"roofline: one s3fs PUT of the bytes   {t_put * 1e3:8.1f} ms   "
              f"({t_put / t_w_local:5.2f}x local write; store write is {t_w_s3 / t_put:5.2f}x the PUT)")
        print(f"roofline: one s3fs GET of the bytes   {t_get * 1e3:8.1f} ms   "
              f"({t_get / t_r_local:5.2f}x local read; store read is {t_r_s3 / t_get:5.2f}x the GET)")
    finally:
        server.terminate()
        server.wait(10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--dir", default=None, help="Directory on the disk to measure (default: temp dir).")
    parser.add_argument("--no-s3", action="store_true", help="Skip the object-storage section.")
    parser.add_argument("--only-s3", action="store_true", help="Only the object-storage section.")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(dir=args.dir))
    rng = np.random.default_rng(0)
    traj = rng.standard_normal((1_000_000, 3)).astype(np.float32)
    blocks = [rng.standard_normal((100, 3)).astype(np.float32) for _ in range(1000)]
    try:
        if not args.only_s3:
            local_section(base, args.repeat, traj, blocks)
            listing_section(base)
        if not args.no_s3:
            s3_section(base, args.repeat, traj)
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
