"""Writer failures: a full disk, and a run removed under a live writer (fencing)."""

import errno
import time

import numpy as np
import pytest

from workbench.store import LeaseLostError, Store


@pytest.mark.parametrize("how", ["write", "append"])
def test_disk_full_marks_run_failed_and_the_next_run_works(tiny_disk, how):
    store = Store(tiny_disk / "s.zarr")
    with pytest.raises(OSError) as info:
        with store.new_run("big", {"how": how}) as run:
            if how == "write":
                run.write("x", np.ones((400_000, 3)), dims=("t", "d"))  # 9.6 MB on a 1 MiB disk
            else:
                for _ in range(100):
                    run.append("x", np.ones((4000, 3)), dims=("t", "d"))
    assert info.value.errno == errno.ENOSPC
    (rec,) = Store(store.path).runs()
    assert rec.id == run.id and rec.status == "failed" and "No space left" in rec.error
    assert not (tiny_disk / "s.zarr" / "runs" / run.id / "x").exists()  # its partial array was freed
    with store.new_run("small", {}) as ok:
        ok.write("y", np.arange(10.0), dims=("i",))
    assert Store(store.path).open(ok.id).status == "complete"
    np.testing.assert_array_equal(Store(store.path).open(ok.id)["y"], np.arange(10.0))


def test_gc_keeps_a_live_run_and_force_fences_the_writer(tmp_store, monkeypatch):
    monkeypatch.setenv("WORKBENCH_LEASE_RENEW", "0.1")
    with pytest.raises(LeaseLostError):
        with tmp_store.new_run("victim", {}) as run:
            run.write("a", np.ones(4), dims=("i",))
            assert [r.status for r in tmp_store.runs()] == ["running"]
            assert tmp_store.gc() == []                          # its lease holds: kept
            with pytest.raises(ValueError, match="live process"):
                tmp_store.delete(run.id)
            assert tmp_store.gc(statuses=("running",), force=True) == [run.id]
            time.sleep(0.5)                                      # the heartbeat notices
            run.write("b", np.ones(4), dims=("i",))
    assert tmp_store.runs() == []                                # never marked complete


def test_fencing_at_the_status_change(tmp_store):
    """Even before the heartbeat notices, the final status is not written for a removed run."""
    with pytest.raises(LeaseLostError):
        with tmp_store.new_run("victim", {}) as run:
            run.write("a", np.ones(4), dims=("i",))
            tmp_store.delete(run.id, force=True)
    assert tmp_store.run_ids() == []
