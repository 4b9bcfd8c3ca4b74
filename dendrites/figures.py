"""Figures of the dendrites experiments (``matplotlib.figure.Figure``, never pyplot).

Each function draws one figure of Ahmad & Hawkins (2016) from the arrays an experiment writes
to its run (theory curves and the simulated points with their 95 % intervals), so a figure
can be rebuilt from a stored run. Simulated points are given as ``sim_index`` (the position
of each point in the experiment's flattened (curve, x) grid), ``sim_estimate``, ``sim_low``
and ``sim_high``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

__all__ = [
    "detector_capacity_figure",
    "false_match_vs_n_figure",
    "false_match_vs_s_figure",
    "noise_figure",
    "optimal_threshold_figure",
    "union_figure",
]

_COLORS = tuple(f"C{i}" for i in range(10))


def _color(k: int) -> str:
    return _COLORS[k % len(_COLORS)]


def _error_bars(ax: Axes, x: ArrayLike, est: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                color: str, label: str | None) -> None:
    """Simulated points with their 95 % intervals on a log axis."""
    if len(np.atleast_1d(x)) == 0:
        return
    err = np.vstack([est - lo, hi - est])
    ax.errorbar(x, est, yerr=err, fmt="o", ms=4, color=color, capsize=2, label=label)


def _log_axes(ax: Axes, xlabel: str, ylabel: str, title: str) -> None:
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7)


def _grid_points(sim_index: ArrayLike, n_x: int, curve: int, x_values: np.ndarray,
                 sim: tuple[ArrayLike, ArrayLike, ArrayLike]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The simulated points of one curve of a (curve, x) grid flattened row by row."""
    index = np.asarray(sim_index, dtype=np.int64)
    est, lo, hi = (np.asarray(a, dtype=float) for a in sim)
    sel = index // n_x == curve
    return x_values[index[sel] % n_x], est[sel], lo[sel], hi[sel]


def false_match_vs_n_figure(n: ArrayLike, a: ArrayLike, p_false_match: ArrayLike, *, s: int,
                            theta: int, sim_n: ArrayLike, sim_a: ArrayLike,
                            sim_estimate: ArrayLike, sim_low: ArrayLike, sim_high: ArrayLike,
                            p_false_match_dense: ArrayLike | None = None,
                            dense_fraction: float = 0.0) -> Figure:
    """False-match probability against the population size n, one curve per ``a`` (Fig. A/B).

    ``p_false_match`` has shape ``(len(a), len(n))``; the dashed curve ``a = dense_fraction *
    n`` is drawn when ``p_false_match_dense`` is given; ``sim_n`` and ``sim_a`` locate the
    simulated points.
    """
    ns, acts, p = np.asarray(n), np.asarray(a), np.asarray(p_false_match)
    sn, sa = np.asarray(sim_n), np.asarray(sim_a)
    est, lo, hi = (np.asarray(x, dtype=float) for x in (sim_estimate, sim_low, sim_high))
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    for k, act in enumerate(acts):
        ax.plot(ns, p[k], color=_color(k), label=f"theory a={act}")
    if p_false_match_dense is not None:
        ax.plot(ns, np.asarray(p_false_match_dense), "k--", label=f"theory a={dense_fraction:g} n")
    for k, act in enumerate(acts):
        sel = sa == act
        _error_bars(ax, sn[sel], est[sel], lo[sel], hi[sel], _color(k), f"simulated a={act}")
    _log_axes(ax, "cell population size n", "probability of false match", f"s={s}, θ={theta}")
    return fig


def false_match_vs_s_figure(s: ArrayLike, a: ArrayLike, n: ArrayLike, p_false_match: ArrayLike,
                            *, sim_index: ArrayLike, sim_estimate: ArrayLike,
                            sim_low: ArrayLike, sim_high: ArrayLike) -> Figure:
    """False-match probability against the segment size s with θ = s/2 (Fig. C).

    One curve per ``(a, n)`` pair (dashed when ``a >= n / 8``); ``p_false_match`` has shape
    ``(len(a), len(s))`` and ``sim_index`` points into it flattened row by row.
    """
    sv, acts, ns, p = (np.asarray(x) for x in (s, a, n, p_false_match))
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    for k in range(len(acts)):
        style = "--" if acts[k] >= ns[k] / 8 else "-"
        ax.plot(sv, p[k], style, color=_color(k), label=f"theory a={acts[k]}, n={ns[k]}")
        x, est, lo, hi = _grid_points(sim_index, len(sv), k, sv, (sim_estimate, sim_low, sim_high))
        _error_bars(ax, x, est, lo, hi, _color(k), None)
    _log_axes(ax, "synapses on segment s (θ = s/2)", "probability of false match",
              "effect of s (dots: simulation, 95 % CI)")
    return fig


def noise_figure(noise_fraction: ArrayLike, theta: ArrayLike, p_false_negative: ArrayLike, *,
                 a: int, s: int, n: int, sim_index: ArrayLike, sim_estimate: ArrayLike,
                 sim_low: ArrayLike, sim_high: ArrayLike) -> Figure:
    """False-negative probability against the fraction of active cells replaced (Fig. D).

    One curve per θ; ``p_false_negative`` has shape ``(len(theta), len(noise_fraction))``
    (exact zeros, for ``v <= s - θ``, are not drawn on the log axis).
    """
    frac, th, p = np.asarray(noise_fraction), np.asarray(theta), np.asarray(p_false_negative)
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    for k, t in enumerate(th):
        shown = np.where(p[k] > 0, p[k], np.nan)  # exactly 0 for v <= s - θ
        ax.plot(frac, shown, color=_color(k), label=f"theory θ={t}")
        x, est, lo, hi = _grid_points(sim_index, len(frac), k, frac,
                                      (sim_estimate, sim_low, sim_high))
        _error_bars(ax, x, est, lo, hi, _color(k), None)
    _log_axes(ax, "noise (fraction of a replaced)", "probability of false negative",
              f"a={a}, s={s} (dots: simulation, n={n})")
    return fig


def union_figure(M: ArrayLike, n: ArrayLike, p_false_match: ArrayLike,
                 p_false_match_exact: ArrayLike, s_panel: ArrayLike,
                 union_synapses_panel: ArrayLike, *, a: int, s: int, theta: int, synapse_n: int,
                 sim_index: ArrayLike, sim_estimate: ArrayLike, sim_low: ArrayLike,
                 sim_high: ArrayLike) -> Figure:
    """Union property (Fig. E): false matches against M (E1) and synapses per segment (E2).

    ``p_false_match`` (the paper's expected-size formula) and ``p_false_match_exact`` have
    shape ``(len(n), len(M))``; ``union_synapses_panel`` has shape ``(len(s_panel), len(M))``.
    """
    m, ns = np.asarray(M), np.asarray(n)
    p_paper, p_exact = np.asarray(p_false_match), np.asarray(p_false_match_exact)
    syn, s_curves = np.asarray(s_panel), np.asarray(union_synapses_panel)
    fig = Figure(figsize=(11, 4.2))
    ax, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    for k, nn in enumerate(ns):
        ax.plot(m, p_paper[k], color=_color(k), label=f"paper n={nn}")
        ax.plot(m, p_exact[k], ":", color=_color(k), label=f"exact union n={nn}")
        x, est, lo, hi = _grid_points(sim_index, len(m), k, m, (sim_estimate, sim_low, sim_high))
        _error_bars(ax, x, est, lo, hi, _color(k), None)
    _log_axes(ax, "number of combined patterns M", "probability of false match",
              f"a={a}, s={s}, θ={theta}")
    for k, ss in enumerate(syn):
        ax2.plot(m, s_curves[k], color=_color(k), label=f"s={ss}")
    ax2.set_xlabel("number of combined patterns M")
    ax2.set_ylabel("synapses on segment")
    ax2.set_title(f"n={synapse_n}")
    ax2.legend(fontsize=7)
    return fig


def optimal_threshold_figure(thetas: ArrayLike, median: ArrayLike, minimum: ArrayLike,
                             maximum: ArrayLike, *, target: float, optimal: int | None,
                             sim_thetas: Sequence[int], p_sim: ArrayLike, n_sim: int,
                             a_sim: int, s_sim: int, sim_theta: ArrayLike,
                             sim_estimate: ArrayLike, sim_low: ArrayLike,
                             sim_high: ArrayLike) -> Figure:
    """Median false-match rate per θ over the paper's grid, with its range (Fig. F).

    ``p_sim`` is the theory curve of the simulated configuration ``(n_sim, a_sim, s_sim)``
    at ``sim_thetas``; ``sim_theta`` locates the simulated points.
    """
    th, med = np.asarray(thetas), np.asarray(median)
    low, high = np.asarray(minimum), np.asarray(maximum)
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    positive = low > 0
    ax.fill_between(th[positive], low[positive], high[positive], color="0.85",
                    label="grid min-max")
    ax.plot(th, med, "k-o", ms=3, label="median over grid")
    ax.plot(sim_thetas, p_sim, color="C3", label=f"theory n={n_sim}, a={a_sim}, s={s_sim}")
    est, lo, hi = (np.asarray(x, dtype=float) for x in (sim_estimate, sim_low, sim_high))
    _error_bars(ax, np.asarray(sim_theta), est, lo, hi, "C3", "simulated")
    ax.axhline(target, color="C2", ls="--", label=f"target {target:g}")
    if optimal is not None:
        ax.axvline(optimal, color="C2", ls=":")
    _log_axes(ax, "synapses needed for a dendritic spike θ", "false-match probability",
              f"optimal θ (median ≤ {target:g}): {optimal}")
    return fig


def detector_capacity_figure(theta: ArrayLike, s: ArrayLike, patterns_per_segment: ArrayLike,
                             fp_theory: ArrayLike, fp_simulated: ArrayLike,
                             capacity_theory: ArrayLike, capacity_simulated: ArrayLike, *,
                             n: int, a: int, n_segments: int, n_tests: int,
                             target: float) -> Figure:
    """Pattern-detector neurons: false-positive rate against stored patterns, and capacity.

    One row of ``fp_theory``/``fp_simulated`` (shape ``(len(theta), len(M))``) per
    ``(theta[c], s[c])`` pair; ``n_tests`` is the number of tests behind each simulated rate.
    """
    combos = list(zip(np.asarray(theta).tolist(), np.asarray(s).tolist()))
    m = np.asarray(patterns_per_segment)
    fp_th, fp_sim = np.asarray(fp_theory), np.asarray(fp_simulated)
    fig = Figure(figsize=(11, 4.2))
    ax, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    for c, (t, ss) in enumerate(combos):
        ax.plot(m * n_segments, fp_th[c], color=_color(c), label=f"θ={t}, s={ss}")
        seen = fp_sim[c] > 0  # a rate of 0 has no place on a log axis
        ax.plot(m[seen] * n_segments, fp_sim[c][seen], "o", ms=3, color=_color(c))
    ax.axhline(target, color="k", ls="--", lw=0.8)
    _log_axes(ax, "patterns stored per neuron", "false-positive rate",
              f"n={n}, a={a}, K={n_segments} (dots: simulation, {n_tests} tests each)")
    x = np.arange(len(combos))
    ax2.bar(x - 0.2, np.asarray(capacity_theory), width=0.4, label="theory")
    ax2.bar(x + 0.2, np.asarray(capacity_simulated), width=0.4, label="simulated")
    ax2.set_xticks(x, [f"θ={t}\ns={ss}" for t, ss in combos], fontsize=7)
    ax2.set_ylabel(f"patterns per neuron at FP ≤ {target:g}")
    ax2.legend(fontsize=7)
    return fig
