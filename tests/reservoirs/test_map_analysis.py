"""Verdicts of T1-T4 on synthetic maps whose answer is known."""

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


CONDS4 = CONDS + ["one_step"]
B1 = int(np.argmin(np.abs(BALANCES - 1.0)))


def _map4(hom, one, seeds=8, noise=0.02):
    """Homogeneous and one-step scores per target rate (``hom``, ``one``: shape (rate,)) at
    every balance, with independent multiplicative noise per seed; global and heterogeneous
    copies of the homogeneous ones."""
    rng = np.random.default_rng(1)
    shape = (1, 4, RATES.size, 1, 1, 1, 1, BALANCES.size, seeds)
    score = np.empty(shape)
    for c, values in ((1, hom), (3, one)):
        score[0, c] = np.asarray(values, dtype=float)[:, None, None, None, None, None, None] * \
            (1 + noise * rng.standard_normal(shape[2:]))
    score[0, 0] = score[0, 1]
    score[0, 2] = score[0, 1]
    return score


def _by_hand(score, c_one, r_one, r_hom, higher):
    """Seed-mean ratio and its 95 % t-interval at beta = 1, written out."""
    from scipy import stats

    one, hom = score[0, 3, r_one, 0, 0, 0, 0, B1], score[0, 1, r_hom, 0, 0, 0, 0, B1]
    q = one / hom if higher else hom / one
    half = stats.t.ppf(0.975, q.size - 1) * q.std(ddof=1) / np.sqrt(q.size)
    return q.mean(), q.mean() - half, q.mean() + half


def test_t4_equal_designs_hold_and_the_ratio_is_the_seed_mean():
    score = _map4([9.0, 10.0], [10.0, 9.5])     # MC: both best near 10, at different rates
    summary, regions = verdicts(score, ["mc"], CONDS4, BALANCES, RATES)
    m, lo, hi = _by_hand(score, 3, 0, 1, True)  # one-step best at rho = 0.3, homogeneous at 0.5
    assert regions["t4_ratio"][0].item() == pytest.approx(m, rel=1e-12)
    assert regions["t4_ratio_lo"][0].item() == pytest.approx(lo, rel=1e-12)
    assert regions["t4_ratio_hi"][0].item() == pytest.approx(hi, rel=1e-12)
    assert m == pytest.approx(1.0, abs=0.03) and lo < 1 <= hi
    assert regions["t4_holds"][0].item() == 1 and summary["mc_t4_share"] == 1.0
    assert summary["mc_t4_min"] == pytest.approx(m) and summary["mc_t4_min_hi"] == pytest.approx(hi)


def test_t4_fails_where_the_one_step_design_is_worse_beyond_noise():
    score = _map4([9.0, 10.0], [8.0, 7.0])      # MC 8 vs 10: ratio 0.8
    summary, regions = verdicts(score, ["mc"], CONDS4, BALANCES, RATES)
    assert regions["t4_ratio"][0].item() == pytest.approx(0.8, rel=0.02)
    assert regions["t4_ratio_hi"][0].item() < 1
    assert regions["t4_holds"][0].item() == 0 and summary["mc_t4_share"] == 0.0
    # better than iterative: holds (the criterion is one-sided, "not worse")
    _, regions = verdicts(_map4([9.0, 10.0], [12.0, 7.0]), ["mc"], CONDS4, BALANCES, RATES)
    assert regions["t4_ratio"][0].item() == pytest.approx(1.2, rel=0.02)
    assert regions["t4_ratio_lo"][0].item() > 1 and regions["t4_holds"][0].item() == 1


def test_t4_noise_wider_than_the_gap_is_comparable():
    score = _map4([10.0, 9.0], [9.7, 9.0], seeds=4, noise=0.2)
    _, regions = verdicts(score, ["mc"], CONDS4, BALANCES, RATES)
    m, lo, hi = _by_hand(score, 3, 0, 0, True)
    assert lo < 1 <= hi and regions["t4_holds"][0].item() == 1
    assert regions["t4_ratio"][0].item() == pytest.approx(m, rel=1e-12)


def test_t4_errors_are_inverted_and_read_at_beta_one():
    # NRMSE: one-step 0.5 vs homogeneous 0.4 -> ratio 0.4 / 0.5 = 0.8 (worse)
    score = _map4([0.4, 0.6], [0.5, 0.7])
    score[0, 3][..., np.arange(BALANCES.size) != B1, :] = 0.01   # other betas must not count
    summary, regions = verdicts(score, ["narma"], CONDS4, BALANCES, RATES)
    assert regions["t4_ratio"][0].item() == pytest.approx(0.8, rel=0.02)
    assert regions["t4_holds"][0].item() == 0 and summary["narma_t4_share"] == 0.0
    _, regions = verdicts(_map4([0.4, 0.6], [0.32, 0.7]), ["narma"], CONDS4, BALANCES, RATES)
    assert regions["t4_ratio"][0].item() == pytest.approx(1.25, rel=0.02)
    assert regions["t4_holds"][0].item() == 1


def test_maps_without_the_one_step_condition_have_no_t4():
    summary, regions = verdicts(_map([5.0, 7.0, 9.0, 10.0, 9.5, 8.0], 1.5), ["mc"], CONDS,
                                BALANCES, RATES)
    assert not any("t4" in k for k in summary)
    assert np.all(np.isnan(regions["t4_holds"])) and np.all(np.isnan(regions["t4_ratio"]))
    assert regions["t2_holds"][0].item() == 1          # the other verdicts as before
