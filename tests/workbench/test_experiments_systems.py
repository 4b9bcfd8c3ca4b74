"""End-to-end tests of the systems experiments (Lorenz-63, Rössler) through a memory store."""

import uuid

import numpy as np
import pytest
from scipy import stats

from workbench import systems as S
from workbench.experiment import Experiment, RunFailedError
from workbench.experiments import (
    EXPERIMENTS,
    Lorenz63Experiment,
    RosslerExperiment,
    dominant_frequency,
    trajectory_summary,
)
from workbench.store import Store

TINY = {"n_steps": 400, "transient": 100}


def _store():
    return Store(f"memory://systems-{uuid.uuid4().hex}")


def test_registered_list():
    assert EXPERIMENTS == [Lorenz63Experiment, RosslerExperiment]
    assert [cls.kind for cls in EXPERIMENTS] == ["systems.lorenz63", "systems.rossler"]
    assert all(issubclass(cls, Experiment) for cls in EXPERIMENTS)


@pytest.mark.parametrize("cls, gen, system", [
    (Lorenz63Experiment, S.lorenz63, {"sigma": 10.0, "rho": 28.0, "beta": 8.0 / 3.0}),
    (RosslerExperiment, S.rossler, {"a": 0.2, "b": 0.2, "c": 5.7}),
])
def test_experiment_writes_trajectory_metrics_and_figure(cls, gen, system):
    store = _store()
    fractions = []
    exp = cls(seed=3, **TINY)
    run_id = exp.run(store, progress=lambda f, message="", **kw: fractions.append(f))
    run = store.open(run_id)
    assert run.status == "complete"
    assert run.kind == cls.kind
    assert run.seed == 3
    # the run records every declared parameter and can be re-created from them
    assert run.params == exp.to_params()
    assert cls.from_params(run.params).to_params() == exp.to_params()
    traj = run["trajectory"]
    assert traj.shape == (400, 3)
    assert run.dims("trajectory") == ("time", "dim")
    expected = gen(400, exp.dt, transient=100, seed=3, **system)
    np.testing.assert_allclose(traj, expected, rtol=0, atol=1e-12)
    assert run.metrics == pytest.approx(trajectory_summary(traj, exp.dt))
    assert run.metrics["std_x"] == pytest.approx(1.0)
    assert run.figures == ["attractor"]
    assert run.figure("attractor")[:8] == b"\x89PNG\r\n\x1a\n"
    assert fractions[-1] == 1.0 and fractions == sorted(fractions)
    ds = run.to_xarray()
    assert ds["trajectory"].dims == ("time", "dim")
    np.testing.assert_array_equal(ds["trajectory"].values, traj)


def test_parameters_change_the_trajectory():
    store = _store()
    a = store.open(Lorenz63Experiment(rho=28.0, **TINY).run(store))["trajectory"]
    b = store.open(Lorenz63Experiment(rho=35.0, **TINY).run(store))["trajectory"]
    c = store.open(Lorenz63Experiment(rho=28.0, noise=0.2, **TINY).run(store))["trajectory"]
    assert not np.allclose(a, b)
    noise = c - a                                     # same seed, same x0: the noise alone
    # any seed: 400 i.i.d. N(0, 0.2^2) samples per dimension; the sample variance is
    # 0.04 chi2(400) / 400, and the interval below fails with probability < 1e-6 per dimension
    low, high = stats.chi2.ppf(5e-7, 400) / 400, stats.chi2.isf(5e-7, 400) / 400
    assert np.all((0.04 * low <= (noise ** 2).mean(0)) & ((noise ** 2).mean(0) <= 0.04 * high))
    # no correlation between neighbouring samples (white noise): |r| < 5.3 / sqrt(n) (p < 1e-7)
    for d in range(3):
        assert abs(np.corrcoef(noise[:-1, d], noise[1:, d])[0, 1]) < 5.3 / np.sqrt(399)
    # this seed (0): pinned values (they change only when the random stream changes)
    np.testing.assert_allclose(noise.std(0), [0.19635939, 0.19463864, 0.19432625], rtol=1e-7)
    raw = store.open(RosslerExperiment(zscore=False, **TINY).run(store))
    assert abs(raw.metrics["mean_z"]) > 0.1   # not standardised
    assert len(store.runs(kind="systems.lorenz63")) == 3


def test_defaults_are_the_reference_settings():
    lor, ros = Lorenz63Experiment(), RosslerExperiment()
    assert (lor.n_steps, lor.dt, lor.sigma, lor.rho, lor.beta) == (100_000, 0.01, 10.0, 28.0, 8 / 3)
    assert (ros.n_steps, ros.dt, ros.a, ros.b, ros.c) == (100_000, 0.08, 0.2, 0.2, 5.7)
    assert lor.zscore and ros.zscore and lor.noise == 0.0


@pytest.mark.parametrize("values, name", [
    ({"n_steps": "10"}, "n_steps"),
    ({"dt": "0"}, "dt"),
    ({"rho": "-1"}, "rho"),
    ({"noise": "-0.5"}, "noise"),
    ({"zscore": "maybe"}, "zscore"),
    ({"omega": "1"}, "omega"),
])
def test_bad_parameters_are_rejected_before_writing(values, name):
    store = _store()
    with pytest.raises(ValueError, match=name):
        Lorenz63Experiment.from_config(values).run(store)
    assert store.runs() == []


def test_from_config_reads_strings():
    exp = RosslerExperiment.from_config({"n_steps": "500", "c": "4.0", "zscore": "false",
                                         "seed": "2"})
    assert (exp.n_steps, exp.c, exp.zscore, exp.seed) == (500, 4.0, False, 2)


def test_failing_generation_marks_the_run_failed(monkeypatch):
    def diverging(**kwargs):
        raise ValueError("integration failed: the trajectory diverges")

    monkeypatch.setattr(RosslerExperiment, "generator", staticmethod(diverging))
    store = _store()
    with pytest.raises(RunFailedError, match="diverges") as info:
        RosslerExperiment(**TINY).run(store)
    assert isinstance(info.value.error, ValueError)
    (record,) = store.runs()
    assert record.status == "failed" and record.kind == "systems.rossler"
    assert record.id == info.value.run_id


# --------------------------------------------------------------------- summary helpers
def test_dominant_frequency_of_pure_sines():
    dt, n = 0.1, 2000
    t = np.arange(n) * dt
    x = np.column_stack([np.sin(2 * np.pi * 0.5 * t), np.cos(2 * np.pi * 1.25 * t) + 3.0])
    np.testing.assert_allclose(dominant_frequency(x, dt), [0.5, 1.25])
    np.testing.assert_allclose(dominant_frequency(x, dt, smoothing=0), [0.5, 1.25])


def test_trajectory_summary_values_and_validation():
    x = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, -1.0], [2.0, 1.0]])
    s = trajectory_summary(x, 1.0, names=("u", "v"))
    assert s["mean_u"] == 2.0 and s["min_v"] == -1.0 and s["max_u"] == 4.0
    assert s["std_v"] == pytest.approx(np.std(x[:, 1]))
    assert set(s) == {f"{k}_{n}" for k in ("mean", "std", "min", "max", "dominant_frequency")
                      for n in ("u", "v")}
    with pytest.raises(ValueError, match="names"):
        trajectory_summary(x, 1.0)
    with pytest.raises(ValueError, match="dt"):
        dominant_frequency(x, 0.0)
    with pytest.raises(ValueError, match="series"):
        dominant_frequency(x[:1], 1.0)
