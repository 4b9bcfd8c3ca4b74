"""State of the Dendrites page: SDR parameters, the exact theory curves and Monte-Carlo points.

The curves are the exact theory of :mod:`dendrites.theory` (Ahmad & Hawkins 2016; note
``research/dendrites.md`` §2): the false-match probability of a segment (§2.4), of a union
segment storing ``M`` patterns (§2.6) and the false-negative probability under ``v`` noise
bits (§2.5). Monte-Carlo points come from :mod:`dendrites.simulate` (§4.1). No Panel here:
:func:`theory_curves` and :func:`monte_carlo` run in a bounded child process
(:func:`apps.bounded.call_bounded`).
"""

from __future__ import annotations

import numpy as np
import param

from dendrites import simulate, theory
from dendrites.params import MonteCarloParams, SDRParams
from workbench.experiment import SeedParams, defaults

__all__ = ["LABELS", "PARAMETERS", "DendritesState", "monte_carlo", "theory_curves"]

#: Points of the curve against n.
_N_POINTS = 40
#: The parameters the curves depend on (and the Monte-Carlo run's size and seed).
PARAMETERS = ("n", "a", "s", "theta", "M", "v", "n_samples", "seed")
#: Widget labels: the paper's symbols (the meaning is each parameter's doc, shown beside it).
LABELS = {"theta": "θ", "n_samples": "Monte-Carlo samples"}


@defaults(n_samples=200_000)
class DendritesState(SDRParams, MonteCarloParams, SeedParams):
    """Parameters of the SDR theory curves and the Monte-Carlo estimates made from them.

    ``n, a, s, θ, M, v`` and their bounds are :class:`dendrites.params.SDRParams` (the one
    declaration; its bounds, ``M * s <= 2048`` included, keep the exact theory near a
    second), ``n_samples`` is :class:`dendrites.params.MonteCarloParams` and the Monte-Carlo
    simulation's ``seed`` is :class:`workbench.experiment.SeedParams`.
    """

    monte_carlo = param.Dict(default=None, allow_None=True, constant=True,
                             doc="Estimates {curve: MonteCarloEstimate} for the current parameters.")

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
            f"false negative (v={self.v})": (
                th, theory.false_negative_probability(self.a, self.s, th, self.v)),
        }

    def n_curves(self) -> dict:
        """``P_FP`` against n at the current ``s`` and θ: fixed ``a`` and fixed sparsity ``a/n``."""
        self.validate()
        ns = np.unique(np.geomspace(max(self.a, self.s), max(100 * self.a, self.n), _N_POINTS)
                       .astype(np.int64))
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
                Ms, theory.union_false_match_probability(self.n, self.a, self.s, self.theta, Ms,
                                                         method="exact")),
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


def theory_curves(values: dict) -> dict:
    """All three plots' curves for parameter ``values``: ``{"theta": ..., "n": ..., "union": ...}``."""
    state = DendritesState(**{k: values[k] for k in PARAMETERS if k in values})
    return {"theta": state.theta_curves(), "n": state.n_curves(), "union": state.union_curves()}


def monte_carlo(values: dict) -> dict:
    """Monte-Carlo estimates for parameter ``values`` (:meth:`DendritesState.simulate`)."""
    state = DendritesState(**{k: values[k] for k in PARAMETERS if k in values})
    return state.simulate()
