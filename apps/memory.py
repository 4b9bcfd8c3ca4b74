"""Memory-capacity page: rate or spiking E/I reservoir, MC(k) curves, a β sweep, balance maps.

The widgets come from the registered experiments' parameter classes
(``reservoirs.memory_capacity`` for the rate reservoir, ``reservoirs.spiking_memory_capacity``
for the spiking one; the sweeps ``reservoirs.balance_sweep`` / ``reservoirs.spiking_balance``).
Memory capacity is Jaeger's :math:`MC = \\sum_{k} MC_k`, :math:`MC_k = r^2(u(t-k), y_k(t))`
(``research/ei_reservoir.md``; computed by :func:`workbench.metrics.memory_capacity` inside
the experiments). Results are read back from the store, so they survive a reload.
"""

from __future__ import annotations

import panel as pn
import param

from workbench.store import Store

from .balance_map import BalanceMapView
from .compare import run_labels
from .components import metrics_frame, run_figures
from .jobs import Job
from .plots import curves_figure, raster_figure, redraw_curves
from .results import first_metric, metric_curve, run_curve
from .runner import ExperimentRunner, RunnerControls, StoreContext

__all__ = ["MemoryPage", "MemoryState"]

#: Experiment kind per reservoir model.
KINDS = {"rate": "reservoirs.memory_capacity", "spiking": "reservoirs.spiking_memory_capacity"}
#: β-sweep experiment kind per reservoir model.
SWEEP_KINDS = {"rate": "reservoirs.balance_sweep", "spiking": "reservoirs.spiking_balance"}
#: Outputs read by this page, as the experiments declare them (``outputs``; checked by the
#: tests against every kind above): MC_k against delay k, and the total MC.
MC_CURVE = ("mc_per_delay",)
MC_DELAYS = ("delays",)
MC_TOTAL = ("mc",)
#: The balance parameter of each model: β (``balance``) of the rate model, g of the spiking one.
BALANCE = {"rate": "balance", "spiking": "g"}
#: A sweep's balance values and the MC at each (rate: ``balances`` and ``mc`` (seed, balance);
#: spiking: ``g`` and ``mc`` (condition, g)).
SWEEP_X = ("balances", "g")
SWEEP_Y = ("mc",)

class MemoryState(StoreContext):
    """State of the memory-capacity page (no widgets)."""

    network = param.Selector(default="rate", objects=list(KINDS), label="Reservoir",
                             doc="Rate or spiking E/I reservoir.")
    compare = param.ListSelector(default=[], objects=[], doc="Earlier runs overlaid on the MC(k) plot.")
    runner = param.ClassSelector(class_=ExperimentRunner, constant=True, doc="The MC experiment.")
    sweep = param.ClassSelector(class_=ExperimentRunner, constant=True, doc="The β-sweep experiment.")

    def __init__(self, client: str | None = None, **params):
        super().__init__(**params)
        with param.edit_constant(self):
            self.runner = ExperimentRunner(kind=KINDS[self.network], store=self.store, registry=self.registry,
                                           job=Job(key=(client, "memory.run") if client else None))
            self.sweep = ExperimentRunner(kind=SWEEP_KINDS[self.network], store=self.store,
                                          registry=self.runner.registry,
                                          job=Job(key=(client, "memory.sweep") if client else None))
        self.refresh_history()

    @param.depends("network", watch=True)
    def _switch_network(self) -> None:
        self.runner.kind = KINDS[self.network]
        self.sweep.kind = SWEEP_KINDS[self.network]
        self.refresh_history()

    def refresh_history(self) -> None:
        """Re-read the complete runs of the current kind (the choices of :attr:`compare`)."""
        ids = [rec.id for rec in self.runner.history()]
        self.param.compare.objects = ids
        self.compare = [i for i in self.compare if i in ids]

    def latest(self):
        """Reader of the run to show: the job's last run, else the newest complete one."""
        reader = self.runner.reader()
        if reader is not None and reader.status == "complete":
            return reader
        history = self.runner.history()
        return self.store.open(history[0].id) if history else None

    def mc_curves(self, reader=None) -> dict:
        """``{label: (k, MC_k)}`` for the shown run and every run in :attr:`compare`."""
        readers = [reader] if reader is not None else []
        readers += [self.store.open(i) for i in self.compare if reader is None or i != reader.id]
        curves = {}
        labels = run_labels(readers) if len(readers) > 1 else {r.id: "this run" for r in readers}
        for r in readers:
            curve = run_curve(r, MC_CURVE, MC_DELAYS, MC_CURVE)
            if curve is not None:
                total = first_metric(r.metrics, MC_TOTAL)
                label = labels[r.id] if total is None else f"{labels[r.id]} (MC={total:.2f})"
                curves[label] = curve
        return curves

    def adaptation_curve(self) -> dict:
        """Live rate error of the running (or last) job's homeostatic adaptation:
        ``{"mean |rate − target|": (step, error)}``, one point per recorded block (empty when
        the job reported none, e.g. without adaptation)."""
        rows = [r for r in self.runner.job.scalars if "adapt_step" in r and "rate_error" in r]
        if not rows:
            return {}
        steps = [r["adapt_step"] for r in rows]
        return {"mean |rate − target|": (steps, [r["rate_error"] for r in rows])}

    def balance_name(self) -> str | None:
        """Name of the balance parameter (β or g) of the current experiment."""
        exp = self.runner.experiment
        name = BALANCE[self.network]
        return name if exp is not None and name in exp.parameter_names() else None

    def balance_curve(self):
        """Total MC against the balance parameter: from the last sweep, else across runs.

        Returns
        -------
        tuple
            ``(label, x, y)``; ``x`` and ``y`` empty when nothing is stored yet.
        """
        reader = self.sweep.reader()
        if reader is None:
            history = self.sweep.history()
            reader = self.store.open(history[0].id) if history else None
        if reader is not None:
            curve = run_curve(reader, SWEEP_Y, SWEEP_X, SWEEP_Y)
            if curve is not None:
                return f"sweep {reader.id[:15]}…", curve[0], curve[1]
        name = self.balance_name()
        if name is None:
            return "runs", [], []
        xs, ys = metric_curve(self.runner.history(), name, MC_TOTAL)
        return "single runs", xs, ys


class MemoryPage(pn.viewable.Viewer):
    """Memory capacity of E/I reservoirs: run, compare, sweep the balance."""

    def __init__(self, store: Store, registry: dict | None = None, client: str | None = None, **params):
        super().__init__(**params)
        self.state = MemoryState(store=store, registry=registry, client=client)
        self.controls = RunnerControls(self.state.runner, run_label="Run")
        self.sweep_controls = RunnerControls(self.state.sweep, run_label="Run β sweep")
        self._network = pn.widgets.RadioButtonGroup.from_param(self.state.param.network)
        self._compare = pn.widgets.MultiChoice.from_param(self.state.param.compare,
                                                          label="Overlay earlier runs",
                                                          sizing_mode="stretch_width")
        self._summary = pn.pane.Markdown("", sizing_mode="stretch_width")
        self._mc_plot = pn.Column(sizing_mode="stretch_width")
        self._balance_plot = pn.Column(sizing_mode="stretch_width")
        self._metrics = pn.widgets.Tabulator(metrics_frame({}), show_index=False, disabled=True,
                                             height=220, width=360, layout="fit_data_stretch")
        self._figures = pn.FlexBox(sizing_mode="stretch_width")
        self.balance_map = BalanceMapView(store, self.state.runner.registry)
        self._adaptation = pn.Column(sizing_mode="stretch_width")
        self.state.runner.job.param.watch(self._on_done, ["status"])
        self.state.runner.job.param.watch(self._draw_adaptation, ["scalars"])
        self.state.sweep.job.param.watch(self._on_done, ["status"])
        self.state.param.watch(self._refresh, ["compare", "network"])
        self._refresh()

    def _draw_adaptation(self, *events) -> None:
        """The adaptation's rate error, redrawn with every report while it runs."""
        curve = self.state.adaptation_curve()
        if not curve:
            self._adaptation.objects = []
            return
        title = "Homeostatic adaptation: mean |rate − target| per block"
        old = self._adaptation.objects[0].object if self._adaptation.objects else None
        if not redraw_curves(old, title, curve, y_log=True):  # (if redrawn, the new points go as a patch)
            fig = curves_figure(title, "adaptation step", "mean |rate − target|", curve, y_log=True,
                                width=560, height=330)
            self._adaptation.objects = [pn.pane.Bokeh(fig)]

    def _on_done(self, event) -> None:
        if event.new == "running":  # a new run: the previous run's curve goes
            self._draw_adaptation()
        if event.new in ("complete", "cancelled", "failed"):
            self.state.refresh_history()
            self._refresh()

    def _refresh(self, *events) -> None:
        reader = self.state.latest()
        if reader is None:
            self._summary.object = ("No run of this experiment in the store yet: "
                                    "set the parameters and press **Run**.")
            self._metrics.value = metrics_frame({})
            self._figures.objects = []
        else:
            total = first_metric(reader.metrics, MC_TOTAL)
            shown = "n/a" if total is None else f"{total:.3f}"
            self._summary.object = f"### Total memory capacity: {shown}\nRun `{reader.id}`"
            self._metrics.value = metrics_frame(reader.metrics)
            spiking = [] if "spike_times" not in reader or "spike_neurons" not in reader else [
                pn.pane.Bokeh(f) for f in raster_figure(
                    reader["spike_times"], reader["spike_neurons"],
                    reader["population_rate"] if "population_rate" in reader else None,
                    reader["time"] if "time" in reader else None)]
            self._figures.objects = spiking + run_figures(reader, width=460,
                                                          registry=self.state.runner.registry)
        curves = self.state.mc_curves(reader)
        self._mc_plot.objects = [pn.pane.Bokeh(curves_figure("Memory curve MC(k) = r²(u(t−k), y_k(t))",
                                                             "delay k", "MC_k", curves))] \
            if curves else []
        label, xs, ys = self.state.balance_curve()
        name = {"balance": "β", "g": "g"}.get(self.state.balance_name() or "balance", "balance")
        self._balance_plot.objects = [pn.pane.Bokeh(curves_figure(f"Total memory capacity vs {name}", name,
                                                                  "total MC", {label: (xs, ys)}))] \
            if len(xs) else []

    def __panel__(self):
        sidebar = pn.Column(pn.pane.Markdown("**Reservoir**"), self._network, self.controls,
                            pn.Accordion(("β sweep", self.sweep_controls), active=[],
                                         sizing_mode="stretch_width"),
                            width=320)
        results = pn.Column(self._adaptation, self._summary, pn.Row(self._mc_plot, self._metrics),
                            self._compare, self._balance_plot, self._figures, sizing_mode="stretch_width")
        # dynamic: the balance map is read from the store when its view is first opened
        return pn.Tabs(("Run & β sweep", pn.Row(sidebar, results, sizing_mode="stretch_width")),
                       ("Balance map", self.balance_map), dynamic=True, sizing_mode="stretch_width")
