import numpy as np
import pytest
import scipy.sparse as sp

from reservoirs import EIReservoir
from reservoirs.dynamics import RateSystem, SharedSystem, split_systems, stack_systems


def test_stack_and_split_round_trip():
    nets = [EIReservoir(40, in_degree=8, seed=s) for s in range(3)]
    systems = [n._system for n in nets]
    stacked = stack_systems(systems)
    assert stacked.size == 120
    dense = stacked.weights.toarray()
    for i, s in enumerate(systems):
        np.testing.assert_allclose(dense[40 * i:40 * (i + 1), 40 * i:40 * (i + 1)],
                                   s.weights.toarray())
    stacked.weights.data *= 2.0
    stacked.state = np.arange(120.0)
    split_systems(stacked, systems)
    np.testing.assert_allclose(systems[1].weights.toarray(), dense[40:80, 40:80] * 2.0)
    np.testing.assert_allclose(systems[2].state, np.arange(80.0, 120.0))


def test_run_washout_spanning_chunks():
    net = EIReservoir(30, in_degree=5, seed=0)
    u = np.random.default_rng(0).uniform(-1, 1, (55, 1))
    full = net._system.run(u, chunk_size=1000)
    net.reset()
    part = net._system.run(u, washout=23, chunk_size=10)
    np.testing.assert_allclose(part, full[23:])


def test_sigmoid_matches_expit_and_saturates_without_warnings():
    import warnings

    from scipy.special import expit

    from reservoirs.dynamics import ACTIVATIONS

    x = np.concatenate([np.linspace(-40, 40, 2001), [-800.0, 800.0]])
    out = np.empty_like(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="ignore"):
            ACTIVATIONS["sigmoid"](x, out)
    np.testing.assert_allclose(out, expit(x), rtol=1e-15, atol=1e-300)
    assert out[-2] == 0.0 and out[-1] == 1.0


def _no_op(r):
    pass


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("leak", [1.0, 0.6])
def test_folded_kernel_equals_unfolded_reference(activation, leak):
    # the run path folds sign and gain into W and the drive; a hook forces the plain step
    net = EIReservoir(60, n_inputs=2, in_degree=10, gain=3.0, threshold=0.2, leak_rate=leak,
                      seed=1)
    system = net._system
    system.activation = activation
    u = np.random.default_rng(2).uniform(-1, 1, (130, 2))
    start = system.state.copy()
    fast = system.run(u, washout=7, chunk_size=40)
    system.state = start.copy()
    plain = system.run(u, washout=7, chunk_size=40, hook=_no_op)
    np.testing.assert_allclose(fast, plain, rtol=0, atol=1e-12)
    assert np.abs(fast - plain).max() > 0 or activation == "tanh"  # genuinely two paths


def _shared_reference(parts, scales, system, u):
    """Each network of a SharedSystem run alone with W_b formed explicitly."""
    n = system.size
    outs = []
    for b in range(scales.shape[1]):
        w = sum(scales[k, b] * parts[:, k * n:(k + 1) * n] for k in range(scales.shape[0]))
        alone = RateSystem(weights=sp.csr_matrix(w), input_weights=system.input_weights,
                           threshold=system.threshold, gain=system.gain, leak=system.leak,
                           activation=system.activation, state=system.state[:, b].copy())
        outs.append(alone.run(u))
    return np.array(outs)


@pytest.mark.parametrize("leak", [1.0, 0.5])
def test_shared_system_equals_networks_run_alone(leak):
    rng = np.random.default_rng(3)
    n, d, bsz = 30, 2, 5
    parts = sp.random(n, 3 * n, density=0.2, random_state=4, format="csr")
    parts.data -= 0.5
    scales = rng.uniform(-1.5, 1.5, (3, bsz))
    u = rng.uniform(-1, 1, (90, d))
    shared = SharedSystem(parts=parts, scales=scales, input_weights=rng.normal(size=(n, d)),
                          threshold=rng.normal(size=n) * 0.1, gain=np.full(n, 2.5),
                          leak=np.full(n, leak), activation="sigmoid",
                          state=rng.uniform(0, 1, (n, bsz)))
    expected = _shared_reference(parts, scales, shared, u)
    start = shared.state.copy()
    out = shared.run(u, washout=0, chunk_size=25)
    assert out.shape == (bsz, 90, n)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(shared.state, expected[:, -1].T, rtol=0, atol=1e-12)
    shared.state = start
    np.testing.assert_allclose(shared.run(u, washout=33, chunk_size=10), expected[:, 33:],
                               rtol=0, atol=1e-12)
