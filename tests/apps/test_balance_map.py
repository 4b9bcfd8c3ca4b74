"""Balance map view of the Memory capacity page: heat maps of a stored map run, a clicked cell."""

import numpy as np
import pytest

from apps.balance_map import BalanceMapState, BalanceMapView, heatmap_figure


@pytest.fixture
def state(map_store):
    store, full, *_ = map_store
    st = BalanceMapState(store=store)
    st.map_run = full
    return st


def test_the_map_is_read_back_as_labelled_heat_maps(state, map_store):
    store, full, part, damaged = map_store
    assert set(state.param.map_run.objects) == {full, part, damaged}
    assert state.quantities()[0] == "score" and "radius" in state.quantities()
    assert state.param.map_task.objects == ["mc", "narma"] and state.map_task == "mc"
    assert state.other_dims() == ["condition", "target_rate", "balance_mode", "ei_split", "input_scaling"]
    assert state.fixed["condition"] == "global"
    (title, value, z), = state.grids()
    assert z.shape == (2, 3)  # coupling × balance
    ds = store.open(full).to_xarray()
    expected = ds.score.sel(task="mc", condition="global", target_rate=0.4, balance_mode="multiplicative",
                            ei_split="fixed", input_scaling=0.5, coupling=8.0, balance=1.5).mean("seed")
    assert z[1, 2] == pytest.approx(float(expected))
    assert "memory capacity" in state.label() and "higher is better" in state.label()
    state.map_task = "narma"
    assert "lower is better" in state.label()


def test_facets_and_fixed_axes(state):
    state.facet = "condition"
    grids = state.grids()
    assert [g[1] for g in grids] == ["global", "homogeneous", "heterogeneous", "one_step"]
    assert not np.allclose(grids[0][2], grids[1][2])
    state.set_fixed("condition", "homogeneous")  # the facet axis is not fixed in the drawing
    assert len(state.grids()) == 4
    with pytest.raises(ValueError, match="not an axis value"):
        state.set_fixed("coupling", 8.0)
    state.quantity = "rate_error"  # no task axis; adapted conditions only have a rate error
    assert state.facet == "condition"
    assert np.isnan(state.grids()[0][2]).all() and np.isfinite(state.grids()[1][2]).all()


def test_a_clicked_cell_lists_its_seeds_and_runs(state, map_store):
    store, full, part, damaged = map_store
    state.facet = "condition"
    state.click(1, 1, 0)  # homogeneous, coupling 8, β 0.5
    assert state.cell["condition"] == "homogeneous" and state.cell["coupling"] == 8.0
    assert state.cell["balance"] == 0.5
    table = state.cell_table()
    assert list(table["seed"]) == [0, 1] and {"mc", "narma", "radius", "rate_error"} <= set(table.columns)
    ds = store.open(full).to_xarray()
    np.testing.assert_allclose(table["mc"], ds.score.sel(task="mc", **{k: v for k, v in state.cell.items()}))
    summary = state.cell_summary()
    assert summary["n"] == 2 and summary["low"] <= summary["mean"] <= summary["high"]
    assert summary["mean"] == pytest.approx(table["mc"].mean())
    assert state.cell_runs() == [full, part]  # the coupling-8 map holds the cell; the coupling-4 one not
    state.click(0, 5, 0)  # outside the grid: ignored
    assert state.cell["coupling"] == 8.0
    state.facet = "none"  # a new drawing: the clicked cell is forgotten
    assert state.cell == {}


def test_a_damaged_map_is_a_message(map_store):
    store, full, part, damaged = map_store
    view = BalanceMapView(store)
    view.state.map_run = damaged
    assert "cannot be shown" in view.state.error and "chunk" in view.state.error
    assert view._error.visible and not view._plot.visible
    view.state.map_run = full
    assert not view._error.visible and view._plot.visible


def test_view_click_shows_the_cell(map_store):
    store, full, *_ = map_store
    view = BalanceMapView(store)
    view.state.map_run = full
    view._plot.click_data = {"points": [{"curveNumber": 0, "pointNumber": [0, 2], "x": "1.5", "y": "4"}]}
    assert view.state.cell["balance"] == 1.5 and view.state.cell["coupling"] == 4.0
    assert "Cell" in view._detail.objects[0].object and full in view._detail.objects[0].object
    shapes = view._plot.object["layout"]["shapes"]
    assert len(shapes) == 1 and shapes[0]["x0"] == 1.5 and shapes[0]["y0"] == -0.5


def test_empty_store_says_how_to_make_a_map(store):
    view = BalanceMapView(store)
    assert "workbench run reservoirs.balance_map" in view._info.object and not view._plot.visible


def test_heatmap_figure_shares_one_colour_scale():
    z1, z2 = np.array([[1.0, np.nan]]), np.array([[3.0, 2.0]])
    fig = heatmap_figure([("a", "a", z1), ("b", "b", z2)], [0.5, 1.0], [8.0], "MC", facet="f")
    assert [t["xaxis"] for t in fig["data"]] == ["x", "x2"] and fig["data"][0]["z"] == [[1.0, None]]
    assert fig["layout"]["coloraxis"]["cmin"] == 1.0 and fig["layout"]["coloraxis"]["cmax"] == 3.0
    assert fig["layout"]["xaxis"]["domain"][1] < fig["layout"]["xaxis2"]["domain"][0]
