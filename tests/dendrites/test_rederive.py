"""The dendrite experiments' stored curves and metrics re-derived independently.

Theory curves are recomputed here with exact rational arithmetic from the paper's sums
(Ahmad & Hawkins 2016: segment, noise, union and neuron equations) or with SciPy's
hypergeometric distribution, not with :mod:`dendrites.theory`; simulated points are checked
against their stored intervals; summary metrics are recomputed from the stored arrays.
"""

from fractions import Fraction
from functools import cache
from math import comb, floor

import numpy as np
import pytest
from scipy.stats import hypergeom

from dendrites import experiments as ex

RTOL = 1e-12  # float64 rendering of an exact rational


@cache
def fp_exact(n, a, s, theta):
    """P_FP = sum_{b >= theta} C(s, b) C(n - s, a - b) / C(n, a) (Ahmad & Hawkins 2016, subsampling)."""
    if s < theta:
        return Fraction(0)
    num = sum(comb(s, b) * comb(n - s, a - b) for b in range(theta, min(s, a) + 1))
    return Fraction(num, comb(n, a))


def fn_exact(a, s, theta, v):
    """P_FN = sum_{b > s - theta} C(s, b) C(a - s, v - b) / C(a, v) (Ahmad & Hawkins 2016, noise)."""
    num = sum(comb(s, b) * comb(a - s, v - b) for b in range(s - theta + 1, min(s, v) + 1))
    return Fraction(num, comb(a, v))


def union_count_exact(n, s, M):
    """s_M = n (1 - (1 - s/n)^M) (Ahmad & Hawkins 2016, union)."""
    return n * (1 - (1 - Fraction(s, n)) ** M)


def union_size_reference(n, s, M):
    """Distribution of |union of M random s-subsets of n| by a Markov chain over the size."""
    dist = {s: Fraction(1)}
    for _ in range(M - 1):
        nxt = {}
        for u, w in dist.items():
            for j in range(0, s + 1):        # j new cells among the s drawn
                if j <= n - u and s - j <= u:
                    p = Fraction(comb(n - u, j) * comb(u, s - j), comb(n, s))
                    nxt[u + j] = nxt.get(u + j, 0) + w * p
        dist = nxt
    return dist


def _check_simulated_points(run, p_theory_of_point):
    """Stored intervals hold their estimates, ``within_ci`` is what it says, counts agree."""
    idx, est, lo, hi, ok = (run[f"sim_{k}"] for k in ("index", "estimate", "low", "high", "within_ci"))
    assert run.metrics["simulated_points"] == len(idx) > 0
    assert np.all((lo <= est) & (est <= hi))
    theory = np.array([p_theory_of_point(int(i)) for i in idx])
    np.testing.assert_array_equal(ok, (lo <= theory) & (theory <= hi))
    assert run.metrics["simulated_within_ci"] == int(ok.sum())


def _run(store, cls, **kw):
    return store.open(cls(**kw).run(store))


def test_false_match_vs_n_rederived(memory_store):
    run = _run(memory_store, ex.FalseMatchVsN, actives=[64, 128], n_min=300, n_max=1100, n_step=400,
               dense_fraction=0.25, n_samples=2000, seed=1)
    ns, acts, p = run["n"], run["a"], run["p_false_match"]
    np.testing.assert_array_equal(ns, [300, 700, 1100])
    for k, a in enumerate(acts):
        for j, n in enumerate(ns):
            assert p[k, j] == pytest.approx(float(fp_exact(int(n), int(a), 24, 12)), rel=RTOL)
    dense = [float(fp_exact(int(n), max(1, round(0.25 * n)), 24, 12)) for n in ns]
    np.testing.assert_allclose(run["p_false_match_dense"], dense, rtol=RTOL)
    assert run.metrics["p_fp_n10000_a300"] == pytest.approx(float(fp_exact(10_000, 300, 24, 12)), rel=RTOL)
    assert run.metrics["p_fp_a64_n1100"] == pytest.approx(float(fp_exact(1100, 64, 24, 12)), rel=RTOL)
    _check_simulated_points(run, lambda i: p.ravel()[i])
    # the simulated (n, a) of each point are the grid's
    np.testing.assert_array_equal(run["sim_n"], ns[run["sim_index"] % len(ns)])
    np.testing.assert_array_equal(run["sim_a"], acts[run["sim_index"] // len(ns)])


def test_false_match_vs_s_rederived(memory_store):
    run = _run(memory_store, ex.FalseMatchVsS, s_values=[2, 4, 6, 10], actives=[32, 64], ns=[200, 400],
               n_samples=2000, seed=2)
    s, p = run["s"], run["p_false_match"]
    np.testing.assert_array_equal(run["theta"], s // 2)
    for k, (a, n) in enumerate(zip(run["a"], run["n"])):
        for j, ss in enumerate(s):
            assert p[k, j] == pytest.approx(float(fp_exact(int(n), int(a), int(ss), int(ss) // 2)), rel=RTOL)
    assert run.metrics["p_fp_a32_n200_s10"] == pytest.approx(float(fp_exact(200, 32, 10, 5)), rel=RTOL)
    _check_simulated_points(run, lambda i: p.ravel()[i])


def test_noise_rederived(memory_store):
    run = _run(memory_store, ex.NoiseTolerance, thetas=[8, 12], noise_fractions=[0.25, 0.5, 0.6],
               n=1000, n_samples=2000, seed=3)
    v, p = run["v"], run["p_false_negative"]
    np.testing.assert_array_equal(v, [32, 64, 77])      # round(f * 128), halves up
    for k, theta in enumerate(run["theta"]):
        for j, vv in enumerate(v):
            assert p[k, j] == pytest.approx(float(fn_exact(128, 30, int(theta), int(vv))), rel=RTOL, abs=0)
    # the paper's Fig. D value: a=128, s=30, theta=12, v=64
    assert run.metrics["p_fn_theta12_v64"] == pytest.approx(0.0716985160403564, rel=1e-13)
    _check_simulated_points(run, lambda i: p.ravel()[i])


def test_union_rederived(memory_store):
    run = _run(memory_store, ex.UnionCapacity, ns=[1000, 3000], max_patterns=4, synapse_counts=[20, 25],
               n_samples=5000, seed=4)
    M, ns = run["M"], run["n"]
    for k, n in enumerate(ns):
        for j, m in enumerate(M):
            sm = union_count_exact(int(n), 25, int(m))
            rounded = floor(sm + Fraction(1, 2))
            assert run["union_synapses"][k, j] == rounded
            # the paper's formula: one random segment of s_M synapses
            assert run["p_false_match"][k, j] == pytest.approx(float(fp_exact(int(n), 200, rounded, 15)), rel=RTOL)
            # the exact union: mixture over the union-size distribution
            dist = union_size_reference(int(n), 25, int(m))
            exact = sum(w * fp_exact(int(n), 200, u, 15) for u, w in dist.items())
            assert run["p_false_match_exact"][k, j] == pytest.approx(float(exact), rel=1e-9)
    for k, ss in enumerate(run["s_panel"]):
        want = [float(union_count_exact(1000, int(ss), int(m))) for m in M]
        np.testing.assert_allclose(run["union_synapses_panel"][k], want, rtol=RTOL)
        assert run.metrics[f"union_synapses_s{ss}_M4"] == pytest.approx(want[-1], rel=RTOL)
    _check_simulated_points(run, lambda i: run["p_false_match_exact"].ravel()[i])


def test_optimal_threshold_rederived_with_scipy(memory_store):
    run = _run(memory_store, ex.OptimalThreshold, theta_min=9, theta_max=11, sparsity_sim=0.1,
               n_samples=2000, seed=5)
    np.testing.assert_array_equal(run["thetas"], [9, 10, 11])
    grid = [(n, int(round(sp * n)), s) for n in range(10_000, 200_000, 20_000)
            for sp in (0.005, 0.010, 0.015, 0.020, 0.025, 0.030) for s in range(20, 51, 5)]
    assert len(grid) == 420
    for i, theta in enumerate((9, 10, 11)):
        # P(overlap >= theta) with overlap ~ Hypergeometric(n, s, a)
        probs = np.array([hypergeom.sf(theta - 1, n, s, a) for n, a, s in grid])
        # SciPy's tail is accurate to ~1e-10 relative at these magnitudes (checked against
        # exact rationals in the theory tests)
        assert run["median"][i] == pytest.approx(np.median(probs), rel=1e-6)
        assert run["mean"][i] == pytest.approx(probs.mean(), rel=1e-6)
        assert run["maximum"][i] == pytest.approx(probs.max(), rel=1e-6)
        assert run.metrics["median_by_theta"][str(theta)] == pytest.approx(np.median(probs), rel=1e-6)
    assert run.metrics["median_by_theta"]["10"] == pytest.approx(7.400e-11, rel=5e-4)  # paper, Fig. F
    assert run.metrics["optimal_theta"] == 10        # first theta whose median <= 1e-9
    # simulated configuration n = 10 000, a = 0.1 n, s = 50: point i is theta = thetas[i]
    np.testing.assert_array_equal(run["sim_theta"], run["thetas"][run["sim_index"]])
    _check_simulated_points(run, lambda i: float(fp_exact(10_000, 1000, 50, int(run["thetas"][i]))))


def test_detector_capacity_rederived(memory_store):
    run = _run(memory_store, ex.DetectorCapacity, n=256, a=16, thetas=[4, 6], s_values=[8], n_segments=2,
               max_per_segment=4, n_detectors=3, n_test=300, target=0.02, seed=6)
    m = run["patterns_per_segment"]
    np.testing.assert_array_equal(m, [1, 2, 3, 4])
    for c, (theta, s) in enumerate(zip(run["theta"], run["s"])):
        # neuron with K independent union segments: 1 - (1 - p_segment)^K
        p_seg = [sum(w * fp_exact(256, 16, u, int(theta)) for u, w in union_size_reference(256, int(s), int(k)).items())
                 for k in m]
        want = [1 - (1 - float(p)) ** 2 for p in p_seg]
        np.testing.assert_allclose(run["fp_theory"][c], want, rtol=1e-9)
        v = round(0.25 * 16)
        assert run["fn_theory_bound"][c] == pytest.approx(float(fn_exact(16, int(s), int(theta), v)), rel=RTOL)
        # capacity: K times the largest M whose rate stays <= target for every M' <= M
        for name in ("simulated", "theory"):
            fp = run[f"fp_{name}"][c]
            ok = np.cumprod(fp <= 0.02).sum()
            assert run[f"capacity_{name}"][c] == 2 * ok
            assert run.metrics[f"capacity_{name}"][f"theta{theta}_s{s}"] == 2 * ok
    diff = np.abs(run["capacity_simulated"] - run["capacity_theory"]).max()
    assert run.metrics["capacity_max_abs_diff"] == diff
