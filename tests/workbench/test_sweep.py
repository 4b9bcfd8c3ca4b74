"""Tests of Dask sweeps with a real LocalCluster of worker processes."""

import os
import signal
import sys
import threading
import time

import cloudpickle
import pytest
from dask.distributed import Client, LocalCluster

from workbench.store import Store
from workbench.sweep import expand_grid, parse_grid, sweep

from .sweep_fixtures import Square

cloudpickle.register_pickle_by_value(sys.modules[Square.__module__])


@pytest.fixture(scope="module")
def client():
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=50)
    with Client(cluster) as c:
        yield c
    cluster.close()


def test_parse_and_expand_grid():
    grid = parse_grid(["x=1,2,3", "duration=0"])
    points = expand_grid(Square, grid, seeds=2)
    assert len(points) == 6
    assert points[0].params["x"] == 1.0 and points[1].params["seed"] == 1
    with pytest.raises(ValueError, match="given twice"):
        parse_grid(["x=a", "x=b"])  # given twice
    with pytest.raises(ValueError, match="duration"):
        expand_grid(Square, {"duration": ["-1"]})
    with pytest.raises(ValueError, match="key=v1"):
        parse_grid(["novalues"])


def test_sweep_runs_points_records_failure_and_resumes(client, tmp_path):
    store = Store(tmp_path / "s.zarr")
    counts = []
    table = sweep(Square, {"x": [1, 2, 3], "fail_at": [2]}, seeds=1, store=store, client=client,
                  progress=counts.append)
    assert list(table["x"]) == [1.0, 2.0, 3.0]
    assert list(table["status"]) == ["complete", "failed", "complete"]
    assert list(table["y"].fillna(-1)) == [1.0, -1, 9.0]
    assert counts[-1]["done"] == 2 and counts[-1]["failed"] == 1 and counts[-1]["running"] == 0
    runs = store.runs(kind="test.square")
    assert sorted(r.status for r in runs) == ["complete", "complete", "failed"]
    assert all(r.id for r in runs)
    # resume: complete points are skipped, the failed one runs again
    again = sweep(Square, {"x": [1, 2, 3], "fail_at": [2]}, store=store, client=client)
    assert list(again["skipped"]) == [True, False, True]
    assert list(again["run_id"])[0] == table["run_id"][0]
    assert len(store.runs(kind="test.square")) == 4


def test_worker_killed_mid_task_loses_only_that_task(client, tmp_path):
    store = Store(tmp_path / "k.zarr")
    killed = {}

    def killer():
        deadline = time.time() + 60
        while time.time() < deadline and not killed:
            for rec in Store(store.path).runs(status="running"):
                if rec.params["x"] == 2.0:
                    pid = Store(store.path).open(rec.id).attrs["pid"]
                    os.kill(pid, signal.SIGKILL)
                    killed["run"] = rec.id
                    return
            time.sleep(0.05)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    table = sweep(Square, {"x": [1, 2, 3, 4], "duration": [1.5]}, store=store, client=client)
    thread.join(5)
    assert killed, "the killer thread never saw the run start"
    # Dask re-ran the lost task: it took over the dead worker's claim, removed its stale run
    # and ran the point again; every other point ran exactly once.
    assert list(table["status"]) == ["complete"] * 4
    runs = Store(store.path).runs()
    assert killed["run"] not in {r.id for r in runs}
    assert len(runs) == 4 and all(r.status == "complete" for r in runs)
    # a resume reuses everything
    again = sweep(Square, {"x": [1, 2, 3, 4], "duration": [1.5]}, store=store, client=client)
    assert list(again["skipped"]) == [True] * 4
    for rec in Store(store.path).runs(status="complete"):
        assert Store(store.path).open(rec.id)["y"][0] == rec.params["x"] ** 2


def test_in_process_sweep_on_memory_store(memory_store):
    table = sweep(Square, {"x": [2, 5]}, store=memory_store, workers=2)
    assert list(table["y"]) == [4.0, 25.0]
    assert len(memory_store.runs(status="complete")) == 2


CONCURRENT_SWEEP = """
import sys, cloudpickle
sys.path.insert(0, sys.argv[2])
import sweep_fixtures
cloudpickle.register_pickle_by_value(sweep_fixtures)
from workbench.sweep import sweep
if __name__ == "__main__":
    table = sweep(sweep_fixtures.Square, {"x": [1, 2, 3], "duration": [0.3]}, store=sys.argv[1], workers=1)
    print(",".join(table["status"]), flush=True)
"""


@pytest.mark.slow
def test_two_sweeps_of_one_grid_on_one_store_run_each_point_once(tmp_path):
    import subprocess

    path = str(tmp_path / "c.zarr")
    here = os.path.dirname(os.path.abspath(__file__))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT_SWEEP, path, here], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-800:] for o in outs]
    assert [o[0].strip() for o in outs] == ["complete,complete,complete"] * 2
    runs = Store(path).runs()
    assert len(runs) == 3 and sorted(r.params["x"] for r in runs) == [1.0, 2.0, 3.0]


@pytest.mark.slow
def test_external_cluster_with_a_worker_killed_mid_sweep(tmp_path):
    """`dask scheduler` + two `dask worker` processes; one is SIGKILLed while it runs a point."""
    import subprocess

    sched_file = tmp_path / "scheduler.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "WORKBENCH_LEASE_TTL": "3", "WORKBENCH_LEASE_RENEW": "0.5",
           "PYTHONPATH": os.path.dirname(os.path.abspath(__file__))}
    procs = [subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(sched_file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]
    try:
        deadline = time.time() + 60
        while not sched_file.exists() and time.time() < deadline:
            time.sleep(0.1)
        for _ in range(2):
            procs.append(subprocess.Popen([sys.executable, "-m", "dask", "worker", "--scheduler-file", str(sched_file),
                                           "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        path = str(tmp_path / "x.zarr")
        with Client(scheduler_file=str(sched_file)) as c:
            c.wait_for_workers(2, timeout=60)
            workers = {procs[1].pid, procs[2].pid}
            killed = {}

            def killer():
                deadline = time.time() + 120
                while time.time() < deadline:
                    for rec in Store(path).runs(status="running") if os.path.exists(path) else []:
                        pid = Store(path).open(rec.id).attrs["pid"]
                        if pid in workers and rec.params["x"] >= 2:
                            os.kill(pid, signal.SIGKILL)
                            killed.update(run=rec.id, pid=pid)
                            return
                    time.sleep(0.05)

            thread = threading.Thread(target=killer, daemon=True)
            thread.start()
            grid = {"x": [1, 2, 3, 4, 5, 6], "duration": [0.8]}
            table = sweep(Square, grid, store=path, client=c)
            thread.join(5)
        assert killed, "no worker was killed"
        assert list(table["status"]) == ["complete"] * 6
        runs = Store(path).runs()
        assert len(runs) == 6 and all(r.status == "complete" for r in runs)       # runs == points
        assert sorted(r.params["x"] for r in runs) == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    finally:
        for p in procs:
            p.kill()
            p.wait(10)
