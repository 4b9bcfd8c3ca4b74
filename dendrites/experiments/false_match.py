"""False-match probability against population size n (Fig. A/B) and segment size s (Fig. C)."""

from __future__ import annotations

import numpy as np
import param

from workbench.experiment import defaults
from workbench.outputs import Array, Coordinate, Figure, Metric, Outputs

from ..params import ActivesParams, NsParams, SegmentParams, SValuesParams, ThetaParams
from .common import (COLORS, SIMULATION_OUTPUTS, TheoryWithSimulation, check_pairs, error_bars,
                     log_axes, modules, record_simulation)

@defaults(actives=[64, 128, 256])
class FalseMatchVsN(SegmentParams, ThetaParams, ActivesParams, TheoryWithSimulation):
    """False-match probability vs population size n (Fig. A, simulated points of Fig. B).

    Theory: eq. §2.4 for each ``a`` over ``n = n_min, n_min + n_step, ...`` and the dense
    curve ``a = dense_fraction * n``; simulation at every grid point whose expected number
    of hits is at least ``min_hits``.
    """

    kind = "dendrites.false_match_vs_n"
    outputs = SIMULATION_OUTPUTS + Outputs(
        metrics=(Metric("p_fp_a{a}_n{n}", "Theory false-match probability at a active cells and "
                        "population n (n = 10 000 and the largest n)."),
                 Metric("p_fp_n10000_a300", "Theory false-match probability at n = 10 000, a = 300.")),
        arrays=(Array("p_false_match", ("a", "n"), "Theory false-match probability (eq. §2.4)."),
                Array("p_false_match_dense", ("n",), "Theory for a = dense_fraction n.", optional=True),
                Array("sim_n", ("point",), "n of each simulated point."),
                Array("sim_a", ("point",), "a of each simulated point.")),
        coords=(Coordinate("n", "Population size n."), Coordinate("a", "Active cells a.")),
        figures=(Figure("false_match_vs_n", "False-match probability against n"),),
    )
    n_min = param.Integer(300, bounds=(1, None), doc="Smallest population size.")
    n_max = param.Integer(19_900, bounds=(1, None), doc="Largest population size.")
    n_step = param.Integer(200, bounds=(1, None), doc="Step of n.")
    dense_fraction = param.Number(0.25, bounds=(0.0, 1.0), doc="a/n of the dense (dashed) curve; 0 omits it.")

    def validate(self):
        super().validate()
        if self.n_max < self.n_min:
            raise ValueError(f"n_max must be >= n_min={self.n_min}, got {self.n_max}")
        if not self.actives or max(self.actives) > self.n_min or min(self.actives) < 1:
            raise ValueError(f"actives must be in [1, n_min={self.n_min}], got {self.actives}")
        if self.s > self.n_min:
            raise ValueError(f"s must be <= n_min={self.n_min}, got {self.s}")

    def execute(self, run, progress):
        theory, simulate, Figure = modules()
        ns = np.arange(self.n_min, self.n_max + 1, self.n_step)
        acts = np.asarray(self.actives)
        p = theory.false_match_probability(ns[None, :], acts[:, None], self.s, self.theta)
        run.write("n", ns, dims=("n",))
        run.write("a", acts, dims=("a",))
        run.write("p_false_match", p, dims=("a", "n"))
        fig = Figure(figsize=(6.4, 4.4))
        ax = fig.add_subplot()
        for k, a in enumerate(acts):
            ax.plot(ns, p[k], color=COLORS[k % len(COLORS)], label=f"theory a={a}")
        if self.dense_fraction > 0:
            dense_a = np.maximum(1, np.rint(self.dense_fraction * ns)).astype(np.int64)
            p_dense = theory.false_match_probability(ns, dense_a, self.s, self.theta)
            run.write("p_false_match_dense", p_dense, dims=("n",))
            ax.plot(ns, p_dense, "k--", label=f"theory a={self.dense_fraction:g} n")
        progress(0.1, "theory done")
        points = [(p[k, j], (int(n), int(a))) for k, a in enumerate(acts) for j, n in enumerate(ns)]
        sims = self._simulate_points(
            points, lambda n, a, size, seed: simulate.simulate_false_match(n, a, self.s, self.theta, size, seed),
            progress, 0.1, 0.95)
        record_simulation(run, "sim", sims)
        run.write("sim_n", np.array([points[i][1][0] for i in sims[0]], dtype=np.int64), dims=("point",))
        run.write("sim_a", np.array([points[i][1][1] for i in sims[0]], dtype=np.int64), dims=("point",))
        for k, a in enumerate(acts):
            sel = np.array([points[i][1][1] == a for i in sims[0]], dtype=bool)
            x = np.array([points[i][1][0] for i in sims[0]])[sel] if sel.size else []
            error_bars(ax, x, sims[1][sel], sims[2][sel], sims[3][sel], COLORS[k % len(COLORS)],
                        f"simulated a={a}")
            for n_ref in (10_000, int(ns[-1])):
                run.metrics[f"p_fp_a{a}_n{n_ref}"] = float(
                    theory.false_match_probability(n_ref, a, self.s, self.theta))
        run.metrics["p_fp_n10000_a300"] = float(
            theory.false_match_probability(10_000, 300, self.s, self.theta))
        log_axes(ax, "cell population size n", "probability of false match",
                  f"s={self.s}, θ={self.theta}")
        run.save_figure("false_match_vs_n", fig)


@defaults(s_values=list(range(2, 31, 2)), actives=[32, 32, 512, 4000], ns=[2000, 4000, 16_000, 16_000])
class FalseMatchVsS(SValuesParams, ActivesParams, NsParams, TheoryWithSimulation):
    """False-match probability vs synapses per segment with θ = s/2 (Fig. C).

    One curve per pair ``(actives[k], ns[k])``, over the segment sizes ``s_values``
    (θ = s // 2).
    """

    kind = "dendrites.false_match_vs_s"
    outputs = SIMULATION_OUTPUTS + Outputs(
        metrics=(Metric("p_fp_a{a}_n{n}_s{s}", "Theory false-match probability of curve (a, n) at "
                        "s = 10, 20, 24, 30 (θ = s/2), where swept.", optional=True),),
        arrays=(Array("theta", ("s",), "Threshold θ = s // 2 of each segment size."),
                Array("a", ("curve",), "Active cells a of each curve."),
                Array("n", ("curve",), "Population size n of each curve."),
                Array("p_false_match", ("curve", "s"), "Theory false-match probability (eq. §2.4).")),
        coords=(Coordinate("s", "Synapses per segment s."),),
        figures=(Figure("false_match_vs_s", "False-match probability against s"),),
    )

    def validate(self):
        super().validate()
        check_pairs(self.actives, self.ns)
        if not self.s_values or min(self.s_values) < 2:
            raise ValueError(f"s_values must be >= 2 (θ = s // 2 >= 1), got {self.s_values}")
        for a, n in zip(self.actives, self.ns):
            if not 1 <= a <= n or max(self.s_values) > n:
                raise ValueError(f"actives must be in [1, n] and s_values <= n, got a={a}, n={n}")

    def execute(self, run, progress):
        theory, simulate, Figure = modules()
        s = np.asarray(self.s_values)
        thetas = s // 2
        acts, ns = np.asarray(self.actives), np.asarray(self.ns)
        p = theory.false_match_probability(ns[:, None], acts[:, None], s[None, :], thetas[None, :])
        run.write("s", s, dims=("s",))
        run.write("theta", thetas, dims=("s",))
        run.write("a", acts, dims=("curve",))
        run.write("n", ns, dims=("curve",))
        run.write("p_false_match", p, dims=("curve", "s"))
        progress(0.1, "theory done")
        points = [(p[k, j], (int(ns[k]), int(acts[k]), int(s[j]))) for k in range(len(acts))
                  for j in range(len(s))]
        sims = self._simulate_points(
            points, lambda n, a, ss, size, seed: simulate.simulate_false_match(n, a, ss, ss // 2, size, seed),
            progress, 0.1, 0.95)
        record_simulation(run, "sim", sims)
        fig = Figure(figsize=(6.4, 4.4))
        ax = fig.add_subplot()
        for k in range(len(acts)):
            style = "--" if acts[k] >= ns[k] / 8 else "-"
            ax.plot(s, p[k], style, color=COLORS[k % len(COLORS)], label=f"theory a={acts[k]}, n={ns[k]}")
            sel = np.array([i // len(s) == k for i in sims[0]], dtype=bool)
            x = s[sims[0][sel] % len(s)] if sel.size else []
            error_bars(ax, x, sims[1][sel], sims[2][sel], sims[3][sel], COLORS[k % len(COLORS)], None)
            for j in range(len(s)):
                if s[j] in (10, 20, 24, 30):
                    run.metrics[f"p_fp_a{acts[k]}_n{ns[k]}_s{s[j]}"] = float(p[k, j])
        log_axes(ax, "synapses on segment s (θ = s/2)", "probability of false match",
                  "effect of s (dots: simulation, 95 % CI)")
        run.save_figure("false_match_vs_s", fig)
