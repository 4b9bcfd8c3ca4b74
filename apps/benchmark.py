"""Benchmark page: the leaderboard of the ``workbench benchmark`` runs stored in the store.

``workbench benchmark`` stores one run per (model, dataset, seed) (kind ``benchmark.<model>``,
parameters ``model``, ``dataset``, ``seed``, ``quick``; ``docs/benchmark/README.md``). This
page computes nothing: it reads those runs, builds the per-run table that
:func:`workbench.benchmark.runner.benchmark` builds from its results, aggregates it with
:func:`workbench.benchmark.aggregate.aggregate` (mean ± SEM and median over seeds, read
against the dataset's data floor) and formats it with
:func:`workbench.benchmark.report.leaderboard_rows`, so the page, the CLI and the written
report show the same numbers. Quick (reduced training budgets) and full runs are never mixed
in one table. Selecting a leaderboard row shows the free run of that cell's median seed and
lists the cell's runs by id (to open them on the Runs page). A damaged run is counted and
left out, never breaking the page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import panel as pn
import param

from workbench.benchmark.aggregate import SCORES, aggregate, counted_run, run_row
from workbench.benchmark.report import HEADER, floor_text, leaderboard_rows
from workbench.store import Store

from .components import message
from .jobs import describe_error
from .plots import curves_figure, score_dots_figure, trajectory_3d
from .runner import StoreContext

__all__ = ["BUDGETS", "BenchmarkPage", "BenchmarkState"]

#: Kind prefix of the benchmark runs (``benchmark.<model>``).
PREFIX = "benchmark."
#: Training budgets, never mixed in one table: ``quick`` runs have the ``quick`` parameter set.
BUDGETS = ("full", "quick")
#: Score names as the leaderboard writes them.
SCORE_LABELS = {"d_stsp": "D_stsp", "d_h": "D_H", "pe": "PE(n)"}
#: The data floor of each score that has one.
FLOORS = {"d_stsp": "floor_d_stsp", "d_h": "floor_d_h"}
#: Rows of a free run drawn at most (evenly strided beyond that).
MAX_FREE_RUN_POINTS = 20_000
#: Tabulator style: cells and headers wrap (the leaderboard has 11 wide columns).
WRAP_CELLS = (".tabulator-cell, .tabulator-col-title {white-space: normal !important; "
              "overflow-wrap: break-word;} .tabulator-cell {height: auto !important;}")
#: Statuses that are a result (a running or stale run is neither scored nor failed yet).
FINISHED = ("complete", "failed")


@dataclass
class _Cell:
    """All stored runs of one (budget, model, dataset, seed), newest first."""

    rows: list[dict] = field(default_factory=list)

    def counted(self) -> dict | None:
        """The run the leaderboard counts (:func:`workbench.benchmark.aggregate.counted_run`);
        ``None`` while none has finished."""
        return counted_run(self.rows)


class BenchmarkState(StoreContext):
    """State of the Benchmark page (no widgets): which table is shown and which row is selected."""

    budget = param.Selector(default="full", objects=list(BUDGETS), label="Training budget",
                            doc="Full runs or quick runs (reduced training budgets); never mixed.")
    shown_dataset = param.Selector(default=None, objects=[], allow_None=True, label="Dataset",
                                   doc="The dataset whose leaderboard is shown.")
    selected_model = param.String(default="", label="Model",
                                  doc="The leaderboard row shown in detail (empty: none).")

    def __init__(self, **params):
        super().__init__(**params)
        self._cells: dict[tuple[str, str, str, int], _Cell] = {}
        self.damaged: list[str] = []
        self.unfinished: list[str] = []
        self.refresh()

    # -- reading the store ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the store's benchmark runs (one listing, no array read).

        A run whose metadata is damaged (``corrupt``) or whose parameters are not a benchmark
        run's is counted in :attr:`damaged`; running and stale runs in :attr:`unfinished`.
        """
        cells: dict[tuple[str, str, str, int], _Cell] = {}
        damaged, unfinished = [], []
        for rec in self.store.runs():
            if rec.status == "corrupt":
                damaged.append(rec.id)
                continue
            if not rec.kind.startswith(PREFIX):
                continue
            try:
                row = run_row(rec)
            except ValueError:
                damaged.append(rec.id)
                continue
            if rec.status not in FINISHED:
                unfinished.append(rec.id)
            budget = "quick" if row["quick"] else "full"
            cells.setdefault((budget, row["model"], row["dataset"], row["seed"]), _Cell()).rows.append(row)
        self._cells, self.damaged, self.unfinished = cells, damaged, unfinished
        budgets = {key[0] for key in cells}
        if self.budget not in budgets and budgets:
            self.budget = sorted(budgets)[0]  # "full" before "quick"
        self._update_datasets()

    @param.depends("budget", watch=True)
    def _update_datasets(self) -> None:
        names = self.datasets()
        self.param.shown_dataset.objects = list(names)  # (param adds None to the list it is given)
        if self.shown_dataset not in names:
            self.shown_dataset = names[0] if names else None

    @param.depends("shown_dataset", "budget", watch=True)
    def _forget_selection(self) -> None:
        if self.selected_model and self.selected_model not in self.models():
            self.selected_model = ""

    def has_runs(self) -> bool:
        """Whether the store holds any benchmark run (of either budget)."""
        return bool(self._cells)

    def budgets(self) -> list[str]:
        """The budgets that have runs, in :data:`BUDGETS` order."""
        present = {key[0] for key in self._cells}
        return [b for b in BUDGETS if b in present]

    def datasets(self) -> list[str]:
        """Datasets with runs of the current budget, sorted."""
        return sorted({key[2] for key in self._cells if key[0] == self.budget})

    def models(self) -> list[str]:
        """Models of the shown leaderboard, best (lowest mean D_stsp) first."""
        board = self.leaderboard()
        return [] if board.empty else list(board["model"])

    # -- the tables -------------------------------------------------------------------------------
    def runs_table(self) -> pd.DataFrame:
        """One row per (model, dataset, seed) of the current budget and dataset: the run the
        leaderboard counts (see :meth:`_Cell.counted`), in the columns of the per-run table of
        :func:`workbench.benchmark.runner.benchmark`."""
        rows = []
        for (budget, _, dataset, _), cell in sorted(self._cells.items()):
            if budget != self.budget or dataset != self.shown_dataset:
                continue
            row = cell.counted()
            if row is not None:
                rows.append(row)
        return pd.DataFrame(rows)

    def leaderboard(self) -> pd.DataFrame:
        """:func:`workbench.benchmark.aggregate.aggregate` of :meth:`runs_table`: one row per model."""
        runs = self.runs_table()
        return aggregate(runs) if len(runs) else pd.DataFrame()

    def leaderboard_table(self) -> pd.DataFrame:
        """The leaderboard as shown: :func:`workbench.benchmark.report.leaderboard_rows` under
        :data:`workbench.benchmark.report.HEADER` (mean ± SEM (median) of each score)."""
        board = self.leaderboard()
        if board.empty:
            return pd.DataFrame(columns=HEADER)
        return pd.DataFrame(leaderboard_rows(board, self.shown_dataset), columns=HEADER)

    def floor(self) -> str:
        """The shown dataset's data floor as the report writes it (empty without a table)."""
        board = self.leaderboard()
        return "" if board.empty else floor_text(board, self.shown_dataset)

    def score_points(self) -> dict:
        """One point per scored seed: ``{score: {model: (seeds, values, run ids)}}`` over
        :data:`workbench.benchmark.aggregate.SCORES`, models in leaderboard order."""
        runs = self.runs_table()
        out: dict[str, dict] = {score: {} for score in SCORES}
        if runs.empty:
            return out
        ok = runs[runs["status"] == "complete"]
        for model in self.models():
            sub = ok[ok["model"] == model]
            for score in SCORES:
                values = sub[score].to_numpy(dtype=float) if score in sub else np.full(len(sub), np.nan)
                keep = np.isfinite(values)
                out[score][model] = (sub["seed"].to_numpy()[keep], values[keep],
                                     sub["run_id"].to_numpy()[keep])
        return out

    def floors(self) -> dict:
        """``{score: data floor}`` of the shown dataset (D_stsp and D_H)."""
        board = self.leaderboard()
        if board.empty:
            return {}
        return {score: float(board[key].max()) for score, key in FLOORS.items()
                if key in board and math.isfinite(float(board[key].max()))}

    def cell_runs(self, model: str | None = None) -> pd.DataFrame:
        """Every stored run of the selected (or given) model on the shown dataset and budget,
        newest first per seed: run id, seed, status, whether the leaderboard counts it, scores
        and error."""
        model = model or self.selected_model
        rows = []
        for (budget, m, dataset, seed), cell in sorted(self._cells.items()):
            if (budget, m, dataset) != (self.budget, model, self.shown_dataset):
                continue
            counted = cell.counted()
            for row in cell.rows:
                rows.append({"run": row["run_id"], "seed": seed, "status": row["status"],
                             "counted": row is counted,
                             **{SCORE_LABELS[s]: row.get(s, np.nan) for s in SCORES},
                             "error": row.get("error") or ""})
        columns = ["run", "seed", "status", "counted", *SCORE_LABELS.values(), "error"]
        return pd.DataFrame(rows, columns=columns)

    def median_run(self, model: str | None = None) -> dict | None:
        """The selected (or given) model's median seed (the seed whose D_stsp is the median,
        as :func:`~workbench.benchmark.aggregate.aggregate` picks it): ``{"run", "seed",
        "d_stsp"}``, or ``None`` when no seed was scored."""
        model = model or self.selected_model
        board = self.leaderboard()
        if board.empty or model not in set(board["model"]):
            return None
        row = board[board["model"] == model].iloc[0]
        if not isinstance(row["median_run"], str):  # None (or NaN) when no seed was scored
            return None
        return {"run": str(row["median_run"]), "seed": int(row["median_seed"]),
                "d_stsp": float(row["median_seed_d_stsp"])}

    def free_run(self, run_id: str) -> np.ndarray:
        """The stored free run (``generated``, time × dim) of a run, at most
        :data:`MAX_FREE_RUN_POINTS` rows (evenly strided).

        Raises
        ------
        ValueError
            The run is gone, damaged, or holds no ``generated`` array (the message says which).
        """
        try:
            reader = self.store.open(run_id)
        except KeyError:
            raise ValueError(f"run {run_id} is no longer in the store") from None
        except ValueError as exc:  # CorruptRunError: its metadata is damaged
            raise ValueError(f"run {run_id} cannot be read: {describe_error(exc)}") from None
        if "generated" not in reader:
            raise ValueError(f"run {run_id} stores no free run (array 'generated')")
        try:
            arr = np.asarray(reader["generated"], dtype=float)
        except (OSError, ValueError, KeyError) as exc:  # DamagedRunError is an OSError
            raise ValueError(f"the free run of run {run_id} cannot be read: {describe_error(exc)}") from None
        if arr.ndim != 2 or arr.shape[0] == 0:
            raise ValueError(f"run {run_id}: 'generated' has shape {arr.shape}, expected (time, dim)")
        stride = max(1, int(np.ceil(len(arr) / MAX_FREE_RUN_POINTS)))
        return arr[::stride]

    def notes(self) -> list[str]:
        """What the table leaves out: unfinished and damaged runs, the other budget's runs."""
        out = []
        if self.unfinished:
            out.append(f"{len(self.unfinished)} benchmark run(s) still running or stale (writer gone) "
                       f"are not counted yet.")
        if self.damaged:
            out.append(f"{len(self.damaged)} damaged run(s) in the store are left out "
                       f"(`workbench verify` names them).")
        other = [b for b in self.budgets() if b != self.budget]
        if other:
            out.append(f"The store also holds {other[0]} runs: choose the budget above "
                       f"(quick and full runs are never mixed).")
        return out

    def empty_message(self) -> str | None:
        """The message when there is no benchmark run to show (``None`` when there is)."""
        if self.has_runs():
            return None
        return (f"No benchmark runs in this store (`{self.store.path}`) yet. Make some with\n\n"
                f"`workbench benchmark --quick --store {self.store.path}`\n\n"
                f"(every registered model on every built-in dataset, 2 seeds; "
                f"`--models esn,sindy --datasets lorenz63` for fewer), then press **Refresh**.")


class BenchmarkPage(pn.viewable.Viewer):
    """Leaderboard, score distribution and median-seed free run of the stored benchmark runs."""

    def __init__(self, store: Store, registry: dict | None = None, client: str | None = None, **params):
        super().__init__(**params)
        self.state = BenchmarkState(store=store, registry=registry or {})
        self._refresh_button = pn.widgets.Button(label="Refresh", width=100)
        self._refresh_button.on_click(lambda event: self.refresh())
        self._budget = pn.widgets.RadioButtonGroup.from_param(self.state.param.budget, width=180)
        self._dataset = pn.widgets.Select.from_param(self.state.param.shown_dataset, width=240)
        self._empty = pn.pane.Markdown("", sizing_mode="stretch_width")
        self._notes = pn.pane.Markdown("", sizing_mode="stretch_width")
        self._floor = pn.pane.Markdown("", sizing_mode="stretch_width")
        self._error = message(None)
        # every column on screen: long cells and headers wrap instead of running off the right edge
        self._table = pn.widgets.Tabulator(self.state.leaderboard_table(), show_index=False, disabled=True,
                                           selectable=1, sizing_mode="stretch_width", layout="fit_columns",
                                           widths={"model": 200}, stylesheets=[WRAP_CELLS])
        self._table.param.watch(self._on_select, ["selection"])
        self._scores = pn.Row(sizing_mode="stretch_width")
        self._detail = pn.Column(sizing_mode="stretch_width")
        self._syncing = False
        self.state.param.watch(self._redraw, ["budget", "shown_dataset"])
        self.state.param.watch(self._show_detail, ["selected_model"])
        self._redraw()

    def refresh(self) -> None:
        """Re-read the store and redraw (the selected row stays selected while it exists)."""
        self.state.refresh()
        self._redraw()

    def _redraw(self, *events) -> None:
        empty = self.state.empty_message()
        self._empty.param.update(object=empty or "", visible=bool(empty))
        self._budget.visible = len(self.state.budgets()) > 1
        self._notes.object = "\n\n".join(self.state.notes())
        floor = self.state.floor()
        self._floor.object = (f"**{self.state.shown_dataset}** ({self.state.budget} runs) — {floor}. "
                              f"Scores: mean ± SEM over seeds (median); lower is better. "
                              f"Click a row for its median seed's free run.") if floor else ""
        frame = self.state.leaderboard_table()
        self._syncing = True
        try:
            self._table.value = frame
            models = list(frame["model"]) if len(frame) else []
            self._table.selection = [models.index(self.state.selected_model)] \
                if self.state.selected_model in models else []
        finally:
            self._syncing = False
        self._table.visible = bool(len(frame))
        self._draw_scores()
        self._show_detail()

    def _draw_scores(self) -> None:
        points, floors = self.state.score_points(), self.state.floors()
        if not any(points[s] for s in SCORES):
            self._scores.objects = []
            return
        self._scores.objects = [
            pn.pane.Bokeh(score_dots_figure(SCORE_LABELS[s], points[s], floors.get(s), x_log=(s == "pe"),
                                            width=380))
            for s in SCORES]

    def _on_select(self, event) -> None:
        if self._syncing:
            return
        frame = self._table.value
        rows = [i for i in event.new if 0 <= i < len(frame)]
        self.state.selected_model = str(frame.iloc[rows[0]]["model"]) if rows else ""

    def _show_detail(self, *events) -> None:
        model = self.state.selected_model
        if not model:
            self._detail.objects = []
            self._error.visible = False
            return
        frame = self.state.cell_runs(model)
        runs = pn.widgets.Tabulator(frame, show_index=False, disabled=True, sizing_mode="stretch_width",
                                    layout="fit_data_stretch", max_height=400)
        head = pn.pane.Markdown(f"### {model} on {self.state.shown_dataset}\nIts runs "
                                f"(open them on the **Runs** page by id):", sizing_mode="stretch_width")
        median = self.state.median_run(model)
        plot: list = []
        if median is None:
            plot = [pn.pane.Markdown("No seed of this model was scored: no free run to show.")]
        else:
            try:
                arr = self.state.free_run(median["run"])
            except ValueError as exc:
                plot = [message(describe_error(exc), "warning")]
            else:
                plot = [pn.pane.Markdown(f"**Free run of the median seed** (seed {median['seed']}, "
                                         f"D_stsp {median['d_stsp']:.3g}, run `{median['run']}`)"),
                        free_run_pane(arr, f"{model}, seed {median['seed']}")]
        self._detail.objects = [head, runs, *plot]

    def __panel__(self):
        controls = pn.Row(self._dataset, pn.Column(pn.Spacer(height=18), self._budget),
                          pn.Column(pn.Spacer(height=18), self._refresh_button))
        return pn.Column(controls, self._empty, self._notes, self._error, self._floor, self._table,
                         self._scores, self._detail, sizing_mode="stretch_width")


def free_run_pane(arr: np.ndarray, title: str):
    """A free run drawn by its dimension: rotatable 3-D (first three dims) for 3 or more,
    the x–y plane for 2, the series against time for 1."""
    if arr.shape[1] >= 3:
        return pn.pane.Plotly(trajectory_3d(arr, title), sizing_mode="stretch_width", name="free run")
    if arr.shape[1] == 2:
        fig = curves_figure(title, "dim 0", "dim 1", {"free run": (arr[:, 0], arr[:, 1])}, width=520,
                            height=420)
    else:
        fig = curves_figure(title, "step", "dim 0", {"free run": (np.arange(len(arr)), arr[:, 0])}, width=760)
    return pn.pane.Bokeh(fig, name="free run")
