"""The optimal NMDA threshold over the paper's grid (Fig. F)."""

from __future__ import annotations

import numpy as np
import param

from workbench.experiment import defaults
from workbench.outputs import Array, Coordinate, Figure, Metric, Outputs, write_coordinate

from ..params import TargetParams
from .common import SIMULATION_OUTPUTS, TheoryWithSimulation, error_bars, log_axes, modules, record_simulation

@defaults(target=1e-9)
class OptimalThreshold(TargetParams, TheoryWithSimulation):
    """Median false-match rate per θ over the paper's grid (Fig. F, note §2.8).

    The simulated points check the grid's worst case ``(n_sim, round(sparsity_sim n_sim),
    s_sim)`` for each θ where it is measurable.
    """

    kind = "dendrites.optimal_threshold"
    outputs = SIMULATION_OUTPUTS + Outputs(
        metrics=(Metric("optimal_theta", "Smallest θ whose median false-match rate is <= target."),
                 Metric("median_by_theta", "Median false-match rate over the grid, per θ.")),
        arrays=(Array("thetas", ("theta",), "Thresholds θ of the scan."),
                Array("median", ("theta",), "Median false-match probability over the grid."),
                Array("mean", ("theta",), "Mean false-match probability over the grid."),
                Array("minimum", ("theta",), "Smallest false-match probability over the grid."),
                Array("maximum", ("theta",), "Largest false-match probability over the grid."),
                Array("sim_theta", ("point",), "θ of each simulated point.")),
        coords=(Coordinate("theta", "NMDA threshold θ."),),
        figures=(Figure("optimal_threshold", "False-match rate against θ over the grid"),),
    )
    theta_min = param.Integer(3, bounds=(1, None), doc="Smallest θ.")
    theta_max = param.Integer(24, bounds=(1, None), doc="Largest θ.")
    n_sim = param.Integer(10_000, bounds=(1, None), doc="n of the simulated configuration.")
    sparsity_sim = param.Number(0.03, bounds=(0.0, 1.0), inclusive_bounds=(False, True),
                                doc="a/n of the simulated configuration.")
    s_sim = param.Integer(50, bounds=(1, None), doc="s of the simulated configuration.")

    def validate(self):
        super().validate()
        if self.theta_max < self.theta_min:
            raise ValueError(f"theta_max must be >= theta_min={self.theta_min}, got {self.theta_max}")
        if self.s_sim > self.n_sim:
            raise ValueError(f"s_sim must be <= n_sim={self.n_sim}, got {self.s_sim}")

    def execute(self, run, progress):
        theory, simulate, Figure = modules()
        scan = theory.optimal_threshold(range(self.theta_min, self.theta_max + 1), target=self.target)
        for name in ("thetas", "median", "mean", "minimum", "maximum"):
            run.write(name, getattr(scan, name), dims=("theta",))
        write_coordinate(run, "theta", scan.thetas)
        run.metrics["optimal_theta"] = scan.optimal
        run.metrics["median_by_theta"] = {int(t): float(v) for t, v in zip(scan.thetas, scan.median)}
        progress(0.2, "theory done")
        a_sim = max(1, int(round(self.sparsity_sim * self.n_sim)))
        th = [int(t) for t in scan.thetas if t <= self.s_sim]
        p_sim = np.asarray(theory.false_match_probability(self.n_sim, a_sim, self.s_sim, th)) \
            if th else np.empty(0)
        points = [(p_sim[j], (t,)) for j, t in enumerate(th)]
        sims = self._simulate_points(
            points,
            lambda t, size, seed: simulate.simulate_false_match(self.n_sim, a_sim, self.s_sim, t, size, seed),
            progress, 0.2, 0.95)
        record_simulation(run, "sim", sims)
        run.write("sim_theta", np.array([th[i] for i in sims[0]], dtype=np.int64), dims=("point",))
        fig = Figure(figsize=(6.4, 4.4))
        ax = fig.add_subplot()
        positive = scan.minimum > 0
        ax.fill_between(scan.thetas[positive], scan.minimum[positive], scan.maximum[positive],
                        color="0.85", label="grid min-max")
        ax.plot(scan.thetas, scan.median, "k-o", ms=3, label="median over grid")
        ax.plot(th, p_sim, color="C3", label=f"theory n={self.n_sim}, a={a_sim}, s={self.s_sim}")
        error_bars(ax, np.array([th[i] for i in sims[0]]), sims[1], sims[2], sims[3], "C3", "simulated")
        ax.axhline(self.target, color="C2", ls="--", label=f"target {self.target:g}")
        if scan.optimal is not None:
            ax.axvline(scan.optimal, color="C2", ls=":")
        log_axes(ax, "synapses needed for a dendritic spike θ", "false-match probability",
                  f"optimal θ (median ≤ {self.target:g}): {scan.optimal}")
        run.save_figure("optimal_threshold", fig)
