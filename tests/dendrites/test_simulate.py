"""Tests of dendrites.simulate: random SDRs, overlap counting, estimates against theory."""

from itertools import combinations

import numpy as np
import pytest
from scipy import stats

from dendrites import simulate, theory
from dendrites.simulate import _floyd, _tail_counts


def test_random_sdrs_are_distinct_and_in_range():
    idx = simulate.random_sdrs(50, 7, 300, seed=1)
    assert idx.shape == (300, 7)
    assert idx.min() >= 0 and idx.max() < 50
    assert all(len(set(row)) == 7 for row in idx.tolist())
    dense = simulate.random_sdrs(50, 7, 300, seed=1, dense=True)
    assert dense.shape == (300, 50) and np.all(dense.sum(axis=1) == 7)
    np.testing.assert_array_equal(np.sort(idx, axis=1), np.sort(np.nonzero(dense)[1].reshape(300, 7), axis=1))


def test_random_sdrs_are_uniform_over_all_subsets():
    idx = np.sort(simulate.random_sdrs(6, 3, 20_000, seed=2), axis=1)
    subsets = {c: i for i, c in enumerate(combinations(range(6), 3))}
    counts = np.bincount([subsets[tuple(r)] for r in idx.tolist()], minlength=20)
    assert stats.chisquare(counts).pvalue > 1e-3


def test_floyd_indicator_matches_indices():
    idx, member = _floyd(np.random.default_rng(3), 40, 9, 17)
    dense = np.zeros((41, 17), dtype=np.uint8)
    dense[idx.T, np.arange(17)] = 1
    np.testing.assert_array_equal(member, dense)
    assert member[40].sum() == 0


def test_tail_counts_match_dense_overlaps():
    rng = np.random.default_rng(4)
    n, rows_k, cols = 60, 7, 50
    rows = np.stack([rng.choice(n, rows_k, replace=False) for _ in range(130)])
    member = (rng.random((n + 1, cols)) < 0.3).astype(np.uint8)
    member[n] = 0
    rows[:, -1] = n  # padding entries count nothing
    dense_rows = np.zeros((130, n + 1), dtype=int)
    dense_rows[np.arange(130)[:, None], rows] = 1
    overlaps = dense_rows @ member
    thetas = [1, 2, 3, 4, 7]
    np.testing.assert_array_equal(_tail_counts(rows, member, thetas),
                                  [(overlaps >= t).sum() for t in thetas])
    np.testing.assert_array_equal(_tail_counts(rows, member, thetas[:2]),
                                  [(overlaps >= t).sum() for t in thetas[:2]])
    np.testing.assert_array_equal(_tail_counts(rows, member, thetas, per_column=True),
                                  np.stack([(overlaps >= t).sum(axis=0) for t in thetas]))


def test_wilson_interval_known_values():
    low, high = simulate.wilson_interval(5, 100)
    assert low == pytest.approx(0.02154, abs=1e-4) and high == pytest.approx(0.11175, abs=1e-4)
    low, high = simulate.wilson_interval(0, 1000)
    assert low == 0.0 and high == pytest.approx(0.003827, abs=1e-5)
    with pytest.raises(ValueError, match="hits"):
        simulate.wilson_interval(11, 10)


@pytest.mark.parametrize("n, a", [(500, 128), (300, 64), (1100, 256)])
def test_false_match_agrees_with_theory(n, a):
    thetas = [10, 12, 14]
    est = simulate.simulate_false_match(n, a, 24, thetas, 1_000_000, seed=n, confidence=0.999)
    p = theory.false_match_probability(n, a, 24, thetas)
    assert est.trials >= 1_000_000
    assert np.all(est.contains(p)), (est.estimate, p)


def test_false_match_single_theta_and_determinism():
    one = simulate.simulate_false_match(400, 40, 20, 8, 200_000, seed=5, confidence=0.999)
    two = simulate.simulate_false_match(400, 40, 20, 8, 200_000, seed=5, confidence=0.999)
    assert one.hits[0] == two.hits[0] > 0
    assert one.contains(theory.false_match_probability(400, 40, 20, [8]))[0]
    # s > a: the segment side becomes the indicator matrix of the grid
    other = simulate.simulate_false_match(200, 10, 30, 4, 200_000, seed=6, confidence=0.999)
    assert other.contains(theory.false_match_probability(200, 10, 30, [4]))[0]


def test_false_match_detects_a_wrong_theory():
    est = simulate.simulate_false_match(500, 128, 24, 12, 1_000_000, seed=7, confidence=0.999)
    p = theory.false_match_probability(500, 128, 24, 12)
    assert not est.contains([1.1 * p])[0] and not est.contains([0.9 * p])[0]


@pytest.mark.parametrize("theta, v", [(12, 64), (8, 77), (16, 45)])
def test_false_negative_agrees_with_theory(theta, v):
    est = simulate.simulate_false_negative(4000, 128, 30, theta, v, 500_000, seed=v, confidence=0.999)
    assert est.contains([theory.false_negative_probability(128, 30, theta, v)])[0]


def test_false_negative_is_zero_within_deterministic_tolerance():
    est = simulate.simulate_false_negative(1000, 128, 30, [8, 12], 18, 100_000, seed=1)
    np.testing.assert_array_equal(est.hits, [0, 0])


@pytest.mark.parametrize("n, m", [(1000, 2), (1000, 3), (10_000, 19)])
def test_union_agrees_with_exact_union_theory(n, m):
    est = simulate.simulate_union(n, 200, 25, 15, m, 150_000, seed=m, confidence=0.999)
    assert est.contains([theory.union_false_match_probability(n, 200, 25, 15, m, method="exact")])[0]


def test_cluster_interval_is_wider_for_correlated_clusters():
    hits = np.array([[0, 0, 0, 100, 0, 0, 0, 100]])
    est = simulate.MonteCarloEstimate.from_clusters([1], hits, np.full(8, 100))
    flat = simulate.MonteCarloEstimate.from_counts([1], [200], 800)
    assert est.estimate[0] == flat.estimate[0] == 0.25
    assert est.high[0] - est.low[0] > 5 * (flat.high[0] - flat.low[0])


def test_add_noise_moves_exactly_v_bits():
    pats = simulate.random_sdrs(200, 20, 50, seed=8, dense=True)
    noisy = simulate.add_noise(pats, 5, seed=9)
    assert np.all(noisy.sum(axis=1) == 20)
    assert np.all((pats & ~noisy).sum(axis=1) == 5)
    np.testing.assert_array_equal(simulate.add_noise(pats[0], 0, seed=1), pats[0])
    with pytest.raises(ValueError, match="v"):
        simulate.add_noise(pats, 21, seed=1)


@pytest.mark.parametrize("call, word", [
    (lambda: simulate.simulate_false_match(100, 10, 24, 25, 1000), "theta"),
    (lambda: simulate.simulate_false_match(100, 101, 24, 12, 1000), "a"),
    (lambda: simulate.simulate_false_match(100, 10, 24, 12, 0), "n_samples"),
    (lambda: simulate.simulate_false_match(100, 10, 24, 12, 1000, seed=-1), "seed"),
    (lambda: simulate.simulate_false_negative(200, 128, 30, 12, 100, 1000), "v"),
    (lambda: simulate.simulate_false_negative(200, 20, 30, 12, 5, 1000), "s"),
    (lambda: simulate.simulate_union(1000, 200, 25, 15, 0, 1000), "M"),
    (lambda: simulate.random_sdrs(10, 11, 5), "a"),
    (lambda: simulate.simulate_false_match(100, 10, 24, 12, 1000, confidence=1.0), "confidence"),
])
def test_invalid_arguments(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def _fp_run(seed):
    return simulate.simulate_false_match(100, 20, 10, 4, 20_000, seed=seed)


def _union_run(seed):
    return simulate.simulate_union(100, 20, 5, 3, 3, 20_000, seed=seed)


@pytest.mark.parametrize("run, exact", [
    (_fp_run, lambda: theory.false_match_probability(100, 20, 10, 4)),
    (_union_run, lambda: theory.union_false_match_probability(100, 20, 5, 3, 3, method="exact")),
])
def test_interval_coverage_of_the_grid_design(run, exact):
    """The 95 % intervals of the grid design (pairwise-independent / clustered tests) cover
    the exact value in about 95 % of repeated simulations, and are not needlessly wide."""
    p = exact()
    results = [run(seed) for seed in range(120)]
    covered = sum(bool(r.contains([p])[0]) for r in results)
    assert 104 <= covered <= 120  # binomial(120, 0.95): mean 114, sd 2.4
    spread = np.std([r.estimate[0] for r in results])
    half_width = np.mean([(r.high[0] - r.low[0]) / 2 for r in results])
    assert 1.5 * spread < half_width < 2.5 * spread  # 1.96 sd for a calibrated interval
