"""Tests of alrnn.benchmark: the AL-RNN and shPLRNN adapters to the benchmark protocol."""

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from alrnn.benchmark import BenchmarkALRNN, BenchmarkShPLRNN, make_alrnn, make_shplrnn
from alrnn.symbolic import symbol_sequence
from alrnn.train import TrainingDiverged


@dataclass(frozen=True)
class Info:
    name: str
    dim: int
    dt: float | None
    n_train: int
    n_test: int


def _data(n=800, seed=0):
    t = np.arange(n) * 0.15
    rng = np.random.default_rng(seed)
    x = np.stack([np.sin(t), np.cos(t), np.sin(2 * t)], axis=1) + 0.02 * rng.standard_normal((n, 3))
    return x[:600], x[600:]


def _tiny(model):
    model.config = model.config.replace(epochs=2, batches_per_epoch=3, batch_size=4, seq_len=20, eval_every=1,
                                        eval_starts=1, population=1, eval_steps=None, pe_points=None,
                                        n_bins=10, pe_steps=5)
    return model


def test_factories_use_the_authors_sizes():
    ecg = make_alrnn(Info("ecg", 5, None, 100_000, 100_000), quick=False)
    assert (ecg.family.M, ecg.family.P, ecg.config.seq_len, ecg.config.tau) == (100, 2, 50, 10)
    lor = make_alrnn(Info("lorenz63", 3, 0.01, 100_000, 100_000), quick=True)
    assert (lor.family.M, lor.family.P) == (20, 2) and lor.config.epochs < make_alrnn(
        Info("lorenz63", 3, 0.01, 100_000, 100_000), quick=False).config.epochs
    fmri = make_alrnn(Info("fmri", 20, None, 288, 72), quick=True)
    assert (fmri.family.M, fmri.family.P, fmri.config.seq_len) == (50, 2, 72)
    sh = make_shplrnn(Info("lorenz63", 3, 0.01, 100_000, 100_000), quick=False)
    assert (sh.family.M, sh.family.H, sh.family.alpha_method) == (3, 50, "product_upper_bound")
    sh_ecg = make_shplrnn(Info("ecg", 5, None, 100_000, 100_000), quick=False)
    assert (sh_ecg.family.M, sh_ecg.family.H, sh_ecg.family.alpha_method, sh_ecg.config.alpha) == \
        (5, 250, "constant", 0.3)
    user = make_alrnn(Info("mine", 12, None, 500, 100), quick=True)
    assert user.family.M >= 12 + user.family.P and user.config.seq_len <= 500 // 4
    assert ecg.warmup == sh.warmup == 1


@pytest.mark.slow
@pytest.mark.parametrize("factory", [make_alrnn, make_shplrnn])
def test_protocol_alignment_predict_and_parameters(factory):
    train, test = _data()
    model = _tiny(factory(Info("tiny", 3, 0.15, len(train), len(test)), quick=True))
    with pytest.raises(ValueError, match="fitted first"):
        model.generate(test[:1], 10)
    info = model.fit(train, seed=0)
    assert info["epochs"] == 2 and info["model"] == model.family.name and info["status"] == "completed"
    import json
    json.dumps(info)
    gen = model.generate(test[:1], 50)
    assert gen.shape == (50, 3) and gen.dtype == np.float64
    np.testing.assert_allclose(gen[0], test[0], atol=1e-6)          # row 0 is the given test point
    # a longer warm-up: generation still starts from its last point
    np.testing.assert_allclose(model.generate(test[:5], 50)[0], test[4], atol=1e-6)
    windows = np.stack([test[i:i + 4] for i in (0, 10, 30)])
    pred = model.predict(windows, 6)
    assert pred.shape == (3, 6, 3)
    for b, i in enumerate((0, 10, 30)):
        np.testing.assert_allclose(pred[b], model.generate(test[i + 3:i + 4], 7)[1:], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="warmup"):
        model.generate(np.zeros((2, 4)), 5)


def test_alrnn_parameter_count_equals_the_parameters_that_learn():
    train, test = _data()
    model = _tiny(make_alrnn(Info("tiny", 3, 0.15, len(train), len(test)), quick=True))
    model.fit(train, seed=1)
    p = model.model.params
    M, N = model.model.M, model.model.N
    assert model.n_parameters == 2 * M + M * M + (M - N) * N
    from alrnn.block import window_loss
    from alrnn.recipe import forcing_weights
    w = jnp.asarray(np.stack([train[i:i + 31] for i in (0, 50, 100, 200)]), jnp.float32)
    g = jax.grad(lambda q: window_loss(q, w, jnp.asarray(forcing_weights(30, 7)), model.model.P))(dict(p))
    assert sum(int(np.count_nonzero(np.asarray(v))) for v in g.values()) == model.n_parameters
    sh = _tiny(make_shplrnn(Info("tiny", 3, 0.15, len(train), len(test)), quick=True))
    sh.fit(train, seed=1)
    assert sh.n_parameters == sum(np.size(v) for v in sh.model.params.values()) == 2 * 3 + 2 * 3 * sh.family.H + \
        sh.family.H


def test_subregions_are_the_sign_patterns_of_the_free_run():
    train, test = _data()
    model = _tiny(make_alrnn(Info("tiny", 3, 0.15, len(train), len(test)), quick=True))
    model.fit(train, seed=0)
    gen = model.generate(test[:1], 300)
    codes = model.subregions(gen)
    Z, _ = model.model.generate(test[0], 300)
    np.testing.assert_array_equal(codes, symbol_sequence(model.model, Z))
    assert codes.shape == (300,) and codes.min() >= 0 and codes.max() < 2 ** model.family.P
    other = BenchmarkALRNN.subregions(model, gen.copy() + 0.0)       # same run, recomputed
    np.testing.assert_array_equal(other, codes)
    sh = _tiny(make_shplrnn(Info("tiny", 3, 0.15, len(train), len(test)), quick=True))
    sh.fit(train, seed=0)
    g = sh.generate(test[:1], 300)
    c = BenchmarkShPLRNN.subregions(sh, g)
    assert c.shape == (300,) and c.min() == 0


def test_fit_raises_on_divergence_and_bad_input():
    train, test = _data()
    model = _tiny(make_alrnn(Info("tiny", 3, 0.15, len(train), len(test)), quick=True))
    model.config = model.config.replace(start_lr=1e30, end_lr=1e29)
    with pytest.raises(TrainingDiverged):
        model.fit(train, seed=0)
    with pytest.raises(ValueError, match="train"):
        model.fit(train[:, :2], seed=0)
    with pytest.raises(ValueError, match="seed"):
        model.fit(train, seed=-1)
