"""The balance-map experiment on a small grid (seconds), its scoring and its resume."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from reservoirs.balance_map import BalanceMapExperiment, score_mackey_glass, score_memory
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
    for key in ("mc_t1_share", "narma_t2_tuned_max", "narma_t2_tuned_max_lo", "mc_t3_share"):
        assert np.isfinite(run.metrics[key])
    assert {"map_mc", "map_narma", "map_mg1", "map_mg10", "regions"} <= set(run.figures)


def test_verdict_table_has_one_row_per_setting_with_the_stored_values(small_run):
    from reservoirs.map_analysis import verdict_table

    _, run = small_run
    lines = verdict_table(run).splitlines()
    assert len(lines) == 2 + 2 * 2  # header, rule, modes x input scalings
    assert lines[0].count("|") == 2 + 3 * 4 + 2 and "MC: adaptive / tuned β" in lines[0]
    row = lines[2 + 2 * 1 + 1].split(" | ")  # mean_shift, fixed, 8, 1.0
    assert row[0] == "| mean_shift, fixed, 8, 1"
    best = run["best_balance"][0, 1, 0, 0, 1]
    assert row[1].strip("*") == f"{best:g}" and row[1].startswith("**") == (run["t1_holds"][0, 1, 0, 0, 1] == 1)
    ratio, lo, hi = (run[k][0, 1, 0, 0, 1] for k in ("t2_tuned", "t2_tuned_lo", "t2_tuned_hi"))
    assert row[2].strip("*") == f"{ratio:.2f} [{lo:.2f}, {hi:.2f}]"
    radius = np.nanmean(run["radius"][0, 0, 1, 0, 0, 1], axis=-1)  # global, beta = 1.0 and 1.5
    assert row[-1].rstrip(" |") == f"{radius[1]:.2f} → {radius[2]:.2f}"


def test_share_table_counts_where_each_claim_holds(small_run):
    from reservoirs.map_analysis import share_table

    _, run = small_run
    lines = share_table(run).splitlines()
    assert len(lines) == 2 + 2  # header, rule, one row per mode (one split, one coupling)
    for i, line in enumerate(lines[2:]):
        cells = line.strip("| ").split(" | ")
        counts = [int(n) for n in cells[1].split(" / ")]
        assert counts == [int(np.sum(run[k][0, i, 0, 0] == 1)) for k in ("t1_holds", "t2_holds", "t3_holds")]
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
