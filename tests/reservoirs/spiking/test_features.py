"""Tests of reservoirs.spiking.features: filtered traces, counts and rates from spikes."""

import numpy as np
import pytest

from reservoirs.spiking.features import (
    binned_counts,
    filtered_spike_trains,
    neuron_rates,
    population_rate,
    step_features,
)

DT = 1e-4


def _brute_force_trace(ticks, neurons, n, n_steps, step_ticks, tau, x0):
    """x_i(t_k) = x0_i e^{-t_k/tau} + sum_{spikes <= t_k} e^{-(t_k - s)/tau}, directly."""
    out = np.zeros((n_steps, n))
    for k in range(n_steps):
        t_end = (k + 1) * step_ticks * DT
        out[k] = x0 * np.exp(-t_end / tau)
        for s, i in zip(ticks, neurons):
            if s < (k + 1) * step_ticks:
                out[k, i] += np.exp(-(t_end - s * DT) / tau)
    return out


def test_filtered_matches_direct_convolution():
    rng = np.random.default_rng(3)
    ticks = rng.integers(0, 12 * 50, size=80)
    neurons = rng.integers(0, 4, size=80)
    x0 = rng.uniform(0, 2, size=4)
    feats, end = filtered_spike_trains(ticks, neurons, 4, 12, 50, DT, 0.02, x0)
    expected = _brute_force_trace(ticks, neurons, 4, 12, 50, 0.02, x0)
    np.testing.assert_allclose(feats, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(end, expected[-1])


def test_filtered_chains_across_segments():
    rng = np.random.default_rng(4)
    ticks = np.sort(rng.integers(0, 10 * 40, size=60))
    neurons = rng.integers(0, 3, size=60)
    whole, _ = filtered_spike_trains(ticks, neurons, 3, 10, 40, DT, 0.01)
    first = ticks < 4 * 40
    a, state = filtered_spike_trains(ticks[first], neurons[first], 3, 4, 40, DT, 0.01)
    b, _ = filtered_spike_trains(ticks[~first] - 4 * 40, neurons[~first], 3, 6, 40, DT, 0.01,
                                 state)
    np.testing.assert_allclose(np.vstack([a, b]), whole, rtol=1e-12)


def test_spike_on_step_boundary_belongs_to_next_step():
    counts = binned_counts([0, 9, 10, 19, 20], [0, 0, 1, 1, 1], 2, 3, 10)
    np.testing.assert_array_equal(counts, [[2, 0], [0, 2], [0, 1]])
    feats, _ = filtered_spike_trains([10], [0], 1, 2, 10, DT, 0.005)
    assert feats[0, 0] == 0.0
    assert feats[1, 0] == pytest.approx(np.exp(-10 * DT / 0.005))


def test_step_features_dispatches_and_rejects_unknown_kind():
    c, state = step_features("counts", [1, 2], [0, 0], 1, 1, 5, DT, 0.01)
    assert c[0, 0] == 2 and state[0] == 0
    f, _ = step_features("filtered", [1, 2], [0, 0], 1, 1, 5, DT, 0.01)
    assert 1 < f[0, 0] < 2
    with pytest.raises(ValueError, match="features"):
        step_features("rates", [1], [0], 1, 1, 5, DT, 0.01)


@pytest.mark.parametrize("ticks, neurons, message", [
    ([100], [0], "ticks must lie"),
    ([1], [7], "neurons must lie"),
    ([1, 2], [0], "same length"),
])
def test_out_of_range_spikes_are_rejected(ticks, neurons, message):
    with pytest.raises(ValueError, match=message):
        binned_counts(ticks, neurons, 2, 5, 10)


def test_population_and_neuron_rates():
    # 2 neurons, 3 spikes in the first 10 ms bin, 1 in the second (5 ms, shorter) bin
    ticks = np.array([0, 50, 99, 120])
    rates = population_rate(ticks, 2, 150, 100, DT)
    np.testing.assert_allclose(rates, [3 / (2 * 0.01), 1 / (2 * 0.005)])
    np.testing.assert_allclose(neuron_rates([0, 0, 1], 3, 0.5), [4.0, 2.0, 0.0])
    with pytest.raises(ValueError, match="duration"):
        neuron_rates([0], 1, 0.0)


def test_per_neuron_time_constants_match_direct_convolution():
    rng = np.random.default_rng(5)
    ticks = rng.integers(0, 9 * 40, size=70)
    neurons = rng.integers(0, 3, size=70)
    x0 = rng.uniform(0, 1, size=3)
    taus = np.array([0.002, 0.01, 0.08])
    feats, end = filtered_spike_trains(ticks, neurons, 3, 9, 40, DT, taus, x0)
    for i, tau in enumerate(taus):   # each column is the single-tau filter with its own tau
        expected = _brute_force_trace(ticks, neurons, 3, 9, 40, tau, x0)[:, i]
        np.testing.assert_allclose(feats[:, i], expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(end, feats[-1])
    with pytest.raises(ValueError, match="tau"):
        filtered_spike_trains(ticks, neurons, 3, 9, 40, DT, np.array([0.01, 0.0, 0.01]))
    with pytest.raises(ValueError, match="tau"):
        filtered_spike_trains(ticks, neurons, 3, 9, 40, DT, np.array([0.01, 0.02]))
