"""Benchmark page state: the leaderboard of stored ``workbench benchmark`` runs, read back from
the store (made by actually running the benchmark with tiny models, see conftest)."""

import numpy as np
import pandas as pd
import pytest

from apps.benchmark import BenchmarkPage, BenchmarkState
from workbench.benchmark.aggregate import dataset_name
from workbench.benchmark.report import HEADER, leaderboard_rows
from workbench.store import Store


@pytest.fixture
def state(benchmark_store):
    return BenchmarkState(store=Store(str(benchmark_store[0])))


def test_dataset_names_of_builtin_and_user_specs():
    assert dataset_name("lorenz63") == "lorenz63"
    assert dataset_name("mine=/data/a.npy:/data/b.npy") == "mine"


def test_leaderboard_is_the_benchmarks_own(state, benchmark_store):
    """Read back from the store, the leaderboard equals the one the benchmark command computed."""
    result = benchmark_store[1]
    assert state.budget == "full" and state.datasets() == ["lor", "rot"] and state.shown_dataset == "lor"
    runs = state.runs_table()
    assert len(runs) == 6 and set(runs["model"]) == {"linear", "quadratic", "diverging"}
    expected = result.leaderboard[result.leaderboard["dataset"] == "lor"].reset_index(drop=True)
    board = state.leaderboard()
    cols = ["model", "seeds", "failed", "d_stsp_mean", "d_stsp_sem", "d_h_median", "pe_mean", "floor_d_stsp",
            "median_run"]
    pd.testing.assert_frame_equal(board[cols], expected[cols])
    table = state.leaderboard_table()
    assert list(table.columns) == HEADER
    assert table.values.tolist() == leaderboard_rows(result.leaderboard, "lor")
    row = board.set_index("model").loc["diverging"]
    assert row["seeds"] == 0 and row["failed"] == 2
    assert state.floor().startswith("data floor: D_stsp ")


def test_quick_and_full_runs_are_never_mixed(state):
    assert state.budgets() == ["full", "quick"]
    assert any("quick runs" in note for note in state.notes())
    state.budget = "quick"
    assert state.datasets() == ["lor"]
    runs = state.runs_table()
    assert list(runs["model"]) == ["linear"] and list(runs["seed"]) == [0]
    assert state.leaderboard()["seeds"].tolist() == [1]


def test_score_points_and_floors(state):
    points, floors = state.score_points(), state.floors()
    assert set(points) == {"d_stsp", "d_h", "pe"}
    seeds, values, runs = points["d_stsp"]["linear"]
    assert sorted(seeds.tolist()) == [0, 1] and np.all(np.isfinite(values)) and len(runs) == 2
    assert len(points["d_stsp"]["diverging"][1]) == 0
    assert set(floors) == {"d_stsp", "d_h"} and floors["d_stsp"] > 0
    assert list(points["d_stsp"]) == state.models()  # leaderboard order


def test_selected_row_shows_median_seed_free_run_and_cell_runs(state):
    state.selected_model = "linear"
    median = state.median_run()
    board = state.leaderboard().set_index("model")
    assert median["run"] == board.loc["linear", "median_run"] and median["seed"] in (0, 1)
    arr = state.free_run(median["run"])
    assert arr.ndim == 2 and arr.shape[1] == 3 and np.isfinite(arr).all()
    cells = state.cell_runs()
    assert sorted(cells["seed"]) == [0, 1] and cells["counted"].all() and median["run"] in set(cells["run"])
    failed = state.cell_runs("diverging")
    assert set(failed["status"]) == {"failed"} and failed["error"].str.contains("loss became NaN").all()
    assert state.median_run("diverging") is None


def test_damaged_runs_do_not_break_the_page(state):
    """A run with damaged metadata is counted and left out; a damaged free run is a message."""
    assert len(state.damaged) == 1 and any("damaged" in note for note in state.notes())
    state.shown_dataset = "rot"
    median = state.median_run("quadratic")
    with pytest.raises(ValueError, match="cannot be read.*chunk"):
        state.free_run(median["run"])
    with pytest.raises(ValueError, match="no longer in the store"):
        state.free_run("20990101T000000-benchmark-x-000000")
    page = BenchmarkPage(state.store)
    page.state.shown_dataset = "rot"
    page.state.selected_model = "quadratic"
    texts = [getattr(o, "object", "") for o in page._detail.objects]
    assert any("cannot be read" in str(t) for t in texts)
    page.state.selected_model = "linear"  # 2-D data: a plane plot
    assert type(page._detail.objects[-1]).__name__ == "Bokeh"


def test_page_selects_a_row_and_draws(state):
    page = BenchmarkPage(state.store)
    assert page._table.visible and len(page._scores.objects) == 3
    frame = page._table.value
    page._table.selection = [list(frame["model"]).index("linear")]
    assert page.state.selected_model == "linear"
    assert type(page._detail.objects[-1]).__name__ == "Plotly"
    page.state.budget = "quick"  # the row no longer exists in that table: nothing selected
    assert page.state.selected_model == "linear"  # linear has quick runs too
    page.state.budget = "full"
    page.refresh()
    assert page._table.selection == [list(page._table.value["model"]).index("linear")]


def test_empty_store_says_how_to_make_runs(store):
    page = BenchmarkPage(store)
    assert not page.state.has_runs() and "workbench benchmark --quick --store" in page._empty.object
    assert page._empty.visible and not page._table.visible and page._scores.objects == []

