"""Operating point of a reservoir: Jacobian radius, rate entropy, E/I input ratio."""

import numpy as np
import pytest

from reservoirs import EIReservoir
from reservoirs.operating_point import (
    ei_ratio,
    jacobian,
    measure,
    rate_entropy,
    spectral_radius,
)


def _rate_map(res, u_bar):
    w = res.dense_weights()
    drive = res.input_weights @ u_bar - res.threshold
    a, c = res.leak_rate, res.gain
    return lambda r: (1 - a) * r + a / (1 + np.exp(-c * (w @ r + drive)))


@pytest.mark.parametrize("mode", ["multiplicative", "mean_shift"])
def test_jacobian_matches_finite_differences(mode):
    res = EIReservoir(40, in_degree=8, gain=4.0, coupling=8.0, balance=1.4, leak_rate=0.6,
                      balance_mode=mode, seed=3)
    u_bar = np.array([0.2])
    r = np.random.default_rng(0).uniform(0.1, 0.9, 40)
    f = _rate_map(res, u_bar)
    eps = 1e-6
    numeric = np.column_stack([(f(r + eps * e) - f(r - eps * e)) / (2 * eps)
                               for e in np.eye(40)])
    jac = jacobian(res.dense_weights(), r, res.input_weights @ u_bar - res.threshold,
                   res.gain, res.leak_rate)
    np.testing.assert_allclose(jac, numeric, rtol=0, atol=1e-8)
    radius = spectral_radius(jac)
    assert radius == pytest.approx(np.abs(np.linalg.eigvals(numeric)).max(), abs=1e-6)


def test_rate_entropy_by_hand():
    # 4 bins: values fall in bins 0, 0, 1, 3 -> p = (1/2, 1/4, 0, 1/4), H = 1.5 bits
    states = np.array([[0.1, 0.2], [0.3, 0.99]])
    assert rate_entropy(states, n_bins=4) == pytest.approx(1.5)
    assert rate_entropy(np.full((5, 3), 0.5), n_bins=10) == 0.0
    assert rate_entropy(np.array([0.0, 1.0]), n_bins=2) == pytest.approx(1.0)   # edges counted
    with pytest.raises(ValueError, match="n_bins"):
        rate_entropy(states, n_bins=1)


def test_ei_ratio_matches_reservoir_method():
    res = EIReservoir(60, in_degree=10, balance=1.3, seed=1)
    rates = np.random.default_rng(2).uniform(0, 1, 60)
    np.testing.assert_allclose(ei_ratio(res.dense_weights(), res.cell_types, rates),
                               res.ei_input_ratio(rates))
    ms = EIReservoir(60, in_degree=10, balance=1.3, balance_mode="mean_shift", seed=1)
    np.testing.assert_allclose(ei_ratio(ms.dense_weights(), ms.cell_types, rates),
                               ms.ei_input_ratio(rates))


def test_measure_records_the_operating_point():
    res = EIReservoir(50, in_degree=10, gain=4.0, coupling=8.0, seed=2)
    u = np.random.default_rng(1).uniform(-1, 1, (400, 1))
    states = res.run(u)
    op = measure(res, states, u)
    assert 0 < op.radius < 10
    assert op.population_rate == pytest.approx(states.mean())
    assert 0 < op.entropy <= np.log2(20)
    assert op.ei_ratio.shape == (50,)
    # at another balance: the same as a copy set to that balance
    other = res.copy()
    other.balance = 1.7
    assert measure(res, states, u, balance=1.7).radius == pytest.approx(
        measure(other, states, u).radius)
    with pytest.raises(ValueError, match="columns"):
        measure(res, states[:, :10], u)


@pytest.mark.parametrize("coupling", [4.0, 32.0])
def test_single_precision_radius_agrees_with_double(coupling):
    """The sgeev radius is within 1e-5 of numpy's double-precision eigenvalues on map-sized
    Jacobians (contracting and beyond the edge of stability)."""
    res = EIReservoir(300, in_degree=50, gain=4.0, coupling=coupling, seed=11)
    u = np.random.default_rng(3).uniform(-1, 1, (600, 1))
    states = res.run(u, washout=100)
    drive = res.input_weights @ u[100:].mean(axis=0) - res.threshold
    jac = jacobian(res.dense_weights(), states.mean(axis=0), drive, res.gain, res.leak_rate)
    exact = np.abs(np.linalg.eigvals(jac)).max()
    assert spectral_radius(jac) == pytest.approx(exact, rel=1e-5)
    with pytest.raises(ValueError, match="square"):
        spectral_radius(jac[:, :10])
