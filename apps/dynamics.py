"""Lorenz / Rössler page: train an AL-RNN live, inspect its symbolic dynamics, compare forecasts.

The AL-RNN (Brenner et al. 2024, ``research/alrnn.md``) is trained by the registered
experiments ``alrnn.lorenz63`` / ``alrnn.rossler`` (or ``alrnn.fit`` on an uploaded
``(time, features)`` series); the experiment reports ``progress(fraction, message, epoch=,
loss=, d_stsp=, d_h=)`` after every block, which this page plots live, and polls
``should_stop`` so that *Cancel* ends training and keeps the best model. The rate E/I
reservoir's closed-loop forecast of the same system (``reservoirs.lorenz_forecast``) is run
beside it and both are scored by the same geometric (D_stsp, note §3.2) and temporal (D_H,
§3.3) distances of :mod:`workbench.metrics`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import panel as pn
import param

from workbench.store import Store

from .components import metrics_frame, run_figures
from .jobs import Job, describe_error
from .plots import attractor_3d, attractor_figures, curves_figure, transition_graph_figure
from .results import first_array, first_metric
from .runner import ExperimentRunner, RunnerControls, StoreContext
from .uploads import DataFolder, read_series

__all__ = ["DynamicsPage", "DynamicsState", "read_series"]

#: AL-RNN training experiment per system; ``upload`` trains on a user's file.
TRAIN_KINDS = {"lorenz63": "alrnn.lorenz63", "rossler": "alrnn.rossler", "upload": "alrnn.fit"}
#: Ground-truth generators of the systems (stored runs of their own).
DATA_KINDS = {"lorenz63": "systems.lorenz63", "rossler": "systems.rossler"}
#: The reservoir forecast experiment.
FORECAST_KIND = "reservoirs.lorenz_forecast"
#: Parameter of ``alrnn.fit`` that names its data file.
FIT_DATA = ("data",)
#: Metric names of the two distances.
D_STSP = ("d_stsp",)
D_H = ("d_h",)
#: Arrays of the fixed-point table: latent positions, then per-point columns.
FIXED_POINTS = ("fixed_points",)
FIXED_POINT_COLUMNS = {"fixed_point_radius": "spectral radius", "fixed_point_real": "real"}
#: Ground truth and free run of a trained model (AL-RNN: test/generated, reservoir: true/generated).
TRUE_SERIES = ("test", "true")
GENERATED = ("generated",)
#: Systems the reservoir forecast experiment covers.
FORECAST_SYSTEMS = ("lorenz63",)


class DynamicsState(StoreContext):
    """State of the Lorenz / Rössler page (no widgets)."""

    system = param.Selector(default="lorenz63", objects=list(TRAIN_KINDS), doc="System to reconstruct.")
    upload_path = param.String(default=None, allow_None=True, constant=True,
                               doc="Where the uploaded series was saved (.npy).")
    train = param.ClassSelector(class_=ExperimentRunner, constant=True, doc="AL-RNN training.")
    forecast = param.ClassSelector(class_=ExperimentRunner, constant=True, doc="Reservoir forecast.")
    truth = param.ClassSelector(class_=ExperimentRunner, constant=True,
                                doc="Ground-truth generator (stores the system's dataset).")

    def __init__(self, upload_dir: str | None = None, client: str | None = None, data_dir=None, **params):
        super().__init__(**params)
        self._upload_dir = upload_dir
        self.data_folder = DataFolder(data_dir) if data_dir else None
        with param.edit_constant(self):
            self.train = ExperimentRunner(kind=TRAIN_KINDS[self.system], store=self.store,
                                          registry=self.registry,
                                          job=Job(key=(client, "dynamics.train") if client else None),
                                          check=self._check_data)
            reg = self.train.registry
            self.forecast = ExperimentRunner(kind=FORECAST_KIND, store=self.store, registry=reg,
                                             job=Job(key=(client, "dynamics.forecast") if client else None))
            truth_job = Job(key=(client, "dynamics.data") if client else None)
            self.truth = ExperimentRunner(kind=DATA_KINDS.get(self.system, ""), store=self.store,
                                          registry=reg, job=truth_job)
        self._sync_system()

    def _check_data(self) -> None:
        if self.system == "upload" and not self.upload_path:
            raise ValueError("no data yet: upload a (time, features) file (.npy or .csv) first")

    @param.depends("system", watch=True)
    def _sync_system(self) -> None:
        self.train.kind = TRAIN_KINDS[self.system]
        self.truth.kind = DATA_KINDS.get(self.system, "")
        if self.system == "upload" and self.upload_path:
            self._point_fit_at_upload()

    def set_upload(self, data: bytes, filename: str) -> np.ndarray:
        """Validate an uploaded series, save it as ``.npy`` and point ``alrnn.fit`` at it."""
        return self._use_series(read_series(data, filename), filename)

    def pick_data_file(self, name: str) -> np.ndarray:
        """Use file ``name`` of the served data folder (chosen from :meth:`DataFolder.names`)."""
        if self.data_folder is None:
            raise ValueError("this server offers no data folder "
                             "(start it with workbench serve --data-dir DIR)")
        return self._use_series(self.data_folder.read(name), name)

    def _use_series(self, arr: np.ndarray, filename: str) -> np.ndarray:
        import re
        import tempfile
        from pathlib import Path

        folder = Path(self._upload_dir or tempfile.mkdtemp(prefix="workbench-upload-"))
        folder.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(filename).stem)[:60] or "series"
        path = folder / (stem + ".npy")
        np.save(path, arr)
        with param.edit_constant(self):
            self.upload_path = str(path)
        self.system = "upload"
        self._point_fit_at_upload()
        return arr

    def _point_fit_at_upload(self) -> None:
        exp = self.train.experiment
        if exp is None:
            return
        name = next((n for n in FIT_DATA if n in exp.parameter_names()), None)
        if name is None:
            raise ValueError(f"experiment {self.train.kind!r} has no data-file parameter "
                             f"(expected one of {', '.join(FIT_DATA)})")
        exp.param.update({name: self.upload_path})

    # -- live curves ----------------------------------------------------------------------
    def training_curves(self) -> tuple[dict, dict]:
        """Live curves from the job's reports: ``({"loss": (epoch, loss)}, {"D_stsp": ..., "D_H": ...})``."""
        rows = [r for r in self.train.job.scalars if "epoch" in r]
        if not rows:
            return {}, {}
        epoch = np.array([r["epoch"] for r in rows], dtype=float)

        def column(key):
            return np.array([r.get(key, np.nan) for r in rows], dtype=float)

        loss = {"loss": (epoch, column("loss"))}
        dist = {"D_stsp": (epoch, column("d_stsp")), "D_H": (epoch, column("d_h"))}
        return loss, dist

    # -- results --------------------------------------------------------------------------
    def latest(self, runner: ExperimentRunner):
        """The runner's last run, else the newest complete run of its kind (``None`` if none)."""
        reader = runner.reader()
        if reader is not None and reader.status == "complete":
            return reader
        history = runner.history()
        return self.store.open(history[0].id) if history else None

    def stored_curves(self, reader) -> tuple[dict, dict]:
        """Training curves of a finished run (its logs), in the form of :meth:`training_curves`."""
        logs = reader.logs() if reader is not None else {}
        if "step" not in logs:
            return {}, {}
        step = logs["step"]
        loss = {"loss": (step, logs["loss"])} if "loss" in logs else {}
        dist = {label: (step, logs[key]) for label, key in (("D_stsp", "d_stsp"), ("D_H", "d_h"))
                if key in logs}
        return loss, dist

    def fixed_point_table(self, reader) -> pd.DataFrame | None:
        """The stored fixed points as a table (one row per fixed point), or ``None``."""
        if reader is None:
            return None
        arr = first_array(reader, FIXED_POINTS)
        if arr is None:
            return None
        if arr.ndim != 2:
            return None
        table = pd.DataFrame(arr, columns=[f"z{i + 1}" for i in range(arr.shape[1])])
        for name, label in FIXED_POINT_COLUMNS.items():
            if name in reader and len(reader[name]) == len(table):
                table.insert(0, label, reader[name])
        return table

    def dataset_info(self) -> str:
        """Which ground-truth datasets of the current system are cached in the store."""
        if self.system == "upload":
            if not self.upload_path:
                return "No data yet: upload a file (or pick one from the data folder)."
            from pathlib import Path

            return f"Training on the uploaded series `{Path(self.upload_path).stem}`."
        cached = self.store.datasets().get(self.system, [])
        if not cached:
            return (f"No stored {self.system} dataset yet: the first run generates it and "
                    f"stores it; later runs with the same lengths reuse it.")
        lengths = sorted({p.get("n_steps") for p in cached if p.get("n_steps")})
        return (f"{len(cached)} stored {self.system} dataset(s) (lengths {', '.join(map(str, lengths))}); "
                f"runs with the same parameters reuse them.")

    def comparison(self) -> pd.DataFrame:
        """D_stsp and D_H of the AL-RNN and the reservoir forecast side by side."""
        rows = []
        for label, runner in (("AL-RNN", self.train), ("E/I reservoir", self.forecast)):
            reader = self.latest(runner)
            if reader is None:
                continue
            rows.append({"model": label, "run": reader.id, "D_stsp": first_metric(reader.metrics, D_STSP),
                         "D_H": first_metric(reader.metrics, D_H)})
        return pd.DataFrame(rows, columns=["model", "run", "D_stsp", "D_H"])


class DynamicsPage(pn.viewable.Viewer):
    """AL-RNN training with live curves, attractors, symbolic graph, fixed points, forecast."""

    def __init__(self, store: Store, registry: dict | None = None, upload_dir: str | None = None,
                 client: str | None = None, data_dir=None, **params):
        super().__init__(**params)
        self.state = DynamicsState(store=store, registry=registry, upload_dir=upload_dir, client=client,
                                   data_dir=data_dir)
        self.train_controls = RunnerControls(self.state.train, run_label="Train AL-RNN", exclude=FIT_DATA)
        self.forecast_controls = RunnerControls(self.state.forecast, run_label="Run forecast")
        self.data_controls = RunnerControls(self.state.truth, run_label="Generate dataset")
        self._system = pn.widgets.RadioButtonGroup.from_param(self.state.param.system)
        self._upload = pn.widgets.FileInput(accept=".npy,.csv,.txt", multiple=False, label="Upload series")
        self._upload.param.watch(self._on_upload, ["value"])
        folder = self.state.data_folder
        self._pick = pn.widgets.Select(label="or pick from the data folder", options=[""] + folder.names(),
                                       visible=True) if folder else None
        if self._pick is not None:
            self._pick.param.watch(self._on_pick, ["value"])
        self._upload_msg = pn.pane.Alert("", alert_type="info", visible=False)
        self._dataset = pn.pane.Markdown("", sizing_mode="stretch_width")
        self._live = pn.Row(sizing_mode="stretch_width")
        self._train_results = pn.Column(sizing_mode="stretch_width")
        self._forecast_results = pn.Column(sizing_mode="stretch_width")
        self._comparison = pn.widgets.Tabulator(self.state.comparison(), show_index=False, disabled=True,
                                                sizing_mode="stretch_width", height=110)
        job = self.state.train.job
        job.param.watch(self._on_scalars, ["scalars"])
        job.param.watch(self._on_train_done, ["status"])
        self.state.forecast.job.param.watch(self._on_forecast_done, ["status"])
        self.state.param.watch(self._on_system, ["system"])
        self._show_train()
        self._show_forecast()

    # -- callbacks (session thread) ---------------------------------------------------------
    def _on_upload(self, event) -> None:
        if not event.new:
            return
        name = self._upload.filename
        if self._load(lambda: self.state.set_upload(event.new, name), name) and self._pick is not None:
            self._pick.value = ""  # the upload is what is used now; picking a file again reloads it

    def _on_pick(self, event) -> None:
        if event.new:
            self._load(lambda: self.state.pick_data_file(event.new), event.new)

    def _load(self, read, name: str) -> bool:
        try:
            arr = read()
        except ValueError as exc:
            self._upload_msg.param.update(object=describe_error(exc), alert_type="danger", visible=True)
            return False
        self._dataset.object = self.state.dataset_info()
        self._upload_msg.param.update(object=f"Loaded {name}: {arr.shape[0]} time points × "
                                             f"{arr.shape[1]} features.", alert_type="success", visible=True)
        return True

    def _on_system(self, event) -> None:
        self._show_train()
        self._show_forecast()

    def _on_scalars(self, event) -> None:
        self._draw_curves(*self.state.training_curves())

    def _on_train_done(self, event) -> None:
        if event.new == "running":  # a new run: nothing of the previous one stays on screen
            self._live.objects = [
                pn.pane.Markdown("Training started: the curves appear with the first report.")]
        elif event.new in ("complete", "cancelled", "failed"):
            self._show_train()

    def _on_forecast_done(self, event) -> None:
        if event.new in ("complete", "failed", "cancelled"):
            self._show_forecast()

    # -- drawing ----------------------------------------------------------------------------
    def _draw_curves(self, loss: dict, dist: dict) -> None:
        figs = []
        if loss:
            figs.append(curves_figure("Training loss", "epoch", "loss", loss, y_log=True,
                                      width=440, height=280))
        if dist:
            figs.append(curves_figure("Attractor distances", "epoch", "distance", dist,
                                      width=440, height=280))
        self._live.objects = [pn.pane.Bokeh(f) for f in figs]

    def _show_train(self) -> None:
        self._dataset.object = self.state.dataset_info()
        reader = self.state.latest(self.state.train)
        self._comparison.value = self.state.comparison()
        if self.state.train.job.running:
            self._draw_curves(*self.state.training_curves())
            return
        if reader is None:
            self._draw_curves(*self.state.training_curves())
            self._train_results.objects = [
                pn.pane.Markdown("No AL-RNN run of this system yet: press **Train AL-RNN**.")]
            return
        live = self.state.training_curves()
        self._draw_curves(*(live if live[0] else self.state.stored_curves(reader)))
        parts = [pn.pane.Markdown(f"### AL-RNN run `{reader.id}`"),
                 pn.widgets.Tabulator(metrics_frame(reader.metrics), show_index=False, disabled=True,
                                      height=200, width=380)]
        if "transitions" in reader:
            m = reader.metrics
            parts.append(pn.pane.Bokeh(transition_graph_figure(
                reader["transitions"], m.get("regions"), m.get("occupancy"),
                m.get("fixed_points") if isinstance(m.get("fixed_points"), list) else None)))
        table = self.state.fixed_point_table(reader)
        if table is not None:
            parts += [pn.pane.Markdown("**Fixed points**"),
                      pn.widgets.Tabulator(table.round(4), disabled=True, height=200,
                                           sizing_mode="stretch_width")]
        parts.append(self._attractors(reader))
        parts.append(pn.FlexBox(*run_figures(reader, width=440, registry=self.state.train.registry),
                                sizing_mode="stretch_width"))
        self._train_results.objects = parts

    def _show_forecast(self) -> None:
        reader = self.state.latest(self.state.forecast)
        self._comparison.value = self.state.comparison()
        if self.state.system not in FORECAST_SYSTEMS:
            self._forecast_results.objects = [pn.pane.Alert(
                f"The reservoir forecast experiment ({FORECAST_KIND}) covers Lorenz-63 only; the table "
                f"compares with the last Lorenz-63 forecast.", alert_type="info")]
            return
        if reader is None:
            self._forecast_results.objects = []
            return
        self._forecast_results.objects = [pn.pane.Markdown(f"### Reservoir forecast `{reader.id}`"),
                                          self._attractors(reader),
                                          pn.FlexBox(*run_figures(reader, width=440,
                                                                  registry=self.state.train.registry),
                                                     sizing_mode="stretch_width")]

    @staticmethod
    def _attractors(reader):
        """True and generated trajectories drawn as lines (phase planes side by side, time series)."""
        true, generated = first_array(reader, TRUE_SERIES, ndim=2), first_array(reader, GENERATED, ndim=2)
        if true is None or generated is None or true.shape[1] < 2 or generated.shape[1] != true.shape[1]:
            return pn.Spacer(height=0)
        labels = [f"x{i + 1}" for i in range(true.shape[1])]
        figs = attractor_figures(true, generated, labels=labels, plane=(0, 1))
        if true.shape[1] >= 3:  # rotatable 3-D, the generated one coloured by linear subregion
            regions = reader["regions"] if "regions" in reader else None
            top = pn.pane.Plotly(attractor_3d(true, generated, regions, labels=labels[:3]), height=480,
                                 sizing_mode="stretch_width")
        else:
            top = pn.Row(*(pn.pane.Bokeh(f) for f in figs[:2]))
        return pn.Column(top, pn.pane.Bokeh(figs[2]), sizing_mode="stretch_width")

    def __panel__(self):
        sidebar = pn.Column(
            pn.pane.Markdown("**System**"), self._system,
            pn.pane.Markdown("or upload a `(time, features)` series (.npy / .csv, at most 16 MiB):"),
            self._upload,
            *([self._pick] if self._pick is not None else []), self._upload_msg,
            self._dataset, self.train_controls,
            pn.Accordion(("Reservoir forecast", self.forecast_controls),
                         ("Ground-truth dataset", self.data_controls),
                         active=[], sizing_mode="stretch_width"),
            width=320)
        main = pn.Column(self._live, pn.pane.Markdown("**D_stsp and D_H: AL-RNN vs E/I reservoir**"),
                         self._comparison, self._train_results, self._forecast_results,
                         sizing_mode="stretch_width")
        return pn.Row(sidebar, main, sizing_mode="stretch_width")
