"""Tests of alrnn.evaluation on a model whose free run reproduces the data exactly."""

import numpy as np
import pytest

from alrnn.evaluation import checkpoint_metrics, evaluate, generate_observations, n_step_predictor
from alrnn.model import ALRNN


def _rotation_model(theta=0.3):
    """Linear AL-RNN (P=0, M=N=2) rotating by theta: x_{t+1} = R x_t exactly."""
    c, s = np.cos(theta), np.sin(theta)
    return ALRNN.from_arrays(np.zeros(2), np.array([[c, -s], [s, c]]), np.zeros(2), np.zeros((2, 2)), P=0)


def _circle(n, theta=0.3, phase=0.0):
    t = phase + theta * np.arange(n)
    return np.stack([np.cos(t), np.sin(t)], axis=1)


def test_perfect_model_scores():
    model = _rotation_model()
    data = _circle(2000)
    pred = n_step_predictor(model)(data[:5], 20)
    np.testing.assert_allclose(pred, data[20:25], atol=1e-4)
    scores = checkpoint_metrics(model, data, n_bins=10)
    assert scores["pe"] < 1e-8 and scores["d_h"] < 1e-3 and scores["d_stsp"] < 1e-3
    test = _circle(1000, phase=1.0)
    ev = evaluate(model, test, n_bins=10)
    assert ev["pe"] < 1e-8 and ev["d_stsp"] < 0.05


def test_wrong_frequency_is_penalised():
    model = _rotation_model(0.5)
    ev = evaluate(model, _circle(2000, 0.3), n_bins=10)
    assert ev["d_h"] > 0.3 and ev["pe"] > 0.1


def test_generate_observations_drops_transient():
    model = _rotation_model()
    x = generate_observations(model, np.array([1.0, 0.0]), 5, transient=3)
    np.testing.assert_allclose(x, _circle(8)[3:], atol=1e-5)


def test_evaluate_validation():
    model = _rotation_model()
    with pytest.raises(ValueError, match="test must have 2 features"):
        evaluate(model, np.zeros((100, 3)))
    with pytest.raises(ValueError, match="transient_fraction"):
        evaluate(model, _circle(100), transient_fraction=-1)


def test_multi_start_checkpoint_metrics():
    model = _rotation_model()
    data = _circle(4000)
    one = checkpoint_metrics(model, data, n_bins=10)
    many = checkpoint_metrics(model, data, n_bins=10, n_starts=4, pe_points=500)
    assert many["d_stsp"] < 0.05 and many["d_h"] < 0.05 and many["pe"] < 1e-8
    assert one["d_stsp"] < 0.05
    # D_H comes from the full-length run from data[0], as with a single start
    assert many["d_h"] == pytest.approx(one["d_h"])
    # a start in another basin (here the fixed point at the origin) is penalised: the data
    # pass through the origin once, so one of the 4 runs sits there
    data_fp = data.copy()
    data_fp[2000] = 0.0
    bad = checkpoint_metrics(model, data_fp, n_bins=10, n_starts=4)
    assert bad["d_stsp"] > many["d_stsp"] + 1.0
    # the single-start protocol does not see it (its start lies on the circle)
    assert checkpoint_metrics(model, data_fp, n_bins=10)["d_stsp"] < 0.05
    with pytest.raises(ValueError, match="n_starts"):
        checkpoint_metrics(model, data, n_starts=0)
    with pytest.raises(ValueError, match="pe_points"):
        checkpoint_metrics(model, data, pe_points=3)
