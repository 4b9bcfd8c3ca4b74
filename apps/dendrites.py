"""Dendrites page: Ahmad & Hawkins (2016) error curves, live, with Monte-Carlo points on demand.

The curves are the exact theory of :mod:`dendrites.theory` (note ``research/dendrites.md``
§2): the false-match probability of a segment (§2.4), of a union segment storing ``M``
patterns (§2.6) and the false-negative probability under ``v`` noise bits (§2.5). The
Monte-Carlo points come from :mod:`dendrites.simulate` (random SDRs and segments, §4.1) and
are computed in a background :class:`~apps.jobs.Job`.
"""

from __future__ import annotations

import numpy as np
import panel as pn
import param

from dendrites import simulate, theory

from .components import job_progress, message
from .jobs import Job, describe_error
from .plots import curves_figure

__all__ = ["DendritesPage", "DendritesState"]

#: Points of the curve against n.
_N_POINTS = 40


class DendritesState(param.Parameterized):
    """Parameters of the SDR theory curves and the Monte-Carlo estimates made from them.

    Notation of note §1: ``n`` cells, ``a`` active, ``s`` synapses per segment, ``θ``
    threshold, ``M`` patterns per union segment, ``v`` noise bits.
    """

    n = param.Integer(10_000, label="n", bounds=(1, 10_000_000), doc="Cells in the population.")
    a = param.Integer(300, label="a", bounds=(1, None), doc="Active cells per pattern (a <= n).")
    s = param.Integer(24, label="s", bounds=(1, None), doc="Synapses per segment (s <= a).")
    theta = param.Integer(12, label="θ", bounds=(1, None), doc="NMDA threshold θ (θ <= s).")
    M = param.Integer(10, label="M", bounds=(1, 1000), doc="Patterns stored on a union segment.")
    v = param.Integer(100, label="v", bounds=(0, None), doc="Noise bits of the false-negative curve (v <= a, v <= n - a).")
    n_samples = param.Integer(200_000, bounds=(1_000, 50_000_000),
                              doc="Monte-Carlo tests per curve.")
    seed = param.Integer(0, bounds=(0, None), doc="Seed of the Monte-Carlo simulation.")

    monte_carlo = param.Dict(default=None, allow_None=True, constant=True,
                             doc="Estimates {curve: MonteCarloEstimate} for the current parameters.")

    def validate(self) -> None:
        """Cross-parameter checks; ``ValueError`` names the parameters and the range."""
        if self.a > self.n:
            raise ValueError(f"a must be in [1, n={self.n}], got {self.a}")
        if self.s > self.a:
            raise ValueError(f"s must be in [1, a={self.a}], got {self.s}")
        if self.theta > self.s:
            raise ValueError(f"theta must be in [1, s={self.s}], got {self.theta}")
        if self.v > min(self.a, self.n - self.a):
            raise ValueError(f"v must be in [0, min(a, n - a)={min(self.a, self.n - self.a)}], got {self.v}")

    @param.depends("n", "a", "s", "M", "v", watch=True)
    def _forget_monte_carlo(self):
        with param.edit_constant(self):
            self.monte_carlo = None

    # -- theory ---------------------------------------------------------------------------
    def thetas(self) -> np.ndarray:
        """Thresholds 1..s of the curves against θ."""
        return np.arange(1, self.s + 1)

    def theta_curves(self) -> dict:
        """Curves against θ: ``{label: (theta, probability)}``.

        Notes
        -----
        ``P_FP(n, a, s, θ)`` (note eq. §2.4), ``P_FP^∪(n, a, s, θ, M) = P_FP(n, a, s_M, θ)``
        with :math:`s_M = \\operatorname{round}(n(1-(1-s/n)^M))` (§2.6, the paper's expected
        union size) and ``P_FN(a, s, θ, v)`` (§2.5).
        """
        self.validate()
        th = self.thetas()
        return {
            "false match": (th, theory.false_match_probability(self.n, self.a, self.s, th)),
            f"union false match (M={self.M})": (
                th, theory.union_false_match_probability(self.n, self.a, self.s, th, self.M, method="exact")),
            f"false negative (v={self.v})": (th, theory.false_negative_probability(self.a, self.s, th, self.v)),
        }

    def n_curves(self) -> dict:
        """``P_FP`` against n at the current ``s`` and θ: fixed ``a`` and fixed sparsity ``a/n``."""
        self.validate()
        ns = np.unique(np.geomspace(max(self.a, self.s), max(100 * self.a, self.n), _N_POINTS).astype(np.int64))
        sparsity = self.a / self.n
        a_scaled = np.clip(np.round(sparsity * ns).astype(np.int64), 1, ns)
        return {
            f"a = {self.a}": (ns, theory.false_match_probability(ns, self.a, self.s, self.theta)),
            f"a/n = {sparsity:.3g}": (ns, theory.false_match_probability(ns, a_scaled, self.s, self.theta)),
        }

    def union_curves(self) -> dict:
        """Union false-match probability against M (1..max(2M, 20)), paper and exact forms."""
        self.validate()
        Ms = np.arange(1, max(2 * self.M, 20) + 1)
        return {
            "expected union size (paper)": (
                Ms, theory.union_false_match_probability(self.n, self.a, self.s, self.theta, Ms)),
            "exact union-size mixture": (
                Ms, theory.union_false_match_probability(self.n, self.a, self.s, self.theta, Ms, method="exact")),
        }

    # -- Monte-Carlo ----------------------------------------------------------------------
    def simulate(self, progress=None, should_stop=None) -> dict:
        """Monte-Carlo estimates of the three curves against θ (all thresholds at once).

        Returns
        -------
        dict
            ``{"false match": MonteCarloEstimate, "union false match": ..., "false negative": ...}``
            from :func:`dendrites.simulate.simulate_false_match`, ``simulate_union`` and
            ``simulate_false_negative`` with ``n_samples`` tests each.
        """
        self.validate()
        progress = progress or (lambda *a, **k: None)
        th = [int(t) for t in self.thetas()]
        args = dict(n=self.n, a=self.a, s=self.s, theta=th, n_samples=self.n_samples)
        out = {}
        progress(0.0, "false match")
        out["false match"] = simulate.simulate_false_match(**args, seed=self.seed)
        progress(1 / 3, "union false match")
        out["union false match"] = simulate.simulate_union(**args, M=self.M, seed=self.seed + 1)
        progress(2 / 3, "false negative")
        out["false negative"] = simulate.simulate_false_negative(**args, v=self.v, seed=self.seed + 2)
        progress(1.0, "done")
        return out

    def set_monte_carlo(self, estimates: dict | None) -> None:
        """Store Monte-Carlo estimates (called on the UI thread when a job finishes)."""
        with param.edit_constant(self):
            self.monte_carlo = estimates

    def theta_points(self) -> dict:
        """Monte-Carlo points ``{label: (theta, estimate, low, high)}`` (empty before a run)."""
        if not self.monte_carlo:
            return {}
        return {f"{label} (Monte-Carlo)": (est.thetas, est.estimate, est.low, est.high)
                for label, est in self.monte_carlo.items()}


class DendritesPage(pn.viewable.Viewer):
    """Interactive theory curves on log scales, Monte-Carlo points on demand."""

    def __init__(self, **params):
        super().__init__(**params)
        self.state = DendritesState()
        self.job = Job()
        self._error = message(None)
        self._button = pn.widgets.Button(label="Monte-Carlo points", color="primary")
        self._button.on_click(self._on_simulate)
        self._plots = pn.FlexBox(sizing_mode="stretch_width")
        self.state.param.watch(self._redraw, ["n", "a", "s", "theta", "M", "v", "monte_carlo"])
        self.job.param.watch(self._on_job, ["status"])
        self._redraw()

    def _redraw(self, *events) -> None:
        try:
            theta = curves_figure("Error probability vs threshold θ", "θ", "probability",
                                  self.state.theta_curves(), self.state.theta_points(), y_log=True)
            versus_n = curves_figure(f"False match vs n (s={self.state.s}, θ={self.state.theta})", "n",
                                     "probability", self.state.n_curves(), x_log=True, y_log=True)
            union = curves_figure(f"Union segment vs stored patterns M (θ={self.state.theta})", "M",
                                  "false-match probability", self.state.union_curves(), y_log=True)
        except ValueError as exc:
            self._error.param.update(object=describe_error(exc), visible=True)
            return
        self._error.visible = False
        self._plots.objects = [pn.pane.Bokeh(f) for f in (theta, versus_n, union)]

    def _on_simulate(self, event) -> None:
        try:
            self.state.validate()
        except ValueError as exc:
            self._error.param.update(object=describe_error(exc), visible=True)
            return
        self._button.disabled = True
        self.job.start(lambda progress, should_stop: self.state.simulate(progress))

    def _on_job(self, event) -> None:
        if event.new == "running":
            return
        self._button.disabled = False
        if event.new == "complete":
            self.state.set_monte_carlo(self.job.result)
        elif self.job.error:
            self._error.param.update(object=self.job.error, visible=True)

    def __panel__(self):
        controls = pn.Param(self.state, parameters=["n", "a", "s", "theta", "M", "v", "n_samples", "seed"],
                            widgets={k: pn.widgets.IntInput for k in ("n", "a", "s", "theta", "M", "v",
                                                                      "n_samples", "seed")},
                            name="SDR parameters", show_name=True, width=260)
        intro = pn.pane.Markdown(
            "Exact error probabilities of dendritic segments detecting sparse patterns "
            "(Ahmad & Hawkins 2016): a segment with **s** synapses fires when at least **θ** of "
            "them see active cells out of **a** active in **n**. Change a parameter to redraw; "
            "press *Monte-Carlo points* to check the curves by simulation.",
            sizing_mode="stretch_width")
        return pn.Row(pn.Column(controls, self._button, job_progress(self.job), width=280),
                      pn.Column(intro, self._error, self._plots, sizing_mode="stretch_width"),
                      sizing_mode="stretch_width")
