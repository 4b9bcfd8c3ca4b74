"""Tests of alrnn.evaluation on a model whose free run reproduces the data exactly."""

import numpy as np
import pytest

from alrnn.evaluation import (
    checkpoint_metrics,
    evaluate,
    generate_observations,
    n_step_predictor,
    score_trajectory,
)
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


def test_population_metrics_equal_the_single_model_metrics():
    """The batched, reference-cached scoring of a population gives each member the values
    that the metrics of workbench give its own free runs."""
    import jax.numpy as jnp

    from alrnn.block import ALRNNFamily, observe_population
    from alrnn.evaluation import population_checkpoint_metrics
    from workbench import metrics

    rng = np.random.default_rng(0)
    t = np.arange(600) * 0.1
    data = np.stack([np.sin(t), np.cos(1.3 * t), np.sin(0.7 * t)], 1) + 0.05 * rng.standard_normal((600, 3))
    fam = ALRNNFamily(6, 1)
    members = [ALRNN(6, 3, 1, seed=s) for s in range(3)]
    params = {k: jnp.stack([m.params[k] for m in members]) for k in members[0].params}
    for n_starts in (1, 4):
        got = population_checkpoint_metrics(fam, params, data, n_bins=10, smoothing=2.0, pe_steps=5,
                                            n_starts=n_starts, pe_points=200)
        full = np.asarray(observe_population(fam, params, jnp.asarray(data[:1], jnp.float32), 600),
                          np.float64)[:, :, 0]
        for i, m in enumerate(members):
            assert got[i]["d_h"] == pytest.approx(metrics.hellinger_distance(data, full[i], smoothing=2.0),
                                                  rel=1e-12)
            if n_starts == 1:
                assert got[i]["d_stsp"] == pytest.approx(
                    metrics.state_space_divergence(data, full[i], n_bins=10), rel=1e-12)
            one = checkpoint_metrics(m, data, n_bins=10, smoothing=2.0, pe_steps=5, n_starts=n_starts,
                                     pe_points=200)
            for k in ("d_stsp", "d_h", "pe"):
                assert got[i][k] == pytest.approx(one[k], rel=1e-3, abs=1e-6), (k, n_starts)


def test_gmm_d_stsp_of_high_dimensional_series_is_reproducible():
    rng = np.random.default_rng(1)
    true, gen = rng.standard_normal((300, 12)), rng.standard_normal((300, 12)) + 0.3
    model = ALRNN(14, 12, 1, seed=0)
    a = score_trajectory(true, gen, model, pe_steps=5)
    b = score_trajectory(true, gen, model, pe_steps=5)
    assert a["d_stsp"] == b["d_stsp"] and np.isfinite(a["d_stsp"])
