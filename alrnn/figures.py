"""Figures of AL-RNN runs, built on :class:`matplotlib.figure.Figure` (never pyplot)."""

from __future__ import annotations

import networkx as nx
import numpy as np
from matplotlib.figure import Figure

from workbench.validation import check_array

__all__ = ["attractor_figure", "p_sweep_figure", "regions_over_seeds_figure", "training_curves_figure",
           "transition_graph_figure"]

#: At most this many points are drawn per trajectory (evenly strided).
MAX_POINTS = 20_000


def _stride(n):
    return max(1, n // MAX_POINTS)


def _scatter(fig, pos, X, title, colors=None):
    """3-D (or 2-D for N < 3) scatter of a strided trajectory; ``colors``: region ranks."""
    s = _stride(len(X))
    kw = {"s": 0.3}
    kw.update({"color": "0.35"} if colors is None else
              {"c": np.minimum(np.asarray(colors)[::s], 9), "cmap": "tab10", "vmin": 0, "vmax": 9})
    if X.shape[1] >= 3:
        ax = fig.add_subplot(pos, projection="3d")
        ax.scatter(X[::s, 0], X[::s, 1], X[::s, 2], **kw)
        ax.set_zlabel("x3")
        ax.set_ylabel("x2")
    elif X.shape[1] == 2:
        ax = fig.add_subplot(pos)
        ax.scatter(X[::s, 0], X[::s, 1], **kw)
        ax.set_ylabel("x2")
    else:
        ax = fig.add_subplot(pos)
        ax.scatter(np.arange(len(X))[::s], X[::s, 0], **kw)
        ax.set_ylabel("x1")
    ax.set_xlabel("x1" if X.shape[1] > 1 else "time step")
    ax.set_title(title)
    return ax


def attractor_figure(true, generated, ranks, labels):
    """True attractor next to the generated one, coloured by linear subregion.

    Parameters
    ----------
    true : array (T, N)
        Ground-truth (test) series.
    generated : array (T', N)
        Free run of the model (observed units).
    ranks : array of int (T',)
        Region rank of each generated point (0 = most visited).
    labels : list of str
        Bit-string label of each rank.

    Returns
    -------
    matplotlib.figure.Figure
    """
    true = check_array(true, "true", ndim=2)
    generated = check_array(generated, "generated", ndim=2, finite=False)
    fig = Figure(figsize=(11, 5))
    _scatter(fig, 121, true, "ground truth (test)")
    ax = _scatter(fig, 122, generated, "AL-RNN free run (colour: subregion)", colors=ranks)
    handles = [ax.scatter([], [], color=f"C{i}", s=15, label=lab or "-") for i, lab in enumerate(labels[:10])]
    ax.legend(handles=handles, title="region", loc="upper left", fontsize=7)
    return fig


def transition_graph_figure(graph: nx.DiGraph, min_occupancy=1e-3):
    """Symbolic transition graph: node area ~ occupancy, edge width ~ transition probability.

    Nodes with an occupancy below ``min_occupancy`` are left out for readability.
    """
    keep = [n for n, d in graph.nodes(data=True) if d["occupancy"] >= min_occupancy]
    g = graph.subgraph(keep)
    fig = Figure(figsize=(5.5, 5))
    ax = fig.add_subplot(111)
    ax.set_axis_off()
    if g.number_of_nodes() == 0:
        ax.set_title("no region above the occupancy threshold")
        return fig
    pos = nx.circular_layout(g) if g.number_of_nodes() > 1 else {n: (0.0, 0.0) for n in g}
    ranks = [g.nodes[n]["rank"] for n in g]
    sizes = [300 + 3000 * g.nodes[n]["occupancy"] for n in g]
    nx.draw_networkx_nodes(g, pos, ax=ax, node_size=sizes,
                           node_color=[f"C{min(r, 9)}" for r in ranks])
    nx.draw_networkx_labels(g, pos, ax=ax, labels={n: g.nodes[n]["label"] or "-" for n in g},
                            font_size=9)
    edges = [(u, v) for u, v in g.edges if u != v]
    widths = [0.5 + 6 * g.edges[e]["weight"] for e in edges]
    nx.draw_networkx_edges(g, pos, ax=ax, edgelist=edges, width=widths, node_size=sizes,
                           arrows=True, arrowstyle="-|>", connectionstyle="arc3,rad=0.15")
    nx.draw_networkx_edge_labels(g, pos, ax=ax, edge_labels={e: f"{g.edges[e]['weight']:.3f}"
                                                             for e in edges}, font_size=7,
                                 connectionstyle="arc3,rad=0.15")
    stay = ", ".join(f"{g.nodes[n]['label']}: {g.edges[n, n]['weight']:.3f}" for n in g
                     if g.has_edge(n, n))
    ax.set_title(f"transition graph (self-transitions {stay})", fontsize=9)
    return fig


def training_curves_figure(history):
    """Loss per epoch and D_stsp / D_H at the evaluations (best checkpoint marked)."""
    fig = Figure(figsize=(10, 3.5))
    ax1, ax2, ax3 = fig.subplots(1, 3)
    ax1.semilogy(history["epoch"], history["loss"])
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("teacher-forced MSE")
    for ax, key, name in ((ax2, "d_stsp", "D_stsp"), (ax3, "d_h", "D_H")):
        ax.plot(history["eval_epoch"], history[key], "o-", ms=3)
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
    best = history.get("best_epoch")
    if best is not None:
        for ax in (ax2, ax3):
            ax.axvline(best, color="k", ls=":", lw=1)
    fig.tight_layout()
    return fig


def p_sweep_figure(P_values, d_stsp, d_h, n_regions, n_regions_99):
    """D_stsp, D_H and used subregions against the number of ReLU units P."""
    fig = Figure(figsize=(10, 3.5))
    ax1, ax2, ax3 = fig.subplots(1, 3)
    ax1.plot(P_values, d_stsp, "o-")
    ax1.set_ylabel("D_stsp (test)")
    ax2.plot(P_values, d_h, "o-")
    ax2.set_ylabel("D_H (test)")
    ax3.semilogy(P_values, [2 ** p for p in P_values], "k:", label="2^P possible")
    ax3.semilogy(P_values, n_regions, "o-", label="visited")
    ax3.semilogy(P_values, n_regions_99, "s--", label="holding 99 %")
    ax3.set_ylabel("subregions")
    ax3.legend(fontsize=8)
    for ax in (ax1, ax2, ax3):
        ax.set_xlabel("P (ReLU units)")
    fig.tight_layout()
    return fig


def regions_over_seeds_figure(seeds, n_regions_99, d_stsp):
    """Subregions holding 99 % of the free run and test D_stsp of every seed."""
    fig = Figure(figsize=(8, 3.5))
    ax1, ax2 = fig.subplots(1, 2)
    labels = [str(int(s)) for s in seeds]
    ax1.bar(labels, n_regions_99, color="C0")
    ax1.set_ylabel("subregions holding 99 %")
    ax2.bar(labels, d_stsp, color="C1")
    ax2.set_ylabel("D_stsp (test)")
    for ax, values, why in ((ax1, n_regions_99, "unbounded"), (ax2, d_stsp, "not finite")):
        for i, v in enumerate(values):           # a missing bar says why it is missing
            if not np.isfinite(v):
                ax.text(i, 0.03, why, rotation=90, ha="center", va="bottom", fontsize=8, color="0.3",
                        transform=ax.get_xaxis_transform())
    for ax in (ax1, ax2):
        ax.set_xlabel("seed")
        ax.set_xlim(-0.6, len(labels) - 0.4)       # every seed's slot, a missing bar too
    fig.tight_layout()
    return fig
