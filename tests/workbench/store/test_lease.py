"""Leases across hosts and PID namespaces: live writers are never collected, dead ones expire."""

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from workbench.store import Store
from workbench.store.lease import Claim

from .conftest import REPO, python

WRITER = textwrap.dedent("""
    import sys, time, numpy as np
    from pathlib import Path
    from workbench.store import Store
    store = Store(sys.argv[1])
    with store.new_run("remote", {}) as run:
        run.write("a", np.arange(4.0), dims=("i",))
        print(run.id, flush=True)
        go = Path(sys.argv[2])
        while not go.exists():
            time.sleep(0.05)
        run.write("b", np.arange(3.0), dims=("j",))
""")


def _wait_status(path, run_id, want, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = {r.id: r.status for r in Store(path).runs()}.get(run_id)
        if status == want:
            return status
        time.sleep(0.1)
    return status


def test_killed_writer_on_another_host_becomes_stale_when_its_lease_expires(tmp_path, monkeypatch):
    path = str(tmp_path / "s.zarr")
    env = {"WORKBENCH_LEASE_TTL": "1.5", "WORKBENCH_LEASE_RENEW": "0.2", "WORKBENCH_HOST": "writer-host"}
    proc = python(WRITER, path, str(tmp_path / "never"), env=env)
    run_id = proc.stdout.readline().strip()
    monkeypatch.setenv("WORKBENCH_HOST", "reader-host")       # the reader is another machine
    time.sleep(2.0)                                            # longer than the TTL: renewals keep it
    assert {r.id: r.status for r in Store(path).runs()}[run_id] == "running"
    assert Store(path).gc() == []
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert _wait_status(path, run_id, "stale", 10) == "stale"
    assert Store(path).gc() == [run_id]


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"), reason="needs root and unshare")
def test_writer_in_another_pid_namespace_is_not_collected(tmp_path):
    path = str(tmp_path / "s.zarr")
    go = tmp_path / "go"
    proc = subprocess.Popen(["unshare", "--pid", "--fork", sys.executable, "-c", WRITER, path, str(go)],
                            stdout=subprocess.PIPE, text=True, cwd=REPO, env={**os.environ, "OMP_NUM_THREADS": "1"})
    run_id = proc.stdout.readline().strip()
    if not run_id:
        proc.wait(10)
        pytest.skip("unshare --pid is not permitted here")
    lease = Store(path)._read_lease(run_id)
    assert lease["pid_ns"] != os.stat("/proc/self/ns/pid").st_ino
    assert {r.id: r.status for r in Store(path).runs()}[run_id] == "running"
    assert Store(path).gc() == []                              # a live writer is not removed
    go.touch()
    assert proc.wait(30) == 0
    run = Store(path).open(run_id)
    assert run.status == "complete" and run.arrays == ["a", "b"]
    np.testing.assert_array_equal(run["b"], np.arange(3.0))


def test_claim_is_exclusive_and_taken_over_after_expiry(tmp_store, monkeypatch):
    monkeypatch.setenv("WORKBENCH_LEASE_TTL", "0.5")
    monkeypatch.setenv("WORKBENCH_HOST", "host-a")
    tmp_store.create()
    first = Claim(tmp_store._backend, "points", "k1", {"worker": "a"})
    second = Claim(tmp_store._backend, "points", "k1", {"worker": "b"})
    assert first.try_acquire()[0]
    assert not second.try_acquire()[0]
    first._heartbeat.stop()                                    # the holder hangs: no renewals
    monkeypatch.setenv("WORKBENCH_HOST", "host-b")             # seen from elsewhere: wait for expiry
    time.sleep(0.7)
    won, previous = second.try_acquire()
    assert won and previous["worker"] == "a" and previous["state"] == "held"
    assert not first.owned() and second.owned()
    assert not first.release(run_id="x")                       # the old holder cannot record a result
    assert second.release(run_id="y", status="complete")
    gen, entry = Claim(tmp_store._backend, "points", "k1").latest()
    assert entry["state"] == "released" and entry["run_id"] == "y" and not Claim.held(entry)
