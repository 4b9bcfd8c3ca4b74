import numpy as np
import pytest

from reservoirs.benchmark import make_ei_reservoir, make_ei_reservoir_adaptive, make_esn
from workbench.benchmark.protocol import BenchmarkModel, DatasetInfo
from workbench.systems import lorenz63

INFO = DatasetInfo("tiny", 3, 0.01, 1600, 400, noisy=False)


@pytest.fixture(scope="module")
def data():
    return lorenz63(2000, seed=4)


@pytest.mark.parametrize("make", [make_ei_reservoir, make_ei_reservoir_adaptive, make_esn])
def test_reservoir_models_follow_the_protocol(make, data):
    model = make(INFO, True)
    assert isinstance(model, BenchmarkModel)
    assert model.warmup == 100          # min(200, n_test // 4)
    info = model.fit(data[:1600], seed=0)
    assert info["selected"] and len(info["validation_d_stsp"]) == len(model.settings) * len(model.alphas)
    assert model.n_parameters >= 3 * model._reservoir.n_neurons
    gen = model.generate(data[:100], 50)
    assert gen.shape == (50, 3)
    np.testing.assert_array_equal(gen[0], data[99])
    # row 1 is the readout of the network driven by the warm-up, as the network's own run gives
    model._reservoir.reset()
    states = model._reservoir.run(data[:100])
    expected = states[-1] @ model._readout.coef_ + model._readout.intercept_
    np.testing.assert_allclose(gen[1], expected, atol=1e-10)
    # predict(windows) continues each window like generate does
    windows = np.stack([data[i:i + 100] for i in (0, 37)])
    pred = model.predict(windows, 5)
    np.testing.assert_allclose(pred[0], gen[1:6], atol=1e-10)
    assert pred.shape == (2, 5, 3)


def test_tuning_uses_training_rows_only(data):
    model = make_ei_reservoir(INFO, True)
    info = model.fit(data[:1600], seed=1)
    assert info["n_fit"] + info["n_val"] <= 1600


def test_seeds_give_different_networks(data):
    a, b = make_esn(INFO, True), make_esn(INFO, True)
    a.fit(data[:1600], seed=0)
    b.fit(data[:1600], seed=1)
    assert not np.allclose(a.generate(data[:100], 20), b.generate(data[:100], 20))
