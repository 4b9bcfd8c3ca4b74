"""Runs page state: filter, open, re-run with the recorded parameters, delete, export."""

import io

import numpy as np
import pytest
import xarray as xr

from apps.runs import RunsPage, RunsState

KIND = "systems.lorenz63"
TINY = dict(n_steps=200, transient=10)


@pytest.fixture
def filled(store, registry):
    if KIND not in registry:
        pytest.skip("workbench experiments are not installed")
    ids = [registry[KIND](**TINY, seed=s).run(store) for s in (0, 1)]
    with store.new_run("demo.other", {"x": 1}) as run:
        run.write("values", np.arange(5.0), dims=("time",))
        run.metrics["score"] = 2.5
    return ids, run.id


def test_filters_and_table(store, registry, filled):
    ids, other = filled
    state = RunsState(store=store, registry=registry)
    assert set(state.param.kind_filter.objects) == {"all", KIND, "demo.other"}
    assert len(state.table()) == 3 and "metrics" in state.table().columns
    state.kind_filter = KIND
    table = state.table()
    assert sorted(table["id"]) == sorted(ids) and "mean_x" in table.columns
    state.param.update(kind_filter="all", search=other[-6:])
    assert state.table()["id"].tolist() == [other]
    state.param.update(search="", status_filter="failed")
    assert len(state.table()) == 0 and list(state.table().columns)[:2] == ["id", "kind"]


def test_open_rerun_delete_export(store, registry, filled):
    ids, other = filled
    state = RunsState(store=store, registry=registry, selected=ids[0])
    reader = state.open()
    assert "trajectory" in state.array_summary(reader)["array"].tolist()
    assert len(state.array_curves(reader, "trajectory")[0]) == 3
    state.rerun()
    assert state.job.wait(60) and state.job.status == "complete"
    again = store.open(state.job.run_id)
    assert again.params == reader.params
    np.testing.assert_array_equal(again["trajectory"], reader["trajectory"])  # same seed, same data
    data = state.export_netcdf()
    ds = xr.open_dataset(io.BytesIO(data))
    assert ds["trajectory"].shape == (TINY["n_steps"], 3) and ds.attrs["kind"] == KIND
    np.testing.assert_array_equal(ds["trajectory"].values, reader["trajectory"])
    assert state.delete() == [ids[0]]
    assert ids[0] not in store.run_ids() and state.selected == []
    with pytest.raises(ValueError, match="no run selected"):
        state.open()


def test_rerun_of_unknown_kind_is_a_clear_message(store, registry, filled):
    _, other = filled
    state = RunsState(store=store, registry=registry, selected=other)
    with pytest.raises(ValueError, match="'demo.other' is not available"):
        state.rerun()


def test_page_selection_opens_detail(store, registry, filled):
    page = RunsPage(store, registry)
    page.refresh()
    page._table.selection = [0]
    assert page.state.selected == [page._table.value.iloc[0]["id"]]
    assert page._detail.objects and not page._rerun.disabled


def test_delete_asks_and_deletes_the_selected_run_even_after_a_refresh(store, registry, filled):
    ids, other = filled
    page = RunsPage(store, registry)
    page.refresh()
    frame = page._table.value
    target = ids[1]
    page._table.selection = [frame["id"].tolist().index(target)]
    page._on_delete(None)
    assert page._confirm.visible and target in page._confirm_text.object
    assert target in store.run_ids()  # nothing deleted before the confirmation
    registry[KIND](**TINY, seed=7).run(store)  # a new run moves every row down
    page.refresh()
    assert page._table.value.iloc[page._table.selection[0]]["id"] == target
    page._on_confirm(None)
    assert target not in store.run_ids() and len(store.run_ids()) == 3
    assert not page._confirm.visible and target in page._status.object


def test_keep_cancels_the_deletion(store, registry, filled):
    ids, _ = filled
    page = RunsPage(store, registry)
    page.refresh()
    page._table.selection = [0]
    page._on_delete(None)
    page._confirm_no.clicks += 1
    assert not page._confirm.visible
    page._on_confirm(None)  # a stale confirmation deletes nothing
    assert len(store.run_ids()) == 3


def test_several_runs_are_compared_with_differences_flagged(store, registry, filled):
    ids, _ = filled
    page = RunsPage(store, registry)
    page.state.kind_filter = KIND
    page._table.selection = [0, 1]
    assert sorted(page.state.selected) == sorted(ids)
    table = next(o for o in page._compare.objects if getattr(o, "name", "") == "comparison")
    frame = table.value
    assert frame.loc[frame["name"] == "seed", "differs"].item()
    assert not frame.loc[frame["name"] == "n_steps", "differs"].item()
    assert {"seed=0", "seed=1"} <= set(frame.columns)


# -- the lab notebook: tags and a note per run ---------------------------------------------------
def _count_annotation_reads(store, monkeypatch):
    calls = []
    read = store.annotations

    def counted(run_ids=None):
        calls.append(list(run_ids) if run_ids is not None else None)
        return read(run_ids)

    monkeypatch.setattr(store, "annotations", counted)
    return calls


def test_tags_column_and_tag_filter(store, registry, filled, monkeypatch):
    ids, other = filled
    store.annotate(ids[0], tags=["baseline", "fig3"])
    store.annotate(other, tags=["fig3"], note="the odd one")
    calls = _count_annotation_reads(store, monkeypatch)
    state = RunsState(store=store, registry=registry)
    table = state.table()
    assert len(calls) == 1 and sorted(calls[0]) == sorted(store.run_ids())  # one read for every row
    tags = dict(zip(table["id"], table["tags"]))
    assert tags == {ids[0]: "baseline, fig3", ids[1]: "", other: "fig3"}
    assert state.param.tag_filter.objects == ["all", "baseline", "fig3"] and state.tag_filter == "all"
    state.tag_filter = "fig3"
    assert sorted(state.table()["id"]) == sorted([ids[0], other])
    state.kind_filter = KIND
    assert state.table()["id"].tolist() == [ids[0]] and "mean_x" in state.table().columns
    state.param.update(kind_filter="all", tag_filter="baseline")
    assert state.table()["id"].tolist() == [ids[0]]
    assert len(calls) == 1  # filtering reads no annotations again
    store.annotate(ids[0], tags=[])  # e.g. another session removes the last "baseline"
    state.refresh()
    assert len(calls) == 2 and state.param.tag_filter.objects == ["all", "fig3"]
    assert state.tag_filter == "all" and len(state.table()) == 3


def test_empty_store_has_a_tags_column(store, registry):
    state = RunsState(store=store, registry=registry)
    assert list(state.table().columns) == ["id", "kind", "status", "created", "tags", "metrics"]
    assert state.param.tag_filter.objects == ["all"]


def test_save_tags_and_note_of_the_opened_run(store, registry, filled):
    ids, other = filled
    before = store.open(ids[1]).attrs
    state = RunsState(store=store, registry=registry, selected=[ids[1], ids[0]])  # ids[1] is opened
    saved = state.annotate(" fig3,  baseline ,,fig3", "first try\nlooks chaotic")
    assert saved["tags"] == ["fig3", "baseline"] and saved["note"] == "first try\nlooks chaotic"
    assert store.annotations([ids[1]])[ids[1]]["tags"] == ["fig3", "baseline"]
    assert store.annotations([ids[0]])[ids[0]] == {"tags": [], "note": ""}  # only the opened run
    assert store.open(ids[1]).attrs == before  # the run's record is untouched
    assert dict(zip(state.table()["id"], state.table()["tags"]))[ids[1]] == "fig3, baseline"
    assert state.param.tag_filter.objects == ["all", "baseline", "fig3"]
    state.tag_filter = "fig3"
    assert state.table()["id"].tolist() == [ids[1]]
    state.annotate("", "")  # clears both; the tag disappears from the choices
    cleared = store.annotations([ids[1]])[ids[1]]
    assert (cleared["tags"], cleared["note"]) == ([], "")
    assert state.param.tag_filter.objects == ["all"] and state.tag_filter == "all"


@pytest.mark.parametrize(("tags", "note", "match"), [
    ("fine, bad tag", "", r"tag 'bad tag' must be 1-64 characters of letters, digits"),
    ("-dash", "", r"starting with a letter or digit"),
    ("ok", "bell\x07", "control characters"),
    ("ok", "x" * 10_001, "at most 10000 characters"),
    (",".join(f"t{i}" for i in range(65)), "", "at most 64 tags"),
])
def test_bad_tags_or_note_save_nothing(store, registry, filled, tags, note, match):
    ids, _ = filled
    store.annotate(ids[0], tags=["kept"], note="old")
    state = RunsState(store=store, registry=registry, selected=ids[0])
    with pytest.raises(ValueError, match=match):
        state.annotate(tags, note)
    assert store.annotations([ids[0]])[ids[0]]["tags"] == ["kept"]
    assert store.annotations([ids[0]])[ids[0]]["note"] == "old"
    assert dict(zip(state.table()["id"], state.table()["tags"]))[ids[0]] == "kept"


def test_save_without_a_run_is_a_clear_message(store, registry, filled):
    ids, _ = filled
    state = RunsState(store=store, registry=registry)
    with pytest.raises(ValueError, match="no run selected"):
        state.annotate("a", "")
    state.selected = [ids[0]]
    store.delete(ids[0])
    with pytest.raises(ValueError, match="no longer in the store"):
        state.annotate("a", "")


def test_page_edits_the_run_shown_in_detail(store, registry, filled):
    ids, other = filled
    store.annotate(other, tags=["demo"], note="made by hand")
    page = RunsPage(store, registry)
    frame = page._table.value
    page._table.selection = [frame["id"].tolist().index(other)]
    assert page._notebook in page._detail.objects and other in page._notebook_title.object
    assert (page._tags_input.value, page._note_input.value) == ("demo", "made by hand")
    page._table.selection = [frame["id"].tolist().index(other), frame["id"].tolist().index(ids[0])]
    assert "first of the 2 selected" in page._notebook_title.object and other in page._notebook_title.object
    page._tags_input.value = "demo, fig3"
    page._note_input.value = "compared with lorenz"
    page._save.clicks += 1
    assert store.annotations([other])[other]["tags"] == ["demo", "fig3"]
    assert store.annotations([ids[0]])[ids[0]]["tags"] == []
    assert "Saved" in page._saved.object and not page._notebook_error.visible
    assert dict(zip(page._table.value["id"], page._table.value["tags"]))[other] == "demo, fig3"
    assert sorted(page.state.selected) == sorted([other, ids[0]])  # the selection survives the redraw

    page._tags_input.value = "demo, no spaces allowed"
    page._save.clicks += 1
    assert page._notebook_error.visible and "'no spaces allowed'" in page._notebook_error.object
    assert page._saved.object == "" and store.annotations([other])[other]["tags"] == ["demo", "fig3"]
    assert page._tags_input.value == "demo, no spaces allowed"  # kept to be corrected

    page.state.tag_filter = "fig3"  # filtering keeps the run shown and what is typed
    assert page._table.value["id"].tolist() == [other] and page.state.selected == [other]
    assert page._tags_input.value == "demo, no spaces allowed"
    page._tags_input.value = "demo"
    page._save.clicks += 1
    assert not page._notebook_error.visible and page.state.tag_filter == "all"  # fig3 is gone
