"""Runs page: the store as a filterable table; open, compare, re-run, delete and export runs.

Rows are selected by run id (never by row position, which changes when the table is
refreshed); Delete names the runs it will delete and acts only after a confirmation.
Selecting several runs compares them: parameters and metrics side by side (rows that differ
flagged), and their common curves overlaid, labelled by the parameters that differ.
Re-running rebuilds the experiment from the parameters recorded in the run
(:meth:`workbench.experiment.Experiment.from_params`, the one declaration of parameters) and
runs it as a new run; export writes the run's arrays and attributes to NetCDF
(:meth:`workbench.store.RunReader.to_netcdf`).

The lab notebook: each run carries tags and a note (:meth:`workbench.store.Store.annotate`,
kept beside the run's record, never in it). The table shows the tags (read for all runs in one
:meth:`~workbench.store.Store.annotations` call per refresh) and filters by one; the run shown
in detail (the first selected, also when several are compared) has its tags and note edited
there, under its id.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np
import pandas as pd
import panel as pn
import param

from workbench.registry import experiments as registered_experiments
from workbench.store import Store
from workbench.store.common import NAME_RE
from workbench.store.notebook import MAX_NOTE

from .compare import comparison_frame, overlay_curves
from .components import (
    message,
    metrics_frame,
    output_title,
    params_frame,
    run_figures,
    scalar_metrics,
)
from .jobs import Job, describe_error
from .plots import curves_figure, decimate
from .provenance import run_command, run_toml
from .runner import JobContext, missing_message
from .shade import SHADE_ABOVE, follow_zoom, phase_figures

__all__ = ["RunsPage", "RunsState", "parse_tags"]

#: Statuses a run can have (``workbench.store``).
STATUSES = ["all", "complete", "running", "failed", "stale", "corrupt"]
#: Scalar metrics shown per run in the unfiltered table.
SUMMARY_METRICS = 3
#: Points of one curve drawn at most (min/max per bin beyond that, so peaks stay visible; about
#: two per pixel column, recomputed over the visible window on zoom).
MAX_PLOT_POINTS = 4_000
#: Runs compared side by side at most.
MAX_COMPARED = 6


def parse_tags(text: str) -> list[str]:
    """The tags of a comma-separated text (blanks around each and empty items dropped).

    Parameters
    ----------
    text : str
        E.g. ``"baseline, fig3"``.

    Returns
    -------
    list of str
        E.g. ``["baseline", "fig3"]``; the tags are checked when they are saved.
    """
    return [t.strip() for t in (text or "").split(",") if t.strip()]


class RunsState(JobContext):
    """State of the runs page: filters, the selected run and the actions on it."""

    kind_filter = param.Selector(default="all", objects=["all"], label="Kind",
                                 doc="Only runs of this experiment kind.")
    status_filter = param.Selector(default="all", objects=STATUSES, label="Status",
                                   doc="Only runs with this status.")
    search = param.String(default="", doc="Only runs whose id contains this text (e.g. a date 20250131).")
    tag_filter = param.Selector(default="all", objects=["all"], label="Tag",
                                doc="Only runs carrying this tag (the choices: the tags present).")
    selected = param.List(default=[], item_type=str, doc="Ids of the selected runs (the first is opened).")

    def __init__(self, client: str | None = None, **params):
        if isinstance(params.get("selected"), str):
            params["selected"] = [params["selected"]]
        params.setdefault("job", Job(key=(client, "runs.rerun") if client else None))
        self._notes: dict[str, dict[str, Any]] = {}
        super().__init__(**params)
        if self.registry is None:
            self.registry = registered_experiments()
        self.refresh()

    def refresh(self) -> None:
        """Re-read the kinds present in the store and every run's tags (one read for all runs):
        the choices of :attr:`kind_filter` and :attr:`tag_filter`."""
        records = self.store.runs()
        kinds = sorted({rec.kind for rec in records})
        self.param.kind_filter.objects = ["all"] + kinds
        if self.kind_filter not in self.param.kind_filter.objects:
            self.kind_filter = "all"
        self._notes = {}
        self.annotations([rec.id for rec in records])
        self._update_tag_choices()

    def _update_tag_choices(self) -> None:
        tags = sorted({t for a in self._notes.values() for t in a["tags"]})
        self.param.tag_filter.objects = ["all"] + tags
        if self.tag_filter not in self.param.tag_filter.objects:
            self.tag_filter = "all"

    def annotations(self, run_ids: list[str]) -> dict[str, dict[str, Any]]:
        """``{run id: {"tags": [...], "note": str}}`` of ``run_ids``: as read at the last
        :meth:`refresh` or save; runs not read since then are read together in one call."""
        missing = [i for i in run_ids if i not in self._notes]
        if missing:
            readable = [i for i in missing if NAME_RE.match(i)]
            self._notes.update(self.store.annotations(readable) if readable else {})
            self._notes.update({i: {"tags": [], "note": ""} for i in missing if i not in self._notes})
        return {i: self._notes[i] for i in run_ids}

    def records(self):
        """Run records matching the filters, newest first."""
        kind = None if self.kind_filter == "all" else self.kind_filter
        status = None if self.status_filter == "all" else self.status_filter
        records = [r for r in self.store.runs(kind=kind, status=status) if self.search.strip() in r.id]
        if self.tag_filter != "all":
            notes = self.annotations([r.id for r in records])
            records = [r for r in records if self.tag_filter in notes[r.id]["tags"]]
        return records

    def table(self) -> pd.DataFrame:
        """One row per matching run: id, kind, status, created, tags, and key metrics.

        With a kind selected every scalar metric gets its own column; otherwise the first
        few are summarised in one text column.
        """
        rows = []
        records = self.records()
        notes = self.annotations([rec.id for rec in records])
        for rec in records:
            row = {"id": rec.id, "kind": rec.kind, "status": rec.status,
                   "created": rec.created[:19].replace("T", " "), "tags": ", ".join(notes[rec.id]["tags"])}
            metrics = scalar_metrics(rec.metrics)
            if self.kind_filter != "all":
                row.update({k: float(v) for k, v in metrics.items()})
            else:
                row["metrics"] = ", ".join(f"{k}={v:.4g}" for k, v in list(metrics.items())[:SUMMARY_METRICS])
            rows.append(row)
        base = ["id", "kind", "status", "created", "tags"]
        base += [] if self.kind_filter != "all" else ["metrics"]
        frame = pd.DataFrame(rows)
        return frame if len(frame) else pd.DataFrame(columns=base)

    def open(self, run_id: str | None = None):
        """Reader of ``run_id`` (default the first selected run); ``ValueError`` if it is gone."""
        run_id = run_id or (self.selected[0] if self.selected else None)
        if not run_id:
            raise ValueError("no run selected: click a row of the table")
        try:
            return self.store.open(run_id)
        except KeyError:
            raise ValueError(f"run {run_id!r} is no longer in the store") from None

    def annotate(self, tags: str, note: str) -> dict[str, Any]:
        """Save the tags (comma-separated text) and note of the opened run (the first selected).

        Parameters
        ----------
        tags : str
            The run's tags, e.g. ``"baseline, fig3"`` (replacing its tags; empty: none).
        note : str
            The run's note (replacing it; empty: none).

        Returns
        -------
        dict
            The run's annotations as saved: ``{"tags": [...], "note": str, "updated": str}``.

        Raises
        ------
        ValueError
            Nothing selected, the run is gone, or a bad tag or note (the message names what is
            allowed); nothing is saved then.
        """
        run_id = self.selected[0] if self.selected else None
        if not run_id:
            raise ValueError("no run selected: click a row of the table")
        try:
            value = self.store.annotate(run_id, tags=parse_tags(tags), note=note)
        except KeyError:
            raise ValueError(f"run {run_id!r} is no longer in the store") from None
        self._notes[run_id] = {"tags": list(value["tags"]), "note": value["note"]}
        self._update_tag_choices()
        return value

    def array_summary(self, reader) -> pd.DataFrame:
        """Name, shape, dtype and dimension names of each array of a run."""
        rows = []
        for name in reader.arrays:
            shape, dtype = reader.array_info(name)
            rows.append({"array": name, "shape": str(shape), "dtype": str(dtype),
                         "dims": ", ".join(reader.dims(name))})
        return pd.DataFrame(rows, columns=["array", "shape", "dtype", "dims"])

    def array_curves(self, reader, name: str, max_columns: int = 5) -> tuple[dict, np.ndarray | None]:
        """Up to ``max_columns`` columns of a numeric array as curves against its first axis.

        Returns
        -------
        curves : dict
            ``label -> (index, values)``, every point (empty for a non-numeric or empty
            array); the page draws them min/max-decimated (:data:`MAX_PLOT_POINTS`), so the
            drawn envelope is that of every point at any zoom.
        trajectory : numpy.ndarray or None
            The array as (rows, columns) when it is a long trajectory (at least 2 columns and
            more than :data:`apps.shade.SHADE_ABOVE` rows), for a datashaded phase portrait.
        """
        shape, dtype = reader.array_info(name)
        if np.dtype(dtype).kind not in "biuf" or len(shape) == 0 or shape[0] == 0:
            return {}, None
        arr = np.asarray(reader[name], dtype=float)
        arr = arr.reshape(arr.shape[0], -1)
        dims = reader.dims(name)
        label = dims[1] if len(dims) > 1 else "column"
        idx = np.arange(arr.shape[0], dtype=float)
        curves = {f"{label} {j}": (idx, arr[:, j]) for j in range(min(arr.shape[1], max_columns))}
        long_trajectory = arr.shape[1] >= 2 and arr.shape[0] > SHADE_ABOVE
        return curves, (arr if long_trajectory else None)

    def compared(self) -> list:
        """Readers of the selected runs still in the store (at most :data:`MAX_COMPARED`)."""
        out = []
        for run_id in self.selected[:MAX_COMPARED]:
            try:
                out.append(self.store.open(run_id))
            except KeyError:
                continue
        return out

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

    def delete(self, run_ids: list[str] | None = None) -> list[str]:
        """Delete the runs ``run_ids`` (default the selected ones); returns their ids.

        Raises
        ------
        ValueError
            Nothing to delete, a run is gone already, or a run is still running (then
            nothing is deleted).
        """
        run_ids = list(self.selected if run_ids is None else run_ids)
        if not run_ids:
            raise ValueError("no run selected: click a row of the table")
        readers = [self.open(i) for i in run_ids]
        running = [r.id for r in readers if r.status == "running"]
        if running:
            raise ValueError(f"run {running[0]} is still running; wait for it to finish")
        for r in readers:
            self.store.delete(r.id)
        self.selected = [i for i in self.selected if i not in run_ids]
        self.refresh()
        return run_ids

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
    """Browse the store: filter, open, compare, re-run, delete (after a confirmation), export."""

    def __init__(self, store: Store, registry: dict | None = None, client: str | None = None, **params):
        super().__init__(**params)
        self.state = RunsState(store=store, registry=registry, client=client)
        self._error = message(None)
        self._syncing = False
        self._table = pn.widgets.Tabulator(self.state.table(), show_index=False, disabled=True,
                                           selectable="checkbox", pagination="local", page_size=15,
                                           sizing_mode="stretch_width", layout="fit_data_stretch",
                                           header_filters=False)
        self._table.param.watch(self._on_select, ["selection"])
        self._refresh_button = pn.widgets.Button(label="Refresh", width=100)
        self._refresh_button.on_click(lambda e: self.refresh())
        self._rerun = pn.widgets.Button(label="Re-run", color="primary", width=100, disabled=True)
        self._delete = pn.widgets.Button(label="Delete…", color="danger", width=100, disabled=True)
        self._export = pn.widgets.FileDownload(callback=self._export_bytes, filename="run.nc",
                                               label="Export NetCDF", width=150, disabled=True, embed=False)
        self._rerun.on_click(self._on_rerun)
        self._delete.on_click(self._on_delete)
        self._confirm_text = pn.pane.Markdown("", sizing_mode="stretch_width")
        self._confirm_yes = pn.widgets.Button(label="Yes, delete", color="danger", width=120)
        self._confirm_no = pn.widgets.Button(label="Keep", width=100)
        self._confirm_yes.on_click(self._on_confirm)
        self._confirm_no.on_click(lambda e: self._ask(None))
        self._confirm = pn.Column(self._confirm_text, pn.Row(self._confirm_yes, self._confirm_no),
                                  visible=False, sizing_mode="stretch_width",
                                  styles={"border": "2px solid #c0392b", "border-radius": "6px",
                                          "padding": "6px"})
        self._pending_delete: list[str] = []
        self._detail = pn.Column(sizing_mode="stretch_width")
        self._compare = pn.Column(sizing_mode="stretch_width")
        self._array = pn.widgets.Select(label="Plot array", options=[], width=260)
        self._array.param.watch(self._on_array, ["value"])
        self._array_plot = pn.Column()
        self._status = pn.pane.Markdown("")
        self._editing: str | None = None
        self._notebook_title = pn.pane.Markdown("", sizing_mode="stretch_width")
        self._tags_input = pn.widgets.TextInput(label="Tags (comma-separated)", width=420,
                                                placeholder="e.g. baseline, fig3")
        self._note_input = pn.widgets.TextAreaInput(label="Note", height=110, max_length=MAX_NOTE,
                                                    placeholder="what this run is for, what it showed",
                                                    sizing_mode="stretch_width")
        self._save = pn.widgets.Button(label="Save tags and note", color="primary", width=180)
        self._save.on_click(self._on_save)
        self._saved = pn.pane.Markdown("", margin=(8, 10))
        self._notebook_error = message(None)
        self._notebook = pn.Column(self._notebook_title, self._tags_input, self._note_input,
                                   pn.Row(self._save, self._saved), self._notebook_error,
                                   sizing_mode="stretch_width", name="notebook",
                                   styles={"border": "1px solid #d0d7de", "border-radius": "6px",
                                           "padding": "6px"})
        self.state.param.watch(self._on_filter, ["kind_filter", "status_filter", "tag_filter", "search"])
        self.state.job.param.watch(self._on_job, ["status"])

    # -- table and selection (by id) ----------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the store and redraw the table, keeping the selected runs selected."""
        self.state.refresh()
        self._set_table(self.state.table())

    def _set_table(self, frame) -> None:
        ids = frame["id"].tolist() if len(frame) else []
        self.state.selected = [i for i in self.state.selected if i in ids]
        self._syncing = True
        try:
            self._table.value = frame
            self._table.selection = [ids.index(i) for i in self.state.selected]
        finally:
            self._syncing = False
        self._show_selection()

    def _on_filter(self, event) -> None:
        self._set_table(self.state.table())

    def _on_select(self, event) -> None:
        if self._syncing:
            return
        frame = self._table.value
        ids = [str(frame.iloc[i]["id"]) for i in event.new if 0 <= i < len(frame)]
        # keep the order in which runs were selected: the first one is the opened run
        kept = [i for i in self.state.selected if i in ids]
        self.state.selected = kept + [i for i in ids if i not in kept]
        self._ask(None)
        self._show_selection()

    def _show_selection(self) -> None:
        selected = bool(self.state.selected)
        for w in (self._rerun, self._delete, self._export):
            w.disabled = not selected
        n_selected = len(self.state.selected)
        self._delete.label = f"Delete {n_selected}…" if n_selected > 1 else "Delete…"
        if not selected:
            self._detail.objects = []
            self._compare.objects = []
            self._editing = None
            return
        self._show_detail()
        self._show_comparison()

    # -- one run ----------------------------------------------------------------------------------
    def _show_detail(self) -> None:
        try:
            reader = self.state.open()
        except ValueError as exc:
            self._error.param.update(object=describe_error(exc), visible=True)
            self._detail.objects = []
            self._editing = None
            return
        self._error.visible = False
        self._export.filename = f"{reader.id}.nc"
        self._show_notebook(reader.id)
        header = (f"### Run `{reader.id}`\n**kind** {reader.kind} · **status** {reader.status} · "
                  f"**seed** {reader.seed}")
        if reader.attrs.get("error"):
            header += f"\n\n**error:** {reader.attrs['error']}"
        arrays = [a for a in reader.arrays if np.dtype(reader.array_info(a)[1]).kind in "biuf"]
        # the largest array first (a trajectory rather than its time axis)
        largest = max(arrays, key=lambda a: int(np.prod(reader.array_info(a)[0])), default=None)
        redraws = self._array.value == largest  # else the value's watcher draws it
        self._array.param.update(options=arrays, value=largest)
        if redraws:
            self._on_array()
        tables = pn.Row(
            pn.Column("**Parameters**", pn.widgets.Tabulator(params_frame(reader.params), show_index=False,
                                                             disabled=True, height=240, width=340,
                                                             layout="fit_data_stretch")),
            pn.Column("**Metrics**", pn.widgets.Tabulator(metrics_frame(reader.metrics), show_index=False,
                                                          disabled=True, height=240, width=340,
                                                          layout="fit_data_stretch")),
            pn.Column("**Arrays**", pn.widgets.Tabulator(self.state.array_summary(reader), show_index=False,
                                                         disabled=True, height=240, width=440,
                                                         layout="fit_data_stretch")))
        self._detail.objects = [pn.pane.Markdown(header), self._notebook, tables, self._reproduce(reader),
                                self._array, self._array_plot,
                                pn.FlexBox(*run_figures(reader, width=440, registry=self.state.registry),
                                           sizing_mode="stretch_width")]

    def _show_notebook(self, run_id: str) -> None:
        """Fill the tags and note fields with those of ``run_id`` when another run is shown
        (what is being typed for the shown run stays while the table redraws)."""
        n_selected = len(self.state.selected)
        others = f" (the first of the {n_selected} selected runs)" if n_selected > 1 else ""
        self._notebook_title.object = f"**Notebook of run `{run_id}`**{others}"
        if run_id == self._editing:
            return
        self._editing = run_id
        notes = self.state.annotations([run_id])[run_id]
        self._tags_input.value = ", ".join(notes["tags"])
        self._note_input.value = notes["note"]
        self._saved.object = ""
        self._notebook_error.visible = False

    def _on_save(self, event) -> None:
        try:
            value = self.state.annotate(self._tags_input.value or "", self._note_input.value or "")
        except ValueError as exc:
            self._saved.object = ""
            self._notebook_error.param.update(object=describe_error(exc), visible=True)
            return
        self._notebook_error.visible = False
        self._tags_input.value = ", ".join(value["tags"])
        self._saved.object = f"Saved tags and note of run `{self.state.selected[0]}`."
        self._set_table(self.state.table())

    def _reproduce(self, reader) -> pn.Row:
        """The run's ``workbench run`` command and TOML, each with a copy button."""
        boxes = []
        for title, text, height in (("Command", run_command(reader, self.state.registry), 70),
                                    ("TOML (workbench run KIND --config FILE)", run_toml(reader), 180)):
            area = pn.widgets.TextAreaInput(value=text, disabled=True, height=height,
                                            sizing_mode="stretch_width")
            copy = pn.widgets.Button(label=f"Copy {title.split()[0].lower()}", width=140)
            copy.js_on_click(args={"area": area}, code="navigator.clipboard.writeText(area.value)")
            boxes.append(pn.Column(f"**{title}**", area, copy, sizing_mode="stretch_width"))
        return pn.Row(*boxes, sizing_mode="stretch_width")

    def _on_array(self, *events) -> None:
        name = self._array.value
        if not name or not self.state.selected:
            self._array_plot.objects = []
            return
        try:
            curves, trajectory = self.state.array_curves(self.state.open(), name)
        except ValueError as exc:
            self._error.param.update(object=describe_error(exc), visible=True)
            return
        plots = []
        if curves:
            fig = curves_figure(name, "index", "value",
                                {k: decimate(x, y, MAX_PLOT_POINTS) for k, (x, y) in curves.items()},
                                width=760, height=280)
            follow_zoom(fig, curves, MAX_PLOT_POINTS)
            plots.append(pn.pane.Bokeh(fig))
        if trajectory is not None:  # every point, datashaded
            labels = [f"{name}[:, {j}]" for j in range(trajectory.shape[1])]
            title = f"{name}: phase portrait, all {len(trajectory):,} points"
            (portrait,) = phase_figures([(title, trajectory, "#1f4e79")], labels=labels, width=520,
                                        height=440)  # columns 0 and 2, or 0 and 1 of two
            plots.append(pn.pane.Bokeh(portrait))
        self._array_plot.objects = plots

    # -- several runs -----------------------------------------------------------------------------
    def _show_comparison(self) -> None:
        readers = self.state.compared()
        if len(readers) < 2:
            self._compare.objects = []
            return
        frame = comparison_frame(readers)
        table = pn.widgets.Tabulator(frame, show_index=False, disabled=True,
                                     height=min(400, 40 + 30 * len(frame)), sizing_mode="stretch_width",
                                     layout="fit_data_stretch", name="comparison")
        highlight = "background-color: #fdebd0; font-weight: bold"
        table.style.apply(lambda row: [highlight if row["differs"] else "" for _ in row], axis=1)
        kind = readers[0].kind
        outputs = getattr(self.state.registry.get(kind), "outputs", None)
        skip = [c.name for c in outputs.coords] if outputs is not None else []
        skip += [a for r in readers for a in r.arrays if a in ("delays", "lags", "time", "balances")]
        plots = [pn.pane.Bokeh(curves_figure(output_title(self.state.registry, kind, "arrays", name)[:70],
                                             "index", name, curves, width=560, height=320))
                 for name, curves in list(overlay_curves(readers, skip=skip).items())[:4]]
        self._compare.objects = [pn.pane.Markdown(f"### Comparing {len(readers)} runs (rows that differ are "
                                                  f"highlighted)"), table,
                                 pn.FlexBox(*plots, sizing_mode="stretch_width")]

    # -- actions ------------------------------------------------------------------------------------
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
        except (ValueError, RuntimeError) as exc:
            self._error.param.update(object=describe_error(exc), visible=True)

    def _ask(self, run_ids: list[str] | None) -> None:
        """Show (or, with ``None``, hide) the confirmation naming the runs to delete."""
        self._pending_delete = list(run_ids or [])
        if run_ids:
            names = ", ".join(f"`{i}`" for i in run_ids)
            self._confirm_text.object = (f"**Delete {len(run_ids)} run{'s' if len(run_ids) > 1 else ''}?** "
                                         f"{names}. This cannot be undone.")
        self._confirm.visible = bool(run_ids)

    def _on_delete(self, event) -> None:
        if not self.state.selected:
            self._error.param.update(object="no run selected: click a row of the table", visible=True)
            return
        self._ask(list(self.state.selected))

    def _on_confirm(self, event) -> None:
        run_ids, self._pending_delete = self._pending_delete, []
        self._ask(None)
        if not run_ids:
            return
        try:
            deleted = self.state.delete(run_ids)
        except ValueError as exc:
            self._error.param.update(object=describe_error(exc), visible=True)
            return
        self._error.visible = False
        self._status.object = "Deleted " + ", ".join(f"`{i}`" for i in deleted) + "."
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
        filters = pn.Row(pn.widgets.Select.from_param(self.state.param.kind_filter, width=260),
                         pn.widgets.Select.from_param(self.state.param.status_filter, width=140),
                         pn.widgets.Select.from_param(self.state.param.tag_filter, width=180),
                         pn.widgets.TextInput.from_param(self.state.param.search, label="Id / date contains",
                                                         width=220),
                         pn.Column(pn.Spacer(height=18), self._refresh_button))
        actions = pn.Row(self._rerun, self._delete, self._export)
        return pn.Column(filters, self._table, actions, self._confirm, self._status, self._error,
                         self._compare, self._detail, sizing_mode="stretch_width")
