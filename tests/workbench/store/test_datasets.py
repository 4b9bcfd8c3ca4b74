"""Dataset cache: one computation and one entry per key, whatever races or dies."""

import json
import os
import signal
import textwrap
import time

import numpy as np

from workbench.store import Store

from .conftest import python

RACER = textwrap.dedent("""
    import sys, time, numpy as np
    from workbench.store import Store
    def slow(n, log):
        with open(log, "a") as fh:
            fh.write("computed\\n")
        time.sleep(1.0)
        return np.arange(n, dtype=np.float64)
    value = Store(sys.argv[1]).dataset("slow", slow, n=1000, log=sys.argv[2])
    print(float(value.sum()), flush=True)
""")


def test_racing_dataset_calls_compute_once_and_store_one_entry(tmp_path):
    path, log = str(tmp_path / "s.zarr"), str(tmp_path / "calls.log")
    procs = [python(RACER, path, log) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-500:] for o in outs]
    assert [float(o[0]) for o in outs] == [499500.0] * 3
    assert open(log).read().count("computed") == 1
    assert len(os.listdir(tmp_path / "s.zarr" / "datasets" / "slow")) == 2  # zarr.json + one entry
    assert Store(path).datasets() == {"slow": [{"n": 1000, "log": log}]}


KILLED = textwrap.dedent("""
    import sys, numpy as np
    from workbench.store import Store
    def big():
        print("writing", flush=True)
        return tuple(np.full(1_000_000, float(i)) for i in range(40))
    Store(sys.argv[1]).dataset("big", big)
""")


def test_killed_dataset_writer_leaves_nothing_that_gc_keeps(tmp_path):
    path = str(tmp_path / "s.zarr")
    proc = python(KILLED, path)
    assert proc.stdout.readline().strip() == "writing"
    parent = tmp_path / "s.zarr" / "datasets" / "big"
    deadline = time.time() + 60
    while time.time() < deadline and not list(parent.glob("*/data_0")):
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    (entry,) = [p for p in parent.iterdir() if p.is_dir()]
    assert json.loads((entry / "zarr.json").read_text())["attributes"]["status"] == "writing"
    store = Store(path)
    assert store.datasets() == {"big": []}
    removed = store.gc()
    assert f"datasets/big/{entry.name}" in removed and not entry.exists()
    assert any(r.startswith("claims/datasets/big/") for r in removed)
    value = store.dataset("big", lambda: (np.zeros(3), np.ones(3)))     # computed afresh
    assert isinstance(value, tuple) and np.array_equal(value[1], np.ones(3))
    assert store.datasets() == {"big": [{}]}
