import numpy as np
import pytest

from reservoirs import EchoStateNetwork, EIReservoir, run_balances, run_batch, with_balances


def test_run_batch_equals_individual_runs():
    base = EIReservoir(80, in_degree=15, seed=0)
    nets = with_balances(base, [0.5, 1.0, 2.0])
    assert [n.balance for n in nets] == [0.5, 1.0, 2.0]
    u = np.random.default_rng(0).uniform(-1, 1, (120, 1))
    batch = run_batch(nets, u, washout=20)
    assert batch.shape == (3, 100, 80)
    for net, states in zip(with_balances(base, [0.5, 1.0, 2.0]), batch):
        np.testing.assert_allclose(net.run(u, washout=20), states)
    np.testing.assert_allclose(nets[2].state, batch[2, -1])
    np.testing.assert_allclose(nets[1].rates, batch[1].mean(axis=0))


def test_run_batch_validates():
    a = EIReservoir(80, in_degree=15, seed=0)
    with pytest.raises(ValueError, match="n_neurons"):
        run_batch([a, EIReservoir(60, in_degree=15, seed=0)], np.zeros(5))
    with pytest.raises(ValueError, match="activation"):
        run_batch([a, EchoStateNetwork(80, in_degree=15, seed=0)], np.zeros(5))
    with pytest.raises(ValueError, match="at least one"):
        run_batch([], np.zeros(5))


@pytest.mark.parametrize("leak", [1.0, 0.7])
def test_run_balances_equals_with_balances_runs(leak):
    base = EIReservoir(80, n_inputs=2, in_degree=15, gain=4.0, strength=2.0, leak_rate=leak,
                       balance=1.2, seed=5)
    u = np.random.default_rng(1).uniform(-1, 1, (150, 2))
    base.adapt(u[:60], 0.3, learning_rate=5e-3)     # per-link inhibition, not just beta
    base.state = np.random.default_rng(2).uniform(0, 1, 80)
    balances = [0.5, 1.0, 1.2, 2.0]
    start, weights = base.state, base.weights.toarray()
    fast = run_balances(base, balances, u, washout=30)
    assert fast.shape == (4, 120, 80)
    for net, states in zip(with_balances(base, balances), fast):
        np.testing.assert_allclose(states, net.run(u, washout=30), rtol=0, atol=1e-12)
    # the reservoir itself is untouched
    np.testing.assert_array_equal(base.state, start)
    np.testing.assert_array_equal(base.weights.toarray(), weights)


def test_run_balances_validates():
    base = EIReservoir(40, in_degree=8, seed=0)
    with pytest.raises(ValueError, match="balances"):
        run_balances(base, [1.0, 0.0], np.zeros(5))
    with pytest.raises(ValueError, match="balances"):
        run_balances(base, [], np.zeros(5))
    with pytest.raises(ValueError, match="washout"):
        run_balances(base, [1.0], np.zeros(5), washout=5)
    with pytest.raises(ValueError, match="EIReservoir"):
        run_balances(EchoStateNetwork(40, in_degree=8, seed=0), [1.0], np.zeros(5))


@pytest.mark.parametrize("split", ["random", "fixed"])
def test_run_balances_mean_shift_equals_copies(split):
    base = EIReservoir(64, in_degree=12, gain=4.0, coupling=8.0, balance_mode="mean_shift",
                       ei_split=split, seed=7)
    u = np.random.default_rng(3).uniform(-1, 1, (120, 1))
    balances = [0.6, 1.0, 1.8]
    fast = run_balances(base, balances, u, washout=20)
    for net, states in zip(with_balances(base, balances), fast):
        assert net.balance_mode == "mean_shift"
        np.testing.assert_allclose(states, net.run(u, washout=20), rtol=0, atol=1e-12)
    nets = with_balances(base, balances)
    batch = run_batch(nets, u, washout=20)
    np.testing.assert_allclose(batch, fast, rtol=0, atol=1e-12)


def test_adapt_batch_reports_every_block_with_each_reservoirs_rate_error():
    from reservoirs.batch import adapt_batch

    nets = [EIReservoir(30, in_degree=6, seed=s) for s in (0, 1)]
    u = np.random.default_rng(0).uniform(-1, 1, (400, 1))
    seen = []
    traces = adapt_batch(nets, u, [0.3, 0.6], learning_rate=0.01, record_every=40,
                         on_block=lambda done, total, errors: seen.append((done, total, np.array(errors))))
    assert [d for d, _, _ in seen] == list(range(40, 401, 40)) and {t for _, t, _ in seen} == {400}
    for g, trace in enumerate(traces):  # the last report is each trace's final rate error
        assert seen[-1][2][g] == pytest.approx(trace.rate_error())
