"""False negatives against noise: v of the a active cells replaced (Fig. D)."""

from __future__ import annotations

import numpy as np
import param

from workbench.experiment import defaults
from workbench.outputs import Array, Coordinate, Figure, Metric, Outputs, write_coordinate

from ..params import ActiveParams, PopulationParams, SegmentParams, ThetasParams
from .common import (COLORS, SIMULATION_OUTPUTS, TheoryWithSimulation, error_bars, log_axes,
                     modules, record_simulation)

@defaults(n=4000, a=128, s=30, thetas=[8, 12, 16], n_samples=500_000)
class NoiseTolerance(PopulationParams, ActiveParams, SegmentParams, ThetasParams,
                     TheoryWithSimulation):
    """False negatives vs noise: v of a active cells replaced (Fig. D, eq. §2.5).

    The population size n is used by the simulation only (the theory does not depend on it).
    """

    kind = "dendrites.noise"
    outputs = SIMULATION_OUTPUTS + Outputs(
        metrics=(Metric("p_fn_theta{t}_v{v}", "Theory false-negative probability at θ and v = a/2."),),
        arrays=(Array("v", ("noise",), "Noise bits v of each level."),
                Array("noise_fraction", ("noise",), "Noise level v / a."),
                Array("p_false_negative", ("theta", "noise"), "Theory false-negative probability "
                      "(eq. §2.5).")),
        coords=(Coordinate("theta", "NMDA threshold θ."),
                Coordinate("noise", "Noise level v / a.")),
        figures=(Figure("noise", "False-negative probability against noise"),),
    )
    noise_fractions = param.List([round(0.05 * k, 2) for k in range(1, 17)], item_type=float,
                                 doc="Noise levels v/a (v = round(fraction * a)).")

    def validate(self):
        super().validate()
        if not self.thetas or min(self.thetas) < 1 or max(self.thetas) > self.s:
            raise ValueError(f"thetas must be in [1, s={self.s}], got {self.thetas}")
        if not self.noise_fractions or min(self.noise_fractions) < 0 or max(self.noise_fractions) > 1:
            raise ValueError(f"noise_fractions must be in [0, 1], got {self.noise_fractions}")
        if self.n - self.a < round(max(self.noise_fractions) * self.a):
            raise ValueError(f"n must leave >= v cells outside the pattern, got n={self.n}")

    def execute(self, run, progress):
        theory, simulate, Figure = modules()
        v = np.array([int(np.floor(f * self.a + 0.5)) for f in self.noise_fractions])
        th = np.asarray(self.thetas)
        p = theory.false_negative_probability(self.a, self.s, th[:, None], v[None, :])
        run.write("v", v, dims=("noise",))
        run.write("noise_fraction", v / self.a, dims=("noise",))
        write_coordinate(run, "noise", v / self.a)
        run.write("theta", th, dims=("theta",))
        run.write("p_false_negative", p, dims=("theta", "noise"))
        progress(0.1, "theory done")
        points = [(p[k, j], (int(th[k]), int(v[j]))) for k in range(len(th)) for j in range(len(v))]
        sims = self._simulate_points(
            points,
            lambda t, vv, size, seed: simulate.simulate_false_negative(self.n, self.a, self.s, t, vv, size, seed),
            progress, 0.1, 0.95)
        record_simulation(run, "sim", sims)
        fig = Figure(figsize=(6.4, 4.4))
        ax = fig.add_subplot()
        for k, t in enumerate(th):
            shown = np.where(p[k] > 0, p[k], np.nan)  # exactly 0 for v <= s - θ
            ax.plot(v / self.a, shown, color=COLORS[k % len(COLORS)], label=f"theory θ={t}")
            sel = np.array([i // len(v) == k for i in sims[0]], dtype=bool)
            x = (v[sims[0][sel] % len(v)] / self.a) if sel.size else []
            error_bars(ax, x, sims[1][sel], sims[2][sel], sims[3][sel], COLORS[k % len(COLORS)], None)
            run.metrics[f"p_fn_theta{t}_v{self.a // 2}"] = float(
                theory.false_negative_probability(self.a, self.s, t, self.a // 2))
        log_axes(ax, "noise (fraction of a replaced)", "probability of false negative",
                  f"a={self.a}, s={self.s} (dots: simulation, n={self.n})")
        run.save_figure("noise", fig)
