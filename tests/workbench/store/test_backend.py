"""The store on object storage: a real S3-compatible server (moto_server) on 127.0.0.1."""

import json
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import zarr
from click.testing import CliRunner

from workbench.cli import main
from workbench.store import Store, parse_storage_options

from .conftest import REPO, count_requests, python


def test_parse_storage_options():
    assert parse_storage_options(["endpoint_url=http://h:9000", "anon=false", "client_kwargs.region_name=x"]) == \
        {"endpoint_url": "http://h:9000", "anon": False, "client_kwargs": {"region_name": "x"}}
    with pytest.raises(ValueError, match="key=value"):
        parse_storage_options(["novalue"])


@pytest.mark.slow
def test_round_trip_on_s3(s3_url, s3_options, monkeypatch):
    import workbench.store.common as common

    store = Store(s3_url, storage_options=s3_options)
    traj = np.random.default_rng(0).standard_normal((5000, 3)).astype(np.float32)
    many = np.arange(3009.0).reshape(1003, 3)
    with store.new_run("s3.demo", {"n": 1}, seed=3) as run:
        run.write("traj", traj, dims=("time", "dim"))
        monkeypatch.setattr(common, "OBJECT_CHUNK_BYTES", 24 * 100)     # 11 chunks, a padded edge
        run.write("many", many, dims=("row", "col"), attrs={"units": "m"})
        monkeypatch.undo()
        for i in range(4):
            run.append("states", np.full((100, 2), i, dtype=np.float64), dims=("step", "neuron"))
        run.log(0, loss=1.0)
        run.metrics["m"] = 2.5
    with pytest.raises(RuntimeError):
        with store.new_run("s3.demo", {"n": 2}) as bad:
            raise RuntimeError("boom")
    again = Store(s3_url, storage_options=s3_options)
    rec = again.open(run.id)
    assert rec.status == "complete" and rec.metrics == {"m": 2.5}
    np.testing.assert_array_equal(rec["traj"], traj)
    np.testing.assert_array_equal(rec["many"], many)
    za = zarr.open_array(store=rec._group.store, path=f"{rec._group.path}/many", mode="r")
    assert za.chunks == (92, 3) and za.attrs["units"] == "m"
    np.testing.assert_array_equal(za[...], many)              # zarr itself reads what we wrote
    assert rec["states"].shape == (400, 2) and rec.logs()["loss"][0] == 1.0
    assert rec.to_xarray()["traj"].dims == ("time", "dim")
    assert {r.id: r.status for r in again.runs()} == {run.id: "complete", bad.id: "failed"}
    assert again.verify() == {run.id: [], bad.id: []}
    assert again.gc() == [bad.id]


S3_WRITER = textwrap.dedent("""
    import sys, numpy as np
    from workbench.store import Store
    store = Store(sys.argv[1])   # storage options from WORKBENCH_STORAGE_OPTIONS
    i = int(sys.argv[2])
    with store.new_run("proc", {"index": i}) as run:
        for b in range(5):
            run.append("x", np.full((300, 4), i * 100 + b, dtype=np.float64), dims=("time", "dim"))
""")


@pytest.mark.slow
def test_four_concurrent_writer_processes_on_s3(s3_url, s3_options):
    env = {"WORKBENCH_STORAGE_OPTIONS": json.dumps(s3_options)}
    procs = [python(S3_WRITER, s3_url, str(i), env=env) for i in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [o[1][-500:] for o in outs]
    store = Store(s3_url, storage_options=s3_options)
    runs = store.runs(status="complete")
    assert sorted(r.params["index"] for r in runs) == [0, 1, 2, 3]
    for rec in runs:
        x = store.open(rec.id)["x"]
        assert x.shape == (1500, 4)
        np.testing.assert_array_equal(x[::300, 0], rec.params["index"] * 100 + np.arange(5))


@pytest.mark.slow
def test_three_sweeps_in_one_process_see_each_other(s3_url, s3_options):
    """A new Store(url) in a long-lived process sees runs written since (no stale listing cache)."""
    import cloudpickle
    from dask.distributed import Client, LocalCluster

    from workbench.sweep import sweep

    from ..sweep_fixtures import Square

    cloudpickle.register_pickle_by_value(sys.modules[Square.__module__])
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        first = sweep(Square, {"x": [1, 2]}, store=Store(s3_url, storage_options=s3_options), client=client)
        # another process writes the third point meanwhile
        env = {"WORKBENCH_STORAGE_OPTIONS": json.dumps(s3_options)}
        code = ("import sys; sys.path.insert(0, sys.argv[2]); import sweep_fixtures; from workbench.store import "
                "Store; sweep_fixtures.Square(x=3.0).run(Store(sys.argv[1]))")
        out = subprocess.run([sys.executable, "-c", code, s3_url, os.path.dirname(os.path.dirname(__file__))],
                             env={**os.environ, **env}, capture_output=True, text=True, timeout=120, cwd=REPO)
        assert out.returncode == 0, out.stderr[-500:]
        second = sweep(Square, {"x": [1, 2, 3]}, store=Store(s3_url, storage_options=s3_options), client=client)
        third = sweep(Square, {"x": [1, 2, 3]}, store=Store(s3_url, storage_options=s3_options), client=client)
    assert list(first["skipped"]) == [False, False]
    assert list(second["skipped"]) == [True, True, True] and list(third["skipped"]) == [True, True, True]
    runs = Store(s3_url, storage_options=s3_options).runs()
    assert len(runs) == 3 and all(r.status == "complete" for r in runs)          # runs == points


def _workbench(*args, env=None, timeout=60):
    exe = os.path.join(os.path.dirname(sys.executable), "workbench")
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.mark.slow
def test_ls_and_show_request_counts(s3_url, s3_options, moto_endpoint, moto_recording):
    store = Store(s3_url, storage_options=s3_options)
    ids = []
    for i in range(20):
        with store.new_run("count", {"i": i}) as run:
            run.write("x", np.arange(3.0), dims=("t",))
        ids.append(run.id)
    opts = [f"--storage-option=endpoint_url={moto_endpoint}"]
    results = {}
    for name, args in (("ls", ["ls"]), ("show", ["show", ids[5]])):
        def action(args=args, name=name):
            results[name] = _workbench(*args, "--store", s3_url, *opts)
        n = count_requests(moto_endpoint, moto_recording, action)
        assert results[name].returncode == 0, results[name].stderr
        results[name + "_requests"] = n
    assert results["ls"].stdout.count("complete") == 20
    # the first ls: bucket check + root metadata + one listing + the index + one read per run + the index written
    assert results["ls_requests"] <= 20 + 6, results["ls_requests"]
    # later ones read the finished runs' records from the index: independent of the number of runs
    n = count_requests(moto_endpoint, moto_recording,
                       lambda: results.update(ls=_workbench("ls", "--store", s3_url, *opts)))
    assert results["ls"].stdout.count("complete") == 20 and n <= 5, n
    # show: bucket check + root metadata + that run only (independent of the number of runs)
    assert "array  x (3,)" in results["show"].stdout
    assert results["show_requests"] <= 10, results["show_requests"]


@pytest.mark.slow
def test_the_finished_runs_index_is_only_a_cache(s3_url, s3_options):
    from workbench.store.finished import INDEX_KEY

    store = Store(s3_url, storage_options=s3_options)
    ids = []
    for i in range(3):
        with store.new_run("cache", {"i": i}) as run:
            run.metrics["m"] = float(i)
        ids.append(run.id)
    running = store.new_run("cache", {"i": 9})
    running.__enter__()
    try:
        first = {r.id: r for r in Store(s3_url, storage_options=s3_options).runs()}
        assert {first[i].status for i in ids} == {"complete"} and first[running.id].status == "running"
        cached = json.loads(store._backend.read(INDEX_KEY))["runs"]
        assert sorted(cached) == sorted(ids)  # finished runs only: the running one is read every time
        assert cached[ids[1]]["metrics"] == {"m": 1.0}
        # another process deletes a run and writes one: both show at once
        Store(s3_url, storage_options=s3_options).delete(ids[0])
        with Store(s3_url, storage_options=s3_options).new_run("cache", {"i": 3}) as run:
            pass
        second = {r.id: r.status for r in Store(s3_url, storage_options=s3_options).runs()}
        assert ids[0] not in second and second[run.id] == "complete" and second[running.id] == "running"
        assert sorted(json.loads(store._backend.read(INDEX_KEY))["runs"]) == sorted([*ids[1:], run.id])
        # a damaged index costs reads, never a wrong listing, and is rewritten
        store._backend.write(INDEX_KEY, b"{not json")
        third = {r.id: r.status for r in Store(s3_url, storage_options=s3_options).runs()}
        assert third == second
        assert sorted(json.loads(store._backend.read(INDEX_KEY))["runs"]) == sorted([*ids[1:], run.id])
    finally:
        running.__exit__(None, None, None)
    assert {r.id: r.status for r in store.runs()}[running.id] == "complete"


@pytest.mark.slow
def test_bad_endpoint_and_missing_bucket_fail_fast_with_one_line(s3_options, moto_endpoint):
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    t0 = time.time()
    res = _workbench("ls", "--store", "s3://nobucket/x.zarr", "--storage-option", "endpoint_url=http://127.0.0.1:9",
                     env=env)
    assert time.time() - t0 < 20
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and res.stderr.startswith("error: ")
    assert "cannot be reached" in res.stderr
    res = _workbench("ls", "--store", "s3://no-such-bucket-xyz/x.zarr", "--storage-option",
                     f"endpoint_url={moto_endpoint}", env=env)
    assert res.returncode == 2 and res.stderr == ("error: store 's3://no-such-bucket-xyz/x.zarr': bucket "
                                                  "'no-such-bucket-xyz' does not exist or is not accessible\n")
    res = _workbench("run", "systems.lorenz63", "--set", "n_steps=100", "--store", "s3://no-such-bucket-xyz/x.zarr",
                     "--storage-option", f"endpoint_url={moto_endpoint}", env=env, timeout=120)
    assert res.returncode == 2 and res.stderr.strip().count("\n") == 0 and "does not exist" in res.stderr
    with pytest.raises(ValueError, match="does not exist"):
        Store("s3://no-such-bucket-xyz/x.zarr", storage_options=s3_options)
    res = CliRunner().invoke(main, ["ls", "--store", "s3://b/x", "--storage-option", "oops"])
    assert res.exit_code == 2 and "key=value" in res.output
