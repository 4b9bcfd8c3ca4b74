"""Tags and notes per run (``Store.annotate``, ``workbench annotate``, ``ls --tag``)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from workbench.store import Store

WORKBENCH = str(Path(sys.executable).with_name("workbench"))


def _two_runs(store):
    ids = []
    for i in range(2):
        with store.new_run("demo", {"i": i}) as run:
            run.write("x", np.arange(5.0) + i, dims=("t",))
            run.metrics["m"] = float(i)
        ids.append(run.id)
    return ids


def test_annotate_changes_tags_and_note_and_never_the_record(tmp_store):
    a, b = _two_runs(tmp_store)
    record = (tmp_store.local_path / "runs" / a / "zarr.json").read_bytes()
    assert tmp_store.open(a).annotations == {"tags": [], "note": ""}
    value = tmp_store.annotate(a, add=["baseline", "fig3"], note="first try\nsecond line")
    assert value["tags"] == ["baseline", "fig3"] and value["note"] == "first try\nsecond line"
    assert tmp_store.annotate(a, add=["fig3", "v2"], remove=["baseline"])["tags"] == ["fig3", "v2"]
    assert tmp_store.annotate(a, tags=["only"])["tags"] == ["only"]
    assert tmp_store.annotate(a, note="")["note"] == ""
    got = tmp_store.open(a).annotations
    assert got["tags"] == ["only"] and got["note"] == "" and "updated" in got
    assert tmp_store.annotations() == {a: {"tags": ["only"], "note": "", "updated": got["updated"]},
                                       b: {"tags": [], "note": ""}}
    # the run's record and results are untouched
    assert (tmp_store.local_path / "runs" / a / "zarr.json").read_bytes() == record
    assert tmp_store.verify() == {a: [], b: []}
    np.testing.assert_array_equal(tmp_store.open(a)["x"], np.arange(5.0))


@pytest.mark.parametrize("change, message", [
    ({"add": ["has space"]}, "tag 'has space'"),
    ({"add": ["-leading"]}, "tag '-leading'"),
    ({"add": "baseline"}, "add must be a list of tags"),
    ({"tags": [f"t{i}" for i in range(65)]}, "at most 64 tags"),
    ({"note": "x" * 10_001}, "at most 10000 characters"),
    ({"note": "bell\x07"}, "control characters"),
])
def test_bad_tags_and_notes_are_refused_and_nothing_is_written(tmp_store, change, message):
    a, _ = _two_runs(tmp_store)
    tmp_store.annotate(a, add=["kept"], note="kept")
    with pytest.raises(ValueError, match=message):
        tmp_store.annotate(a, **change)
    assert tmp_store.open(a).annotations["tags"] == ["kept"]
    assert tmp_store.open(a).annotations["note"] == "kept"


def test_missing_run_and_damaged_annotations(tmp_store):
    a, b = _two_runs(tmp_store)
    with pytest.raises(KeyError, match="no run 'nope'"):
        tmp_store.annotate("nope", add=["x"])
    assert not (tmp_store.local_path / "runs" / "nope").exists()
    (tmp_store.local_path / "runs" / a / "annotations.json").write_text("{not json")
    assert tmp_store.annotations([a, b])[a] == {"tags": [], "note": ""}   # damaged reads as none
    assert {r.id: r.status for r in tmp_store.runs()} == {a: "complete", b: "complete"}
    assert tmp_store.annotate(a, add=["fresh"])["tags"] == ["fresh"]        # and can be rewritten


def test_annotations_on_the_in_memory_store(memory_store):
    a, b = _two_runs(memory_store)
    memory_store.annotate(b, add=["x"])
    assert [memory_store.annotations()[i]["tags"] for i in (a, b)] == [[], ["x"]]


def _cli(*args):
    return subprocess.run([WORKBENCH, *args], capture_output=True, text=True, timeout=120)


def test_annotate_and_ls_tag_commands(tmp_path):
    store = Store(tmp_path / "s.zarr")
    a, b = _two_runs(store)
    out = _cli("annotate", a, "--tag", "baseline", "--tag", "fig3", "--note", "hello", "--store", str(store.path))
    assert out.returncode == 0 and "tags: baseline, fig3" in out.stdout, out.stderr
    listed = _cli("ls", "--tag", "baseline", "--store", str(store.path))
    assert listed.returncode == 0 and a in listed.stdout and b not in listed.stdout
    assert "[baseline, fig3]" in listed.stdout
    assert "no runs" in _cli("ls", "--tag", "baseline", "--tag", "other", "--store", str(store.path)).stdout
    shown = _cli("show", a, "--store", str(store.path)).stdout
    assert "tags     baseline, fig3" in shown and "note     hello" in shown
    before = (store.local_path / "runs" / a / "annotations.json").read_bytes()
    for args, message in [(["annotate", a, "--tag", "bad tag"], "error: tag 'bad tag'"),
                          (["annotate", "missing-run", "--tag", "x"], "error: no run 'missing-run'"),
                          (["ls", "--tag", "bad tag"], "error: --tag: tag 'bad tag'")]:
        bad = _cli(*args, "--store", str(store.path))
        lines = [line for line in bad.stderr.splitlines() if line.strip()]
        assert bad.returncode == 2 and len(lines) == 1 and lines[0].startswith(message), bad.stderr
    assert (store.local_path / "runs" / a / "annotations.json").read_bytes() == before
