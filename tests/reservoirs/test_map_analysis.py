"""Verdicts of T1-T3 on synthetic maps whose answer is known."""

import numpy as np
import pytest

from reservoirs.map_analysis import t_interval, verdicts

BALANCES = np.array([0.5, 0.75, 1.0, 1.25, 1.5, 2.0])
RATES = np.array([0.3, 0.5])
CONDS = ["global", "homogeneous", "heterogeneous"]


def _map(global_curve, adaptive_factor, noise=0.01, seeds=6, bad=0.5):
    rng = np.random.default_rng(0)
    shape = (1, 3, RATES.size, 1, 1, 1, 1, BALANCES.size, seeds)
    score = np.empty(shape)
    g = np.asarray(global_curve)[:, None] * (1 + noise * rng.standard_normal((BALANCES.size, seeds)))
    score[0, 0] = g
    score[0, 1] = g * adaptive_factor
    score[0, 1, 0] *= bad                       # the bad target rate
    score[0, 2] = g * adaptive_factor * 0.98    # heterogeneous: flat across rates
    return score


def test_verdicts_on_a_known_map():
    curve = [5.0, 7.0, 9.0, 10.0, 9.5, 8.0]           # MC peaks at beta = 1.25
    summary, regions = verdicts(_map(curve, 1.5), ["mc"], CONDS, BALANCES, RATES)
    assert regions["best_balance"][0].item() == 1.25
    assert regions["t1_holds"][0].item() == 1
    # adaptive from beta = 1: 1.5 * 9 vs tuned 10 -> 1.35; vs untuned 9 -> 1.5
    assert summary["mc_t2_tuned_max"] == pytest.approx(1.35, rel=0.02)
    assert summary["mc_t2_untuned_max"] == pytest.approx(1.5, rel=0.01)
    lo, hi = summary["mc_t2_tuned_max_lo"], summary["mc_t2_tuned_max_hi"]
    assert lo < summary["mc_t2_tuned_max"] < hi and hi - lo < 0.1
    assert regions["t2_holds"][0].item() == 1
    assert regions["t3_holds"][0].item() == 1          # heterogeneous loses less
    summary, regions = verdicts(_map(curve[::-1], 1.0), ["mc"], CONDS, BALANCES, RATES)
    assert regions["t1_holds"][0].item() == 0          # peak at beta = 0.5
    assert regions["t2_holds"][0].item() == 0


def test_error_tasks_use_the_error_ratio():
    err = [0.9, 0.6, 0.5, 0.4, 0.45, 0.6]              # NRMSE, minimum at 1.25
    summary, regions = verdicts(_map(err, 0.5, bad=2.0), ["narma"], CONDS, BALANCES, RATES)
    assert regions["best_balance"][0].item() == 1.25
    # adaptive error 0.25 at beta = 1 vs tuned 0.4 -> ratio 1.6 (an error ratio, not % cut)
    assert summary["narma_t2_tuned_max"] == pytest.approx(1.6, rel=0.02)


def test_t_interval():
    m, lo, hi = t_interval(np.array([1.0, 2.0, 3.0]))
    assert m == 2.0 and hi - m == pytest.approx(4.302653 * 1 / np.sqrt(3), rel=1e-5)
    m, lo, hi = t_interval(np.array([1.0]))
    assert m == 1.0 and np.isnan(lo)
