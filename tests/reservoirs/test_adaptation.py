import numpy as np
import pytest

from reservoirs import EIReservoir, adapt_batch, heterogeneous_targets
from reservoirs.adaptation import one_step_factors


def net(seed=0, **kw):
    return EIReservoir(200, in_degree=40, gain=4.0, strength=2.0, seed=seed, **kw)


def drive(n=3000, seed=1):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 1))


@pytest.mark.parametrize("rho", [0.3, 0.7])
def test_adaptation_converges_to_homogeneous_target(rho):
    res = net()
    before = np.mean(np.abs(res.run(drive(500, 2)).mean(axis=0) - rho))
    trace = res.adapt(drive(), rho)
    assert trace.rate_error() < 0.05
    res.reset()
    after = np.mean(np.abs(res.run(drive(1000, 3)).mean(axis=0) - rho))   # frozen weights
    assert after < 0.05 < before
    assert trace.mean_rate.shape == (3000,)
    assert trace.inhibitory_gain.shape == (len(trace.steps), 200)


def test_adaptation_converges_to_heterogeneous_targets():
    res = net(seed=4)
    rho = heterogeneous_targets(200, 2.0, 2.0, seed=0)
    trace = res.adapt(drive(), rho)
    assert trace.rate_error() < 0.05
    np.testing.assert_array_equal(trace.targets, rho)


def test_adaptation_only_changes_inhibition_and_keeps_dale_law():
    # weak excitation: Sig(4 * 0.5) < 0.95, so the target needs zero inhibition
    res = EIReservoir(200, in_degree=40, gain=4.0, strength=0.5, seed=0)
    exc = res.excitatory.toarray()
    pattern = res.weights.indices.copy()
    res.adapt(drive(2000), 0.95, learning_rate=1e-2)   # pushes inhibition down to zero
    np.testing.assert_array_equal(res.excitatory.toarray(), exc)
    np.testing.assert_array_equal(res.weights.indices, pattern)
    W = res.weights
    assert np.all(W.data[~res.cell_types[W.indices]] <= 0)   # inhibitory stays inhibitory
    assert np.any(res.inhibitory_strength() == 0)     # clipped


def test_adapt_batch_equals_individual_adaptation():
    a, b = net(0), net(5)
    traces = adapt_batch([a, b], drive(400), [0.4, 0.6])
    c, d = net(0), net(5)
    tc, td = c.adapt(drive(400), 0.4), d.adapt(drive(400), 0.6)
    np.testing.assert_allclose(a.weights.data, c.weights.data)
    np.testing.assert_allclose(b.weights.data, d.weights.data)
    np.testing.assert_allclose(traces[1].mean_rate, td.mean_rate)
    np.testing.assert_allclose(traces[0].inhibitory_gain, tc.inhibitory_gain)


@pytest.mark.parametrize("target, match", [
    (0.0, "target_rate"), (1.0, "target_rate"), (np.full(3, 0.5), "shape"),
    (np.nan, "target_rate"),
])
def test_adapt_rejects_bad_targets(target, match):
    with pytest.raises(ValueError, match=match):
        net().adapt(drive(10), target)


def test_adapt_rejects_bad_input_and_rate():
    with pytest.raises(ValueError, match="finite"):
        net().adapt(np.full((5, 1), np.inf), 0.5)
    with pytest.raises(ValueError, match="u must have shape"):
        net().adapt(np.zeros((5, 2)), 0.5)
    with pytest.raises(ValueError, match="learning_rate"):
        net().adapt(drive(5), 0.5, learning_rate=0)


def test_heterogeneous_targets():
    rho = heterogeneous_targets(5000, 2.0, 6.0, seed=1)
    assert rho.min() > 0 and rho.max() < 1
    assert rho.mean() == pytest.approx(0.25, abs=0.01)
    np.testing.assert_array_equal(rho, heterogeneous_targets(5000, 2.0, 6.0, seed=1))
    with pytest.raises(ValueError, match="a must be"):
        heterogeneous_targets(10, 0.0, 1.0)


def test_one_step_factor_formula():
    omega = one_step_factors(np.array([2.0, 1.0, 0.5]), np.array([1.0, 2.0, 0.0]),
                             np.array([0.1, 0.0, 0.0]), np.zeros(3), np.array([0.5, 0.8, 0.5]),
                             4.0)
    logit = np.log(0.8 / 0.2) / 4.0
    np.testing.assert_allclose(omega, [2.1, max(0.0, (1.0 - logit) / 2.0), 1.0])
    assert one_step_factors(np.zeros(1), np.ones(1), np.zeros(1), np.zeros(1),
                            np.array([0.9]), 1.0)[0] == 0.0   # unreachable: clipped


def test_one_step_balance_reaches_targets():
    res = net(seed=2)
    omega = res.balance_one_step(0.5, u_mean=0.0)
    assert omega.shape == (200,) and omega.min() >= 0
    rates = res.run(drive(2000, 5), washout=200).mean(axis=0)
    assert np.mean(np.abs(rates - 0.5)) < 0.05
    with pytest.raises(ValueError, match="u_mean"):
        res.balance_one_step(0.5, u_mean=[0.0, 1.0])
