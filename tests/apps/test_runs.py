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
    assert set(state.param.kind.objects) == {"all", KIND, "demo.other"}
    assert len(state.table()) == 3 and "metrics" in state.table().columns
    state.kind = KIND
    table = state.table()
    assert sorted(table["id"]) == sorted(ids) and "mean_x" in table.columns
    state.param.update(kind="all", search=other[-6:])
    assert state.table()["id"].tolist() == [other]
    state.param.update(search="", status="failed")
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
    state.delete()
    assert ids[0] not in store.run_ids() and state.selected is None
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
    assert page.state.selected == page._table.value.iloc[0]["id"]
    assert page._detail.objects and not page._rerun.disabled
