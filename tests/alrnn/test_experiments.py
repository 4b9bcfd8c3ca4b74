"""End-to-end tests of the AL-RNN experiments in an in-memory store (tiny sizes)."""

import uuid

import numpy as np
import pytest

from alrnn.experiments import (EXPERIMENTS, FitExperiment, Lorenz63Experiment, PSweepExperiment,
                               RosslerExperiment)
from alrnn.train import FAST_CONFIGS
from workbench.store import Store

TINY = dict(M=6, epochs=2, batches_per_epoch=2, batch_size=4, seq_len=20, eval_every=1,
            eval_steps=0, n_train=400, n_test=300, population=1)


def _store():
    return Store(f"memory://alrnn-{uuid.uuid4().hex}")


def test_registered_kinds():
    assert {e.kind for e in EXPERIMENTS} == {"alrnn.lorenz63", "alrnn.rossler", "alrnn.p_sweep", "alrnn.fit"}


def test_lorenz_experiment_end_to_end():
    store = _store()
    exp = Lorenz63Experiment(P=2, symbolic_steps=500, max_period=2, **{**TINY, "population": 2})
    seen = []
    run_id = exp.run(store, progress=lambda f, msg="", **kw: seen.append((f, kw)))
    r = store.open(run_id)
    assert r.status == "complete" and r.kind == "alrnn.lorenz63"
    for name in ("A", "W", "h", "L", "test", "generated", "regions", "transitions", "fixed_points"):
        assert name in r.arrays
    assert r["W"].shape == (6, 6) and r["L"].shape == (6, 3) and r["test"].shape == (300, 3)
    assert r["generated"].shape == (300, 3)
    assert set(r.figures) >= {"attractor", "transition_graph", "training_curves"}
    assert r.figure("attractor")[:4] == b"\x89PNG"
    m = r.metrics
    for key in ("d_stsp", "d_h", "pe", "n_regions", "n_regions_99", "lyapunov", "best_epoch", "targets_met"):
        assert key in m
    assert 1 <= m["n_regions"] <= 4 and len(m["fixed_point_errors"]) == 3
    logs = r.logs()
    np.testing.assert_array_equal(logs["step"], [1, 2])
    assert set(logs) >= {"loss", "d_stsp", "d_h", "pe"}
    assert any("d_stsp" in kw for _, kw in seen) and seen[-1][0] == 1.0
    # the stored checkpoint reproduces the stored free run
    from alrnn.model import ALRNN
    model = ALRNN.from_arrays(r["A"], r["W"], r["h"], r["L"], P=2)
    assert model.M == 6
    # free run from test[0], 0.25 T transient dropped (the protocol of alrnn.experiments);
    # the stored test is float32, hence a start off by ~1e-7 that the contracting model damps
    _, X = model.generate(r["test"][0], 75 + 500)
    np.testing.assert_allclose(X[75:375], r["generated"], rtol=0, atol=1e-5)
    # same seed, same data -> same result
    again = store.open(Lorenz63Experiment(P=2, symbolic_steps=500, max_period=2,
                                          **{**TINY, "population": 2}).run(store))
    np.testing.assert_array_equal(again["W"], r["W"])


def test_stop_event_ends_training_early():
    store = _store()
    exp = RosslerExperiment(symbolic_steps=300, max_period=1, **TINY)
    exp.request_stop()
    r = store.open(exp.run(store))
    assert r.status == "complete" and r.metrics["train_status"] == "stopped"
    assert r.metrics["epochs_run"] == 1


def test_fit_experiment_on_csv_file(tmp_path):
    t = np.arange(600) * 0.1
    series = np.stack([np.sin(t), np.cos(1.3 * t)], axis=1)
    path = tmp_path / "series.csv"
    np.savetxt(path, series, delimiter=",", header="a,b", comments="")
    store = _store()
    exp = FitExperiment.from_config({"data": str(path), "M": "5", "P": "1", "epochs": "2",
                                     "batches_per_epoch": "2", "batch_size": "4", "seq_len": "20",
                                     "eval_every": "1", "eval_steps": "0", "symbolic_steps": "200",
                                     "max_period": "1"})
    r = store.open(exp.run(store))
    assert r.status == "complete" and r["test"].shape == (120, 2) and r["L"].shape == (5, 2)
    assert "fixed_point_errors" not in r.metrics


def test_p_sweep_experiment():
    store = _store()
    exp = PSweepExperiment(P_values=[0, 1], **TINY)
    r = store.open(exp.run(store))
    assert r.status == "complete"
    np.testing.assert_array_equal(r["P_values"], [0, 1])
    assert r["n_regions"][0] == 1 and r["d_stsp"].shape == (2,)
    assert "p_sweep" in r.figures and "smallest_P" in r.metrics


@pytest.mark.parametrize("cls, kwargs, match", [
    (Lorenz63Experiment, {"M": 4, "P": 2}, "M - P must be >= N"),
    (Lorenz63Experiment, {"M": 4, "P": 5}, "P must be in"),
    (Lorenz63Experiment, {"seq_len": 500, "n_train": 400}, "seq_len must be <"),
    (FitExperiment, {}, "data must name"),
    (FitExperiment, {"data": "/nonexistent/file.npy"}, "does not exist"),
    (FitExperiment, {"data": "file.txt"}, ".npy or .csv"),
    (PSweepExperiment, {"P_values": [0, 9], "M": 6}, "P_values must be in|P must be in"),
])
def test_invalid_parameters_write_nothing(cls, kwargs, match):
    store = _store()
    with pytest.raises(ValueError, match=match):
        cls(**kwargs).run(store)
    assert store.runs() == []


def test_fit_rejects_nan_data(tmp_path):
    path = tmp_path / "bad.npy"
    data = np.ones((300, 2))
    data[5, 1] = np.nan
    np.save(path, data)
    with pytest.raises(ValueError, match="must be finite"):
        FitExperiment(data=str(path)).run(_store())


def test_reference_file_is_accepted(alrnn_reference_dir):
    exp = Lorenz63Experiment(data=str(alrnn_reference_dir / "lorenz63.npy"), **TINY)
    exp.validate()
    train, test, true_fps, dt = exp.load_data(_store())
    assert train.shape == (80_000, 3) and test.shape == (20_000, 3) and true_fps is None


def test_d_h_selection_threshold_only_where_calibrated():
    # the Lorenz preset's D_H threshold holds for its own series and free-run length only
    # (the Lorenz-63 P sweep scores checkpoints like alrnn.lorenz63, so it keeps the threshold)
    for exp in (Lorenz63Experiment(), PSweepExperiment()):
        assert exp.train_config() == FAST_CONFIGS["lorenz63"][1]
    assert Lorenz63Experiment().train_config().select_d_h_max == 0.28
    for exp in (Lorenz63Experiment(n_train=5000), Lorenz63Experiment(eval_steps=20_000),
                Lorenz63Experiment(eval_starts=4), PSweepExperiment(eval_steps=20_000),
                PSweepExperiment(system_name="rossler"), FitExperiment(data="x.npy")):
        assert exp.train_config().select_d_h_max is None
