import numpy as np
import pytest

from reservoirs import EchoStateNetwork
from reservoirs.esn import spectral_radius


def test_spectral_radius_is_set():
    esn = EchoStateNetwork(150, spectral_radius=0.8, in_degree=20, seed=0)
    assert spectral_radius(esn.weights) == pytest.approx(0.8, rel=1e-4)
    dense = np.linalg.eigvals(esn.weights.toarray())
    assert np.abs(dense).max() == pytest.approx(0.8, rel=1e-4)


def test_esn_update_and_protocol():
    esn = EchoStateNetwork(50, n_inputs=2, in_degree=10, leak_rate=0.5, bias_scaling=0.1, seed=1)
    u = np.random.default_rng(0).normal(size=(30, 2))
    states = esn.run(u)
    x = np.zeros(50)
    W, win, b = esn.weights.toarray(), esn.input_weights, -esn._system.threshold
    for t in range(30):
        x = 0.5 * x + 0.5 * np.tanh(W @ x + win @ u[t] + b)
    np.testing.assert_allclose(states[-1], x, atol=1e-12)
    esn.reset()
    np.testing.assert_allclose(esn.run(u), states)
    with pytest.raises(ValueError, match="spectral_radius"):
        EchoStateNetwork(50, spectral_radius=0)
