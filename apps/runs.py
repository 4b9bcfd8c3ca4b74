"""Runs page: the store as a filterable table; open, re-run, delete and export runs.

Re-running rebuilds the experiment from the parameters recorded in the run
(:meth:`workbench.experiment.Experiment.from_params`, the one declaration of parameters) and
runs it as a new run; export writes the run's arrays and attributes to NetCDF
(:meth:`workbench.store.RunReader.to_netcdf`).
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pandas as pd
import panel as pn
import param

from workbench.registry import experiments as registered_experiments
from workbench.store import Store

from .components import message, metrics_frame, params_frame, run_figures, scalar_metrics
from .jobs import Job, describe_error
from .plots import curves_figure
from .runner import missing_message

__all__ = ["RunsPage", "RunsState"]

#: Statuses a run can have (``workbench.store``).
STATUSES = ["all", "complete", "running", "failed", "stale", "corrupt"]
#: Scalar metrics shown per run in the unfiltered table.
SUMMARY_METRICS = 3
#: Rows of an array plotted at most (evenly strided).
MAX_PLOT_ROWS = 5000


class RunsState(param.Parameterized):
    """State of the runs page: filters, the selected run and the actions on it."""

    store = param.ClassSelector(class_=Store, doc="The store shown.")
    registry = param.Dict(default=None, allow_None=True, doc="{kind: class}; default the installed registry.")
    kind = param.Selector(default="all", objects=["all"], doc="Only runs of this experiment kind.")
    status = param.Selector(default="all", objects=STATUSES, doc="Only runs with this status.")
    search = param.String(default="", doc="Only runs whose id contains this text (e.g. a date 20250131).")
    selected = param.String(default=None, allow_None=True, doc="Id of the opened run.")
    job = param.ClassSelector(class_=Job, constant=True, doc="Background re-run.")

    def __init__(self, **params):
        params.setdefault("job", Job())
        super().__init__(**params)
        if self.registry is None:
            self.registry = registered_experiments()
        self.refresh()

    def refresh(self) -> None:
        """Re-read the kinds present in the store (the choices of :attr:`kind`)."""
        kinds = sorted({rec.kind for rec in self.store.runs()})
        self.param.kind.objects = ["all"] + kinds
        if self.kind not in self.param.kind.objects:
            self.kind = "all"

    def records(self):
        """Run records matching the filters, newest first."""
        kind = None if self.kind == "all" else self.kind
        status = None if self.status == "all" else self.status
        return [r for r in self.store.runs(kind=kind, status=status) if self.search.strip() in r.id]

    def table(self) -> pd.DataFrame:
        """One row per matching run: id, kind, status, created, and key metrics.

        With a kind selected every scalar metric gets its own column; otherwise the first
        few are summarised in one text column.
        """
        rows = []
        for rec in self.records():
            row = {"id": rec.id, "kind": rec.kind, "status": rec.status, "created": rec.created[:19].replace("T", " ")}
            metrics = scalar_metrics(rec.metrics)
            if self.kind != "all":
                row.update({k: float(v) for k, v in metrics.items()})
            else:
                row["metrics"] = ", ".join(f"{k}={v:.4g}" for k, v in list(metrics.items())[:SUMMARY_METRICS])
            rows.append(row)
        base = ["id", "kind", "status", "created"] + ([] if self.kind != "all" else ["metrics"])
        frame = pd.DataFrame(rows)
        return frame if len(frame) else pd.DataFrame(columns=base)

    def open(self, run_id: str | None = None):
        """Reader of ``run_id`` (default the selected run); ``ValueError`` if it is gone."""
        run_id = run_id or self.selected
        if not run_id:
            raise ValueError("no run selected: click a row of the table")
        try:
            return self.store.open(run_id)
        except KeyError:
            raise ValueError(f"run {run_id!r} is no longer in the store") from None

    def array_summary(self, reader) -> pd.DataFrame:
        """Name, shape, dtype and dimension names of each array of a run."""
        rows = []
        for name in reader.arrays:
            shape, dtype = reader.array_info(name)
            rows.append({"array": name, "shape": str(shape), "dtype": str(dtype),
                         "dims": ", ".join(reader.dims(name))})
        return pd.DataFrame(rows, columns=["array", "shape", "dtype", "dims"])

    def array_curves(self, reader, name: str, max_columns: int = 5) -> dict:
        """Up to ``max_columns`` columns of a numeric array as curves against its first axis."""
        arr = np.asarray(reader[name])
        if arr.dtype.kind not in "biuf" or arr.ndim == 0:
            return {}
        arr = arr.reshape(arr.shape[0], -1)
        stride = max(1, int(np.ceil(arr.shape[0] / MAX_PLOT_ROWS)))
        idx = np.arange(0, arr.shape[0], stride)
        return {f"{name}[:, {j}]": (idx, arr[idx, j]) for j in range(min(arr.shape[1], max_columns))}

    def rerun(self):
        """Run the selected run's experiment again with its recorded parameters (in the job).

        Raises
        ------
        ValueError
            Nothing selected, the kind is not installed, or the parameters are rejected.
        """
        reader = self.open()
        cls = self.registry.get(reader.kind)
        if cls is None:
            raise ValueError(missing_message(reader.kind, self.registry))
        experiment = cls.from_params(reader.params)
        return self.job.run_experiment(experiment, self.store)

    def delete(self) -> str:
        """Delete the selected run; returns its id."""
        reader = self.open()
        if reader.status == "running":
            raise ValueError(f"run {reader.id} is still running; wait for it to finish")
        self.store.delete(reader.id)
        self.selected = None
        self.refresh()
        return reader.id

    def export_netcdf(self) -> bytes:
        """The selected run as NetCDF bytes (arrays and attributes)."""
        reader = self.open()
        fd, path = tempfile.mkstemp(suffix=".nc")
        os.close(fd)
        try:
            reader.to_netcdf(path)
            with open(path, "rb") as fh:
                return fh.read()
        finally:
            os.remove(path)


class RunsPage(pn.viewable.Viewer):
    """Browse the store: filter, open, re-run, delete, export."""

    def __init__(self, store: Store, registry: dict | None = None, **params):
        super().__init__(**params)
        self.state = RunsState(store=store, registry=registry)
        self._error = message(None)
        self._table = pn.widgets.Tabulator(self.state.table(), show_index=False, disabled=True, selectable=1,
                                           pagination="local", page_size=15, sizing_mode="stretch_width",
                                           header_filters=False)
        self._table.param.watch(self._on_select, ["selection"])
        self._refresh_button = pn.widgets.Button(label="Refresh", width=100)
        self._refresh_button.on_click(lambda e: self.refresh())
        self._rerun = pn.widgets.Button(label="Re-run", color="primary", width=100, disabled=True)
        self._delete = pn.widgets.Button(label="Delete", color="danger", width=100, disabled=True)
        self._export = pn.widgets.FileDownload(callback=self._export_bytes, filename="run.nc", label="Export NetCDF",
                                               width=140, disabled=True, embed=False)
        self._rerun.on_click(self._on_rerun)
        self._delete.on_click(self._on_delete)
        self._detail = pn.Column(sizing_mode="stretch_width")
        self._array = pn.widgets.Select(label="Plot array", options=[], width=260)
        self._array.param.watch(self._on_array, ["value"])
        self._array_plot = pn.Column()
        self._status = pn.pane.Markdown("")
        self.state.param.watch(self._on_filter, ["kind", "status", "search"])
        self.state.job.param.watch(self._on_job, ["status"])

    def refresh(self) -> None:
        """Re-read the store and redraw the table."""
        self.state.refresh()
        self._table.value = self.state.table()

    def _on_filter(self, event) -> None:
        self._table.value = self.state.table()

    def _on_select(self, event) -> None:
        rows = event.new
        if not rows:
            return
        self.state.selected = str(self._table.value.iloc[rows[0]]["id"])
        self._show_detail()

    def _show_detail(self) -> None:
        try:
            reader = self.state.open()
        except ValueError as exc:
            self._error.param.update(object=describe_error(exc), visible=True)
            self._detail.objects = []
            return
        self._error.visible = False
        for w in (self._rerun, self._delete, self._export):
            w.disabled = False
        self._export.filename = f"{reader.id}.nc"
        header = f"### Run `{reader.id}`\n**kind** {reader.kind} · **status** {reader.status} · **seed** {reader.seed}"
        if reader.attrs.get("error"):
            header += f"\n\n**error:** {reader.attrs['error']}"
        self._array.options = reader.arrays
        self._array.value = reader.arrays[0] if reader.arrays else None
        self._on_array()
        tables = pn.Row(
            pn.Column("**Parameters**", pn.widgets.Tabulator(params_frame(reader.params), show_index=False,
                                                             disabled=True, height=240, width=340)),
            pn.Column("**Metrics**", pn.widgets.Tabulator(metrics_frame(reader.metrics), show_index=False,
                                                          disabled=True, height=240, width=340)),
            pn.Column("**Arrays**", pn.widgets.Tabulator(self.state.array_summary(reader), show_index=False,
                                                         disabled=True, height=240, width=420)))
        self._detail.objects = [pn.pane.Markdown(header), tables, self._array, self._array_plot,
                                pn.FlexBox(*run_figures(reader, width=440), sizing_mode="stretch_width")]

    def _on_array(self, *events) -> None:
        name = self._array.value
        if not name or not self.state.selected:
            self._array_plot.objects = []
            return
        try:
            curves = self.state.array_curves(self.state.open(), name)
        except ValueError as exc:
            self._error.param.update(object=describe_error(exc), visible=True)
            return
        self._array_plot.objects = [pn.pane.Bokeh(curves_figure(name, "index", "value", curves, width=700,
                                                                height=260))] if curves else []

    def _export_bytes(self):
        import io

        try:
            return io.BytesIO(self.state.export_netcdf())
        except ValueError as exc:
            self._error.param.update(object=describe_error(exc), visible=True)
            return io.BytesIO(b"")

    def _on_rerun(self, event) -> None:
        try:
            self.state.rerun()
        except ValueError as exc:
            self._error.param.update(object=describe_error(exc), visible=True)

    def _on_delete(self, event) -> None:
        try:
            run_id = self.state.delete()
        except ValueError as exc:
            self._error.param.update(object=describe_error(exc), visible=True)
            return
        self._status.object = f"Deleted run `{run_id}`."
        self._detail.objects = []
        for w in (self._rerun, self._delete, self._export):
            w.disabled = True
        self.refresh()

    def _on_job(self, event) -> None:
        job = self.state.job
        if event.new == "running":
            self._status.object = "Re-running…"
        elif event.new == "complete":
            self._status.object = f"Re-run finished as run `{job.run_id}`."
            self.refresh()
        elif event.new in ("failed", "cancelled"):
            self._error.param.update(object=job.error or event.new, visible=True)
            self.refresh()

    def __panel__(self):
        filters = pn.Row(pn.widgets.Select.from_param(self.state.param.kind, label="Kind", width=260),
                         pn.widgets.Select.from_param(self.state.param.status, label="Status", width=140),
                         pn.widgets.TextInput.from_param(self.state.param.search, label="Id / date contains",
                                                         width=220),
                         pn.Column(pn.Spacer(height=18), self._refresh_button))
        actions = pn.Row(self._rerun, self._delete, self._export)
        return pn.Column(filters, self._table, actions, self._status, self._error, self._detail,
                         sizing_mode="stretch_width")
