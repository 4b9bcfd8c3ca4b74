"""Lorenz / Rössler page state: uploads, the data folder, live AL-RNN curves, Cancel."""

import io

import numpy as np
import pytest

from apps.dynamics import DynamicsPage, DynamicsState

#: A short AL-RNN training (seconds, mostly JIT compilation).
TINY = dict(M=6, P=2, epochs=200, batches_per_epoch=5, batch_size=4, seq_len=20, tau=5, eval_every=1,
            eval_steps=200, n_train=500, n_test=500, symbolic_steps=500)


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
    assert "my_series" in state.dataset_info()


def test_upload_mode_refuses_to_train_without_data(store, registry, tmp_path):
    if "alrnn.fit" not in registry:
        pytest.skip("alrnn experiments are not installed")
    state = DynamicsState(store=store, registry=registry, upload_dir=str(tmp_path))
    state.system = "upload"
    with pytest.raises(ValueError, match="upload"):
        state.train.start()
    assert store.runs() == []


def test_data_folder_is_picked_by_name_only(store, registry, tmp_path):
    if "alrnn.fit" not in registry:
        pytest.skip("alrnn experiments are not installed")
    folder = tmp_path / "data"
    folder.mkdir()
    np.save(folder / "series.npy", np.random.default_rng(2).normal(size=(200, 3)))
    secret = tmp_path / "secret.csv"
    secret.write_text("\n".join("1,2" for _ in range(60)))
    (folder / "link.csv").symlink_to(secret)
    state = DynamicsState(store=store, registry=registry, upload_dir=str(tmp_path / "up"), data_dir=str(folder))
    assert state.data_folder.names() == ["series.npy"]  # the symlink out of the folder is not offered
    assert state.pick_data_file("series.npy").shape == (200, 3)
    assert state.system == "upload" and np.load(state.train.experiment.data).shape == (200, 3)
    for name in ("link.csv", "../secret.csv", str(secret)):
        with pytest.raises(ValueError, match="data"):
            state.pick_data_file(name)


def test_data_path_is_not_a_form_field(store, registry):
    if "alrnn.fit" not in registry:
        pytest.skip("alrnn experiments are not installed")
    page = DynamicsPage(store, registry)
    page.state.system = "upload"
    form = page.train_controls._form.objects[0]
    assert "data" in page.state.train.experiment.parameter_names()
    assert "data" not in form.parameters


@pytest.fixture(scope="module")
def cancelled_training(registry):
    """A short complete AL-RNN training, then one cancelled by the user after two evaluations."""
    if "alrnn.lorenz63" not in registry:
        pytest.skip("alrnn experiments are not installed")
    import uuid

    from workbench.store import Store

    store = Store(f"memory://apps-dyn-{uuid.uuid4().hex}")
    page = DynamicsPage(store, registry)
    state = page.state
    state.train.configure(**{**TINY, "epochs": 3})
    state.train.start()
    assert state.train.job.wait(240) and state.train.job.status == "complete", state.train.job.error
    state.train.configure(**TINY)
    job = state.train.job
    job.param.watch(lambda e: job.cancel() if len(e.new) >= 2 else None, ["scalars"])
    state.train.start()
    assert job.wait(240)
    return page


@pytest.mark.slow
def test_cancel_stops_training_and_records_the_run_failed(cancelled_training):
    state = cancelled_training.state
    job = state.train.job
    assert job.status == "cancelled", job.error
    reader = state.store.open(job.run_id)
    assert reader.status == "failed" and "cancelled" in reader.attrs["error"]
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
    scores = comparison[["D_stsp", "D_H"]].to_numpy(dtype=float)
    # the AL-RNN row is its stored run's scores (a tiny training that collapsed to a fixed
    # point has the documented NaN D_H: a constant free run has no spectrum); the forecast's
    # row is finite
    stored = state.latest(state.train).metrics
    np.testing.assert_allclose(scores[0], [stored["d_stsp"], stored["d_h"]], rtol=1e-12)
    assert np.isfinite(scores[0, 0]) and np.all(np.isfinite(scores[1]))
    state.system = "rossler"
    assert state.train.kind == "alrnn.rossler"
