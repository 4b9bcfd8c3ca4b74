import importlib

import numpy as np
import pytest

from workbench.benchmark.runner import benchmark, plan, run_class


def test_plan_rejects_unknown_names_before_anything_runs(plugins, rotation_files):
    with pytest.raises(ValueError, match="unknown model 'nope'.*rotation"):
        plan(["nope"], data=[f"rot={rotation_files[0]}"])
    with pytest.raises(ValueError, match="unknown dataset 'mars'"):
        plan(["rotation"], ["mars"])
    with pytest.raises(ValueError, match="seeds must be >= 1"):
        plan(["rotation"], data=[f"rot={rotation_files[0]}"], seeds=0)


def test_points_are_one_per_model_dataset_seed(plugins, rotation_files):
    points, dsets = plan(["rotation", "quadratic"], seeds=3, data=[f"rot={rotation_files[0]}"])
    assert len(points) == 6 and [d.name for d in dsets] == ["rot"]
    assert {p.kind for p in points} == {"benchmark.rotation", "benchmark.quadratic"}
    assert set(points[0].params) == {"model", "dataset", "seed", "quick"}
    # seed-major: a benchmark stopped part-way has the same seeds in every cell
    assert [p.grid_values["seed"] for p in points] == [0, 0, 1, 1, 2, 2]


def test_run_classes_travel_by_reference():
    import pickle

    cls = run_class("esn")
    assert cls.kind == "benchmark.esn"
    assert pickle.loads(pickle.dumps(cls)) is cls


def test_benchmark_stores_scores_and_resumes(plugins, rotation_files, memory_store, tmp_path):
    spec = f"rot={rotation_files[0]}:{rotation_files[1]}"
    result = benchmark(["rotation", "quadratic"], seeds=2, data=[spec], store=memory_store,
                       out=str(tmp_path / "report"))
    runs = result.runs
    assert len(runs) == 4 and set(runs["status"]) == {"complete"} and not runs["skipped"].any()
    rec = memory_store.open(runs["run_id"][0])
    assert rec.kind == "benchmark.rotation"
    assert rec.params == {"model": "rotation", "dataset": spec.replace(
        str(rotation_files[0]), str(rotation_files[0].resolve())).replace(
        str(rotation_files[1]), str(rotation_files[1].resolve())), "seed": 0, "quick": False}
    assert rec["generated"].shape == (300, 2)
    for key in ("d_stsp", "d_h", "pe", "floor_d_stsp", "floor_d_h", "n_parameters", "train_seconds"):
        assert key in rec.metrics
    board = result.leaderboard
    assert list(board["model"]) == ["rotation", "quadratic"] or set(board["model"]) == {"rotation", "quadratic"}
    row = board[board["model"] == "rotation"].iloc[0]
    assert row["seeds"] == 2 and row["pe_mean"] < 1e-12 and row["regions_99"] == 2
    md = (tmp_path / "report" / "leaderboard.md").read_text()
    assert "## rot" in md and "rotation" in md
    assert (tmp_path / "report" / "figures" / "scores_rot.png").stat().st_size > 0
    n_runs = len(memory_store.run_ids())
    again = benchmark(["rotation", "quadratic"], seeds=2, data=[spec], store=memory_store)
    assert again.runs["skipped"].all()
    assert len(memory_store.run_ids()) == n_runs
    more = benchmark(["rotation"], seeds=3, data=[spec], store=memory_store)
    assert list(more.runs["skipped"]) == [True, True, False]


def test_report_only_runs_nothing_and_counts_the_missing_points(plugins, rotation_files, memory_store,
                                                               tmp_path):
    spec = f"rot={rotation_files[0]}:{rotation_files[1]}"
    first = benchmark(["rotation", "diverging"], seeds=2, data=[spec], store=memory_store)
    n_runs = len(memory_store.run_ids())
    partial = benchmark(["rotation", "diverging"], seeds=3, data=[spec], store=memory_store, run=False,
                        out=str(tmp_path / "partial"))
    assert len(memory_store.run_ids()) == n_runs                       # nothing ran
    runs = partial.runs.set_index(["model", "seed"])
    assert list(runs.loc["rotation", "status"]) == ["complete", "complete", "missing"]
    assert list(runs.loc["diverging", "status"]) == ["failed", "failed", "missing"]
    done = first.runs.set_index(["model", "seed"])
    assert runs.loc[("rotation", 0), "run_id"] == done.loc[("rotation", 0), "run_id"]
    assert runs.loc[("rotation", 1), "d_stsp"] == done.loc[("rotation", 1), "d_stsp"]
    board = partial.leaderboard.set_index("model")
    assert board.loc["rotation", ["seeds", "failed", "missing"]].tolist() == [2, 0, 1]
    assert board.loc["diverging", ["seeds", "failed", "missing"]].tolist() == [0, 2, 1]
    md = (tmp_path / "partial" / "leaderboard.md").read_text()
    assert "none run now: 4 of 6 planned runs exist, 2 not run" in md
    assert "2 (+0 failed)" not in md and "2, 1 not run" in md


def test_diverged_training_is_stored_failed_and_not_scored(plugins, rotation_files, memory_store):
    result = benchmark(["diverging", "rotation"], seeds=1, data=[f"rot={rotation_files[0]}"],
                       store=memory_store)
    failed = result.runs[result.runs["model"] == "diverging"].iloc[0]
    assert failed["status"] == "failed" and "loss became NaN" in failed["error"]
    stored = memory_store.runs(kind="benchmark.diverging")[0]
    assert stored.status == "failed" and stored.error.startswith("TrainingDiverged")
    assert stored.metrics == {}
    row = result.leaderboard.set_index("model").loc["diverging"]
    assert row["seeds"] == 0 and row["failed"] == 1 and np.isnan(row["d_stsp_mean"])


def test_training_never_sees_the_test_data(plugins, rotation_files, memory_store):
    """The model's fit gets the training rows only, before any test read of the run."""
    from workbench.benchmark.datasets import reads_of_test_data

    models = importlib.import_module("bench_test_models")
    models.SEEN.clear()
    before = len(reads_of_test_data())
    benchmark(["rotation"], seeds=1, data=[f"rot={rotation_files[0]}"], store=memory_store)
    fit = [s for s in models.SEEN if "train" in s][0]
    gen = [s for s in models.SEEN if "warmup" in s][0]
    full = np.load(rotation_files[0])
    np.testing.assert_array_equal(fit["train"], full[:480])
    assert fit["reads_at_fit"] == before
    assert gen["reads_at_generate"] == before + 1
    assert reads_of_test_data()[before:] == ["rot"]


def test_missing_data_folder_is_a_value_error_naming_the_variable(plugins, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "absent"))
    with pytest.raises(ValueError, match="dataset 'lorenz63'.*WORKBENCH_DATA_DIR"):
        plan(["rotation"], ["lorenz63"])
