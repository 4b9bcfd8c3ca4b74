"""Tests of the reservoirs' parameter groups."""

import numpy as np
import pytest

from reservoirs.params import (AdaptationParams, BalanceParams, MemoryTaskParams, NetworkParams,
                               SeedsParams, SpikingNetworkParams, TaskSuiteParams, check_task_length)
from workbench.experiment import Experiment


class _Net(NetworkParams, BalanceParams, MemoryTaskParams):
    pass


def test_network_group_builds_the_reservoir_it_describes():
    group = _Net(n_neurons=30, in_degree=5, gain=3.0, balance=1.5)
    res = group.build_reservoir(seed=4)
    assert res.n_neurons == 30
    again = group.build_reservoir(seed=4)
    np.testing.assert_array_equal(res.run(np.zeros((5, 1))), again.run(np.zeros((5, 1))))
    assert group.network_kwargs(4)["balance"] == 1.5
    assert group.network_kwargs(4, balance=0.5)["balance"] == 0.5


def test_network_group_rejects_in_degree_not_below_n():
    with pytest.raises(ValueError, match="in_degree must be < n_neurons"):
        _Net(n_neurons=20, in_degree=20).validate()


@pytest.mark.parametrize("n_steps, washout, k_max, ok", [(120, 100, 10, True), (119, 100, 10, False),
                                                         (70, 0, 50, True), (69, 0, 50, False)])
def test_task_length_rule_is_in_one_place(n_steps, washout, k_max, ok):
    group = MemoryTaskParams(n_steps=n_steps, washout=washout, k_max=k_max)
    if ok:
        group.validate()
        check_task_length("n_steps", n_steps, washout, k_max)
    else:
        with pytest.raises(ValueError, match=r"n_steps must be >= max\(washout, k_max\) \+ 20"):
            group.validate()


def test_task_suite_builds_independent_tasks():
    suite = TaskSuiteParams(mc_steps=200, narma_steps=200, washout=20, k_max=10).suite(3)
    assert set(suite) == {"mc", "narma"}
    assert suite["mc"].inputs.shape == (200, 1)
    again = TaskSuiteParams(mc_steps=200, narma_steps=200, washout=20, k_max=10).suite(3)
    np.testing.assert_array_equal(suite["mc"].inputs, again["mc"].inputs)
    with pytest.raises(ValueError, match="mc_steps"):
        TaskSuiteParams(mc_steps=50, washout=40).validate()


def test_seeds_are_spawned_not_offset():
    class Sweep(SeedsParams, Experiment):
        pass

    seeds = Sweep(seed=5, n_seeds=3).realisation_seeds()
    assert len(set(seeds)) == 3 and seeds == Sweep(seed=5, n_seeds=3).realisation_seeds()
    assert Sweep(seed=6, n_seeds=3).realisation_seeds() != seeds
    assert all(0 <= s < 2 ** 63 for s in seeds)


def test_adaptation_targets_are_spawned_per_reservoir():
    group = AdaptationParams(concentration=4.0)
    nets = [_Net(n_neurons=30, in_degree=5).build_reservoir(seed=i) for i in range(2)]
    targets, traces = group.apply_adaptation(nets, "heterogeneous", [0.4, 0.4], np.zeros((5, 1)), 0)
    assert not np.array_equal(targets[0], targets[1])
    assert len(traces) == 2


def test_memory_estimate_grows_with_sizes():
    small = _Net(n_neurons=100, in_degree=10).memory_estimate()
    big = _Net(n_neurons=100_000, in_degree=10).memory_estimate()
    assert sum(big.values()) > 100 * sum(small.values())
    assert all("*" in key or key in _Net.param for key in big)


def test_spiking_group_checks_filters_and_size():
    with pytest.raises(ValueError, match="tau_filter_max"):
        SpikingNetworkParams(tau_filter=20.0, tau_filter_max=10.0).validate()
    with pytest.raises(ValueError, match="n_neurons must be >= 20"):
        SpikingNetworkParams(n_neurons=10).validate()
