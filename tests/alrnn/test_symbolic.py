"""Tests of alrnn.symbolic on hand-built models whose regions, fixed points and cycles are known."""

import networkx as nx
import numpy as np
import pytest

from alrnn.model import ALRNN
from alrnn.symbolic import (
    analyze,
    find_cycles,
    fixed_point,
    fixed_points,
    region_bits,
    region_label,
    region_matrix,
    region_occupancy,
    symbol_sequence,
    transition_graph,
    transition_matrix,
)


def _flip_model():
    """M=2, N=1, P=1: z1' = 0, z2' = -3 relu(z2) + 1.

    Region 1 (z2 > 0): fixed point z2 = 1/4 (real, eigenvalue -3: unstable).
    Region 0 (z2 <= 0): map z2' = 1, fixed point z2 = 1 (virtual: not in region 0).
    The orbit from z2 = -2 is the 2-cycle -2 -> 1 -> -2 (regions 0, 1).
    """
    return ALRNN.from_arrays(np.zeros(2), np.array([[0.0, 0.0], [0.0, -3.0]]), np.array([0.0, 1.0]),
                             np.zeros((2, 1)), P=1)


def _random_model(M=6, N=2, P=3, seed=0):
    rng = np.random.default_rng(seed)
    return ALRNN.from_arrays(rng.uniform(0.1, 0.9, M), 0.4 * rng.standard_normal((M, M)),
                             rng.standard_normal(M), rng.standard_normal((M, N)), P=P)


def test_region_codes_and_labels():
    assert region_label(2, 2) == "10" and region_label(1, 2) == "01" and region_label(0, 0) == ""
    np.testing.assert_array_equal(region_bits(6, 3), [True, True, False])
    model = _random_model(M=5, N=2, P=2)
    Z = np.array([[0, 0, 0, 1.0, 1.0], [0, 0, 0, 1.0, -1.0], [0, 0, 0, -1.0, 1.0], [0, 0, 0, -1, -1.0]])
    np.testing.assert_array_equal(symbol_sequence(model, Z), [3, 2, 1, 0])


def test_region_counting_on_hand_built_sequence():
    model = _random_model(M=5, N=2, P=2)
    # regions visited: "10" x5, "01" x3, "11" x2 -> ranked by frequency
    signs = [(1, -1)] * 5 + [(-1, 1)] * 3 + [(1, 1)] * 2
    Z = np.zeros((10, 5))
    Z[:, 3:] = signs
    codes = symbol_sequence(model, Z)
    regions, frac = region_occupancy(codes)
    np.testing.assert_array_equal(regions, [2, 1, 3])
    np.testing.assert_allclose(frac, [0.5, 0.3, 0.2])
    T = transition_matrix(codes, regions)
    np.testing.assert_allclose(T, [[4 / 5, 1 / 5, 0], [0, 2 / 3, 1 / 3], [0, 0, 1]])
    g = transition_graph(codes, 2)
    assert isinstance(g, nx.DiGraph) and set(g.nodes) == {1, 2, 3}
    assert g.nodes[2]["label"] == "10" and g.nodes[2]["rank"] == 0 and g.nodes[3]["occupancy"] == 0.2
    assert g.edges[2, 1]["weight"] == pytest.approx(0.2) and g.edges[2, 1]["count"] == 1
    assert not g.has_edge(1, 2)
    with pytest.raises(ValueError, match="regions must contain"):
        transition_matrix(codes, [2, 1])


def test_fixed_points_solve_the_linear_system():
    model = _random_model(seed=1)
    p = {k: v.astype(np.float64) for k, v in model.to_arrays().items()}
    for fp in fixed_points(model):
        d = np.ones(6)
        d[3:] = region_bits(fp.region, 3)
        direct = np.linalg.solve(np.eye(6) - np.diag(p["A"]) - p["W"] @ np.diag(d), p["h"])
        np.testing.assert_allclose(fp.z, direct, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(np.sort_complex(fp.eigenvalues),
                                   np.sort_complex(np.linalg.eigvals(region_matrix(model, fp.region))))
        assert fp.spectral_radius == pytest.approx(np.max(np.abs(fp.eigenvalues)))
        assert fp.real == bool(np.all((fp.z[3:] > 0) == region_bits(fp.region, 3)))
        if fp.real:  # a real fixed point is a fixed point of the full nonlinear map
            np.testing.assert_allclose(model.step(fp.z), fp.z, rtol=1e-4, atol=1e-4)


def test_real_and_virtual_fixed_points_of_hand_built_model():
    model = _flip_model()
    fp1 = fixed_point(model, 1)
    np.testing.assert_allclose(fp1.z, [0, 0.25])
    assert fp1.real and not fp1.stable and fp1.spectral_radius == pytest.approx(3)
    fp0 = fixed_point(model, 0)
    np.testing.assert_allclose(fp0.z, [0, 1.0])
    assert not fp0.real and fp0.kind == "virtual" and fp0.stable


def test_two_cycle_found_and_verified():
    model = _flip_model()
    cycles = find_cycles(model, 2)
    assert len(cycles) == 1
    c = cycles[0]
    assert c.word == (0, 1) and c.period == 2
    np.testing.assert_allclose(c.points, [[0, -2.0], [0, 1.0]], atol=1e-12)
    np.testing.assert_allclose(model.step(c.points[0]), c.points[1], atol=1e-6)
    np.testing.assert_allclose(model.step(c.points[1]), c.points[0], atol=1e-6)
    assert c.stable  # monodromy W_1 W_0 = 0
    assert find_cycles(model, 3) == []  # no real 3-cycle
    # the heuristic (SCYFI-style) search finds the same cycle
    heuristic = find_cycles(model, 2, max_words=1, n_starts=20)
    assert [h.word for h in heuristic] == [(0, 1)]


def test_analyze_free_run_of_hand_built_model():
    model = _flip_model()
    res = analyze(model, x0=np.array([0.0]), n_steps=50, max_period=2)
    # from z = (0, 0): region 0 -> z2 = 1 (region 1) -> -2 (region 0) -> 1 -> ...
    assert res.n_regions == 2 and res.n_regions_covering(0.99) == 2
    assert set(res.labels) == {"0", "1"}
    np.testing.assert_allclose(res.transitions, [[0, 1], [1, 0]])
    assert [fp.real for fp in res.fixed_points] == [fp.real for fp in
                                                    (fixed_point(model, r) for r in res.regions)]
    assert [c.word for c in res.cycles[2]] == [(0, 1)]
    assert res.topological_entropy == pytest.approx(0.0, abs=1e-12)
    summary = res.summary()
    assert summary["n_regions"] == 2 and summary["n_cycles"] == {2: 1}
    assert len(res.ranks) == 50 and set(res.ranks) == {0, 1}


def test_analyze_validation():
    model = _flip_model()
    with pytest.raises(ValueError, match="x0 must be given"):
        analyze(model)
    with pytest.raises(ValueError, match="trajectory must have shape"):
        analyze(model, np.zeros((10, 3)))
    with pytest.raises(ValueError, match="max_period"):
        analyze(model, np.zeros((10, 2)), max_period=0)
    with pytest.raises(ValueError, match="code must be in"):
        fixed_point(model, 2)
