import numpy as np
import pandas as pd
import pytest

from workbench.benchmark.aggregate import aggregate, mean_sem
from workbench.benchmark.report import leaderboard_text


def test_mean_sem_median():
    mean, sem, med = mean_sem([1.0, 2.0, 3.0, np.nan])
    assert (mean, med) == (2.0, 2.0) and sem == pytest.approx(1 / np.sqrt(3))
    assert np.isnan(mean_sem([np.nan])[0]) and np.isnan(mean_sem([4.0])[1])


def test_aggregate_reads_scores_against_the_floor():
    runs = pd.DataFrame({
        "model": ["a"] * 3 + ["b"] * 2, "dataset": ["x"] * 5, "seed": [0, 1, 2, 0, 1],
        "run_id": list("pqrst"),
        "status": ["complete", "complete", "complete", "complete", "failed"],
        "d_stsp": [0.2, 0.5, 0.23, 3.0, np.nan], "d_h": [0.1, 0.1, 0.3, 0.5, np.nan],
        "pe": [1e-3, 2e-3, 3e-3, 1.0, np.nan], "floor_d_stsp": [0.12] * 5, "floor_d_h": [0.07] * 5,
        "n_parameters": [10, 10, 10, 5, np.nan], "train_seconds": [1.0, 2.0, 3.0, 4.0, np.nan],
        "eval_seconds": [1.0, 1.0, 1.0, 2.0, np.nan],
        "lyap_generated": [0.9, 0.8, 1.0, np.nan, np.nan], "lyap_data": [0.9] * 5,
        "diverged": [False, False, False, True, False]})
    board = aggregate(runs).set_index("model")
    a, b = board.loc["a"], board.loc["b"]
    assert a["seeds"] == 3 and a["failed"] == 0 and b["seeds"] == 1 and b["failed"] == 1
    assert a["d_stsp_mean"] == pytest.approx(0.31) and a["d_stsp_median"] == 0.23
    assert a["frac_2x_floor"] == pytest.approx(2 / 3) and a["frac_2x_floor_dh"] == pytest.approx(2 / 3)
    assert a["median_seed"] == 2 and a["median_run"] == "r" and a["median_seed_d_stsp"] == 0.23
    assert b["diverged"] == 1 and list(board.index) == ["a", "b"]
    assert a["seeds_per_hour"] == pytest.approx(3600 / 3) and b["seeds_per_hour"] == pytest.approx(600)
    text = leaderboard_text(aggregate(runs))
    assert "data floor: D_stsp 0.12" in text and "(+1 failed)" in text


def test_stored_runs_rebuild_the_benchmark_table_and_keep_quick_apart(plugins, rotation_files, memory_store):
    from workbench.benchmark.aggregate import stored_runs
    from workbench.benchmark.runner import benchmark

    spec = f"rot={rotation_files[0]}:{rotation_files[1]}"
    full = benchmark(["rotation", "diverging"], seeds=2, data=[spec], store=memory_store)
    benchmark(["rotation"], seeds=1, data=[spec], store=memory_store, quick=True)
    table = stored_runs(memory_store).sort_values(["model", "seed"]).reset_index(drop=True)
    assert len(table) == 4 and set(table["dataset"]) == {"rot"} and not table["quick"].any()
    assert list(table["status"]) == ["failed", "failed", "complete", "complete"]
    expected = full.runs.set_index(["model", "seed"])
    for row in table[table["status"] == "complete"].itertuples():
        assert row.run_id == expected.loc[(row.model, row.seed), "run_id"]
        assert row.d_stsp == expected.loc[(row.model, row.seed), "d_stsp"]
    board = aggregate(table).set_index("model")
    ref = full.leaderboard.set_index("model")
    assert board.loc["rotation", "d_stsp_mean"] == ref.loc["rotation", "d_stsp_mean"]
    assert board.loc["diverging", "failed"] == 2
    quick = stored_runs(memory_store, quick=True)
    assert len(quick) == 1 and quick["quick"].all()
    assert len(stored_runs(memory_store, quick=None)) == 5


def test_reproduction_report_compares_models_only_through_the_benchmark(plugins, rotation_files,
                                                                       memory_store):
    from workbench.benchmark.runner import benchmark
    from workbench.reproduce import model_comparison

    md, page = model_comparison(memory_store)
    assert "No benchmark runs in this store" in "\n".join(md) and "workbench benchmark --store" in page
    spec = f"rot={rotation_files[0]}:{rotation_files[1]}"
    benchmark(["rotation", "quadratic"], seeds=2, data=[spec], store=memory_store, quick=True)
    text = "\n".join(model_comparison(memory_store)[0])
    assert "QUICK budgets" in text and "**rot**" in text
    benchmark(["rotation", "quadratic"], seeds=2, data=[spec], store=memory_store)
    text = "\n".join(model_comparison(memory_store)[0])
    assert "From the 4 benchmark runs in this store (full budgets)" in text
    assert text.count("| rotation |") == 1 and text.count("| quadratic |") == 1


def test_identical_scores_over_seeds_show_a_zero_sem():
    from workbench.benchmark.report import leaderboard_rows

    runs = pd.DataFrame({"model": ["det"] * 3, "dataset": ["x"] * 3, "seed": [0, 1, 2], "run_id": list("abc"),
                         "status": ["complete"] * 3, "d_stsp": [0.1 + 0.2] * 3, "d_h": [0.3, 0.3, 0.3],
                         "pe": [1e-5, 1e-5, 1e-5], "floor_d_stsp": [0.1] * 3, "floor_d_h": [0.05] * 3})
    runs.loc[1, "d_stsp"] = 0.3       # 0.1 + 0.2 != 0.3 in floating point: SEM ~1e-17
    row = leaderboard_rows(aggregate(runs), "x")[0]
    assert row[2] == "0.3 ± 0 (0.3)"
