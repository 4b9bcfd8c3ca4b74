"""Tests of the Experiment base class and the registry."""

import numpy as np
import param
import pytest

from workbench.experiment import Experiment, RunFailedError
from workbench.registry import experiments, get_experiment


class Ramp(Experiment):
    """Write a ramp of n values."""

    kind = "test.ramp"
    n = param.Integer(5, bounds=(1, 1000), doc="Number of values.")
    scale = param.Number(1.0, bounds=(0, None), inclusive_bounds=(False, True), doc="Slope.")
    mode = param.Selector(default="up", objects=["up", "down"], doc="Direction.")
    noisy = param.Boolean(False, doc="Add noise.")
    fail = param.Boolean(False, doc="Raise inside execute.")

    def validate(self):
        if self.mode == "down" and self.noisy:
            raise ValueError("noisy=True is not allowed with mode='down'")

    def execute(self, run, progress):
        x = np.arange(self.n) * self.scale
        if self.mode == "down":
            x = x[::-1]
        if self.fail:
            raise RuntimeError("asked to fail")
        progress(0.5, "half")
        run.write("ramp", x, dims=("i",))
        run.metrics["total"] = float(x.sum())


def test_from_config_converts_strings():
    exp = Ramp.from_config({"n": "7", "scale": "2.5", "mode": "down", "noisy": "false"})
    assert (exp.n, exp.scale, exp.mode, exp.noisy) == (7, 2.5, "down", False)
    assert exp.to_params() == {"seed": 0, "n": 7, "scale": 2.5, "mode": "down", "noisy": False, "fail": False}


@pytest.mark.parametrize("values, match", [
    ({"n": "0"}, "n"),
    ({"n": "2.5"}, "n"),
    ({"scale": "0"}, "scale"),
    ({"scale": "abc"}, "scale"),
    ({"mode": "sideways"}, "mode"),
    ({"bogus": "1"}, "unknown parameter 'bogus'"),
    ({"noisy": "maybe"}, "noisy"),
    ({"mode": "down", "noisy": "true"}, "noisy"),
    ({"seed": "-1"}, "seed"),
])
def test_from_config_rejects_bad_values(values, match):
    with pytest.raises(ValueError, match=match):
        Ramp.from_config(values)


def test_run_writes_provenance(memory_store):
    seen = []
    run_id = Ramp(n=4, seed=3).run(memory_store, progress=lambda f, m="", **k: seen.append(f))
    rec = memory_store.open(run_id)
    assert rec.kind == "test.ramp" and rec.seed == 3 and rec.params["n"] == 4
    assert rec.metrics["total"] == 6.0
    assert seen[0] == 0.5 and seen[-1] == 1.0
    again = Ramp.from_params(rec.params)
    assert again.to_params() == rec.params


def test_rejected_experiment_writes_nothing(memory_store):
    exp = Ramp(mode="down")
    exp.noisy = True
    with pytest.raises(ValueError):
        exp.run(memory_store)
    assert memory_store.run_ids() == []


def test_failure_inside_execute_marks_run_failed(memory_store):
    with pytest.raises(RunFailedError) as info:
        Ramp(fail=True).run(memory_store)
    assert isinstance(info.value.__cause__, RuntimeError)
    (rec,) = memory_store.runs()
    assert info.value.run_id == rec.id
    assert rec.status == "failed" and "asked to fail" in rec.error


def test_registry_lists_builtin_systems_experiments():
    table = experiments()
    assert "systems.lorenz63" in table and "systems.rossler" in table
    assert get_experiment("systems.lorenz63").kind == "systems.lorenz63"
    with pytest.raises(ValueError, match="unknown experiment"):
        get_experiment("no.such.thing")


def test_every_registered_package_loads():
    from workbench.registry import load_errors

    assert load_errors() == {}
