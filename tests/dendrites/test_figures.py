"""Tests of dendrites.figures: each figure drawn from the arrays an experiment writes."""

import numpy as np
import pytest
from matplotlib.container import ErrorbarContainer

from dendrites import figures as F
from dendrites import theory


def _errorbars(ax):
    return [c for c in ax.containers if isinstance(c, ErrorbarContainer)]


def _sim(index, p):
    est = np.asarray(p, dtype=float)
    return dict(sim_index=np.asarray(index), sim_estimate=est, sim_low=0.5 * est,
                sim_high=1.5 * est)


def test_false_match_vs_n_draws_curves_dense_curve_and_points_per_a():
    n = np.array([300, 500, 700])
    a = np.array([16, 32])
    p = theory.false_match_probability(n[None, :], a[:, None], 24, 6)
    fig = F.false_match_vs_n_figure(n, a, p, s=24, theta=6, sim_n=[500, 700], sim_a=[32, 32],
                                    sim_estimate=p[1, 1:], sim_low=p[1, 1:] / 2,
                                    sim_high=p[1, 1:] * 2, p_false_match_dense=p[1],
                                    dense_fraction=0.1)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["theory a=16", "theory a=32", "theory a=0.1 n", "simulated a=32"]
    assert ax.get_yscale() == "log" and ax.get_title() == "s=24, θ=6"


def test_grid_figures_place_simulated_points_on_their_curve():
    s = np.array([4, 6, 8])
    a, n = np.array([32, 64]), np.array([200, 400])
    p = theory.false_match_probability(n[:, None], a[:, None], s[None, :], s[None, :] // 2)
    fig = F.false_match_vs_s_figure(s, a, n, p, **_sim([1, 5], [p[0, 1], p[1, 2]]))
    bars = _errorbars(fig.axes[0])
    assert [tuple(b.lines[0].get_xdata()) for b in bars] == [(6,), (8,)]
    assert [b.lines[0].get_color() for b in bars] == ["C0", "C1"]

    frac, th = np.array([0.1, 0.5]), np.array([8, 12])
    pn = theory.false_negative_probability(128, 30, th[:, None], np.rint(frac * 128)[None, :])
    fig = F.noise_figure(frac, th, pn, a=128, s=30, n=4000, **_sim([3], [pn[1, 1]]))
    assert [tuple(b.lines[0].get_xdata()) for b in _errorbars(fig.axes[0])] == [(0.5,)]
    assert fig.axes[0].get_title() == "a=128, s=30 (dots: simulation, n=4000)"


def test_union_figure_has_both_panels():
    m, n = np.arange(1, 5), np.array([1000, 2000])
    paper = theory.union_false_match_probability(n[:, None], 200, 25, 15, m[None, :])
    exact = theory.union_false_match_probability(n[:, None], 200, 25, 15, m[None, :],
                                                 method="exact")
    panel = theory.union_synapse_count(1000, np.array([20, 25])[:, None], m[None, :])
    fig = F.union_figure(m, n, paper, exact, [20, 25], panel, a=200, s=25, theta=15,
                         synapse_n=1000, **_sim([2], [exact[0, 2]]))
    ax, ax2 = fig.axes
    assert len(ax.get_lines()) >= 4 and len(_errorbars(ax)) == 1
    assert ax2.get_title() == "n=1000"
    np.testing.assert_allclose(ax2.get_lines()[1].get_ydata(), panel[1])


def test_optimal_threshold_and_detector_figures():
    scan = theory.optimal_threshold(range(3, 13))
    th = [int(t) for t in scan.thetas]
    p_sim = theory.false_match_probability(10_000, 300, 50, th)
    fig = F.optimal_threshold_figure(scan.thetas, scan.median, scan.minimum, scan.maximum,
                                     target=1e-9, optimal=scan.optimal, sim_thetas=th,
                                     p_sim=p_sim, n_sim=10_000, a_sim=300, s_sim=50,
                                     sim_theta=[3], sim_estimate=[p_sim[0]],
                                     sim_low=[p_sim[0] / 2], sim_high=[p_sim[0] * 2])
    assert fig.axes[0].get_title() == "optimal θ (median ≤ 1e-09): 10"

    m = np.arange(1, 4)
    fp = np.array([[1e-4, 1e-3, 1e-2], [0.0, 1e-3, 2e-2]])
    fig = F.detector_capacity_figure([6, 8], [12, 16], m, fp, fp, [8, 4], [8, 8], n=1024, a=32,
                                     n_segments=4, n_tests=100, target=0.01)
    ax, ax2 = fig.axes
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert [len(d.get_xdata()) for d in dots] == [3, 2]           # a zero rate is not drawn
    assert [t.get_text() for t in ax2.get_xticklabels()] == ["θ=6\ns=12", "θ=8\ns=16"]
    assert [r.get_height() for r in ax2.patches] == pytest.approx([8, 4, 8, 8])
