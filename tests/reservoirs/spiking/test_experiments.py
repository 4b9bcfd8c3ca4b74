"""End-to-end tests of the spiking experiments through an in-memory store (tiny sizes)."""

import uuid

import numpy as np
import pytest

from reservoirs.spiking.experiments import (
    EXPERIMENTS,
    SpikingBalanceExperiment,
    SpikingMemoryCapacityExperiment,
)
from workbench.store import Store

TINY = dict(n_neurons=40, connectivity=0.2, step=5.0, codegen="numpy", k_max=3, n_steps=60,
            washout=10, adapt_duration=50.0, input_fraction=1.0, input_scale=40.0)


def _store():
    return Store(f"memory://spiking-{uuid.uuid4().hex}")


def test_registered_kinds():
    assert [cls.kind for cls in EXPERIMENTS] == ["reservoirs.spiking_memory_capacity",
                                                 "reservoirs.spiking_balance"]


def test_memory_capacity_run_writes_arrays_metrics_and_figures():
    store = _store()
    exp = SpikingMemoryCapacityExperiment.from_config(dict(TINY, plasticity="heterogeneous",
                                                           eta=0.2))
    run = store.open(exp.run(store))
    assert run.status == "complete"
    assert run.metrics["activity_ok"] is True
    assert run.metrics["mc"] == pytest.approx(float(run["mc_per_delay"].sum()))
    assert run["rates"].shape == run["targets"].shape == (32,)
    assert run["weights"].shape[0] == run["weight_times"].shape[0] == 5
    assert {"raster", "rates", "mc_curve", "weights"} <= set(run.figures)
    assert run.figure("raster")[:8] == b"\x89PNG\r\n\x1a\n"
    assert run.metrics["rate_error"] >= 0


def test_flagged_run_is_recorded_but_not_scored():
    store = _store()
    exp = SpikingMemoryCapacityExperiment.from_config(dict(TINY, v_rest=-75.0, input_scale=0.0))
    run = store.open(exp.run(store))
    assert run.status == "complete"
    assert run.metrics["activity_ok"] is False and run.metrics["mc"] is None
    assert "silent" in run.metrics["flag"]
    assert "mc_per_delay" not in run.arrays


def test_balance_sweep_records_every_condition():
    store = _store()
    exp = SpikingBalanceExperiment.from_config(dict(TINY, g_values=[0.0, 4.0],
                                                    conditions=["none", "homogeneous"]))
    run = store.open(exp.run(store))
    mc, ok = run["mc"], run["activity_ok"].astype(bool)
    assert mc.shape == ok.shape == (2, 2)
    # scored exactly where the activity was acceptable
    np.testing.assert_array_equal(np.isfinite(mc), ok)
    assert run.metrics["n_flagged"] == int((~ok).sum())
    assert len(run.metrics["mc_none"]) == 2
    assert "mc_vs_g" in run.figures


@pytest.mark.parametrize("values, message", [
    (dict(n_steps=60, k_max=50), "n_steps must be"),
    (dict(g_values=[-1.0]), "g_values must lie"),
    (dict(conditions=["sometimes"]), "conditions must be among"),
    (dict(tau_filter=20.0, tau_filter_max=10.0), "tau_filter_max must be"),
])
def test_invalid_configurations_are_rejected(values, message):
    with pytest.raises(ValueError, match=message):
        SpikingBalanceExperiment.from_config(values)
