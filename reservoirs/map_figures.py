"""Figures of the balance map (``matplotlib.figure.Figure``, never pyplot).

Each panel is one (balance_mode, ei_split) row and one input scaling column; inside, the
coupling ``c J`` runs up and the balance ``beta`` runs right. Overlaid: the Jacobian radius at
the operating point (white contours) and the rate entropy (black dashed contours), both
seed-means of the global condition (:mod:`reservoirs.operating_point`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

__all__ = ["heatmap_figure", "regions_figure"]


def _panels(axes_coords, n_cols_extra=0):
    modes, splits = axes_coords["balance_modes"], axes_coords["ei_splits"]
    sigmas = axes_coords["input_scalings"]
    rows = [(i, j, f"{m}, {s}") for i, m in enumerate(modes) for j, s in enumerate(splits)]
    fig = Figure(figsize=(3.2 * len(sigmas) + 1.2, 2.6 * len(rows) + 0.6))
    grid = fig.subplots(len(rows), len(sigmas), squeeze=False)
    return fig, grid, rows, sigmas


def _overlay(ax, x, y, radius, entropy):
    if len(x) > 1 and len(y) > 1:
        if np.isfinite(radius).sum() > 3 and np.nanmax(radius) > np.nanmin(radius):
            cs = ax.contour(x, y, radius, levels=[0.5, 0.8, 1.0, 1.2], colors="w",
                            linewidths=0.9)
            ax.clabel(cs, fontsize=6, fmt="ρ=%.1f")
        if np.isfinite(entropy).sum() > 3 and np.nanmax(entropy) > np.nanmin(entropy):
            cs = ax.contour(x, y, entropy, levels=4, colors="k", linestyles="--",
                            linewidths=0.7)
            ax.clabel(cs, fontsize=6, fmt="H=%.1f")


def heatmap_figure(score, radius, entropy, conditions, axes_coords, balances, label,
                   higher_better):
    """Task score of the global condition, and the adaptive gain, over beta x coupling.

    Parameters
    ----------
    score, radius, entropy : ndarray, shape (condition, target_rate, mode, split, coupling,
            sigma, balance, seed)
    conditions : list of str
    axes_coords : dict
        ``balance_modes``, ``ei_splits``, ``couplings``, ``input_scalings`` lists.
    balances : ndarray
    label : str
    higher_better : bool
        Gain = adaptive / global for scores, global / adaptive for errors (> 1: adaptation
        better); the adaptive value is the homogeneous condition at its best target rate.
    """
    g = conditions.index("global")
    mean = np.nanmean(score, axis=-1)
    rad = np.nanmean(radius[g, 0], axis=-1)
    ent = np.nanmean(entropy[g, 0], axis=-1)
    glob = mean[g, 0]
    gain = None
    if "homogeneous" in conditions:
        h = mean[conditions.index("homogeneous")]
        best = np.nanmax(h, axis=0) if higher_better else np.nanmin(h, axis=0)
        gain = best / glob if higher_better else glob / best
    fig, grid, rows, sigmas = _panels(axes_coords)
    if gain is not None:
        fig.set_size_inches(fig.get_size_inches()[0] * 2, fig.get_size_inches()[1])
        fig.clear()
        grid = fig.subplots(len(rows), 2 * len(sigmas), squeeze=False)
    couplings = np.asarray(axes_coords["couplings"], dtype=float)
    y = np.arange(couplings.size)
    for r, (i, j, name) in enumerate(rows):
        for k, sig in enumerate(sigmas):
            maps = [(glob[i, j, :, k], label, "viridis" if higher_better else "viridis_r")]
            if gain is not None:
                maps.append((gain[i, j, :, k], "adaptive gain", "RdBu"))
            for q, (img, what, cmap) in enumerate(maps):
                ax = grid[r, k + q * len(sigmas)]
                kw = {}
                if what == "adaptive gain":       # 1 (no gain) white, > 1 blue, < 1 red
                    finite = img[np.isfinite(img)]
                    lo = min(float(finite.min(initial=1.0)), 0.99)
                    hi = max(float(finite.max(initial=1.0)), 1.01)
                    kw = dict(norm=TwoSlopeNorm(1.0, lo, hi))
                x = np.arange(balances.size)      # cells at grid indices (beta may be uneven)
                im = ax.imshow(img, origin="lower", aspect="auto", cmap=cmap, **kw)
                _overlay(ax, x, y, rad[i, j, :, k], ent[i, j, :, k])
                ax.set_xticks(x, [f"{b:g}" for b in balances], rotation=90)
                ax.set_yticks(y, [f"{c:g}" for c in couplings])
                ax.set_title(f"{what}\n{name}, σ_in={sig:g}", fontsize=7)
                ax.set_xlabel("β", fontsize=7)
                ax.set_ylabel("c·J", fontsize=7)
                ax.tick_params(labelsize=6)
                fig.colorbar(im, ax=ax, fraction=0.05)
    fig.tight_layout()
    return fig


def regions_figure(regions, tasks, axes_coords):
    """Where T1, T2, T3 (and T4, where decided) hold (1) or not (0), per task, over coupling x
    sigma_in.

    T4 gets its panels when ``regions["t4_holds"]`` has a decided (finite) cell, i.e. the map
    has the homogeneous and one_step conditions (:func:`reservoirs.map_analysis.verdicts`).
    """
    modes, splits = axes_coords["balance_modes"], axes_coords["ei_splits"]
    couplings, sigmas = axes_coords["couplings"], axes_coords["input_scalings"]
    combos = [(i, j, f"{m}, {s}") for i, m in enumerate(modes) for j, s in enumerate(splits)]
    claims = ["t1_holds", "t2_holds", "t3_holds"]
    if "t4_holds" in regions and np.isfinite(regions["t4_holds"]).any():
        claims.append("t4_holds")
    fig = Figure(figsize=(2.2 * len(tasks) * len(claims) / 2 + 1, 2.0 * len(combos) + 0.6))
    grid = fig.subplots(len(combos), len(tasks) * len(claims), squeeze=False)
    for r, (i, j, name) in enumerate(combos):
        for t, task in enumerate(tasks):
            for c, claim in enumerate(claims):
                ax = grid[r, t * len(claims) + c]
                ax.imshow(regions[claim][t, i, j], origin="lower", aspect="auto", cmap="Greens",
                          vmin=0, vmax=1)
                ax.set_xticks(range(len(sigmas)), [f"{s:g}" for s in sigmas], fontsize=5)
                ax.set_yticks(range(len(couplings)), [f"{g:g}" for g in couplings], fontsize=5)
                ax.set_title(f"{claim[:2].upper()} {task}\n{name}", fontsize=6)
                if c == 0:
                    ax.set_ylabel("c·J", fontsize=6)
                ax.set_xlabel("σ_in", fontsize=6)
    fig.tight_layout()
    return fig
