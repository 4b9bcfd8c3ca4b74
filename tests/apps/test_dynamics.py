"""Lorenz / Rössler page state: uploads, live AL-RNN curves, Cancel keeps the best model."""

import io

import numpy as np
import pytest

from apps.dynamics import DynamicsPage, DynamicsState, read_series

#: A short AL-RNN training (seconds, mostly JIT compilation).
TINY = dict(M=6, P=2, epochs=200, batches_per_epoch=5, batch_size=4, seq_len=20, tau=5, eval_every=1,
            eval_steps=200, n_train=500, n_test=500, symbolic_steps=500)


def test_read_series_formats_and_errors():
    arr = np.random.default_rng(0).normal(size=(60, 3))
    buf = io.BytesIO()
    np.save(buf, arr)
    np.testing.assert_array_equal(read_series(buf.getvalue(), "x.npy"), arr)
    csv = "\n".join(",".join(f"{v:.17g}" for v in row) for row in arr).encode()
    np.testing.assert_allclose(read_series(csv, "x.csv"), arr)
    assert read_series("\n".join(map(str, range(60))).encode(), "y.txt").shape == (60, 1)
    with pytest.raises(ValueError, match="must be a .npy"):
        read_series(b"", "x.xlsx")
    with pytest.raises(ValueError, match="at least 50 rows"):
        read_series(csv[: csv.index(b"\n") * 3], "x.csv")
    bad = arr.copy()
    bad[3, 1] = np.nan
    buf = io.BytesIO()
    np.save(buf, bad)
    with pytest.raises(ValueError, match="finite"):
        read_series(buf.getvalue(), "x.npy")


def test_upload_points_fit_experiment_at_the_file(store, registry, tmp_path):
    if "alrnn.fit" not in registry:
        pytest.skip("alrnn experiments are not installed")
    state = DynamicsState(store=store, registry=registry, upload_dir=str(tmp_path))
    buf = io.BytesIO()
    np.save(buf, np.random.default_rng(1).normal(size=(300, 2)))
    state.set_upload(buf.getvalue(), "my series.npy")
    assert state.system == "upload" and state.train.kind == "alrnn.fit"
    assert state.train.experiment.data == str(tmp_path / "my_series.npy")
    assert np.load(state.train.experiment.data).shape == (300, 2)
    assert "my_series.npy" in state.dataset_info()


@pytest.fixture(scope="module")
def cancelled_training(registry):
    """One AL-RNN training, cancelled by the user after two evaluations."""
    if "alrnn.lorenz63" not in registry:
        pytest.skip("alrnn experiments are not installed")
    import uuid

    from workbench.store import Store

    store = Store(f"memory://apps-dyn-{uuid.uuid4().hex}")
    page = DynamicsPage(store, registry)
    state = page.state
    state.train.configure(**TINY)
    job = state.train.job
    job.param.watch(lambda e: job.cancel() if len(e.new) >= 2 else None, ["scalars"])
    state.train.start()
    assert job.wait(240)
    return page


@pytest.mark.slow
def test_cancel_stops_training_and_keeps_the_best_model(cancelled_training):
    state = cancelled_training.state
    job = state.train.job
    assert job.status == "cancelled", job.error
    reader = state.store.open(job.run_id)
    assert reader.status == "complete" and reader.metrics["train_status"] == "stopped"
    assert reader.metrics["epochs_run"] < TINY["epochs"]
    loss, dist = state.training_curves()
    epochs, values = loss["loss"]
    assert len(epochs) >= 2 and np.all(np.isfinite(values))
    assert set(dist) == {"D_stsp", "D_H"}


@pytest.mark.slow
def test_results_are_read_back_from_the_store(cancelled_training):
    page = cancelled_training
    state = page.state
    reader = state.latest(state.train)
    loss, dist = state.stored_curves(reader)
    assert len(loss["loss"][0]) >= 2
    table = state.fixed_point_table(reader)
    assert table is not None and "spectral radius" in table.columns and table.shape[1] == TINY["M"] + 2
    comparison = state.comparison()
    assert comparison["model"].tolist() == ["AL-RNN"]
    assert comparison["D_stsp"].iloc[0] == pytest.approx(reader.metrics["d_stsp"])
    shown = [getattr(o, "object", None) for o in page._train_results.objects]
    assert any(isinstance(s, str) and reader.id in s for s in shown)


@pytest.mark.slow
def test_forecast_sits_beside_the_alrnn(cancelled_training):
    state = cancelled_training.state
    if state.forecast.experiment is None:
        pytest.skip("reservoirs experiments are not installed")
    state.forecast.configure(n_neurons=40, in_degree=4, data_steps=2000, n_train=1000, n_test=400,
                             n_generate=200, washout=100)
    state.forecast.start()
    assert state.forecast.job.wait(120) and state.forecast.job.status == "complete"
    comparison = state.comparison()
    assert comparison["model"].tolist() == ["AL-RNN", "E/I reservoir"]
    assert np.all(np.isfinite(comparison[["D_stsp", "D_H"]].to_numpy(dtype=float)))
    state.system = "rossler"
    assert state.train.kind == "alrnn.rossler"
