"""Tests of alrnn.model: the AL-RNN map, its Jacobian, regions, initialisation, conversion."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from alrnn.model import ALRNN, check_sizes, init_params, phi_star


def _numpy_step(p, z, P):
    M = len(p["A"])
    phi = z.copy()
    if P:
        phi[..., M - P:] = np.maximum(phi[..., M - P:], 0)
    return p["A"] * z + phi @ p["W"].T + p["h"]


def _random_model(M, N, P, seed=0):
    rng = np.random.default_rng(seed)
    return ALRNN.from_arrays(rng.uniform(0.2, 0.9, M), 0.3 * rng.standard_normal((M, M)),
                             0.1 * rng.standard_normal(M), rng.standard_normal((M, N)), P=P)


@pytest.mark.parametrize("P", [0, 2, 5])
def test_step_matches_equation(P):
    model = _random_model(5, 2, P)
    p = {k: v.astype(np.float64) for k, v in model.to_arrays().items()}
    z = np.random.default_rng(1).standard_normal((4, 5))
    np.testing.assert_allclose(model.step(z), _numpy_step(p, z, P), rtol=1e-5, atol=1e-6)


def test_phi_star_relu_only_on_last_units():
    z = jnp.array([-1.0, -2.0, 3.0, -4.0])
    np.testing.assert_array_equal(phi_star(z, 0), z)
    np.testing.assert_array_equal(phi_star(z, 2), [-1.0, -2.0, 3.0, 0.0])
    np.testing.assert_array_equal(phi_star(z, 4), [0.0, 0.0, 3.0, 0.0])


def test_linear_model_P0_generates_linear_recursion():
    model = _random_model(4, 2, 0)
    p = {k: v.astype(np.float64) for k, v in model.to_arrays().items()}
    x0 = np.array([0.3, -0.7])
    Z, X = model.generate(x0, 6)
    z = np.concatenate([x0, (p["L"] @ x0)[2:]])
    for t in range(6):
        np.testing.assert_allclose(Z[t], z, rtol=1e-5, atol=1e-6)
        z = np.diag(p["A"]) @ z + p["W"] @ z + p["h"]
    np.testing.assert_array_equal(X, Z[:, :2])
    assert model.region(Z).shape == (6, 0)


def test_full_plrnn_P_equals_M():
    model = _random_model(4, 1, 4, seed=3)
    z = np.array([0.5, -0.2, 0.1, -0.3])
    np.testing.assert_allclose(model.step(z), _numpy_step(model.to_arrays(), z, 4), atol=1e-6)
    np.testing.assert_array_equal(model.region(z), [True, False, True, False])
    np.testing.assert_allclose(model.jacobian(z), np.diag(model.to_arrays()["A"])
                               + model.to_arrays()["W"] * np.array([1, 0, 1, 0.0]), atol=1e-7)


def test_generate_batch_and_initial_state():
    model = _random_model(6, 3, 2)
    x0 = np.random.default_rng(2).standard_normal((5, 3))
    Z, X = model.generate(x0, 7)
    assert Z.shape == (7, 5, 6) and X.shape == (7, 5, 3)
    np.testing.assert_allclose(Z[0, :, :3], x0, atol=1e-7)
    np.testing.assert_allclose(Z[0, :, 3:], (x0 @ model.to_arrays()["L"].T)[:, 3:], atol=1e-6)
    np.testing.assert_allclose(Z[1], model.step(Z[0]), atol=1e-6)
    Z2, _ = model.generate(None, 3, z0=Z[2, 0])
    np.testing.assert_allclose(Z2[1], Z[3, 0], atol=1e-5)


@pytest.mark.parametrize("P", [0, 3, 6])
def test_jacobian_matches_autodiff(P):
    model = _random_model(6, 2, P, seed=4)
    z = np.random.default_rng(5).standard_normal(6)
    from alrnn.model import step
    auto = jax.jacfwd(lambda v: step(model.params, v, P))(jnp.asarray(z, jnp.float32))
    np.testing.assert_allclose(model.jacobian(z), np.asarray(auto), atol=1e-6)
    batch = model.jacobian(np.stack([z, -z]))
    assert batch.shape == (2, 6, 6)
    np.testing.assert_allclose(batch[0], model.jacobian(z))


def test_region_is_sign_pattern_of_last_P_units():
    model = _random_model(5, 2, 3)
    z = np.array([[9.0, -9.0, 1.0, -1.0, 0.0], [-1.0, 1.0, -2.0, 2.0, 3.0]])
    np.testing.assert_array_equal(model.region(z), [[True, False, False], [False, True, True]])


def test_authors_initialisation():
    p = init_params(20, 3, 2, seed=0)
    assert p["A"].shape == (20,) and p["W"].shape == (20, 20) and p["h"].shape == (20,)
    assert p["L"].shape == (20, 3) and all(v.dtype == np.float32 for v in p.values())
    assert np.all(p["A"] > 0) and np.all(p["A"] <= 1)
    assert np.all(p["h"] == 0)
    assert 0.005 < p["W"].std() < 0.015
    assert np.all(p["L"][:3] == 0) and np.abs(p["L"][3:]).max() <= np.sqrt(6 / 20)
    np.testing.assert_array_equal(init_params(20, 3, 2, seed=0)["W"], p["W"])
    assert not np.array_equal(init_params(20, 3, 2, seed=1)["W"], p["W"])


def test_from_arrays_round_trip():
    model = ALRNN(8, 3, 2, seed=7)
    arrays = model.to_arrays()
    back = ALRNN.from_arrays(**arrays, P=2)
    for k in arrays:
        np.testing.assert_array_equal(back.to_arrays()[k], arrays[k])
    assert (back.M, back.N, back.P) == (8, 3, 2)
    x0 = np.array([0.1, 0.2, 0.3])
    np.testing.assert_array_equal(back.generate(x0, 5)[0], model.generate(x0, 5)[0])
    arrays["W"][0, 0] = 99.0  # to_arrays returns copies
    assert model.to_arrays()["W"][0, 0] != 99.0


def test_from_arrays_without_L():
    model = ALRNN.from_arrays(np.ones(4) * 0.5, np.zeros((4, 4)), np.zeros(4), P=1, N=2)
    assert model.N == 2 and np.all(model.to_arrays()["L"] == 0)
    np.testing.assert_allclose(model.initial_state(np.array([1.0, 2.0])), [1, 2, 0, 0])


@pytest.mark.parametrize("kwargs, match", [
    ({"W": np.zeros((3, 4))}, "W must have shape"),
    ({"h": np.zeros(5)}, "h must have shape"),
    ({"L": np.zeros((5, 2))}, "L must have shape"),
    ({"P": 5}, "P must be in"),
    ({"P": -1}, "P must be in"),
    ({"A": np.array([np.nan, 0, 0, 0])}, "A must be finite"),
])
def test_from_arrays_rejects_bad_input(kwargs, match):
    args = {"A": np.zeros(4), "W": np.zeros((4, 4)), "h": np.zeros(4), "L": np.zeros((4, 2)), "P": 1}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        ALRNN.from_arrays(**args)


def test_sizes_validation():
    assert check_sizes(20, 3, 2, linear_readout=True) == (20, 3, 2)
    assert check_sizes(4, 2, 4) == (4, 2, 4)
    with pytest.raises(ValueError, match="N must be in"):
        check_sizes(4, 3, 2, linear_readout=True)
    with pytest.raises(ValueError, match="P must be in"):
        ALRNN(4, 1, 5)
    with pytest.raises(ValueError, match="M must be in"):
        ALRNN(0, 1, 0)
    model = ALRNN(4, 2, 1, seed=0)
    with pytest.raises(ValueError, match="x0 must have last dimension 2"):
        model.generate(np.zeros(3), 4)
    with pytest.raises(ValueError, match="n_steps must be in"):
        model.generate(np.zeros(2), 0)
