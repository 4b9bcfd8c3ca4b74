"""Damaged runs are isolated: listed ``corrupt`` with a reason, never breaking the others;
missing or altered chunks are errors naming run and array, never zeros."""

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import workbench.store.common as common
from workbench.cli import main
from workbench.store import CorruptRunError, DamagedRunError, Store


def _store_with_victim(path):
    store = Store(path)
    with store.new_run("good", {"a": 1}, seed=1) as good:
        good.write("x", np.arange(10.0), dims=("t",))
        good.metrics["m"] = 1.5
    with store.new_run("victim", {"b": 2}) as victim:
        victim.write("x", np.arange(5.0), dims=("t",))
    return store, good.id, victim.id


def _attrs_edit(change):
    def damage(raw: bytes) -> bytes:
        meta = json.loads(raw)
        change(meta)
        return json.dumps(meta).encode()
    return damage


DAMAGES = {
    "truncated": (lambda raw: raw[: len(raw) // 2], "not valid JSON"),
    "empty": (lambda raw: b"", "empty"),
    "attributes-a-list": (_attrs_edit(lambda m: m.__setitem__("attributes", [1, 2])), "attributes are list"),
    "created-null": (_attrs_edit(lambda m: m["attributes"].__setitem__("created", None)), "'created' is null"),
    "metrics-a-list": (_attrs_edit(lambda m: m["attributes"].__setitem__("metrics", [1, 2])), "'metrics' is list"),
}


def cli(*args):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_damaged_metadata_is_listed_corrupt_and_isolated(tmp_path, damage):
    path = tmp_path / "s.zarr"
    store, good, victim = _store_with_victim(path)
    meta = path / "runs" / victim / "zarr.json"
    edit, reason = DAMAGES[damage]
    meta.write_bytes(edit(meta.read_bytes()))

    records = {r.id: r for r in Store(path).runs()}
    assert records[good].status == "complete" and records[good].metrics == {"m": 1.5}
    assert records[victim].status == "corrupt" and reason in records[victim].reason
    np.testing.assert_array_equal(Store(path).open(good)["x"], np.arange(10.0))
    with pytest.raises(CorruptRunError, match=reason.replace("(", r"\(")):
        Store(path).open(victim)

    res = cli("ls", "--store", str(path))
    assert res.exit_code == 0 and f"{victim}" in res.output and "corrupt" in res.output and reason in res.output
    res = cli("show", victim, "--store", str(path))
    assert res.exit_code == 2 and res.output.count("\n") == 1 and "corrupt" in res.output
    res = cli("verify", "--store", str(path))
    assert res.exit_code == 1 and f"{good}  ok" in res.output and f"{victim}  DAMAGED" in res.output
    res = cli("gc", "--store", str(path))
    assert res.exit_code == 0 and "removed 1 run(s)" in res.output
    assert [r.id for r in Store(path).runs()] == [good]


def test_folder_without_metadata_is_corrupt_and_collected(tmp_path):
    path = tmp_path / "s.zarr"
    store, good, victim = _store_with_victim(path)
    (path / "runs" / "20990101T000000-empty-abcdef").mkdir()
    rec = {r.id: r for r in store.runs()}["20990101T000000-empty-abcdef"]
    assert rec.status == "corrupt" and rec.reason == "no zarr.json"
    assert "20990101T000000-empty-abcdef" in store.gc()
    assert sorted(r.id for r in store.runs()) == sorted([good, victim])


def _chunked_run(path, monkeypatch):
    monkeypatch.setattr(common, "CHUNK_BYTES", 8 * 100)  # 100 float64 rows per chunk
    store = Store(path)
    with store.new_run("chunks", {}) as run:
        run.write("whole", np.arange(1000.0) + 1, dims=("t",))  # raw chunk files
        for i in range(5):
            run.append("streamed", np.full(100, i + 1.0), dims=("s",))  # through zarr
    return store, run.id


@pytest.mark.parametrize("array", ["whole", "streamed"])
def test_removed_chunk_is_an_error_not_zeros(tmp_path, monkeypatch, array):
    store, run_id = _chunked_run(tmp_path / "s.zarr", monkeypatch)
    assert store.open(run_id).manifest[array]["chunks"] == (10 if array == "whole" else 5)
    chunk = tmp_path / "s.zarr" / "runs" / run_id / array / "c" / "2"
    chunk.unlink()
    with pytest.raises(DamagedRunError, match=f"run '{run_id}': array '{array}' is missing 1 of"):
        store.open(run_id)[array]
    res = cli("verify", run_id, "--store", str(tmp_path / "s.zarr"))
    assert res.exit_code == 1 and "missing 1 of" in res.output


@pytest.mark.parametrize("array", ["whole", "streamed"])
def test_altered_chunk_is_an_error(tmp_path, monkeypatch, array):
    store, run_id = _chunked_run(tmp_path / "s.zarr", monkeypatch)
    chunk = tmp_path / "s.zarr" / "runs" / run_id / array / "c" / "1"
    raw = bytearray(chunk.read_bytes())
    raw[10] ^= 0xFF
    chunk.write_bytes(bytes(raw))
    with pytest.raises(DamagedRunError, match=f"run '{run_id}': array '{array}'.*checksum"):
        store.open(run_id)[array]
    other = "streamed" if array == "whole" else "whole"
    assert store.open(run_id)[other].size  # the intact array still reads
    assert "checksum" in store.verify([run_id])[run_id][0]


def test_damaged_array_metadata_is_an_error_naming_run_and_array(tmp_path, monkeypatch):
    store, run_id = _chunked_run(tmp_path / "s.zarr", monkeypatch)
    meta = tmp_path / "s.zarr" / "runs" / run_id / "whole" / "zarr.json"
    meta.write_text(meta.read_text()[:40])
    run = store.open(run_id)
    assert run.arrays == ["streamed", "whole"]
    with pytest.raises(DamagedRunError, match=f"run '{run_id}': array 'whole' has damaged metadata"):
        run["whole"]
    np.testing.assert_array_equal(run["streamed"], np.repeat(np.arange(1.0, 6.0), 100))
    res = cli("show", run_id, "--store", str(tmp_path / "s.zarr"))
    assert res.exit_code == 0 and "array  whole DAMAGED" in res.output and "array  streamed (500,)" in res.output
    assert cli("verify", "--store", str(tmp_path / "s.zarr")).exit_code == 1


def test_read_only_commands_create_nothing(tmp_path):
    missing = tmp_path / "typo.zarr"
    for args in (["ls"], ["show", "x"], ["verify"], ["gc"]):
        res = cli(*args, "--store", str(missing))
        assert res.exit_code == 2 and res.output == f"error: no workbench store at '{missing}'\n"
    assert not missing.exists() and list(Path(tmp_path).iterdir()) == []
