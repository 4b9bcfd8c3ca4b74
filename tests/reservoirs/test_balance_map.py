"""The balance-map experiment on a small grid (seconds), its scoring and its resume."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from reservoirs.balance_map import (
    CONDITIONS,
    BalanceMapExperiment,
    run_unit,
    score_lorenz,
    score_mackey_glass,
    score_memory,
)
from workbench.store import Store

SMALL = dict(n_neurons=30, in_degree=6, balances=[0.5, 1.0, 1.5], couplings=[8.0],
             input_scalings=[0.5, 1.0], balance_modes=["multiplicative", "mean_shift"],
             ei_splits=["fixed"], target_rates=[0.4], n_seeds=2, k_max=10, washout=30,
             task_steps=300, adapt_steps=100, batch_size=4)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("map")
    store = Store(str(root / "s.zarr"))
    exp = BalanceMapExperiment(**SMALL)
    return store, store.open(exp.run(store))


def test_map_is_labelled_and_sliceable(small_run):
    _, run = small_run
    assert run.status == "complete"
    ds = run.to_xarray()
    assert list(ds.score.dims) == ["task", "condition", "target_rate", "balance_mode",
                                   "ei_split", "coupling", "input_scaling", "balance", "seed"]
    assert list(ds.task.values) == ["mc", "narma", "mg1", "mg10"]
    assert list(ds.condition.values) == ["global", "homogeneous", "heterogeneous", "one_step"]
    assert list(ds.balance.values) == [0.5, 1.0, 1.5]
    cell = ds.score.sel(task="mc", condition="global", balance_mode="mean_shift",
                        input_scaling=1.0, balance=1.5, coupling=8.0, ei_split="fixed")
    assert cell.shape == (1, 2) and np.all(np.isfinite(cell)) and np.all(cell > 0)
    assert np.all(np.isfinite(ds.score.values))
    # every condition and task differs somewhere (not copies of one another)
    assert not np.allclose(ds.score.sel(condition="global"), ds.score.sel(condition="homogeneous"))
    assert ds.ei_ratio.dims[-1] == "neuron" and ds.ei_ratio.shape[-1] == 30
    assert np.all(ds.radius.values > 0) and np.all(ds.entropy.values > 0)
    adaptive = ds.rate_error.sel(condition="homogeneous").values
    assert np.all(np.isfinite(adaptive)) and np.all((adaptive >= 0) & (adaptive < 1))
    assert np.all(np.isnan(ds.rate_error.sel(condition="global")))
    assert np.all(np.isfinite(ds.rate_error.sel(condition="one_step").values))
    for key in ("mc_t1_share", "narma_t2_tuned_max", "narma_t2_tuned_max_lo", "mc_t3_share",
                "mc_t4_share", "mg10_t4_min", "mg10_t4_min_hi"):
        assert np.isfinite(run.metrics[key])
    assert {"map_mc", "map_narma", "map_mg1", "map_mg10", "regions"} <= set(run.figures)


def test_verdict_table_has_one_row_per_setting_with_the_stored_values(small_run):
    from reservoirs.map_analysis import verdict_table

    _, run = small_run
    lines = verdict_table(run).splitlines()
    assert len(lines) == 2 + 2 * 2  # header, rule, modes x input scalings
    assert lines[0].count("|") == 2 + 3 * 4 + 1 + 4 + 1 and "MC: adaptive / tuned β" in lines[0]
    assert "MC: one-step / iterative" in lines[0] and "NARMA-10: error iterative / one-step" in lines[0]
    row = lines[2 + 2 * 1 + 1].split(" | ")  # mean_shift, fixed, 8, 1.0
    assert row[0] == "| mean_shift, fixed, 8, 1"
    best = run["best_balance"][0, 1, 0, 0, 1]
    assert row[1].strip("*") == f"{best:g}" and row[1].startswith("**") == (run["t1_holds"][0, 1, 0, 0, 1] == 1)
    ratio, lo, hi = (run[k][0, 1, 0, 0, 1] for k in ("t2_tuned", "t2_tuned_lo", "t2_tuned_hi"))
    assert row[2].strip("*") == f"{ratio:.2f} [{lo:.2f}, {hi:.2f}]"
    ratio, lo, hi = (run[k][0, 1, 0, 0, 1] for k in ("t4_ratio", "t4_ratio_lo", "t4_ratio_hi"))
    t4 = row[-5]                           # MC's T4 column, before the three others and radius
    assert t4.strip("*") == f"{ratio:.2f} [{lo:.2f}, {hi:.2f}]"
    assert t4.startswith("**") == (run["t4_holds"][0, 1, 0, 0, 1] == 1)
    radius = np.nanmean(run["radius"][0, 0, 1, 0, 0, 1], axis=-1)  # global, beta = 1.0 and 1.5
    assert row[-1].rstrip(" |") == f"{radius[1]:.2f} → {radius[2]:.2f}"


def test_share_table_counts_where_each_claim_holds(small_run):
    from reservoirs.map_analysis import share_table

    _, run = small_run
    lines = share_table(run).splitlines()
    assert len(lines) == 2 + 2  # header, rule, one row per mode (one split, one coupling)
    assert "MC: T1 / T2 / T3 / T4 of 2 σ_in" in lines[0]
    for i, line in enumerate(lines[2:]):
        cells = line.strip("| ").split(" | ")
        counts = [int(n) for n in cells[1].split(" / ")]
        assert counts == [int(np.sum(run[k][0, i, 0, 0] == 1))
                          for k in ("t1_holds", "t2_holds", "t3_holds", "t4_holds")]
        m = run["t2_tuned"][0, i, 0, 0]
        assert cells[1 + 4].startswith(f"{np.nanmax(m):.2f} [")  # the largest MC ratio over sigma_in


def test_finished_units_are_kept_in_the_store_and_reused(small_run, monkeypatch):
    import reservoirs.balance_map as bm

    store, run = small_run
    entries = store.datasets()[bm.UNIT_DATASET]
    assert len(entries) == 2 * 2 * 2               # modes x sigmas x seeds
    assert {tuple(e["unit"][:2]) for e in entries} == {("multiplicative", "fixed"),
                                                       ("mean_shift", "fixed")}

    def must_not_run(*args, **kw):
        raise AssertionError("a finished unit was recomputed")

    monkeypatch.setattr(bm, "run_unit", must_not_run)
    again = store.open(BalanceMapExperiment(**SMALL).run(store))
    np.testing.assert_array_equal(again["score"], run["score"])
    np.testing.assert_array_equal(again["ei_ratio"], run["ei_ratio"])


def test_an_interrupted_map_resumes_with_its_finished_units(tmp_path, monkeypatch):
    import reservoirs.balance_map as bm

    small = {**SMALL, "balance_modes": ["mean_shift"], "conditions": ["global"],
             "tasks": ["mc"], "task_steps": 200, "k_max": 5, "washout": 20}
    store = Store(str(tmp_path / "s.zarr"))
    real, calls = bm.run_unit, []

    def dies_on_third(*args):
        calls.append(args[1:])
        if len(calls) == 3:
            raise RuntimeError("worker died")
        return real(*args)

    monkeypatch.setattr(bm, "run_unit", dies_on_third)
    with pytest.raises(RuntimeError, match="worker died"):
        BalanceMapExperiment(**small).run(store)
    assert len(store.datasets()[bm.UNIT_DATASET]) == 2      # two units finished
    calls.clear()
    monkeypatch.setattr(bm, "run_unit", lambda *a: (calls.append(a[1:]), real(*a))[1])
    run = store.open(BalanceMapExperiment(**small).run(store))
    assert run.status == "complete" and len(calls) == 2     # only the missing units
    fresh = Store(str(tmp_path / "fresh.zarr"))
    monkeypatch.setattr(bm, "run_unit", real)
    ref = fresh.open(BalanceMapExperiment(**small, reuse_units=False).run(fresh))
    np.testing.assert_array_equal(run["score"], ref["score"])
    assert not fresh.datasets().get(bm.UNIT_DATASET)


class _OlderRun:
    """A map run as stored before the one_step condition: no T4 arrays, three conditions."""

    def __init__(self, run):
        self.run = run

    def __getitem__(self, name):
        if name.startswith("t4_"):
            raise KeyError(name)
        value = self.run[name]
        if name == "condition":
            return value[:3]
        return value[:, :, :3] if name == "score" else value[:3] if name == "radius" else value

    def __contains__(self, name):
        return not name.startswith("t4_") and name in self.run


def test_maps_without_the_one_step_condition_still_analyse(small_run):
    from reservoirs.map_analysis import share_table, verdict_table

    _, run = small_run
    old = _OlderRun(run)
    verdict, share = verdict_table(old).splitlines(), share_table(old).splitlines()
    assert verdict[0].count("|") == 2 + 3 * 4 + 2 and "one-step" not in verdict[0]
    assert "MC: T1 / T2 / T3 of 2 σ_in |" in share[0]
    new = verdict_table(run).splitlines()
    for a, b in zip(verdict[2:], new[2:]):   # the same cells, less the four T4 columns
        cells = b.split(" | ")
        assert a == " | ".join(cells[:-5] + cells[-1:])
    assert len(share[2].split(" | ")) == len(share_table(run).splitlines()[2].split(" | "))


#: A tiny unit with every condition: N = 40 with dense links (k = 30), where the one-step
#: mean-field design reaches its targets (with k = 8 the mean-field assumption
#: <Sig(x)> ~ Sig(<x>) fails and the rates miss by 0.2-0.4).
TINY = dict(n_neurons=40, in_degree=30, gain=4.0, input_fraction=0.3, leak_rate=1.0, k_max=10,
            washout=50, adapt_steps=300, learning_rate=1e-3, concentration=4.0, task_steps=400,
            balances=[1.0, 1.5], target_rates=[0.3, 0.5], conditions=list(CONDITIONS),
            tasks=["mc", "narma", "mg1", "lorenz1"], batch_size=3)


@pytest.mark.parametrize("seed", [0, 1])
def test_one_step_networks_reach_their_targets_and_score(seed):
    out = run_unit(TINY, "multiplicative", "random", 8.0, 0.5, seed)
    one = CONDITIONS.index("one_step")
    err = out["rate_error"][one]                  # target_rate x balance
    assert np.all(np.isfinite(err)) and np.all(err < 0.05)
    rate = out["population_rate"][one]
    np.testing.assert_allclose(rate, np.repeat([TINY["target_rates"]], 2, 0).T, atol=0.05)
    for task in TINY["tasks"]:
        assert np.all(np.isfinite(out[task])), task
    assert np.all(out["lorenz1"] < 1)
    # multiplicative beta scales A^I and Omega_i by 1 / beta: the design forgets beta, so
    # run_unit computes it at the first beta only and copies it (checked on the networks)
    np.testing.assert_array_equal(out["mc"][one, :, 0], out["mc"][one, :, 1])
    from reservoirs import EIReservoir, with_balances

    base = EIReservoir(TINY["n_neurons"], in_degree=TINY["in_degree"], gain=4.0, coupling=8.0,
                       seed=seed)
    designed = with_balances(base, TINY["balances"])
    for net in designed:
        net.balance_one_step(0.4, u_mean=0.0)
    np.testing.assert_allclose(designed[0].weights.toarray(), designed[1].weights.toarray(),
                               rtol=1e-12, atol=1e-15)
    # ... and differs from the iterative rule and from the global balance
    assert not np.allclose(out["mc"][one], out["mc"][CONDITIONS.index("homogeneous")])
    assert not np.allclose(out["mc"][one], out["mc"][CONDITIONS.index("global")])


def test_the_one_step_condition_leaves_the_others_unchanged():
    three = {**TINY, "conditions": ["global", "homogeneous", "heterogeneous"]}
    ref, out = run_unit(three, "mean_shift", "random", 8.0, 0.5, 3), \
        run_unit(TINY, "mean_shift", "random", 8.0, 0.5, 3)
    for key in ("mc", "narma", "lorenz1", "rate_error"):
        np.testing.assert_allclose(out[key][:3], ref[key], rtol=1e-9, err_msg=key)


def test_lorenz_one_step_prediction_beats_persistence():
    from reservoirs.network import EIReservoir
    from workbench.systems import lorenz63

    x = lorenz63(1201, seed=2)[:, :1]
    res = EIReservoir(100, in_degree=20, coupling=8.0, input_scaling=0.5, seed=0)
    states = res.run(x[:-1])
    err = score_lorenz(states, x, washout=100)
    test = x[100 + int(round(0.8 * 1100)):, 0]    # the rows the readout is scored on
    persistence = np.sqrt(np.mean((test[1:] - test[:-1]) ** 2) / np.var(test[1:]))
    assert np.isfinite(err) and err < 1 and err < persistence


def test_score_memory_of_a_delay_line():
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, (1500, 1))
    lags = 8
    states = np.column_stack([np.roll(u[:, 0], k) for k in range(lags)])   # u(t)..u(t-7)
    mc, narma = score_memory(states, u, k_max=12, washout=20)
    assert mc == pytest.approx(lags - 1, abs=0.05)      # delays 1..7 exact, 8..12 lost
    assert 0 < narma < 1.2
    series = np.sin(np.arange(1010) * 0.05)[:, None]
    x = np.column_stack([series[:1000, 0], np.roll(series[:1000, 0], 1)])
    e1, e10 = score_mackey_glass(x, series, washout=20)
    assert e1 < 1e-3 and e10 < 1e-2                     # a sine is linear in two lags


@pytest.mark.parametrize("kw, word", [
    (dict(balance_modes=["additive"]), "balance_modes"),
    (dict(ei_splits=["random", "random"]), "ei_splits"),
    (dict(task_steps=150), "task_steps"),
    (dict(target_rates=[1.5]), "target_rates"),
    (dict(couplings=[]), "couplings"),
    (dict(ei_splits=["fixed"], topology="small_world"), "ei_splits"),
])
def test_validation_names_the_parameter(kw, word, tmp_path):
    store = Store(str(tmp_path / "s.zarr"))
    with pytest.raises(ValueError, match=word):
        BalanceMapExperiment(**{**SMALL, **kw}).run(store)
    assert not store.runs()


def test_bad_parameters_exit_2_and_write_nothing(tmp_path):
    exe = str(Path(sys.executable).parent / "workbench")
    store = tmp_path / "s.zarr"
    out = subprocess.run([exe, "run", "reservoirs.balance_map", "--set",
                          'balance_modes=["additive"]', "--store", str(store)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip().startswith("error:") and "balance_modes" in out.stderr
    assert not store.exists() or not Store(str(store)).runs()


def test_two_worker_processes_give_the_one_process_map(small_run, tmp_path):
    """workers=2 runs the units in a Dask process pool (whose workers keep freed memory,
    workbench.native.retain_freed_memory) and stores exactly the map of one process."""
    store, one = small_run
    cfg = dict(SMALL, balance_modes=["mean_shift"], input_scalings=[0.5])
    two = Store(str(tmp_path / "two.zarr"))
    run = two.open(BalanceMapExperiment(**cfg, workers=2, reuse_units=False).run(two))
    assert run.status == "complete"
    expect = one.to_xarray().score.sel(balance_mode=["mean_shift"], input_scaling=[0.5])
    np.testing.assert_array_equal(run.to_xarray().score.values, expect.values)
