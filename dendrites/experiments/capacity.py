"""Capacity of dendritic pattern detectors against θ and s, simulated and theory."""

from __future__ import annotations

import numpy as np
import param

from workbench.experiment import Experiment, defaults
from workbench.outputs import Array, Coordinate, Figure, Metric, Outputs, write_coordinate

from ..params import ActiveParams, PopulationParams, SValuesParams, TargetParams, ThetasParams
from .common import modules


@defaults(n=1024, a=32, thetas=[6, 8, 10], s_values=[12, 16, 20], target=0.01)
class DetectorCapacity(PopulationParams, ActiveParams, ThetasParams, SValuesParams, TargetParams,
                       Experiment):
    """Patterns per neuron at a target false-positive rate, vs θ and s, simulated and theory.

    For each (θ, s) a :class:`PatternDetectorLayer` of independent neurons with
    ``n_segments`` segments stores ``n_segments * M`` random patterns per neuron (M per
    segment, union storage) for M = 1..max_per_segment; after each step the false-positive
    rate on fresh random patterns and the false-negative rate on noisy stored patterns are
    measured. Theory: :func:`dendrites.theory.neuron_false_match_probability` with the exact
    union (FP) and :func:`dendrites.theory.false_negative_probability` (an upper bound on FN,
    since other patterns' synapses can only add overlap).
    """

    kind = "dendrites.detector_capacity"
    outputs = Outputs(
        metrics=(Metric("capacity_simulated", "Patterns per neuron at FP <= target, simulated, per "
                        "(θ, s)."),
                 Metric("capacity_theory", "Patterns per neuron at FP <= target, theory, per (θ, s)."),
                 Metric("capacity_max_abs_diff", "Largest |simulated - theory| capacity.")),
        arrays=(Array("theta", ("combo",), "θ of each configuration."),
                Array("s", ("combo",), "s of each configuration."),
                Array("patterns_per_segment", ("M",), "Patterns stored per segment M."),
                Array("fp_simulated", ("combo", "M"), "Simulated false-positive rate."),
                Array("fp_theory", ("combo", "M"), "Theory false-positive rate (exact union)."),
                Array("fn_simulated", ("combo", "M"), "Simulated false-negative rate on noisy recalls."),
                Array("fn_theory_bound", ("combo",), "Theory false-negative probability (upper bound)."),
                Array("capacity_simulated", ("combo",), "Simulated capacity (patterns per neuron)."),
                Array("capacity_theory", ("combo",), "Theory capacity (patterns per neuron).")),
        coords=(Coordinate("M", "Patterns stored per segment M."),),
        figures=(Figure("detector_capacity", "False positives and capacity against θ and s"),),
    )
    n_segments = param.Integer(4, bounds=(1, None), doc="Segments per neuron.")
    max_per_segment = param.Integer(12, bounds=(1, 200), doc="Largest number of patterns per segment.")
    n_detectors = param.Integer(16, bounds=(1, 100_000), doc="Independent detector neurons (repeats).")
    # Random test patterns (the reservoir and AL-RNN ``n_test`` are test lengths in steps).
    n_test = param.Integer(2000, bounds=(10, None), doc="Random test patterns per step.")
    # A fraction of the pattern's active cells (the flows' noise is observation noise).
    noise = param.Number(0.25, bounds=(0.0, 1.0), doc="Fraction of active cells replaced in recall tests.")

    def memory_estimate(self):
        out = super().memory_estimate()
        patterns = float(self.n_test) + self.max_per_segment * self.n_detectors * self.n_segments
        out["n*n_test"] = 2.0 * self.n * patterns + 8.0 * self.n * self.n_detectors * self.n_segments
        return out

    def validate(self):
        super().validate()
        if self.a > self.n // 2:
            raise ValueError(f"a must be <= n/2={self.n // 2}, got {self.a}")
        if not self.thetas or not self.s_values:
            raise ValueError("thetas and s_values must be non-empty")
        if min(self.thetas) < 1 or max(self.s_values) > self.a:
            raise ValueError(f"thetas must be >= 1 and s_values <= a={self.a}")

    def _measure(self, theta, s, rng, tests):
        from .. import simulate
        from ..detectors import PatternDetectorLayer

        layer = PatternDetectorLayer(self.n_detectors, self.n, theta, self.n_segments, s, seed=rng)
        fp, fn = np.zeros(self.max_per_segment), np.zeros(self.max_per_segment)
        v = int(round(self.noise * self.a))
        stored = []
        for m in range(self.max_per_segment):
            new = simulate.random_sdrs(self.n, self.a, self.n_detectors * self.n_segments, rng, dense=True)
            owners = np.repeat(np.arange(self.n_detectors), self.n_segments)
            layer.learn(new, owners)
            stored.append((new, owners))
            neg = layer.evaluate(tests, np.zeros((len(tests), self.n_detectors), dtype=bool))
            fp[m] = neg.false_positive_rate
            pats = np.concatenate([x for x, _ in stored])
            own = np.concatenate([o for _, o in stored])
            noisy = simulate.add_noise(pats, v, rng)
            truth = np.zeros((len(pats), self.n_detectors), dtype=bool)
            truth[np.arange(len(pats)), own] = True
            got = layer.respond(noisy)
            fn[m] = float(np.mean(~got[truth]))
        return fp, fn

    def execute(self, run, progress):
        theory, simulate, figures = modules()
        rng = np.random.default_rng(self.seed)
        tests = simulate.random_sdrs(self.n, self.a, self.n_test, rng, dense=True)
        m = np.arange(1, self.max_per_segment + 1)
        combos = [(t, s) for t in self.thetas for s in self.s_values if t <= s]
        if not combos:
            raise ValueError("no (theta, s) pair with theta <= s")
        fp_sim = np.zeros((len(combos), len(m)))
        fn_sim = np.zeros_like(fp_sim)
        fp_th = np.zeros_like(fp_sim)
        fn_th = np.zeros(len(combos))
        cap_sim = np.zeros(len(combos), dtype=np.int64)
        cap_th = np.zeros(len(combos), dtype=np.int64)
        v = int(round(self.noise * self.a))
        for c, (t, s) in enumerate(combos):
            fp_sim[c], fn_sim[c] = self._measure(t, s, rng, tests)
            fp_th[c] = theory.neuron_false_match_probability(self.n, self.a, s, t, self.n_segments, m,
                                                             method="exact")
            fn_th[c] = theory.false_negative_probability(self.a, s, t, v)
            cap_sim[c] = self.n_segments * _capacity(fp_sim[c], self.target)
            cap_th[c] = self.n_segments * _capacity(fp_th[c], self.target)
            progress((c + 1) / len(combos), f"theta={t}, s={s}")
        combo_arr = np.asarray(combos)
        for name, arr, dims in (("theta", combo_arr[:, 0], ("combo",)), ("s", combo_arr[:, 1], ("combo",)),
                                ("patterns_per_segment", m, ("M",)),
                                ("fp_simulated", fp_sim, ("combo", "M")),
                                ("fp_theory", fp_th, ("combo", "M")),
                                ("fn_simulated", fn_sim, ("combo", "M")),
                                ("fn_theory_bound", fn_th, ("combo",)),
                                ("capacity_simulated", cap_sim, ("combo",)),
                                ("capacity_theory", cap_th, ("combo",))):
            run.write(name, arr, dims=dims)
        write_coordinate(run, "M", m)
        run.metrics["capacity_simulated"] = {f"theta{t}_s{s}": int(x) for (t, s), x in zip(combos, cap_sim)}
        run.metrics["capacity_theory"] = {f"theta{t}_s{s}": int(x) for (t, s), x in zip(combos, cap_th)}
        run.metrics["capacity_max_abs_diff"] = int(np.max(np.abs(cap_sim - cap_th)))
        run.save_figure("detector_capacity", figures.detector_capacity_figure(
            combo_arr[:, 0], combo_arr[:, 1], m, fp_th, fp_sim, cap_th, cap_sim, n=self.n,
            a=self.a, n_segments=self.n_segments, n_tests=self.n_test * self.n_detectors,
            target=self.target))


def _capacity(fp_curve, target):
    """Largest M such that the rate stays ``<= target`` for every M' <= M (0 if none)."""
    over = np.flatnonzero(np.asarray(fp_curve) > target)
    return int(over[0]) if over.size else len(fp_curve)
