"""One-command reproduction of the papers' claims, through the sweep machinery.

Each science package declares its claims in a module listed under the entry-point group
``workbench.claims`` (e.g. ``dendrites = "dendrites.claims:CLAIMS"``). A :class:`Claim`
names the experiment and parameters that test it (full and ``--quick`` sizes) and a function
that reads the finished run and returns our value and a verdict. :func:`reproduce` runs every
distinct (experiment, parameters) point once with :func:`workbench.sweep.run_points`, then
writes a Markdown and an HTML report with a table (claim, paper value, our value, verdict)
and the runs' figures.
"""

from __future__ import annotations

import base64
import html
import json
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from .registry import get_experiment
from .store import RunReader, Store
from .sweep import SweepPoint, run_points

__all__ = ["Claim", "ClaimResult", "claims", "reproduce", "write_report"]

GROUP = "workbench.claims"
#: Verdict of a claim run below its ``min_budget``.
NOT_JUDGED = "not judged at this budget"


@dataclass(frozen=True)
class Claim:
    """A published claim and the experiment that tests it.

    Parameters
    ----------
    id : str
        Short identifier, e.g. ``"reservoirs.T1"``.
    paper : str
        Short citation of the source paper.
    statement : str
        The claim in words.
    paper_value : str
        What the paper reports (a number or a qualitative statement).
    experiment : str
        Registered experiment kind that tests it.
    evaluate : callable
        ``evaluate(run: RunReader) -> (our_value: str, verdict: bool | None)``; ``None`` when
        there is no pass/fail criterion.
    params, quick_params : dict
        Experiment parameters for the full and the ``--quick`` reproduction.
    figure : str, optional
        Name of the run's figure to show beside the claim.
    min_budget : {"quick", "full"}, default "quick"
        The smallest budget at which the verdict means something. Below it (``"full"`` under
        ``--quick``) the claim's run is still made and its value shown, with the verdict
        ``"not judged at this budget"``.
    """

    id: str
    paper: str
    statement: str
    paper_value: str
    experiment: str
    evaluate: Callable[[RunReader], tuple[str, bool | None]]
    params: Mapping[str, Any] = field(default_factory=dict)
    quick_params: Mapping[str, Any] | None = None
    figure: str | None = None
    min_budget: str = "quick"

    def __post_init__(self):
        if self.min_budget not in ("quick", "full"):
            raise ValueError(f"min_budget of claim {self.id!r} must be 'quick' or 'full', "
                             f"got {self.min_budget!r}")


@dataclass
class ClaimResult:
    """The outcome of one claim."""

    claim: Claim
    run_id: str | None
    our_value: str
    verdict: str  # "reproduced", "not reproduced", "measured", "failed", "not judged at this budget"
    error: str | None = None
    reused: bool = False  # the run was already complete in the store (made by an earlier invocation)


def claims() -> list[Claim]:
    """All claims declared by installed packages."""
    found: list[Claim] = []
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        try:
            items = ep.load()
        except Exception as exc:  # noqa: BLE001 - one broken package must not hide the others
            warnings.warn(f"claims of {ep.name!r} unavailable: {type(exc).__name__}: {exc}", RuntimeWarning,
                          stacklevel=2)
            continue
        found.extend(items)
    return found


def _points(selected: list[Claim], quick: bool) -> tuple[list[SweepPoint], list[int]]:
    points: list[SweepPoint] = []
    index_of: dict[tuple[str, str], int] = {}
    claim_point = []
    for claim in selected:
        cls = get_experiment(claim.experiment)
        raw = dict(claim.quick_params if quick and claim.quick_params is not None else claim.params)
        exp = cls.from_config(raw)
        point = SweepPoint(cls.kind, exp.to_params())
        key = (point.kind, point.key)
        if key not in index_of:
            index_of[key] = len(points)
            points.append(point)
        claim_point.append(index_of[key])
    return points, claim_point


def reproduce(store: Store | str | None = None, *, quick: bool = False, only: list[str] | None = None,
              scheduler: str | None = None, workers: int | None = None, resume: bool = True,
              progress: Callable[[dict], None] | None = None) -> list[ClaimResult]:
    """Run the reproduction suite and evaluate every claim.

    Parameters
    ----------
    store : Store or str, optional
        Where the runs go (shared by all workers).
    quick : bool, default False
        Use each claim's reduced sizes (a few minutes in all).
    only : list of str, optional
        Claim id prefixes to keep (e.g. ``["dendrites"]``).
    scheduler, workers, resume, progress
        As for :func:`workbench.sweep.sweep`.
    """
    store = store if isinstance(store, Store) else Store(store)
    selected = [c for c in claims() if not only or any(c.id.startswith(p) for p in only)]
    if not selected:
        raise ValueError(f"no claims match {only!r}")
    points, claim_point = _points(selected, quick)
    tags = {"reproduce": "quick" if quick else "full"}
    results = run_points(points, store, scheduler=scheduler, workers=workers, resume=resume, tags=tags,
                         progress=progress)
    out = []
    for claim, p in zip(selected, claim_point):
        res = results[p]
        if res["status"] != "complete":
            out.append(ClaimResult(claim, res["run_id"], "—", "failed", res["error"], res["skipped"]))
            continue
        try:
            value, ok = claim.evaluate(store.open(res["run_id"]))
        except Exception as exc:  # noqa: BLE001 - report, do not hide other claims
            out.append(ClaimResult(claim, res["run_id"], "—", "failed",
                                   f"evaluate: {type(exc).__name__}: {exc}", res["skipped"]))
            continue
        verdict = "measured" if ok is None else ("reproduced" if ok else "not reproduced")
        if quick and claim.min_budget == "full" and ok is not None:
            verdict = NOT_JUDGED
        out.append(ClaimResult(claim, res["run_id"], value, verdict, None, res["skipped"]))
    return out


def model_comparison(store: Store) -> tuple[list[str], str]:
    """The report's model comparison: the benchmark's leaderboard of the runs in ``store``.

    Models are compared only under one protocol (same data, length, start and metric
    settings), so this section shows the runs of ``workbench benchmark`` (full budgets; the
    ``--quick`` ones, labelled, when there are no full ones) and never the claims' own
    numbers side by side. Returns Markdown lines and an HTML fragment.
    """
    from .benchmark.aggregate import aggregate, stored_runs
    from .benchmark.report import HEADER, leaderboard_rows

    title = "## Model comparison under one protocol (`workbench benchmark`)"
    every = stored_runs(store, quick=None)
    runs, label = every[~every["quick"].astype(bool)], "full budgets"
    if runs.empty:
        runs, label = every[every["quick"].astype(bool)], "QUICK budgets (reduced training, 2 seeds)"
    if runs.empty:
        text = ("No benchmark runs in this store. The claims above use each paper's own protocol, so "
                "their numbers are not comparable across models; compare models with "
                f"`workbench benchmark --store {store.path}` (see docs/benchmark/).")
        return [title, "", text, ""], f"<h2>Model comparison</h2><p>{html.escape(text)}</p>"
    board = aggregate(runs)
    intro = (f"From the {len(runs)} benchmark runs in this store ({label}): every model fitted on the same "
             "training data and scored by one protocol on the same test data; mean ± SEM over seeds "
             "(median). The claims above use each paper's own protocol and are not compared across models.")
    md, page = [title, "", intro, ""], [f"<h2>Model comparison</h2><p>{html.escape(intro)}</p>"]
    for dataset in dict.fromkeys(board["dataset"]):
        rows = leaderboard_rows(board, dataset)
        md += [f"**{dataset}**", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        md += ["| " + " | ".join(r) + " |" for r in rows] + [""]
        page.append(f"<h3>{html.escape(dataset)}</h3><table><tr>" + "".join(
            f"<th>{html.escape(h)}</th>" for h in HEADER) + "</tr>" + "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows) + "</table>")
    return md, "".join(page)


def write_report(results: list[ClaimResult], store: Store, out_dir: str | Path, *, command: str,
                 elapsed_s: float | None = None) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` (figures as PNG files beside them)."""
    out = Path(out_dir)
    figdir = out / "figures"
    figdir.mkdir(parents=True, exist_ok=True)
    verdicts = ("reproduced", "not reproduced", "measured", NOT_JUDGED, "failed")
    counts = {v: sum(r.verdict == v for r in results) for v in verdicts}
    head = (f"Generated by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
            + (f" in {elapsed_s / 60:.1f} min" if elapsed_s is not None else "") + ". "
            + ", ".join(f"{n} {v}" for v, n in counts.items() if n) + ".")
    runs = {r.run_id: r.reused for r in results if r.run_id}
    if any(runs.values()):
        head += (f" {sum(runs.values())} of {len(runs)} runs were already complete in the store (made by"
                 f" earlier invocations with the same parameters) and were reused; each run's creation"
                 f" time and code version are in its attributes.")
    md = ["# Reproduction report", "", head, "",
          "| claim | paper | statement | paper value | our value | verdict | run |",
          "|---|---|---|---|---|---|---|"]
    figures = []
    for r in results:
        c = r.claim
        md.append(f"| {c.id} | {c.paper} | {c.statement} | {c.paper_value} | {r.our_value} | "
                  f"**{r.verdict}**{' — ' + r.error if r.error else ''} | `{r.run_id or '—'}` |")
        if c.figure and r.run_id and r.verdict != "failed":
            try:
                png = store.open(r.run_id).figure(c.figure)
            except KeyError:
                continue
            name = f"{c.id.replace('/', '_')}.png"
            (figdir / name).write_bytes(png)
            figures.append((c, name, png))
    md.append("")
    bench_md, bench_html = model_comparison(store)
    md += bench_md
    for c, name, _ in figures:
        md += [f"### {c.id}: {c.statement}", "", f"![{c.id}](figures/{name})", ""]
    md_path = out / "report.md"
    md_path.write_text("\n".join(md))

    esc = html.escape
    rows = "".join(
        f"<tr class='{esc(r.verdict.replace(' ', '-'))}'><td>{esc(r.claim.id)}</td>"
        f"<td>{esc(r.claim.paper)}</td>"
        f"<td>{esc(r.claim.statement)}</td><td>{esc(r.claim.paper_value)}</td><td>{esc(r.our_value)}</td>"
        f"<td><b>{esc(r.verdict)}</b>{(' — ' + esc(r.error)) if r.error else ''}</td>"
        f"<td><code>{esc(r.run_id or '—')}</code></td></tr>" for r in results)
    figs = "".join(
        f"<figure><img src='data:image/png;base64,{base64.b64encode(png).decode()}' alt='{esc(c.id)}'>"
        f"<figcaption>{esc(c.id)}: {esc(c.statement)}</figcaption></figure>" for c, _, png in figures)
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Reproduction report</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}
tr.reproduced td:nth-child(6){{background:#e6f4ea}}
tr.not-reproduced td:nth-child(6){{background:#fdecea}}tr.failed td:nth-child(6){{background:#fff4e5}}
figure{{display:inline-block;margin:1em;max-width:560px}}img{{max-width:100%}}</style></head><body>
<h1>Reproduction report</h1><p>{esc(head)}</p>
<table><tr><th>claim</th><th>paper</th><th>statement</th><th>paper value</th><th>our value</th>
<th>verdict</th><th>run</th></tr>
{rows}</table>{bench_html}{figs}</body></html>"""
    html_path = out / "report.html"
    html_path.write_text(page)
    (out / "results.json").write_text(json.dumps(
        [{"claim": r.claim.id, "run_id": r.run_id, "our_value": r.our_value, "verdict": r.verdict,
          "error": r.error} for r in results], indent=2))
    return md_path, html_path
