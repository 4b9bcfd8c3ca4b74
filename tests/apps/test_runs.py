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
    assert len(state.array_curves(reader, "trajectory")) == 3
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
