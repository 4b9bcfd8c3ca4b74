"""The benchmark leaderboard: Markdown, HTML and figures.

One table per dataset (models sorted by mean D_stsp), every score as mean ± SEM over seeds
with the median in brackets, read against the dataset's data floor; figures of the score
distribution per model and of the free run of each model's median seed (the seed whose D_stsp
is the median) beside the training series (the test series is read by the evaluation only).
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["floor_text", "leaderboard_rows", "leaderboard_text", "write_report"]

HEADER = ["model", "seeds", "D_stsp", "D_H", "PE(n)", "≤2× floor (D_stsp / D_H)",
          "λ_max gen / data", "params", "train s", "seeds/h", "regions 99 %"]


def _num(x, digits=3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if abs(x) >= 1000 or (abs(x) < 1e-3 and x != 0):
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"


def _score(row, key) -> str:
    mean, sem, med = row[f"{key}_mean"], row[f"{key}_sem"], row[f"{key}_median"]
    if not math.isfinite(mean):
        return "–"
    if math.isfinite(sem) and sem <= 1e-12 * abs(mean):
        sem = 0.0       # identical scores over seeds (a deterministic fit): rounding, not spread
    return f"{_num(mean)} ± {_num(sem, 2)} ({_num(med)})"


def floor_text(board: pd.DataFrame, dataset: str) -> str:
    """The data floor of one dataset, ``data floor: D_stsp …, D_H …`` (what its scores are read against)."""
    first = board[board["dataset"] == dataset].iloc[0]
    return f"data floor: D_stsp {_num(first['floor_d_stsp'])}, D_H {_num(first['floor_d_h'])}"


def leaderboard_rows(board: pd.DataFrame, dataset: str) -> list[list[str]]:
    """Table cells (strings) of one dataset, in :data:`HEADER` order."""
    rows = []
    for _, r in board[board["dataset"] == dataset].iterrows():
        seeds = f"{r['seeds']}" + (f" (+{r['failed']} failed)" if r["failed"] else "")
        if r.get("missing", 0):
            seeds += f", {r['missing']} not run"
        if r.get("diverged", 0):
            seeds += f", {r['diverged']} diverged"
        frac = "–" if not math.isfinite(r["frac_2x_floor"]) else \
            f"{r['frac_2x_floor']:.0%} / {r['frac_2x_floor_dh']:.0%}"
        lyap = f"{_num(r['lyap_generated'])} / {_num(r['lyap_data'])}"
        params = "–" if not math.isfinite(r["n_parameters"]) else f"{int(r['n_parameters'])}"
        rows.append([r["model"], seeds, _score(r, "d_stsp"), _score(r, "d_h"), _score(r, "pe"),
                     frac, lyap, params, _num(r["train_seconds"]), _num(r.get("seeds_per_hour", np.nan)),
                     _num(r["regions_99"])])
    return rows


def leaderboard_text(board: pd.DataFrame) -> str:
    """A plain-text leaderboard (the CLI prints it)."""
    if board.empty:
        return "(no runs)"
    parts = []
    for dataset in board["dataset"].unique():
        parts.append(f"\n{dataset}  ({floor_text(board, dataset)})")
        rows = [HEADER] + leaderboard_rows(board, dataset)
        widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
        for r in rows:
            parts.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    return "\n".join(parts)


def _markdown_table(rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(out)


def _html_table(rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in HEADER)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _score_figure(runs: pd.DataFrame, dataset: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = runs[(runs["dataset"] == dataset) & (runs["status"] == "complete")]
    models = list(dict.fromkeys(ok["model"]))
    fig, axes = plt.subplots(1, 3, figsize=(12, 0.6 * max(len(models), 2) + 1.5))
    for ax, (key, label) in zip(axes, (("d_stsp", "D_stsp"), ("d_h", "D_H"), ("pe", "PE(n)"))):
        for i, m in enumerate(models):
            vals = ok[ok["model"] == m][key].to_numpy(dtype=float) if key in ok else np.array([])
            vals = vals[np.isfinite(vals)]
            ax.plot(vals, np.full(vals.size, i), "o", alpha=0.7)
            if vals.size:
                ax.plot([np.median(vals)] * 2, [i - 0.3, i + 0.3], "k-")
        floor_key = {"d_stsp": "floor_d_stsp", "d_h": "floor_d_h"}.get(key)
        if floor_key and floor_key in ok and len(ok):
            ax.axvline(float(np.nanmax(ok[floor_key])), color="grey", ls="--", label="data floor")
            ax.legend(loc="best", fontsize=8)
        ax.set_yticks(range(len(models)), models if ax is axes[0] else [""] * len(models))
        ax.set_xlabel(label)
        if key == "pe":
            ax.set_xscale("log")
    fig.suptitle(f"{dataset}: one point per seed, bar = median")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _attractor_figure(board, dataset, store, train, path: Path) -> bool:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = board[(board["dataset"] == dataset) & board["median_run"].notna()]
    if rows.empty:
        return False
    dim = train.shape[1]
    n = len(rows)
    fig = plt.figure(figsize=(3.2 * (n + 1), 3.4))
    shown = min(dim, 3)

    def draw(k, x, title):
        x = x[:20_000]
        if shown == 3:
            ax = fig.add_subplot(1, n + 1, k, projection="3d")
            ax.plot(x[:, 0], x[:, 1], x[:, 2], lw=0.3)
        elif shown == 2:
            ax = fig.add_subplot(1, n + 1, k)
            ax.plot(x[:, 0], x[:, 1], lw=0.3)
        else:
            ax = fig.add_subplot(1, n + 1, k)
            ax.plot(x[:2000, 0], lw=0.6)
        ax.set_title(title, fontsize=8)

    draw(1, train, "data (training series)")
    for k, (_, r) in enumerate(rows.iterrows(), start=2):
        gen = store.open(r["median_run"])["generated"]
        draw(k, gen, f"{r['model']} (seed {r['median_seed']}, D_stsp {_num(float(r['median_seed_d_stsp']))})")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def write_report(board: pd.DataFrame, runs: pd.DataFrame, datasets, store, out, *, quick: bool,
                 wall_seconds: float | None, command: str | None = None) -> dict:
    """Write ``leaderboard.md``, ``leaderboard.html`` and ``figures/*.png`` into ``out``.

    Returns
    -------
    dict
        ``{"markdown": path, "html": path}``.
    """
    out = Path(out)
    figs = out / "figures"
    figs.mkdir(parents=True, exist_ok=True)
    label = "QUICK (reduced training budgets, same evaluation protocol)" if quick else "full"
    n_seeds = int(runs["seed"].nunique()) if len(runs) else 0
    md = [f"# Benchmark leaderboard — {label}", ""]
    if command:
        md.append(f"Command: `{command}`  ")
    reused = int(runs["skipped"].sum()) if "skipped" in runs else 0
    missing = int((runs["status"] == "missing").sum()) if len(runs) else 0
    if wall_seconds is None:
        done = len(runs) - missing
        timing = (f"made from the runs in the store, none run now: {done} of {len(runs)} planned runs "
                  f"exist" + (f", {missing} not run (the benchmark is incomplete)" if missing else ""))
    else:
        reuse = (f" {reused} of them were already complete in the store and were reused, not re-run."
                 if reused else "")
        timing = f"wall time {wall_seconds:.0f} s (this machine, shared).{reuse}"
    md += [f"Runs: {len(runs)} ({n_seeds} seeds per model and dataset); {timing}", "",
           "Scores: mean ± SEM over seeds (median). Lower is better. ≤2× floor: share of seeds "
           "within twice the data floor (training vs test series, same metrics).", ""]
    page = [f"<h1>Benchmark leaderboard — {html.escape(label)}</h1>",
            f"<p>{html.escape(md[2] if command else '')}</p>" if command else "",
            f"<p>Runs: {len(runs)}; {html.escape(timing)} Scores: mean ± SEM over seeds "
            "(median); lower is better.</p>"]
    for ds in datasets:
        if ds.name not in set(board.get("dataset", [])):
            continue
        proto = ", ".join(f"{k} {v}" for k, v in ds.protocol().items() if k != "dataset")
        floor = floor_text(board, ds.name)
        rows = leaderboard_rows(board, ds.name)
        md += [f"## {ds.name}", "", f"{ds.description}. Protocol: {proto}. {floor}.", "",
               _markdown_table(rows), ""]
        page += [f"<h2>{html.escape(ds.name)}</h2>",
                 f"<p>{html.escape(ds.description)}. Protocol: {html.escape(proto)}. "
                 f"{html.escape(floor)}.</p>",
                 _html_table(rows)]
        score_png = figs / f"scores_{ds.name}.png"
        _score_figure(runs, ds.name, score_png)
        md.append(f"![score distributions]({score_png.relative_to(out)})")
        page.append(f'<img src="{score_png.relative_to(out)}" style="max-width:100%">')
        att_png = figs / f"attractor_{ds.name}.png"
        if _attractor_figure(board, ds.name, store, ds.train(), att_png):
            md.append(f"![median-seed free runs]({att_png.relative_to(out)})")
            page.append(f'<img src="{att_png.relative_to(out)}" style="max-width:100%">')
        md.append("")
    failed = runs[runs["status"] == "failed"]
    if len(failed):
        md += ["## Failed runs (not scored)", ""]
        md += [f"- {r.model} / {r.dataset} / seed {r.seed}: {r.error}" for r in failed.itertuples()]
        page.append("<h2>Failed runs (not scored)</h2><ul>" + "".join(
            f"<li>{html.escape(f'{r.model} / {r.dataset} / seed {r.seed}: {r.error}')}</li>"
            for r in failed.itertuples()) + "</ul>")
    md_path, html_path = out / "leaderboard.md", out / "leaderboard.html"
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")
    style = ("<style>body{font-family:sans-serif;max-width:1200px;margin:auto}"
             "td,th{padding:2px 8px;border-bottom:1px solid #ddd}</style>")
    html_path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>Benchmark</title>"
                         f"{style}</head><body>{''.join(page)}</body></html>\n", encoding="utf-8")
    return {"markdown": str(md_path), "html": str(html_path)}
