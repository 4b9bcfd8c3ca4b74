"""Every claim of ``dendrites.claims`` evaluated on fixture runs with known metrics.

The exact claims compare with the paper's values (Ahmad & Hawkins 2016) at a relative
tolerance (1e-3, or 5e-4 for the union synapse counts): a value just inside passes, one just
outside fails. The coverage claims need at least 80 % of the simulated points inside their
95 % intervals.
"""

import pytest

from dendrites import theory
from dendrites.claims import CLAIMS
from workbench.reproduce import claims

BY_ID = {c.id: c for c in CLAIMS}

#: claim id -> {metric: paper value} and the relative tolerance of the claim
EXACT = {
    "dendrites.P_FP": ({"p_fp_n10000_a300": 8.37584522709849e-13}, 1e-3),
    "dendrites.fig_A": ({"p_fp_a64_n19900": 1.0750e-24, "p_fp_a128_n19900": 7.4931e-21,
                         "p_fp_a256_n19900": 3.7418e-17}, 1e-3),
    "dendrites.fig_D": ({"p_fn_theta12_v64": 0.0716985160403564}, 1e-3),
    "dendrites.fig_E": ({"p_union_n10000_M10": 1.27080441383853e-4}, 1e-3),
    "dendrites.fig_E2": ({"union_synapses_s20_M19": 318.8, "union_synapses_s25_M19": 381.9,
                          "union_synapses_s30_M19": 439.4}, 5e-4),
}
COVERAGE = ("dendrites.fig_B", "dendrites.fig_C", "dendrites.fig_D_sim")


def test_every_claim_has_cases_here_and_is_registered():
    assert set(BY_ID) == set(EXACT) | set(COVERAGE) | {"dendrites.fig_F", "dendrites.detectors"}
    assert set(BY_ID) <= {c.id for c in claims()}


def test_paper_targets_agree_with_the_exact_theory():
    # the claims' targets are the theory's values (independent of any run)
    assert theory.false_match_probability(10_000, 300, 24, 12) == pytest.approx(8.37584522709849e-13, rel=1e-12)
    assert theory.false_negative_probability(128, 30, 12, 64) == pytest.approx(0.0716985160403564, rel=1e-12)
    for a, want in ((64, 1.0750e-24), (128, 7.4931e-21), (256, 3.7418e-17)):
        assert theory.false_match_probability(19_900, a, 24, 12) == pytest.approx(want, rel=1e-4)


@pytest.mark.parametrize("claim_id", sorted(EXACT))
def test_exact_claims_pass_inside_and_fail_outside_their_tolerance(fixture_run, claim_id):
    claim = BY_ID[claim_id]
    targets, rel = EXACT[claim_id]
    value, ok = claim.evaluate(fixture_run(claim.experiment, metrics=targets))
    assert ok is True
    assert value == " / ".join(f"{t:.5g}" for t in targets.values())
    for name in targets:
        for factor, expected in ((1 + 0.9 * rel, True), (1 - 0.9 * rel, True),
                                 (1 + 1.1 * rel, False), (1 - 1.1 * rel, False)):
            metrics = {**targets, name: targets[name] * factor}
            assert claim.evaluate(fixture_run(claim.experiment, metrics=metrics))[1] is expected, (name, factor)


@pytest.mark.parametrize("claim_id", COVERAGE)
def test_coverage_claims_need_eighty_percent_inside(fixture_run, claim_id):
    claim = BY_ID[claim_id]
    for inside, total, expected in ((8, 10, True), (7, 10, False), (10, 10, True), (0, 0, False),
                                    (79, 99, False), (80, 100, True)):
        run = fixture_run(claim.experiment, metrics={"simulated_within_ci": inside, "simulated_points": total})
        value, ok = claim.evaluate(run)
        assert ok is expected, (inside, total)
        assert value == f"{inside}/{total} points inside their 95 % CI"


def test_optimal_threshold_claim_reads_the_theta_10_median(fixture_run):
    claim = BY_ID["dendrites.fig_F"]
    for median, expected in ((7.400e-11, True), (7.43e-11, True), (7.45e-11, False), (7.35e-11, False)):
        run = fixture_run(claim.experiment, metrics={"median_by_theta": {"9": 1.0, "10": median, "11": 0.0}})
        value, ok = claim.evaluate(run)
        assert ok is expected, median
        assert value == f"median P_FP(θ=10) = {median:.4g}"


def test_detector_claim_counts_agreeing_pairs(fixture_run):
    claim = BY_ID["dendrites.detectors"]
    run = fixture_run(claim.experiment, metrics={
        "capacity_max_abs_diff": 3, "capacity_simulated": {"8,16": 10, "10,20": 14, "12,24": 20},
        "capacity_theory": {"8,16": 10, "10,20": 17, "12,24": 20}})
    assert claim.evaluate(run) == ("simulated = theory in 2/3 (θ, s) pairs; max |Δ| = 3 patterns", None)
