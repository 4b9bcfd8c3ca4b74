"""Tests of dendrites.theory against exact rational arithmetic and the paper's values."""

from fractions import Fraction
from itertools import combinations
from math import comb

import numpy as np
import pytest

from dendrites import theory

# -- independent reference: the paper's sum-then-divide form with exact rationals ------------


def fp_reference(n, a, s, theta):
    """The segment false-match sum written directly (no symmetry trick), exact."""
    num = sum(comb(s, b) * comb(n - s, a - b) for b in range(theta, s + 1) if a - b >= 0)
    return Fraction(num, comb(n, a))


def fn_reference(a, s, theta, v):
    """The false-negative sum written directly, exact."""
    num = sum(comb(s, b) * comb(a - s, v - b) for b in range(s - theta + 1, min(s, v) + 1))
    return Fraction(num, comb(a, v))


def rel_err(x, exact):
    return abs(Fraction(float(x)) - exact) / exact


@pytest.mark.parametrize("n, a, s, theta", [
    (10_000, 300, 24, 12), (19_900, 64, 24, 12), (200_000, 2000, 10, 10), (190_000, 950, 50, 20),
    (190_000, 950, 50, 24), (2000, 40, 20, 15), (300, 256, 24, 12), (50, 30, 40, 3),
])
def test_false_match_is_exact(n, a, s, theta):
    exact = fp_reference(n, a, s, theta)
    assert exact > 0
    assert rel_err(theory.false_match_probability(n, a, s, theta), exact) <= 1e-15


def test_exact_far_below_1e40():
    exact = fp_reference(190_000, 950, 50, 24)
    assert exact < Fraction(1, 10**40)
    assert rel_err(theory.false_match_probability(190_000, 950, 50, 24), exact) <= 1e-15


@pytest.mark.parametrize("a, s, theta, v", [(128, 30, 12, 64), (128, 30, 8, 26), (128, 30, 16, 102),
                                            (300, 24, 12, 150), (2000, 20, 10, 1000)])
def test_false_negative_is_exact(a, s, theta, v):
    exact = fn_reference(a, s, theta, v)
    assert rel_err(theory.false_negative_probability(a, s, theta, v), exact) <= 1e-15


# -- the paper's values --------------------------------------------------------------------------

@pytest.mark.parametrize("n, a, s, theta, target", [
    (300, 64, 24, 12, 1.09462e-3), (500, 64, 24, 12, 5.69571e-6), (700, 64, 24, 12, 1.41253e-7),
    (300, 128, 24, 12, 0.292078), (500, 128, 24, 12, 7.36788e-3), (1900, 128, 24, 12, 7.13144e-9),
    (300, 256, 24, 12, 0.999998), (1100, 256, 24, 12, 3.50550e-3), (3500, 256, 24, 12, 2.23381e-8),
    (19_900, 64, 24, 12, 1.0750e-24), (19_900, 128, 24, 12, 7.4931e-21), (19_900, 256, 24, 12, 3.7418e-17),
    (10_000, 300, 30, 15, 1.04919e-15), (2000, 40, 20, 15, 2.47192e-23), (400, 8, 4, 2, 2.06315e-3),
    (4000, 400, 4, 2, 5.22149e-2), (200_000, 2000, 20, 10, 1.650e-15), (200_000, 2000, 10, 10, 9.78e-21),
])
def test_note_false_match_targets(n, a, s, theta, target):
    digits = len(f"{target:e}".split("e")[0].replace(".", "").rstrip("0"))
    tolerance = 0.6 * 10.0 ** (1 - digits)  # half a unit in the last printed digit
    assert theory.false_match_probability(n, a, s, theta) == pytest.approx(target, rel=tolerance)


def test_headline_value_full_precision():
    assert theory.false_match_probability(10_000, 300, 24, 12) == pytest.approx(8.37584522709849e-13, rel=1e-13)
    assert theory.false_negative_probability(128, 30, 12, 64) == pytest.approx(0.0716985160403564, rel=1e-13)


def test_fig_c_row_and_tables_1bcd():
    s = np.array([2, 4, 10, 20, 24, 30])
    got = theory.false_match_probability(2000, 32, s, s // 2)
    want = [3.1752e-2, 1.4591e-3, 1.8071e-7, 3.9043e-14, 6.5970e-17, 3.2696e-21]
    np.testing.assert_allclose(got, want, rtol=2e-4)
    np.testing.assert_allclose(theory.false_match_probability(100_000, 2000, [6, 8, 10], [6, 8, 10]),
                               [6.35309e-11, 2.52507e-14, 1.00163e-17], rtol=1e-5)
    th = np.array([6, 8, 10, 12])
    np.testing.assert_allclose(theory.false_match_probability(100_000, 2000, 2 * th, th),
                               [5.29387e-8, 2.81725e-10, 1.54193e-12, 8.58694e-15], rtol=1e-5)
    np.testing.assert_allclose(theory.false_match_probability(100_000, 2000, [40, 80, 120, 240], [10, 10, 10, 20]),
                               [4.91542e-9, 4.62568e-6, 1.58800e-4, 1.07991e-7], rtol=1e-5)


def test_noise_table():
    th = np.array([8, 12, 16])[:, None]
    v = np.array([26, 32, 45, 64, 77, 102])[None, :]
    # 3.113e-16 has been quoted for (θ=8, v=26); exact rationals and scipy.stats.hypergeom
    # both give 3.14193e-16 (checked in test_false_negative_is_exact), so that quote is a typo.
    want = [[3.14193e-16, 2.232e-12, 1.207e-7, 7.354e-4, 2.687e-2, 0.7709],
            [7.927e-10, 2.163e-7, 3.144e-4, 7.170e-2, 0.4265, 0.9964],
            [1.973e-5, 5.901e-4, 4.347e-2, 0.5825, 0.9339, 0.999998]]
    np.testing.assert_allclose(theory.false_negative_probability(128, 30, th, v), want, rtol=1e-3)
    # deterministic tolerance: never fails with at most s - theta lost synapses
    assert theory.false_negative_probability(128, 30, 8, 22) == 0.0
    assert theory.false_negative_probability(128, 30, 8, 23) > 0.0


def test_union_targets():
    m = np.array([1, 2, 3, 5, 10, 19])
    np.testing.assert_array_equal(theory.union_synapse_count(10_000, 25, m, rounded=True), [25, 50, 75, 124, 247, 464])
    np.testing.assert_array_equal(theory.union_synapse_count(1000, 25, m, rounded=True), [25, 49, 73, 119, 224, 382])
    got = theory.union_false_match_probability(10_000, 200, 25, 15, m)
    np.testing.assert_allclose(got, [5.3035e-20, 2.3560e-14, 1.5393e-11, 2.2792e-8, 1.2708e-4, 4.5379e-2], rtol=1e-4)
    full = theory.union_false_match_probability(10_000, 200, 25, 15, 10)
    assert full == pytest.approx(1.27080441383853e-4, rel=1e-12)
    np.testing.assert_allclose(theory.union_synapse_count(1000, [20, 25, 30], 19), [318.8, 381.9, 439.4], atol=0.05)
    assert theory.union_false_match_probability(20_000, 200, 25, 15, 19) == pytest.approx(8.1409e-5, rel=1e-4)


def test_union_exact_distribution():
    sizes, probs = theory.union_size_distribution(60, 5, 4)
    assert probs.sum() == pytest.approx(1.0, abs=1e-14)
    assert np.dot(sizes, probs) == pytest.approx(float(theory.union_synapse_count(60, 5, 4)), rel=1e-12)
    # brute force on a tiny case: union of 2 random 2-subsets of 4 cells
    sizes, probs = theory.union_size_distribution(4, 2, 2)
    subsets = list(combinations(range(4), 2))
    counts = {}
    for x in subsets:
        for y in subsets:
            u = len(set(x) | set(y))
            counts[u] = counts.get(u, 0) + 1
    np.testing.assert_allclose(probs, [counts[u] / 36 for u in sizes], rtol=1e-14)
    # M = 1: both methods equal the single-segment formula
    p1 = theory.false_match_probability(1000, 200, 25, 15)
    assert theory.union_false_match_probability(1000, 200, 25, 15, 1, method="exact") == p1
    assert theory.union_false_match_probability(1000, 200, 25, 15, 1) == p1


def test_union_exact_against_rational_mixture():
    n, a, s, theta, m = 40, 10, 4, 3, 3
    sizes, probs = theory.union_size_distribution(n, s, m)
    exact = sum(Fraction(w) * fp_reference(n, a, int(u), theta) for u, w in zip(sizes, probs) if u >= theta)
    assert rel_err(theory.union_false_match_probability(n, a, s, theta, m, method="exact"), exact) < 1e-12


def test_neuron_false_match():
    # check of Numenta's sdr_paper README: n=100, w=7, M=500 segments
    got = theory.neuron_false_match_probability(100, 7, 7, [4, 5, 6, 7], 500)
    p = theory.false_match_probability(100, 7, 7, [4, 5, 6, 7])
    np.testing.assert_allclose(500 * p, [0.1447, 2.826e-3, 2.037e-5, 3.12e-8], rtol=2e-3)
    assert got[0] == pytest.approx(0.1347, abs=1e-4)
    for t, g in zip([4, 5, 6, 7], got):
        exact = 1 - (1 - fp_reference(100, 7, 7, t)) ** 500
        assert rel_err(g, exact) < 1e-13
    tiny = theory.neuron_false_match_probability(10_000, 300, 24, 12, 10)
    assert tiny == pytest.approx(10 * 8.37584522709849e-13, rel=1e-10)


def test_optimal_threshold_matches_table():
    scan = theory.optimal_threshold()
    assert scan.probabilities.shape == (22, 420)
    want = {3: 1.816e-2, 8: 4.834e-8, 9: 2.041e-9, 10: 7.400e-11, 12: 7.631e-14, 16: 1.951e-20, 20: 4.112e-28,
            24: 2.602e-36}
    for t, m in want.items():
        assert scan.median[t - 3] == pytest.approx(m, rel=1e-3)
    assert scan.mean[0] == pytest.approx(3.666e-2, rel=1e-3)
    assert scan.minimum[17] == pytest.approx(1.169e-48, rel=1e-3)
    assert scan.maximum[21] == pytest.approx(1.537e-23, rel=1e-3)
    assert scan.minimum[18] == 0.0
    assert scan.optimal == 10
    assert theory.optimal_threshold(target=1e-7).optimal == 8


def test_counting_functions():
    assert theory.n_sdrs(64, 3) == 41_664
    assert theory.n_sdrs(1024, 20, exact=True) == comb(1024, 20)
    assert theory.n_sdrs(2048, 40) == pytest.approx(2.37e84, rel=1e-2)
    assert theory.n_sdrs(100_000, 2000) == np.inf
    # brute force overlap set size for n=7, a_x=3, a_y=3
    x = {0, 1, 2}
    for b in range(4):
        brute = sum(len(x & set(y)) == b for y in combinations(range(7), 3))
        assert theory.overlap_set_size(7, 3, b, 3) == brute
    np.testing.assert_array_equal(theory.overlap_set_size(7, 3, [0, 1, 2, 3], 1), [4, 3, 0, 0])


def test_broadcasting_shapes_and_scalars():
    out = theory.false_match_probability(np.array([1000, 2000])[:, None], [10, 20, 30], 24, 12)
    assert out.shape == (2, 3)
    assert out[0, 2] == theory.false_match_probability(1000, 30, 24, 12)
    assert isinstance(theory.false_match_probability(1000, 30, 24, 12), np.floating)
    assert theory.false_negative_probability(128, 30, [[8], [12]], [19, 26, 32]).shape == (2, 3)
    # integral floats are fine
    assert theory.false_match_probability(1000.0, 30, 24, 12.0) == theory.false_match_probability(1000, 30, 24, 12)


@pytest.mark.parametrize("call, word", [
    (lambda: theory.false_match_probability(1000, 30, 24, 25), "theta"),
    (lambda: theory.false_match_probability(100, 300, 24, 12), "a"),
    (lambda: theory.false_match_probability(1000, -1, 24, 12), "a"),
    (lambda: theory.false_match_probability(1000, 30, 24.5, 12), "s"),
    (lambda: theory.false_match_probability(0, 0, 1, 1), "n"),
    (lambda: theory.false_match_probability(1000, [10, 20], [24, 30], [12, 31]), "theta"),
    (lambda: theory.false_negative_probability(128, 130, 12, 64), "s"),
    (lambda: theory.false_negative_probability(128, 30, 12, 129), "v"),
    (lambda: theory.union_false_match_probability(1000, 200, 25, 15, 0), "M"),
    (lambda: theory.union_false_match_probability(1000, 200, 25, 15, 2, method="mean"), "method"),
    (lambda: theory.neuron_false_match_probability(1000, 200, 25, 15, 0), "K"),
    (lambda: theory.n_sdrs(10, 11), "a"),
    (lambda: theory.overlap_set_size(10, 3, 4, 5), "b"),
    (lambda: theory.optimal_threshold(target=0.0), "target"),
])
def test_invalid_arguments(call, word):
    with pytest.raises(ValueError, match=word):
        call()
