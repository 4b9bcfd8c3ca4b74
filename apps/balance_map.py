"""Balance map view of the Memory capacity page: a stored ``reservoirs.balance_map`` run as heat maps.

The map (:mod:`reservoirs.balance_map`; Srinivasan, Plenz & Girvan 2025, claims T1-T3) scores
every reservoir of balance β × coupling cJ × input scaling σ_in × balance mode × E/I split ×
condition × target rate × seed, and records its operating point. The run's labelled arrays
(:meth:`workbench.store.RunReader.to_xarray`) are shown as seed-mean heat maps over β × cJ;
every other axis is fixed to a chosen value or laid out side by side (a facet). Clicking a
cell lists that reservoir's values over the seeds (every task and the operating point), the
seed mean with its 95 % Student-t interval (:func:`reservoirs.map_analysis.t_interval`, as
the verdicts use) and the stored map runs that hold the cell. Nothing is computed again.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import panel as pn
import param

from reservoirs.map_analysis import TASK_LABELS, higher_is_better, t_interval
from workbench.store import Store

from .components import message, output_title
from .runner import StoreContext

__all__ = ["MAP_KIND", "BalanceMapState", "BalanceMapView", "heatmap_figure"]

#: The experiment whose runs this view shows.
MAP_KIND = "reservoirs.balance_map"
#: Heat-map axes (columns, rows) and the axis averaged over.
X_DIM, Y_DIM, SEED_DIM = "balance", "coupling", "seed"
#: Axis of the task scores (only the ``score`` array has it).
TASK_DIM = "task"
#: Axis labels.
DIM_LABELS = {"balance": "β", "coupling": "coupling cJ", "input_scaling": "σ_in", "condition": "condition",
              "target_rate": "target rate ρ", "balance_mode": "balance mode", "ei_split": "E/I split"}
#: Parameters that only organise the work (a cell's value does not depend on them).
WORK_PARAMS = ("workers", "batch_size", "reuse_units", "checkpoint_dir")
#: Grid parameters of the map and the axis each one spans.
GRID_PARAMS = {"balances": "balance", "couplings": "coupling", "input_scalings": "input_scaling",
               "balance_modes": "balance_mode", "ei_splits": "ei_split", "conditions": "condition",
               "target_rates": "target_rate", "tasks": "task"}


def _plain(value):
    """A coordinate value as a plain Python scalar (JSON-able, comparable with params)."""
    return value.item() if isinstance(value, np.generic) else value


def _label(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class BalanceMapState(StoreContext):
    """State of the balance map view (no widgets): the run, what is drawn and the clicked cell."""

    map_run = param.Selector(default=None, objects=[], allow_None=True, label="Map run",
                             doc="The stored reservoirs.balance_map run shown.")
    quantity = param.Selector(default="score", objects=["score"], label="Quantity",
                              doc="Array drawn: a task score or an operating-point measure.")
    map_task = param.Selector(default=None, objects=[], allow_None=True, label="Task",
                              doc="Task whose score is drawn (when the quantity is the score).")
    facet = param.Selector(default="none", objects=["none"], label="Side by side",
                           doc="Axis whose values are drawn as heat maps side by side (none: one map).")
    fixed = param.Dict(default={}, doc="Value of every other axis of the map: {axis: coordinate value}.")
    cell = param.Dict(default={}, doc="Coordinates of the clicked cell (every axis but the seed).")

    def __init__(self, **params):
        super().__init__(**params)
        self.ds = None
        self.error = ""
        self.run_ids: list[str] = []
        self.refresh()

    # -- the run --------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the complete map runs of the store (newest first; keeps the shown one)."""
        ids = [rec.id for rec in self.store.runs(kind=MAP_KIND, status="complete")]
        self.run_ids = ids
        self.param.map_run.objects = list(ids)  # (param adds None to the list it is given)
        if self.map_run not in ids:
            self.map_run = ids[0] if ids else None
        else:
            self._open()

    @param.depends("map_run", watch=True)
    def _open(self) -> None:
        self.ds, self.error = None, ""
        if self.map_run is not None:
            try:
                ds = self.store.open(self.map_run).to_xarray()
                if not {X_DIM, Y_DIM, SEED_DIM} <= set(ds.dims):
                    raise ValueError(f"it has no {X_DIM} × {Y_DIM} × {SEED_DIM} arrays")
                self.ds = ds
            except (KeyError, OSError, ValueError) as exc:  # gone, damaged (DamagedRunError), corrupt
                self.error = f"Map run {self.map_run} cannot be shown: {exc}"
        names = self.quantities()
        self.param.quantity.objects = list(names) or ["score"]
        tasks = [] if self.ds is None or TASK_DIM not in self.ds.dims else \
            [str(t) for t in self.ds[TASK_DIM].values]
        self.param.map_task.objects = list(tasks)
        with param.parameterized.batch_call_watchers(self):
            if self.quantity not in names and names:
                self.quantity = names[0]
            if self.map_task not in tasks:
                self.map_task = tasks[0] if tasks else None
            self._reset_axes()

    def quantities(self) -> list[str]:
        """Arrays of the run over β × cJ × seed (the score first), without per-neuron ones."""
        if self.ds is None:
            return []
        names = [n for n, v in self.ds.data_vars.items()
                 if {X_DIM, Y_DIM, SEED_DIM} <= set(v.dims) and "neuron" not in v.dims]
        return sorted(names, key=lambda n: (n != "score", n))

    def other_dims(self) -> list[str]:
        """Axes of the drawn array besides β, cJ, the seed and the task."""
        if self.ds is None or self.quantity not in self.ds:
            return []
        return [d for d in self.ds[self.quantity].dims if d not in (X_DIM, Y_DIM, SEED_DIM, TASK_DIM)]

    def values(self, dim: str) -> list:
        """The coordinate values of an axis, as plain Python values."""
        return [_plain(v) for v in self.ds[dim].values]

    @param.depends("quantity", watch=True)
    def _reset_axes(self) -> None:
        dims = self.other_dims()
        self.param.facet.objects = ["none", *dims]
        kept = {d: v for d, v in self.fixed.items() if d in dims and v in self.values(d)}
        fixed = {d: kept.get(d, self.values(d)[0]) for d in dims}
        with param.parameterized.batch_call_watchers(self):
            if self.facet not in self.param.facet.objects:
                self.facet = "none"
            self.fixed = fixed
            self.cell = {}

    @param.depends("fixed", "facet", watch=True)
    def _forget_cell(self) -> None:
        self.cell = {}  # the clicked cell is no longer drawn

    def set_fixed(self, dim: str, value) -> None:
        """Fix axis ``dim`` to ``value`` (``ValueError`` when it is not one of its values)."""
        if dim not in self.other_dims() or value not in self.values(dim):
            raise ValueError(f"{dim} = {value!r} is not an axis value of this map")
        self.fixed = {**self.fixed, dim: value}

    # -- the heat maps ----------------------------------------------------------------------------
    def _selected(self):
        """The drawn array with the task and every fixed axis selected (the facet axis kept);
        ``None`` while the choices do not (yet) name one value of every other axis."""
        if self.ds is None or self.quantity not in self.ds:
            return None
        da = self.ds[self.quantity]
        if TASK_DIM in da.dims:
            if self.map_task not in self.ds[TASK_DIM].values:
                return None
            da = da.sel({TASK_DIM: self.map_task})
        try:
            da = da.sel({d: v for d, v in self.fixed.items() if d != self.facet and d in da.dims})
        except (KeyError, ValueError):
            return None
        keep = {X_DIM, Y_DIM, SEED_DIM} | ({self.facet} if self.facet != "none" else set())
        return da if set(da.dims) == keep else None

    def label(self) -> str:
        """What the colour shows (task label or the array's declared meaning)."""
        if self.quantity == "score" and self.map_task:
            better = "higher" if higher_is_better(self.map_task) else "lower"
            return f"{TASK_LABELS.get(self.map_task, self.map_task)} ({better} is better)"
        return output_title(self.registry, MAP_KIND, "arrays", self.quantity)

    def grids(self) -> list[tuple[str, object, np.ndarray]]:
        """Seed-mean heat maps: ``[(title, facet value, z (coupling × balance))]``, one per
        facet value (one entry without a facet); NaN where every seed diverged."""
        da = self._selected()
        if da is None:
            return []
        facets = self.values(self.facet) if self.facet != "none" else [None]
        out = []
        for value in facets:
            part = da.sel({self.facet: value}) if value is not None else da
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all seeds NaN: a NaN cell
                z = part.transpose(Y_DIM, X_DIM, SEED_DIM).values.astype(float)
                z = np.nanmean(z, axis=-1)
            title = f"{DIM_LABELS.get(self.facet, self.facet)} = {_label(value)}" if value is not None else ""
            out.append((title, value, z))
        return out

    def click(self, facet_index: int, row: int, col: int) -> None:
        """Select the cell at (``row`` = coupling index, ``col`` = balance index) of facet
        ``facet_index`` (ignored when out of range)."""
        ys, xs = self.values(Y_DIM), self.values(X_DIM)
        facets = self.values(self.facet) if self.facet != "none" else [None]
        if not (0 <= row < len(ys) and 0 <= col < len(xs) and 0 <= facet_index < len(facets)):
            return
        cell = {d: v for d, v in self.fixed.items()}
        if facets[facet_index] is not None:
            cell[self.facet] = facets[facet_index]
        cell.update({X_DIM: xs[col], Y_DIM: ys[row]})
        self.cell = cell

    # -- the clicked cell --------------------------------------------------------------------------
    def cell_table(self) -> pd.DataFrame:
        """The clicked cell over the seeds: one row per seed, every task score and every other
        quantity at that cell (empty without a cell)."""
        if not self.cell or self.ds is None:
            return pd.DataFrame()
        seeds = self.values(SEED_DIM)
        table = pd.DataFrame({"seed": range(len(seeds)), "network seed": [str(s) for s in seeds]})
        for name in self.quantities():
            da = self.ds[name]
            try:
                da = da.sel({d: v for d, v in self.cell.items() if d in da.dims})
            except (KeyError, ValueError):
                continue
            if set(da.dims) - {TASK_DIM} != {SEED_DIM}:
                continue  # the cell does not fix every axis of this array
            if TASK_DIM in da.dims:
                for task in da[TASK_DIM].values:
                    table[str(task)] = da.sel({TASK_DIM: task}).values.astype(float)
            else:
                table[name] = da.values.astype(float)
        return table

    def cell_summary(self) -> dict:
        """Seed mean of the drawn quantity at the clicked cell with its 95 % Student-t
        interval (``reservoirs.map_analysis.t_interval``): ``{"mean", "low", "high", "n"}``."""
        table = self.cell_table()
        column = self.map_task if self.quantity == "score" else self.quantity
        if table.empty or column not in table:
            return {}
        values = table[column].to_numpy(dtype=float)
        mean, low, high = (float(v) for v in t_interval(values))
        return {"mean": mean, "low": low, "high": high, "n": int(np.isfinite(values).sum())}

    def cell_runs(self) -> list[str]:
        """The shown run and every other complete map run that holds the clicked cell: the same
        parameters apart from the grids (and how the work was organised), with the cell's
        coordinates in its grids."""
        if not self.cell or self.map_run is None:
            return []
        try:
            own = self.store.open(self.map_run).params
        except (KeyError, ValueError):
            return []

        def base(params):
            return {k: v for k, v in params.items() if k not in WORK_PARAMS and k not in GRID_PARAMS}

        found = [self.map_run]
        for rec in self.store.runs(kind=MAP_KIND, status="complete"):
            if rec.id == self.map_run or base(rec.params) != base(own):
                continue
            grids = {dim: rec.params.get(name, []) for name, dim in GRID_PARAMS.items()}
            if all(value in grids[dim] for dim, value in self.cell.items() if dim in grids) and \
                    (self.quantity != "score" or self.map_task in grids[TASK_DIM]):
                found.append(rec.id)
        return found


def heatmap_figure(grids, xs, ys, label: str, cell: dict | None = None, facet: str = "none",
                   reverse: bool = False, height: int = 380) -> dict:
    """Heat maps side by side on one colour scale, as a Plotly figure dict.

    Parameters
    ----------
    grids : list of (title, facet value, ndarray (len(ys), len(xs)))
        From :meth:`BalanceMapState.grids`.
    xs, ys : sequence
        Balance β (columns) and coupling cJ (rows) values.
    label : str
        What the colour shows.
    cell : dict, optional
        The clicked cell's coordinates, outlined.
    facet : str
        The axis the maps differ in (``"none"``: one map).
    reverse : bool
        Reverse the colour scale (errors: bright = low).
    height : int
        Figure height in pixels.

    Returns
    -------
    dict
        ``{"data": [...], "layout": {...}}``: trace ``k`` is facet ``k``; a click reports its
        ``curveNumber`` and the ``pointNumber`` ``[row, column]``.
    """
    n = max(len(grids), 1)
    xl, yl = [_label(x) for x in xs], [_label(y) for y in ys]
    finite = [z[np.isfinite(z)] for _, _, z in grids]
    values = np.concatenate(finite) if finite else np.array([])
    zmin, zmax = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
    data, annotations, shapes, layout = [], [], [], {}
    gap = 0.04 if n > 1 else 0.0
    for k, (title, value, z) in enumerate(grids):
        suffix = "" if k == 0 else str(k + 1)
        z_json = [[None if not np.isfinite(v) else float(v) for v in row] for row in z]
        data.append({"type": "heatmap", "x": xl, "y": yl, "z": z_json, "xaxis": f"x{suffix}",
                     "yaxis": f"y{suffix}", "coloraxis": "coloraxis", "name": title or "map",
                     "hovertemplate": "β %{x}<br>cJ %{y}<br>%{z:.4g}<extra>" + (title or "") + "</extra>",
                     "xgap": 1, "ygap": 1})
        lo, hi = k / n + (gap / 2 if k else 0), (k + 1) / n - (gap / 2 if k < n - 1 else 0)
        layout[f"xaxis{suffix}"] = {"domain": [lo, hi], "anchor": f"y{suffix}", "type": "category",
                                    "title": {"text": "β (balance)"}}
        layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "type": "category",
                                    "title": {"text": "coupling cJ" if k == 0 else ""},
                                    "showticklabels": k == 0}
        if title:
            annotations.append({"text": title, "x": (lo + hi) / 2, "y": 1.0, "xref": "paper", "yref": "paper",
                                "yanchor": "bottom", "showarrow": False})
        if cell and _label(cell.get(X_DIM)) in xl and _label(cell.get(Y_DIM)) in yl and \
                (facet == "none" or cell.get(facet) == value):
            i, j = xl.index(_label(cell[X_DIM])), yl.index(_label(cell[Y_DIM]))
            shapes.append({"type": "rect", "xref": f"x{suffix}", "yref": f"y{suffix}", "x0": i - 0.5,
                           "x1": i + 0.5, "y0": j - 0.5, "y1": j + 0.5,
                           "line": {"color": "#d62728", "width": 3}})
    layout.update({"height": height, "margin": {"l": 70, "r": 20, "t": 40, "b": 50},
                   "coloraxis": {"colorscale": "Viridis", "reversescale": reverse, "cmin": zmin, "cmax": zmax,
                                 "colorbar": {"title": {"text": label[:40], "side": "right"}}},
                   "annotations": annotations, "shapes": shapes})
    return {"data": data, "layout": layout}


class BalanceMapView(pn.viewable.Viewer):
    """Pick a map run and what to draw; click a cell for its values over the seeds."""

    def __init__(self, store: Store, registry: dict | None = None, **params):
        super().__init__(**params)
        self.state = BalanceMapState(store=store, registry=registry)
        self._refresh_button = pn.widgets.Button(label="Refresh", width=100)
        self._refresh_button.on_click(lambda event: self.refresh())
        self._run = pn.widgets.Select.from_param(self.state.param.map_run, width=420)
        self._quantity = pn.widgets.Select.from_param(self.state.param.quantity, width=180)
        self._task = pn.widgets.Select.from_param(self.state.param.map_task, width=120)
        self._facet = pn.widgets.Select.from_param(self.state.param.facet, width=170)
        self._axes = pn.Row(sizing_mode="stretch_width")
        self._info = pn.pane.Markdown("", sizing_mode="stretch_width")
        self._error = message(None, "warning")
        self._plot = pn.pane.Plotly({"data": [], "layout": {}}, sizing_mode="stretch_width", visible=False)
        self._plot.param.watch(self._on_click, ["click_data"])
        self._detail = pn.Column(sizing_mode="stretch_width")
        self.state.param.watch(self._on_axes, ["map_run", "quantity", "facet"])
        self.state.param.watch(self._draw, ["map_task", "fixed", "facet", "quantity", "map_run"])
        self.state.param.watch(self._show_cell, ["cell"])
        self._on_axes()
        self._draw()

    def refresh(self) -> None:
        """Re-read the map runs of the store and redraw."""
        self.state.refresh()
        self._on_axes()
        self._draw()

    def _on_axes(self, *events) -> None:
        """One selector per axis that is neither drawn nor side by side."""
        widgets = []
        for dim in self.state.other_dims():
            if dim == self.state.facet:
                continue
            values = self.state.values(dim)
            select = pn.widgets.Select(label=DIM_LABELS.get(dim, dim), width=150,
                                       value=self.state.fixed.get(dim),
                                       options={_label(v): v for v in values})
            select.param.watch(lambda event, d=dim: self.state.set_fixed(d, event.new), ["value"])
            widgets.append(select)
        self._axes.objects = widgets
        self._task.visible = self.state.quantity == "score"

    def _draw(self, *events) -> None:
        state = self.state
        self._error.param.update(object=state.error, visible=bool(state.error))
        if not state.run_ids:
            self._info.object = ("No balance map run in this store yet. Make one with `workbench run "
                                 "reservoirs.balance_map` (e.g. `--set couplings=8,16 --set n_seeds=3`), "
                                 "then press **Refresh**.")
            self._plot.visible = False
            return
        grids = state.grids()
        if not grids:
            self._plot.visible = False
            self._info.object = ""
            return
        nan = any(np.isnan(z).any() for _, _, z in grids)
        self._info.object = (f"Seed mean of **{state.label()}** over β × cJ"
                             f"{' (empty cells: every seed diverged)' if nan else ''}. "
                             f"Click a cell for its values over the seeds.")
        reverse = state.quantity == "score" and bool(state.map_task) and not higher_is_better(state.map_task)
        self._plot.object = heatmap_figure(grids, state.values(X_DIM), state.values(Y_DIM), state.label(),
                                           state.cell, state.facet, reverse=reverse,
                                           height=380 if len(grids) < 4 else 320)
        self._plot.visible = True

    def _on_click(self, event) -> None:
        points = (event.new or {}).get("points") or []
        if not points:
            return
        point = points[0]
        number = point.get("pointNumber")
        if isinstance(number, (list, tuple)) and len(number) == 2:
            row, col = int(number[0]), int(number[1])
        else:  # fall back on the labels
            xs = [_label(x) for x in self.state.values(X_DIM)]
            ys = [_label(y) for y in self.state.values(Y_DIM)]
            if str(point.get("x")) not in xs or str(point.get("y")) not in ys:
                return
            row, col = ys.index(str(point.get("y"))), xs.index(str(point.get("x")))
        self.state.click(int(point.get("curveNumber", 0)), row, col)

    def _show_cell(self, *events) -> None:
        state = self.state
        if not state.cell:
            self._detail.objects = []
            return
        order = sorted(state.cell, key=lambda d: (d != X_DIM, d != Y_DIM))  # β and cJ first
        where = " · ".join(f"{DIM_LABELS.get(d, d)} = {_label(state.cell[d])}" for d in order)
        summary = state.cell_summary()
        line = ""
        if summary and np.isfinite(summary["mean"]):
            interval = "" if not np.isfinite(summary["low"]) else \
                f" (95 % interval {summary['low']:.4g} to {summary['high']:.4g})"
            line = (f"\n\n**{state.label()}**: seed mean {summary['mean']:.4g}{interval} "
                    f"over {summary['n']} seeds.")
        runs = ", ".join(f"`{r}`" for r in state.cell_runs())
        table = state.cell_table()
        self._detail.objects = [
            pn.pane.Markdown(f"**Cell** {where}{line}\n\nFrom run(s) {runs} (open them on the **Runs** "
                             f"page).", sizing_mode="stretch_width"),
            pn.widgets.Tabulator(table, show_index=False, disabled=True, sizing_mode="stretch_width",
                                 layout="fit_data_stretch", max_height=400)]
        self._draw()

    def __panel__(self):
        controls = pn.Row(self._run, self._quantity, self._task, self._facet,
                          pn.Column(pn.Spacer(height=18), self._refresh_button), sizing_mode="stretch_width")
        return pn.Column(controls, self._axes, self._error, self._info, self._plot, self._detail,
                         sizing_mode="stretch_width")
