"""Dendrites page: Ahmad & Hawkins (2016) error curves, redrawn on every change, Monte-Carlo on demand.

The curves and points are computed by :mod:`apps.sdr` in a child process with a time and a
memory limit (:func:`apps.bounded.call_bounded`), inside a background
:class:`~apps.jobs.Job`: the exact theory's cost grows with ``s·a`` and ``M``, and no
parameter choice may block the server or exhaust its memory. A change made while the
previous curves are still computing replaces that computation.
"""

from __future__ import annotations

import panel as pn

from .bounded import BoundExceeded, call_bounded
from .components import job_progress, message, number_widgets
from .jobs import Job, describe_error
from .plots import curves_figure, redraw_curves
from .sdr import LABELS, PARAMETERS, DendritesState, monte_carlo, theory_curves

__all__ = ["DendritesPage", "DendritesState"]

#: Seconds the theory curves may take before the page gives up on them.
THEORY_SECONDS = 10.0
#: Seconds a Monte-Carlo run may take.
MONTE_CARLO_SECONDS = 120.0


def _bounded(fn, values, seconds, what):
    def task(progress, should_stop):
        progress(0.0, what)
        try:
            return call_bounded(fn, values, timeout=seconds, should_stop=should_stop)
        except BoundExceeded as exc:
            raise ValueError(f"{what}: {exc}; choose smaller a, s or M") from None
        except InterruptedError:
            from .jobs import JobCancelled

            raise JobCancelled() from None

    return task


class DendritesPage(pn.viewable.Viewer):
    """Interactive theory curves on log scales, Monte-Carlo points on demand."""

    def __init__(self, client: str | None = None, **params):
        super().__init__(**params)
        self.state = DendritesState()
        self.job = Job(key=(client, "dendrites.monte_carlo") if client else None)
        self.theory = Job(owner=client)  # redrawn from the form on a reload: never re-attached
        self._pending = False
        self._curves: dict | None = None
        self._computing: dict | None = None
        self._drawn_for: dict | None = None
        self._error = message(None)
        self._button = pn.widgets.Button(label="Monte-Carlo points", color="primary",
                                         sizing_mode="stretch_width")
        self._button.on_click(self._on_simulate)
        self._cancel = pn.widgets.Button(label="Cancel", color="warning", width=90, disabled=True)
        self._cancel.on_click(lambda event: self.job.cancel())
        self._plots = pn.FlexBox(sizing_mode="stretch_width")
        # spins while curves compute (no layout change)
        self._busy = pn.indicators.LoadingSpinner(value=False, size=20)
        self._shown = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.state.param.watch(self._recompute, ["n", "a", "s", "theta", "M", "v"])
        self.state.param.watch(self._draw, ["monte_carlo"])
        self.job.param.watch(self._on_job, ["status"])
        self.theory.param.watch(self._on_theory, ["status"])
        self._recompute()

    def values(self) -> dict:
        """The current parameter values (what the child process computes from)."""
        return {k: getattr(self.state, k) for k in PARAMETERS}

    def _recompute(self, *events) -> None:
        try:
            self.state.validate()
        except ValueError as exc:
            self._error.param.update(object=describe_error(exc), visible=True)
            return
        if self.theory.running:  # the newest values win: replace the running computation
            self._pending = True
            self.theory.cancel()
            return
        self._pending = False
        self._busy.value = True
        self._computing = self.values()
        self.theory.start(_bounded(theory_curves, self._computing, THEORY_SECONDS, "theory curves"))

    def _on_theory(self, event) -> None:
        if event.new == "running":
            return
        if self._pending:
            self._recompute()
            return
        self._busy.value = False
        if event.new == "complete":
            self._curves, self._drawn_for = self.theory.result, self._computing
            self._error.visible = False
            self._draw()
        elif self.theory.error:
            self._error.param.update(object=self.theory.error, visible=True)

    def _draw(self, *events) -> None:
        curves = self._curves
        if not curves:
            return
        st = self.state
        figures = (  # (title, x label, y label, lines, points, x_log)
            ("Error probability vs threshold θ", "threshold θ", "probability", curves["theta"],
             st.theta_points(), False),
            (f"False match vs population n (s={st.s}, θ={st.theta})", "population n",
             "false-match probability", curves["n"], None, True),
            (f"Union segment vs stored patterns M (θ={st.theta})", "stored patterns M",
             "false-match probability", curves["union"], None, False))
        panes = self._plots.objects
        # when drawn alike, only the new data go to the browser (as patches of the shown figures)
        alike = len(panes) == 3 and all(redraw_curves(p.object, title, lines, points, y_log=True)
                                        for p, (title, _, _, lines, points, _) in zip(panes, figures))
        if not alike:
            self._plots.objects = [pn.pane.Bokeh(curves_figure(title, x_label, y_label, lines, points,
                                                               x_log=x_log, y_log=True))
                                   for title, x_label, y_label, lines, points, x_log in figures]
        shown = self._drawn_for
        self._shown.object = ("Curves for " + ", ".join(f"{LABELS.get(k, k)}={shown[k]:,}"
                                                        for k in PARAMETERS[:6])
                              if shown else "")

    def _on_simulate(self, event) -> None:
        try:
            self.state.validate()
        except ValueError as exc:
            self._error.param.update(object=describe_error(exc), visible=True)
            return
        self._button.disabled = True
        self.job.start(_bounded(monte_carlo, self.values(), MONTE_CARLO_SECONDS, "Monte-Carlo points"))

    def _on_job(self, event) -> None:
        running = event.new == "running"
        self._button.disabled = running
        self._cancel.disabled = not running
        if running:
            return
        if event.new == "complete":
            self.state.set_monte_carlo(self.job.result)
        elif self.job.error:
            self._error.param.update(object=self.job.error, visible=True)

    def __panel__(self):
        controls = pn.Param(self.state, parameters=["n", "a", "s", "theta", "M", "v", "n_samples", "seed"],
                            widgets={k: {**w, "name": LABELS.get(k, k)}
                                     for k, w in number_widgets(self.state, PARAMETERS).items()},
                            sort=lambda item: PARAMETERS.index(item[0]) if item[0] in PARAMETERS else -1,
                            name="SDR parameters", show_name=True, width=280)
        intro = pn.pane.Markdown(
            "Exact error probabilities of dendritic segments detecting sparse patterns "
            "(Ahmad & Hawkins 2016): a segment with **s** synapses fires when at least **θ** of "
            "them see active cells out of **a** active in **n**. Change a parameter to redraw; "
            "press *Monte-Carlo points* to check the curves by simulation.",
            sizing_mode="stretch_width")
        return pn.Row(pn.Column(controls, pn.Row(self._button, self._cancel), job_progress(self.job),
                                width=300),
                      pn.Column(pn.Row(intro, self._busy), self._error, self._shown, self._plots,
                                sizing_mode="stretch_width"),
                      sizing_mode="stretch_width")
