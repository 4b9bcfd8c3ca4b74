"""Registered experiments: one per figure of Ahmad & Hawkins (2016), plus detector capacity.

Each experiment draws the theory curve (:mod:`dendrites.theory`, exact), overlays
Monte-Carlo points with 95 % intervals (:mod:`dendrites.simulate`) and records the note's
target values as metrics. Figure parameters follow ``../shared/research/dendrites.md`` §3.
"""

from __future__ import annotations

import numpy as np
import param

from workbench.experiment import Experiment, defaults

from .params import (ActiveParams, ActivesParams, MonteCarloParams, NsParams, PopulationParams,
                     SegmentParams, SValuesParams, TargetParams, ThetaParams, ThetasParams)


def _modules():
    """Theory, simulation and matplotlib, imported when a run starts (not at registration)."""
    from matplotlib.figure import Figure

    from . import simulate, theory

    return theory, simulate, Figure

__all__ = [
    "DetectorCapacity",
    "EXPERIMENTS",
    "FalseMatchVsN",
    "FalseMatchVsS",
    "NoiseTolerance",
    "OptimalThreshold",
    "UnionCapacity",
]


# -- shared helpers ---------------------------------------------------------------------------

class _TheoryWithSimulation(MonteCarloParams, Experiment):
    """Base of the figure experiments: theory curve plus Monte-Carlo points (not registered)."""

    __abstract = True

    def memory_estimate(self):
        # Monte-Carlo batches are bounded by the simulator; the work scales with n_samples.
        out = super().memory_estimate()
        out["n_samples"] = 64.0 * min(float(self.n_samples), 1e6)
        return out

    def _simulate_points(self, points, simulate_one, progress, start, stop):
        """Run ``simulate_one(*args, n_samples, seed)`` where theory expects ``>= min_hits``
        events and as many non-events (a rate indistinguishable from 0 or 1 tests nothing).

        ``points`` is a list of ``(p_theory, args)``; returns arrays (index, estimate, low,
        high, within) for the simulated ones, ``index`` pointing into ``points``.
        """
        chosen = [i for i, (p, _) in enumerate(points)
                  if min(p, 1.0 - p) * self.n_samples >= self.min_hits]
        rows = []
        for j, i in enumerate(chosen):
            p, args = points[i]
            est = simulate_one(*args, self.n_samples, _point_seed(self.seed, i))
            rows.append((i, est.estimate[0], est.low[0], est.high[0], bool(est.contains([p])[0])))
            progress(start + (stop - start) * (j + 1) / len(chosen), f"simulated {j + 1}/{len(chosen)}")
        if not rows:
            return (np.empty(0, np.int64),) + (np.empty(0),) * 3 + (np.empty(0, bool),)
        i, est, lo, hi, ok = map(np.asarray, zip(*rows))
        return i.astype(np.int64), est, lo, hi, ok.astype(bool)


def _point_seed(seed, i):
    """Seed of simulated point ``i``: child ``i`` of the run's :class:`numpy.random.SeedSequence`."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,)))


def _error_bars(ax, x, est, lo, hi, color, label):
    """Simulated points with their 95 % intervals on a log axis."""
    if len(x) == 0:
        return
    err = np.vstack([est - lo, hi - est])
    ax.errorbar(x, est, yerr=err, fmt="o", ms=4, color=color, capsize=2, label=label)


def _log_axes(ax, xlabel, ylabel, title):
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7)


def _record_simulation(run, prefix, sims, dims="point"):
    """Write the simulated points of one experiment and summary metrics."""
    index, est, lo, hi, ok = sims
    run.write(f"{prefix}_index", index, dims=(dims,))
    run.write(f"{prefix}_estimate", est, dims=(dims,))
    run.write(f"{prefix}_low", lo, dims=(dims,))
    run.write(f"{prefix}_high", hi, dims=(dims,))
    run.write(f"{prefix}_within_ci", ok, dims=(dims,))
    run.metrics["simulated_points"] = int(len(index))
    run.metrics["simulated_within_ci"] = int(np.sum(ok))


_COLORS = tuple(f"C{i}" for i in range(10))


def _check_pairs(actives, ns):
    if len(actives) != len(ns) or not actives:
        raise ValueError(f"actives and ns must be non-empty and of equal length, got "
                         f"{len(actives)} and {len(ns)}")


# -- Fig. A/B: false matches vs n --------------------------------------------------------------

@defaults(actives=[64, 128, 256])
class FalseMatchVsN(SegmentParams, ThetaParams, ActivesParams, _TheoryWithSimulation):
    """False-match probability vs population size n (Fig. A, simulated points of Fig. B).

    Theory: eq. §2.4 for each ``a`` over ``n = n_min, n_min + n_step, ...`` and the dense
    curve ``a = dense_fraction * n``; simulation at every grid point whose expected number
    of hits is at least ``min_hits``.
    """

    kind = "dendrites.false_match_vs_n"
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
        theory, simulate, Figure = _modules()
        ns = np.arange(self.n_min, self.n_max + 1, self.n_step)
        acts = np.asarray(self.actives)
        p = theory.false_match_probability(ns[None, :], acts[:, None], self.s, self.theta)
        run.write("n", ns, dims=("n",))
        run.write("a", acts, dims=("a",))
        run.write("p_false_match", p, dims=("a", "n"))
        fig = Figure(figsize=(6.4, 4.4))
        ax = fig.add_subplot()
        for k, a in enumerate(acts):
            ax.plot(ns, p[k], color=_COLORS[k % len(_COLORS)], label=f"theory a={a}")
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
        _record_simulation(run, "sim", sims)
        run.write("sim_n", np.array([points[i][1][0] for i in sims[0]], dtype=np.int64), dims=("point",))
        run.write("sim_a", np.array([points[i][1][1] for i in sims[0]], dtype=np.int64), dims=("point",))
        for k, a in enumerate(acts):
            sel = np.array([points[i][1][1] == a for i in sims[0]], dtype=bool)
            x = np.array([points[i][1][0] for i in sims[0]])[sel] if sel.size else []
            _error_bars(ax, x, sims[1][sel], sims[2][sel], sims[3][sel], _COLORS[k % len(_COLORS)],
                        f"simulated a={a}")
            for n_ref in (10_000, int(ns[-1])):
                run.metrics[f"p_fp_a{a}_n{n_ref}"] = float(
                    theory.false_match_probability(n_ref, a, self.s, self.theta))
        run.metrics["p_fp_n10000_a300"] = float(
            theory.false_match_probability(10_000, 300, self.s, self.theta))
        _log_axes(ax, "cell population size n", "probability of false match",
                  f"s={self.s}, θ={self.theta}")
        run.save_figure("false_match_vs_n", fig)


# -- Fig. C: false matches vs s ---------------------------------------------------------------

@defaults(s_values=list(range(2, 31, 2)), actives=[32, 32, 512, 4000], ns=[2000, 4000, 16_000, 16_000])
class FalseMatchVsS(SValuesParams, ActivesParams, NsParams, _TheoryWithSimulation):
    """False-match probability vs synapses per segment with θ = s/2 (Fig. C).

    One curve per pair ``(actives[k], ns[k])``, over the segment sizes ``s_values``
    (θ = s // 2).
    """

    kind = "dendrites.false_match_vs_s"

    def validate(self):
        super().validate()
        _check_pairs(self.actives, self.ns)
        if not self.s_values or min(self.s_values) < 2:
            raise ValueError(f"s_values must be >= 2 (θ = s // 2 >= 1), got {self.s_values}")
        for a, n in zip(self.actives, self.ns):
            if not 1 <= a <= n or max(self.s_values) > n:
                raise ValueError(f"actives must be in [1, n] and s_values <= n, got a={a}, n={n}")

    def execute(self, run, progress):
        theory, simulate, Figure = _modules()
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
        _record_simulation(run, "sim", sims)
        fig = Figure(figsize=(6.4, 4.4))
        ax = fig.add_subplot()
        for k in range(len(acts)):
            style = "--" if acts[k] >= ns[k] / 8 else "-"
            ax.plot(s, p[k], style, color=_COLORS[k % len(_COLORS)], label=f"theory a={acts[k]}, n={ns[k]}")
            sel = np.array([i // len(s) == k for i in sims[0]], dtype=bool)
            x = s[sims[0][sel] % len(s)] if sel.size else []
            _error_bars(ax, x, sims[1][sel], sims[2][sel], sims[3][sel], _COLORS[k % len(_COLORS)], None)
            for j in range(len(s)):
                if s[j] in (10, 20, 24, 30):
                    run.metrics[f"p_fp_a{acts[k]}_n{ns[k]}_s{s[j]}"] = float(p[k, j])
        _log_axes(ax, "synapses on segment s (θ = s/2)", "probability of false match",
                  "effect of s (dots: simulation, 95 % CI)")
        run.save_figure("false_match_vs_s", fig)


# -- Fig. D: noise ------------------------------------------------------------------------------

@defaults(n=4000, a=128, s=30, thetas=[8, 12, 16], n_samples=500_000)
class NoiseTolerance(PopulationParams, ActiveParams, SegmentParams, ThetasParams,
                     _TheoryWithSimulation):
    """False negatives vs noise: v of a active cells replaced (Fig. D, eq. §2.5).

    The population size n is used by the simulation only (the theory does not depend on it).
    """

    kind = "dendrites.noise"
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
        theory, simulate, Figure = _modules()
        v = np.array([int(np.floor(f * self.a + 0.5)) for f in self.noise_fractions])
        th = np.asarray(self.thetas)
        p = theory.false_negative_probability(self.a, self.s, th[:, None], v[None, :])
        run.write("v", v, dims=("noise",))
        run.write("noise_fraction", v / self.a, dims=("noise",))
        run.write("theta", th, dims=("theta",))
        run.write("p_false_negative", p, dims=("theta", "noise"))
        progress(0.1, "theory done")
        points = [(p[k, j], (int(th[k]), int(v[j]))) for k in range(len(th)) for j in range(len(v))]
        sims = self._simulate_points(
            points,
            lambda t, vv, size, seed: simulate.simulate_false_negative(self.n, self.a, self.s, t, vv, size, seed),
            progress, 0.1, 0.95)
        _record_simulation(run, "sim", sims)
        fig = Figure(figsize=(6.4, 4.4))
        ax = fig.add_subplot()
        for k, t in enumerate(th):
            shown = np.where(p[k] > 0, p[k], np.nan)  # exactly 0 for v <= s - θ
            ax.plot(v / self.a, shown, color=_COLORS[k % len(_COLORS)], label=f"theory θ={t}")
            sel = np.array([i // len(v) == k for i in sims[0]], dtype=bool)
            x = (v[sims[0][sel] % len(v)] / self.a) if sel.size else []
            _error_bars(ax, x, sims[1][sel], sims[2][sel], sims[3][sel], _COLORS[k % len(_COLORS)], None)
            run.metrics[f"p_fn_theta{t}_v{self.a // 2}"] = float(
                theory.false_negative_probability(self.a, self.s, t, self.a // 2))
        _log_axes(ax, "noise (fraction of a replaced)", "probability of false negative",
                  f"a={self.a}, s={self.s} (dots: simulation, n={self.n})")
        run.save_figure("noise", fig)


# -- Fig. E: union --------------------------------------------------------------------------------

@defaults(a=200, s=25, theta=15, ns=[1000, 10_000, 20_000], n_samples=200_000)
class UnionCapacity(ActiveParams, SegmentParams, ThetaParams, NsParams, _TheoryWithSimulation):
    """False matches of a segment storing M patterns (Fig. E1) and its synapse count (E2)."""

    kind = "dendrites.union"
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
        theory, simulate, Figure = _modules()
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
        _record_simulation(run, "sim", sims)
        fig = Figure(figsize=(11, 4.2))
        ax, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        for k, n in enumerate(ns):
            ax.plot(m, p_paper[k], color=_COLORS[k % len(_COLORS)], label=f"paper n={n}")
            ax.plot(m, p_exact[k], ":", color=_COLORS[k % len(_COLORS)], label=f"exact union n={n}")
            sel = np.array([i // len(m) == k for i in sims[0]], dtype=bool)
            x = m[sims[0][sel] % len(m)] if sel.size else []
            _error_bars(ax, x, sims[1][sel], sims[2][sel], sims[3][sel], _COLORS[k % len(_COLORS)], None)
        _log_axes(ax, "number of combined patterns M", "probability of false match",
                  f"a={self.a}, s={self.s}, θ={self.theta}")
        for k, ss in enumerate(syn):
            ax2.plot(m, s_panel[k], color=_COLORS[k % len(_COLORS)], label=f"s={ss}")
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


# -- Fig. F: optimal threshold --------------------------------------------------------------------

@defaults(target=1e-9)
class OptimalThreshold(TargetParams, _TheoryWithSimulation):
    """Median false-match rate per θ over the paper's grid (Fig. F, note §2.8).

    The simulated points check the grid's worst case ``(n_sim, round(sparsity_sim n_sim),
    s_sim)`` for each θ where it is measurable.
    """

    kind = "dendrites.optimal_threshold"
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
        theory, simulate, Figure = _modules()
        scan = theory.optimal_threshold(range(self.theta_min, self.theta_max + 1), target=self.target)
        for name in ("thetas", "median", "mean", "minimum", "maximum"):
            run.write(name, getattr(scan, name), dims=("theta",))
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
        _record_simulation(run, "sim", sims)
        run.write("sim_theta", np.array([th[i] for i in sims[0]], dtype=np.int64), dims=("point",))
        fig = Figure(figsize=(6.4, 4.4))
        ax = fig.add_subplot()
        positive = scan.minimum > 0
        ax.fill_between(scan.thetas[positive], scan.minimum[positive], scan.maximum[positive],
                        color="0.85", label="grid min-max")
        ax.plot(scan.thetas, scan.median, "k-o", ms=3, label="median over grid")
        ax.plot(th, p_sim, color="C3", label=f"theory n={self.n_sim}, a={a_sim}, s={self.s_sim}")
        _error_bars(ax, np.array([th[i] for i in sims[0]]), sims[1], sims[2], sims[3], "C3", "simulated")
        ax.axhline(self.target, color="C2", ls="--", label=f"target {self.target:g}")
        if scan.optimal is not None:
            ax.axvline(scan.optimal, color="C2", ls=":")
        _log_axes(ax, "synapses needed for a dendritic spike θ", "false-match probability",
                  f"optimal θ (median ≤ {self.target:g}): {scan.optimal}")
        run.save_figure("optimal_threshold", fig)


# -- detectors: capacity vs θ and s -----------------------------------------------------------------

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
    n_segments = param.Integer(4, bounds=(1, None), doc="Segments per neuron.")
    max_per_segment = param.Integer(12, bounds=(1, 200), doc="Largest number of patterns per segment.")
    # Independent detector neurons (repeats), not the reservoirs' network size.
    n_neurons = param.Integer(16, bounds=(1, 100_000), doc="Independent neurons (repeats).")
    # Random test patterns (the reservoir and AL-RNN ``n_test`` are test lengths in steps).
    n_test = param.Integer(2000, bounds=(10, None), doc="Random test patterns per step.")
    # A fraction of the pattern's active cells (the flows' noise is observation noise).
    noise = param.Number(0.25, bounds=(0.0, 1.0), doc="Fraction of active cells replaced in recall tests.")

    def memory_estimate(self):
        out = super().memory_estimate()
        patterns = float(self.n_test) + self.max_per_segment * self.n_neurons * self.n_segments
        out["n*n_test"] = 2.0 * self.n * patterns + 8.0 * self.n * self.n_neurons * self.n_segments
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
        from . import simulate
        from .detectors import PatternDetectorLayer

        layer = PatternDetectorLayer(self.n_neurons, self.n, theta, self.n_segments, s, seed=rng)
        fp, fn = np.zeros(self.max_per_segment), np.zeros(self.max_per_segment)
        v = int(round(self.noise * self.a))
        stored = []
        for m in range(self.max_per_segment):
            new = simulate.random_sdrs(self.n, self.a, self.n_neurons * self.n_segments, rng, dense=True)
            owners = np.repeat(np.arange(self.n_neurons), self.n_segments)
            layer.learn(new, owners)
            stored.append((new, owners))
            neg = layer.evaluate(tests, np.zeros((len(tests), self.n_neurons), dtype=bool))
            fp[m] = neg.false_positive_rate
            pats = np.concatenate([x for x, _ in stored])
            own = np.concatenate([o for _, o in stored])
            noisy = simulate.add_noise(pats, v, rng)
            truth = np.zeros((len(pats), self.n_neurons), dtype=bool)
            truth[np.arange(len(pats)), own] = True
            got = layer.respond(noisy)
            fn[m] = float(np.mean(~got[truth]))
        return fp, fn

    def execute(self, run, progress):
        theory, simulate, Figure = _modules()
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
        run.metrics["capacity_simulated"] = {f"theta{t}_s{s}": int(x) for (t, s), x in zip(combos, cap_sim)}
        run.metrics["capacity_theory"] = {f"theta{t}_s{s}": int(x) for (t, s), x in zip(combos, cap_th)}
        run.metrics["capacity_max_abs_diff"] = int(np.max(np.abs(cap_sim - cap_th)))
        fig = Figure(figsize=(11, 4.2))
        ax, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        for c, (t, s) in enumerate(combos):
            col = _COLORS[c % len(_COLORS)]
            ax.plot(m * self.n_segments, fp_th[c], color=col, label=f"θ={t}, s={s}")
            seen = fp_sim[c] > 0  # a rate of 0 has no place on a log axis
            ax.plot(m[seen] * self.n_segments, fp_sim[c][seen], "o", ms=3, color=col)
        ax.axhline(self.target, color="k", ls="--", lw=0.8)
        _log_axes(ax, "patterns stored per neuron", "false-positive rate",
                  f"n={self.n}, a={self.a}, K={self.n_segments} (dots: simulation, "
                  f"{self.n_test * self.n_neurons} tests each)")
        x = np.arange(len(combos))
        ax2.bar(x - 0.2, cap_th, width=0.4, label="theory")
        ax2.bar(x + 0.2, cap_sim, width=0.4, label="simulated")
        ax2.set_xticks(x, [f"θ={t}\ns={s}" for t, s in combos], fontsize=7)
        ax2.set_ylabel(f"patterns per neuron at FP ≤ {self.target:g}")
        ax2.legend(fontsize=7)
        run.save_figure("detector_capacity", fig)


def _capacity(fp_curve, target):
    """Largest M such that the rate stays ``<= target`` for every M' <= M (0 if none)."""
    over = np.flatnonzero(np.asarray(fp_curve) > target)
    return int(over[0]) if over.size else len(fp_curve)


EXPERIMENTS = [FalseMatchVsN, FalseMatchVsS, NoiseTolerance, UnionCapacity, OptimalThreshold,
               DetectorCapacity]
