"""False matches of a union segment storing M patterns (Fig. E1) and its synapse count (E2)."""

from __future__ import annotations

import numpy as np
import param

from workbench.experiment import defaults
from workbench.outputs import Array, Coordinate, Figure, Metric, Outputs

from ..params import ActiveParams, NsParams, SegmentParams, ThetaParams
from .common import (COLORS, SIMULATION_OUTPUTS, TheoryWithSimulation, error_bars, log_axes,
                     modules, record_simulation)

@defaults(a=200, s=25, theta=15, ns=[1000, 10_000, 20_000], n_samples=200_000)
class UnionCapacity(ActiveParams, SegmentParams, ThetaParams, NsParams, TheoryWithSimulation):
    """False matches of a segment storing M patterns (Fig. E1) and its synapse count (E2)."""

    kind = "dendrites.union"
    outputs = SIMULATION_OUTPUTS + Outputs(
        metrics=(Metric("union_synapses_s{s}_M{M}", "Synapses of a union segment of s per pattern at "
                        "the largest M (E2)."),
                 Metric("p_union_n{n}_M{M}", "Union false-match probability (paper form) at n, M.")),
        arrays=(Array("n", ("curve",), "Population size n of each curve."),
                Array("p_false_match", ("curve", "M"), "Union false-match probability, paper form "
                      "(expected union size, eq. §2.6)."),
                Array("p_false_match_exact", ("curve", "M"), "Union false-match probability, exact "
                      "union-size mixture."),
                Array("union_synapses", ("curve", "M"), "Expected synapses s_M of the union segment."),
                Array("union_synapses_panel", ("s_panel", "M"), "s_M at synapse_n for each s (E2).")),
        coords=(Coordinate("M", "Patterns stored on the segment M."),
                Coordinate("s_panel", "Synapses per pattern s of the E2 panel.")),
        figures=(Figure("union", "Union false matches (E1) and synapse count (E2)"),),
    )
    max_patterns = param.Integer(19, bounds=(1, 200), doc="Largest M.")
    synapse_counts = param.List([20, 25, 30], item_type=int, doc="s values of the synapse-count panel (E2).")
    synapse_n = param.Integer(1000, bounds=(1, None), doc="Population size of the synapse-count panel.")

    def validate(self):
        super().validate()
        if not self.ns or min(self.ns) < self.a:
            raise ValueError(f"ns must be >= a={self.a}, got {self.ns}")
        if not self.synapse_counts or max(self.synapse_counts) > self.synapse_n:
            raise ValueError(f"synapse_counts must be <= synapse_n={self.synapse_n}")

    def execute(self, run, progress):
        theory, simulate, Figure = modules()
        m = np.arange(1, self.max_patterns + 1)
        ns = np.asarray(self.ns)
        p_paper = theory.union_false_match_probability(ns[:, None], self.a, self.s, self.theta, m[None, :])
        p_exact = theory.union_false_match_probability(ns[:, None], self.a, self.s, self.theta, m[None, :],
                                                       method="exact")
        s_m = theory.union_synapse_count(ns[:, None], self.s, m[None, :], rounded=True)
        syn = np.asarray(self.synapse_counts)
        s_panel = theory.union_synapse_count(self.synapse_n, syn[:, None], m[None, :])
        for name, arr, dims in (("M", m, ("M",)), ("n", ns, ("curve",)),
                                ("p_false_match", p_paper, ("curve", "M")),
                                ("p_false_match_exact", p_exact, ("curve", "M")),
                                ("union_synapses", s_m, ("curve", "M")),
                                ("s_panel", syn, ("s_panel",)),
                                ("union_synapses_panel", s_panel, ("s_panel", "M"))):
            run.write(name, arr, dims=dims)
        progress(0.2, "theory done")
        points = [(p_exact[k, j], (int(ns[k]), int(m[j]))) for k in range(len(ns)) for j in range(len(m))]
        sims = self._simulate_points(
            points,
            lambda n, mm, size, seed: simulate.simulate_union(n, self.a, self.s, self.theta, mm, size, seed),
            progress, 0.2, 0.95)
        record_simulation(run, "sim", sims)
        fig = Figure(figsize=(11, 4.2))
        ax, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        for k, n in enumerate(ns):
            ax.plot(m, p_paper[k], color=COLORS[k % len(COLORS)], label=f"paper n={n}")
            ax.plot(m, p_exact[k], ":", color=COLORS[k % len(COLORS)], label=f"exact union n={n}")
            sel = np.array([i // len(m) == k for i in sims[0]], dtype=bool)
            x = m[sims[0][sel] % len(m)] if sel.size else []
            error_bars(ax, x, sims[1][sel], sims[2][sel], sims[3][sel], COLORS[k % len(COLORS)], None)
        log_axes(ax, "number of combined patterns M", "probability of false match",
                  f"a={self.a}, s={self.s}, θ={self.theta}")
        for k, ss in enumerate(syn):
            ax2.plot(m, s_panel[k], color=COLORS[k % len(COLORS)], label=f"s={ss}")
            run.metrics[f"union_synapses_s{ss}_M{m[-1]}"] = float(s_panel[k, -1])
        ax2.set_xlabel("number of combined patterns M")
        ax2.set_ylabel("synapses on segment")
        ax2.set_title(f"n={self.synapse_n}")
        ax2.legend(fontsize=7)
        run.save_figure("union", fig)
        for n in ns:
            for mm in (1, 10, self.max_patterns):
                if mm <= self.max_patterns:
                    run.metrics[f"p_union_n{n}_M{mm}"] = float(
                        theory.union_false_match_probability(n, self.a, self.s, self.theta, mm))
