"""Tests of the zarr trajectory store."""

import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import xarray as xr
from matplotlib.figure import Figure

from workbench.store import SCHEMA_VERSION, Store


def test_complete_run_roundtrip(memory_store):
    with memory_store.new_run("demo.kind", {"n": 3, "beta": 1.5}, seed=7) as run:
        run.write("traj", np.arange(12.0).reshape(4, 3), dims=("time", "dim"))
        for i in range(5):
            run.append("states", np.full((10, 2), i, dtype=np.float32), dims=("step", "neuron"))
        run.log(0, loss=1.0)
        run.log(1, loss=0.5, d_stsp=2.0)
        run.metrics["mc"] = 12.5
        run.attrs["note"] = "hello"
        fig = Figure()
        fig.add_subplot().plot([0, 1], [1, 0])
        run.save_figure("curve", fig)
    rec = memory_store.open(run.id)
    assert rec.status == "complete" and rec.kind == "demo.kind" and rec.seed == 7
    assert rec.params == {"n": 3, "beta": 1.5}
    assert rec.metrics == {"mc": 12.5} and rec.attrs["note"] == "hello"
    np.testing.assert_array_equal(rec["traj"], np.arange(12.0).reshape(4, 3))
    states = rec["states"]
    assert states.shape == (50, 2) and states.dtype == np.float32
    np.testing.assert_array_equal(states[::10, 0], np.arange(5))
    logs = rec.logs()
    np.testing.assert_array_equal(logs["step"], [0, 1])
    assert np.isnan(logs["d_stsp"][0]) and logs["d_stsp"][1] == 2.0
    assert rec.figure("curve")[:8] == b"\x89PNG\r\n\x1a\n"
    assert rec.dims("traj") == ("time", "dim")
    assert rec.attrs["finished"] >= rec.attrs["created"]
    assert "numpy" in rec.attrs["versions"] and rec.attrs["schema_version"] == SCHEMA_VERSION
    ds = rec.to_xarray()
    assert ds["traj"].dims == ("time", "dim") and ds.attrs["kind"] == "demo.kind"
    np.testing.assert_array_equal(ds["traj"].values, np.arange(12.0).reshape(4, 3))
    assert ds["states"].dtype == np.float32
    np.testing.assert_array_equal(ds["states"].values, states)


def test_append_streams_in_whole_chunks(memory_store, monkeypatch):
    import workbench.store.common as st

    monkeypatch.setattr(st, "CHUNK_BYTES", 8 * 3 * 64)  # 64 rows of 3 float64 per chunk
    with memory_store.new_run("demo", {}) as run:
        for i in range(10):
            run.append("x", np.full((50, 3), i, dtype=np.float64), dims=("time", "dim"))
            written = run._group["x"].shape[0]
            assert written % 64 == 0 and written <= (i + 1) * 50  # only whole chunks reach the store
            assert run._buffered_rows["x"] < 64 + 50               # bounded buffer
    x = memory_store.open(run.id)["x"]
    assert x.shape == (500, 3)
    np.testing.assert_array_equal(x[::50, 0], np.arange(10))


def test_failed_run_records_error_and_propagates(memory_store):
    with pytest.raises(RuntimeError, match="boom"):
        with memory_store.new_run("demo", {"a": 1}) as run:
            run.write("x", np.zeros(3), dims=("time",))
            raise RuntimeError("boom")
    rec = memory_store.open(run.id)
    assert rec.status == "failed" and rec.attrs["error"] == "RuntimeError: boom"
    assert "Traceback" in rec.attrs["traceback"]
    assert [r.id for r in memory_store.runs(status="failed")] == [run.id]


def test_runs_newest_first_and_filters(memory_store):
    ids = []
    for kind in ("a", "b", "a"):
        with memory_store.new_run(kind, {}) as run:
            pass
        ids.append(run.id)
        time.sleep(0.002)
    assert [r.id for r in memory_store.runs()] == ids[::-1]
    assert [r.id for r in memory_store.runs(kind="a")] == [ids[2], ids[0]]
    assert memory_store.runs(status="failed") == []


def test_delete_and_gc(memory_store):
    with memory_store.new_run("ok", {}) as good:
        pass
    with pytest.raises(ValueError):
        with memory_store.new_run("bad", {}) as bad:
            raise ValueError("x")
    assert memory_store.gc() == [bad.id]
    assert [r.id for r in memory_store.runs()] == [good.id]
    memory_store.delete(good.id)
    assert memory_store.runs() == []
    with pytest.raises(KeyError):
        memory_store.open(good.id)


@pytest.mark.parametrize("name", ["", "a/b", "..", "x y", None])
def test_bad_array_names_rejected(memory_store, name):
    with memory_store.new_run("demo", {}) as run:
        with pytest.raises(ValueError, match="name"):
            run.write(name, np.zeros(2))


def test_bad_params_write_nothing(memory_store):
    with pytest.raises(ValueError, match="params must be JSON-serialisable"):
        memory_store.new_run("demo", {"f": object()})
    with pytest.raises(ValueError, match="kind"):
        memory_store.new_run("", {})
    assert memory_store.runs() == []
    assert memory_store.run_ids() == []


def test_dims_must_agree_within_run(memory_store):
    with memory_store.new_run("demo", {}) as run:
        run.write("a", np.zeros((5, 3)), dims=("time", "dim"))
        with pytest.raises(ValueError, match="dimension 'time'"):
            run.write("b", np.zeros((6, 3)), dims=("time", "dim"))
        with pytest.raises(ValueError, match="dims"):
            run.write("c", np.zeros((6, 3)), dims=("time",))


def test_path_that_is_not_a_store(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ValueError, match="not a directory"):
        Store(tmp_path / "file.txt")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "other.txt").write_text("x")
    with pytest.raises(ValueError, match="not a workbench store"):
        Store(tmp_path / "dir")


def test_newer_schema_rejected(tmp_path):
    path = tmp_path / "s.zarr"
    store = Store(path)
    with store.new_run("demo", {}):
        pass
    meta = json.loads((path / "zarr.json").read_text())
    meta["attributes"]["schema_version"] = SCHEMA_VERSION + 1
    (path / "zarr.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="newer than this code"):
        Store(path)


def test_store_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(tmp_path / "env.zarr"))
    store = Store()
    with store.new_run("demo", {}):
        pass
    assert (tmp_path / "env.zarr" / "zarr.json").exists()


def test_xarray_open_zarr_on_disk(tmp_store):
    traj = np.random.default_rng(0).standard_normal((20, 3)).astype(np.float32)
    with tmp_store.new_run("demo", {}) as run:
        run.write("traj", traj, dims=("time", "dim"))
        run.append("x", np.arange(10.0), dims=("step",))
    ds = xr.open_zarr(tmp_store.path, group=f"runs/{run.id}", consolidated=False)
    assert ds["traj"].shape == (20, 3) and ds.attrs["status"] == "complete"
    assert ds["traj"].dims == ("time", "dim") and ds["traj"].dtype == np.float32
    np.testing.assert_array_equal(ds["traj"].values, traj)          # bit-exact round trip
    np.testing.assert_array_equal(ds["x"].values, np.arange(10.0))


def test_netcdf_export(tmp_store, tmp_path):
    pytest.importorskip("scipy")
    traj = np.random.default_rng(1).standard_normal((4, 3))
    with tmp_store.new_run("demo", {"a": 1}, seed=5) as run:
        run.write("traj", traj, dims=("time", "dim"))
        run.write("counts", np.array([3, 1, 4], dtype=np.int64), dims=("dim",))
        run.metrics["mc"] = 2.5
    out = tmp_path / "run.nc"
    tmp_store.open(run.id).to_netcdf(out)
    ds = xr.open_dataset(out)
    assert ds["traj"].shape == (4, 3) and ds["traj"].dims == ("time", "dim")
    np.testing.assert_array_equal(ds["traj"].values, traj)          # float64 survives exactly
    np.testing.assert_array_equal(ds["counts"].values, [3, 1, 4])
    assert ds.attrs["kind"] == "demo" and ds.attrs["status"] == "complete"
    ds.close()


def test_dataset_cache(memory_store):
    calls = []

    def factory(n, scale):
        calls.append(n)
        return np.arange(n) * scale

    a = memory_store.dataset("ramp", factory, n=5, scale=2.0)
    b = memory_store.dataset("ramp", factory, n=5, scale=2.0)
    c = memory_store.dataset("ramp", factory, n=6, scale=2.0)
    assert calls == [5, 6]
    np.testing.assert_array_equal(a, b)
    assert len(c) == 6
    assert len(memory_store.datasets()["ramp"]) == 2
    pair = memory_store.dataset("pair", lambda n: (np.zeros(n), np.ones(n)), n=3)
    again = memory_store.dataset("pair", lambda n: None, n=3)
    assert isinstance(again, tuple) and np.array_equal(again[1], pair[1])


# -- several processes -----------------------------------------------------------------------

def _writer(path, index, n_blocks):
    store = Store(path)
    with store.new_run("proc", {"index": index}, seed=index) as run:
        for b in range(n_blocks):
            run.append("x", np.full((200, 4), index * 1000 + b, dtype=np.float64), dims=("time", "dim"))
        run.metrics["index"] = index


def test_concurrent_writers_processes(tmp_path):
    path = str(tmp_path / "shared.zarr")
    Store(path)  # not created until the first write: writers race to create it
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, i, 20)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    store = Store(path)
    runs = store.runs(status="complete")
    assert sorted(r.params["index"] for r in runs) == [0, 1, 2, 3]
    for rec in runs:
        x = store.open(rec.id)["x"]
        i = rec.params["index"]
        assert x.shape == (4000, 4)
        np.testing.assert_array_equal(x[::200, 0], i * 1000 + np.arange(20))


KILLED_WRITER = textwrap.dedent("""
    import sys, time, numpy as np
    from workbench.store import Store
    store = Store(sys.argv[1])
    with store.new_run("victim", {"x": 1}) as run:
        i = 0
        while True:
            run.append("x", np.full((1000, 8), i, dtype=np.float64), dims=("time", "dim"))
            if i == 3:
                print(run.id, flush=True)
            i += 1
""")


def test_sigkill_mid_run_leaves_other_runs_intact(tmp_path):
    path = str(tmp_path / "k.zarr")
    store = Store(path)
    with store.new_run("keeper", {"k": 1}) as good:
        good.write("traj", np.arange(30.0).reshape(10, 3), dims=("time", "dim"))
        good.metrics["value"] = 1.5
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, path], stdout=subprocess.PIPE, text=True)
    victim_id = proc.stdout.readline().strip()
    time.sleep(0.3)  # let it write more chunks
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    store = Store(path)
    statuses = {r.id: r.status for r in store.runs()}
    assert statuses[good.id] == "complete"
    assert statuses[victim_id] == "stale"
    kept = store.open(good.id)
    np.testing.assert_array_equal(kept["traj"], np.arange(30.0).reshape(10, 3))
    assert kept.metrics == {"value": 1.5}
    assert store.gc() == [victim_id]
    assert [r.id for r in store.runs()] == [good.id]
    # the store still accepts new runs
    with store.new_run("after", {}) as run:
        run.write("y", np.ones(2), dims=("i",))
    assert store.open(run.id).status == "complete"


@pytest.mark.parametrize("shape, dtype", [((1000, 3), np.float32), ((257,), np.int64), ((10, 4, 2), np.float64),
                                          ((50, 3), np.uint8)])
def test_raw_chunk_writes_match_zarr(tmp_path, monkeypatch, shape, dtype):
    """Chunks written directly on a local store equal zarr's own files, edge chunk included."""
    import zarr

    import workbench.store.common as st

    monkeypatch.setattr(st, "CHUNK_BYTES", 3 * 2 * np.prod(shape[1:], dtype=int) * np.dtype(dtype).itemsize + 1)
    arr = (np.arange(np.prod(shape)) % 251).astype(dtype).reshape(shape)
    store = Store(tmp_path / "raw.zarr")
    with store.new_run("demo", {}) as run:
        run.write("x", arr, dims=tuple(f"d{i}" for i in range(len(shape))), attrs={"units": "m", "n": [1, 2]})
    np.testing.assert_array_equal(store.open(run.id)["x"], arr)
    # zarr itself writes the same array into a sibling: byte-identical chunk files
    ref = zarr.open_group(tmp_path / "raw.zarr", mode="r+")[f"runs/{run.id}"]
    za = ref["x"]
    from zarr.codecs import Crc32cCodec

    twin = ref.create_array("twin", shape=za.shape, dtype=za.dtype, chunks=za.chunks, compressors=[Crc32cCodec()],
                            dimension_names=za.metadata.dimension_names, config={"write_empty_chunks": True},
                            attributes={"units": "m", "n": [1, 2]})
    twin[...] = arr
    run_dir = tmp_path / "raw.zarr" / "runs" / run.id
    ours = sorted(p.relative_to(run_dir / "x") for p in (run_dir / "x").rglob("*") if p.is_file())
    theirs = sorted(p.relative_to(run_dir / "twin") for p in (run_dir / "twin").rglob("*") if p.is_file())
    assert ours == theirs and len(ours) > 2
    for rel in ours:
        mine, twins = (run_dir / "x" / rel).read_bytes(), (run_dir / "twin" / rel).read_bytes()
        if rel.name == "zarr.json":     # the metadata written without zarr: the same document
            assert json.loads(mine) == json.loads(twins)
        else:
            assert mine == twins
    assert not list(run_dir.rglob("*.partial"))
