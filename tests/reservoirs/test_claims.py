"""Every claim of ``reservoirs.claims`` evaluated on fixture runs with known metrics.

Each claim gets a run that passes its criterion and runs that fail it just across each
threshold of the paper reproduction table (so a flipped inequality or a wrong bound is
caught), and its full and quick parameters must validate against the experiment it names.
"""

import numpy as np
import pytest

from reservoirs.claims import CLAIMS
from workbench.reproduce import claims

BY_ID = {c.id: c for c in CLAIMS}

_T1 = {"best_balance_mc": 1.2, "best_balance_narma": 1.0, "excitatory_mc_deficit_pct": 25.0,
       "excitatory_narma_excess_pct": 40.0}
_T1_MAP = {"mc_t1_share": 0.75, "narma_t1_share": 0.5}
_RATIO = {"t2_share": 0.25, "t2_tuned_max": 1.2, "t2_tuned_max_lo": 1.05, "t2_tuned_max_hi": 1.35,
          "t2_untuned_max": 1.4, "t2_untuned_max_lo": 1.1, "t2_untuned_max_hi": 1.7}
_T2 = {**{f"mc_{k}": v for k, v in _RATIO.items()}, **{f"narma_{k}": v for k, v in _RATIO.items()},
       "narma_t2_tuned_max": 1.5}
_T3 = {"mc_t3_share": 0.5, "narma_t3_share": 0.6}
_T4 = {"mc_one_step_best": 10.0, "mc_homogeneous_best": 10.4, "mc_one_step_rate_error_mean": 0.02}
_T5 = {"mc_homogeneous_rate_error_mean": 0.01, "narma_homogeneous_rate_error_mean": 0.02,
       "mc_heterogeneous_rate_error_mean": 0.03, "narma_heterogeneous_rate_error_mean": 0.049}

#: claim id -> (passing metrics, [(changed metrics, expected verdict)], substrings of the value)
METRIC_CASES = {
    "reservoirs.T1": (_T1, [
        ({"best_balance_mc": 0.95}, True), ({"best_balance_mc": 1.55}, True),
        ({"best_balance_mc": 0.94}, False), ({"best_balance_mc": 1.56}, False),
        ({"best_balance_narma": 0.8}, False), ({"excitatory_mc_deficit_pct": 10.0}, True),
        ({"excitatory_mc_deficit_pct": 9.9}, False), ({"excitatory_narma_excess_pct": 9.9}, False),
    ], ["MC 1.20", "NARMA 1.00", "MC −25 %", "NARMA error +40 %"]),
    "reservoirs.T1_map": (_T1_MAP, [
        ({"mc_t1_share": 0.49}, False), ({"narma_t1_share": 0.49}, False),
    ], ["75 % of settings (MC)", "50 % (NARMA-10)"]),
    "reservoirs.T2": (_T2, [
        ({"narma_t2_tuned_max": 1.49}, False),                      # size: +50 % somewhere
        ({"narma_t2_tuned_max": 1.49, "mc_t2_tuned_max": 1.5}, True),
        ({"mc_t2_share": 0.0}, False),                               # direction on MC
        ({"narma_t2_share": 0.0}, False),                            # and on a prediction task
        ({"narma_t2_share": 0.0, "mg1_t2_share": 0.1, "mg1_t2_tuned_max": 1.0,
          "mg1_t2_tuned_max_lo": 0.9, "mg1_t2_tuned_max_hi": 1.1, "mg1_t2_untuned_max": 1.0,
          "mg1_t2_untuned_max_lo": 0.9, "mg1_t2_untuned_max_hi": 1.1}, True),
    ], ["mc: ×1.20 [1.05, 1.35] vs tuned β (holds in 25 %)", "×1.40 [1.10, 1.70] vs β = 1",
        "narma: ×1.50"]),
    "reservoirs.T3": (_T3, [
        ({"mc_t3_share": 0.49}, False), ({"narma_t3_share": 0.49}, False),
    ], ["50 % of settings (MC)", "60 % (NARMA-10)"]),
    "reservoirs.T4": (_T4, [
        # |one - it| <= 0.05 it = 0.52: |Δ| = 0.5 passes on either side, 0.55 fails
        ({"mc_one_step_best": 10.9}, True), ({"mc_one_step_best": 9.9}, True),
        ({"mc_one_step_best": 10.95}, False), ({"mc_one_step_best": 9.85}, False),
        ({"mc_one_step_rate_error_mean": 0.03}, True), ({"mc_one_step_rate_error_mean": 0.031}, False),
    ], ["MC one-step 10.00 vs iterative 10.40", "rate error 0.020"]),
    "reservoirs.T5": (_T5, [
        ({"narma_heterogeneous_rate_error_mean": 0.05}, False),   # strict: < 0.05
        ({"mc_homogeneous_rate_error_mean": 0.2}, False),
    ], ["homogeneous 0.020", "heterogeneous 0.049"]),
    "reservoirs.spiking_T2": ({"best_mc_none": 2.0, "best_mc_homogeneous": 2.4, "best_mc_heterogeneous": 1.9}, [
        ({"best_mc_homogeneous": 1.9, "best_mc_heterogeneous": 2.1}, True),
        ({"best_mc_homogeneous": 2.0, "best_mc_heterogeneous": 1.5}, False),   # equal is not above
        ({"best_mc_none": None}, False), ({"best_mc_homogeneous": None}, False),
    ], ["static 2.00", "homogeneous 2.40", "heterogeneous 1.90"]),
}


def _run(fixture_run, claim, metrics):
    return fixture_run(claim.experiment, metrics={k: v for k, v in metrics.items() if v is not None})


def test_every_claim_has_cases_here_and_is_registered():
    assert set(BY_ID) == set(METRIC_CASES) | {"reservoirs.lorenz", "reservoirs.spiking_T5"}
    registered = {c.id for c in claims()}
    assert set(BY_ID) <= registered


@pytest.mark.parametrize("claim_id", sorted(METRIC_CASES))
def test_claim_verdicts_on_fixture_runs(fixture_run, claim_id):
    claim = BY_ID[claim_id]
    passing, cases, shown = METRIC_CASES[claim_id]
    value, ok = claim.evaluate(_run(fixture_run, claim, passing))
    assert ok is True, value
    for part in shown:
        assert part in value
    for change, expected in cases:
        value, ok = claim.evaluate(_run(fixture_run, claim, {**passing, **change}))
        assert ok is expected, (change, value)


def test_spiking_mc_claim_without_heterogeneous_condition(fixture_run):
    claim = BY_ID["reservoirs.spiking_T2"]
    value, ok = claim.evaluate(_run(fixture_run, claim, {"best_mc_none": 2.0, "best_mc_homogeneous": 2.4}))
    assert ok is True
    assert value == "best MC: static 2.00, iSTDP homogeneous 2.40, heterogeneous not run"
    value, ok = claim.evaluate(_run(fixture_run, claim, {"best_mc_none": 2.0, "best_mc_homogeneous": 1.9}))
    assert ok is False and "heterogeneous not run" in value


def test_spiking_mc_claim_without_a_static_condition_says_why(fixture_run):
    claim = BY_ID["reservoirs.spiking_T2"]
    value, ok = claim.evaluate(_run(fixture_run, claim, {"best_mc_homogeneous": 2.4}))
    assert ok is False
    assert "condition(s) none" in value and "nothing to compare" in value


def test_lorenz_claim_reports_scores_without_verdict(fixture_run):
    claim = BY_ID["reservoirs.lorenz"]
    run = fixture_run(claim.experiment, params={"n_generate": 5000},
                      metrics={"nrmse": 0.0123, "d_stsp": 3.456, "d_h": 0.2})
    value, ok = claim.evaluate(run)
    assert ok is None
    assert value == ("one-step NRMSE 0.012; closed loop continuing the training trajectory (5000 steps): "
                     "D_stsp 3.46, D_H 0.200 (this protocol only; compare models in the benchmark section)")


def _rates_run(fixture_run, rates, conditions=("none", "homogeneous", "heterogeneous"), target=5.0):
    claim = BY_ID["reservoirs.spiking_T5"]
    rates = np.asarray(rates, dtype=float)
    return fixture_run(claim.experiment, params={"conditions": list(conditions), "target_rate": target},
                       arrays={"rate_exc": (rates, ("condition", "g"))})


def test_spiking_rate_claim_reads_the_plastic_rows_only(fixture_run):
    claim = BY_ID["reservoirs.spiking_T5"]
    # static row far off target (ignored); plastic rows within 30 % of 5 Hz (3.5 .. 6.5 Hz)
    value, ok = claim.evaluate(_rates_run(fixture_run, [[40.0, 0.5], [3.5, 6.5], [4.0, 5.5]]))
    assert ok is True
    assert value == ("E rate with iSTDP 3.5–6.5 Hz (target 5 Hz); without 0.5–40.0 Hz across g")
    for bad in ([[5.0, 5.0], [3.4, 5.0], [5.0, 5.0]], [[5.0, 5.0], [5.0, 5.0], [5.0, 6.6]]):
        assert claim.evaluate(_rates_run(fixture_run, bad))[1] is False
    # the rows are found by name, not by position
    value, ok = claim.evaluate(_rates_run(fixture_run, [[5.0, 5.0], [50.0, 1.0]],
                                          conditions=("homogeneous", "none")))
    assert ok is True and "without 1.0–50.0 Hz" in value


def test_claims_the_quick_budget_cannot_decide_are_full_budget():
    full = {c.id for c in CLAIMS if c.min_budget == "full"}
    # single realisation or single setting at the quick budget (reasons in reservoirs.claims)
    assert full == {"reservoirs.T1", "reservoirs.T1_map", "reservoirs.T2", "reservoirs.T3",
                    "reservoirs.T4", "reservoirs.spiking_T2"}
    assert BY_ID["reservoirs.T1"].quick_params["n_seeds"] == 1
    assert len(BY_ID["reservoirs.T2"].quick_params["couplings"]) == 1
