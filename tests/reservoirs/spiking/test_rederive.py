"""The spiking experiments' stored numbers re-derived from the stored spikes.

A ``reservoirs.spiking_memory_capacity`` run shorter than 2 s stores every spike. From them
alone (plus the task's input, regenerated from the run's seed) this file recomputes the
per-neuron and population rates, the readout features (exponentially filtered spike trains
sampled at the end of each input step, written out here) and the memory capacity with
:func:`workbench.metrics.memory_capacity`. A ``reservoirs.spiking_balance`` run is checked
cell by cell against single-``g`` runs of the same network and its summary metrics are
recomputed from its stored grid.
"""

import numpy as np
import pytest

from reservoirs.spiking.experiments import SpikingBalanceExperiment, SpikingMemoryCapacityExperiment
from workbench.metrics import memory_capacity

SMALL = dict(n_neurons=40, n_steps=60, k_max=5, washout=10, tau_filter_max=None, codegen="numpy", seed=4)
STEP = 0.020    # s, the experiments' default input step
DT = 1e-4       # s, the reservoir's default dt


def filtered_features(times, neurons, n_exc, n_steps, tau):
    """x_i(t_k) = sum over spikes of i before the end t_k = (k+1) STEP of step k of
    exp(-(t_k - t_f) / tau); a spike exactly on a boundary belongs to the next step."""
    ticks = np.rint(np.asarray(times) / DT).astype(np.int64)
    step_ticks = int(round(STEP / DT))
    feats = np.zeros((n_steps, n_exc))
    ends = (np.arange(n_steps) + 1) * step_ticks
    for tick, i in zip(ticks, neurons):
        if i < n_exc:
            later = ends > tick
            feats[later, i] += np.exp(-(ends[later] - tick) * DT / tau)
    return feats


@pytest.mark.slow
def test_memory_capacity_run_rederived_from_its_spikes(memory_store):
    exp = SpikingMemoryCapacityExperiment(g=5.56, **SMALL)
    run = memory_store.open(exp.run(memory_store))
    m = run.metrics
    assert m["activity_ok"], m.get("flag")
    n_exc, duration = 32, SMALL["n_steps"] * STEP
    times, neurons = run["spike_times"], run["spike_neurons"]
    assert times.max() < duration < 2.0                    # every spike is stored
    counts = np.bincount(neurons, minlength=40)
    np.testing.assert_allclose(run["rates"], counts[:n_exc] / duration, rtol=1e-12)
    assert m["rate_exc"] == pytest.approx(counts[:n_exc].sum() / (n_exc * duration), rel=1e-12)
    assert m["rate_inh"] == pytest.approx(counts[n_exc:].sum() / (8 * duration), rel=1e-12)
    exc = neurons < n_exc
    pop = np.bincount(np.floor(times[exc] / 5e-3 + 1e-9).astype(int), minlength=int(round(duration / 5e-3)))
    np.testing.assert_allclose(run["population_rate"], pop / (n_exc * 5e-3), rtol=1e-12)
    # memory capacity from the stored spikes and the task's input U(-1, 1), drawn from the
    # second of the three streams spawned from the run's seed (drive, task, targets)
    task_stream = np.random.SeedSequence(SMALL["seed"]).spawn(3)[1]
    u = np.random.default_rng(task_stream).uniform(-1, 1, (SMALL["n_steps"], 1))
    feats = filtered_features(times, neurons, n_exc, SMALL["n_steps"], tau=10e-3)
    mc = memory_capacity(u, feats, SMALL["k_max"], washout=SMALL["washout"])
    # identical features up to summation order (~1e-16), amplified by the ridge conditioning
    np.testing.assert_allclose(run["mc_per_delay"], mc.per_delay, rtol=1e-6, atol=1e-9)
    assert m["mc"] == pytest.approx(mc.total, rel=1e-6)


@pytest.mark.slow
def test_balance_run_cells_equal_single_runs_and_summary_rederived(memory_store):
    g_values = [3.0, 8.0]
    run = memory_store.open(SpikingBalanceExperiment(g_values=g_values, conditions=["none"], **SMALL)
                            .run(memory_store))
    mc, rate, ok = run["mc"], run["rate_exc"], run["activity_ok"].astype(bool)
    assert mc.shape == (1, 2)
    # the last cell is the same network as a single run at that g
    single = memory_store.open(SpikingMemoryCapacityExperiment(g=g_values[1], **SMALL).run(memory_store))
    assert rate[0, 1] == pytest.approx(single.metrics["rate_exc"], rel=1e-12)
    if single.metrics["mc"] is None:
        assert np.isnan(mc[0, 1])
    else:
        assert mc[0, 1] == pytest.approx(single.metrics["mc"], rel=1e-9)
    m = run.metrics
    assert m["n_flagged"] == int((~ok).sum()) and m["activity_ok"] == bool(ok.all())
    row = mc[0]
    assert m["mc_none"] == [None if np.isnan(x) else pytest.approx(x) for x in row]
    if np.isfinite(row).any():
        best = int(np.nanargmax(row))
        assert m["best_mc_none"] == pytest.approx(row[best]) and m["best_g_none"] == g_values[best]
        assert m["mc_range_none"] == pytest.approx(np.nanmax(row) - np.nanmin(row), abs=1e-12)
    # cuba: mean recurrent input cancels at g = f_E tau_e / (f_I tau_i) = 0.8 * 5 / (0.2 * 10)
    assert m["balanced_g"] == pytest.approx(2.0)
