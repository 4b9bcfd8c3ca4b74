"""Shared parts of the figure experiments: theory curve plus Monte-Carlo points.

Theory, simulation and matplotlib are imported when a run starts (:func:`modules`), so the
registry reads the declarations without them.
"""

from __future__ import annotations

import numpy as np

from workbench.experiment import Experiment
from workbench.outputs import Array, Coordinate, Metric, Outputs, write_coordinate

from ..params import MonteCarloParams

def modules():
    """Theory, simulation and matplotlib, imported when a run starts (not at registration)."""
    from matplotlib.figure import Figure

    from .. import simulate, theory

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


class TheoryWithSimulation(MonteCarloParams, Experiment):
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


def error_bars(ax, x, est, lo, hi, color, label):
    """Simulated points with their 95 % intervals on a log axis."""
    if len(x) == 0:
        return
    err = np.vstack([est - lo, hi - est])
    ax.errorbar(x, est, yerr=err, fmt="o", ms=4, color=color, capsize=2, label=label)


def log_axes(ax, xlabel, ylabel, title):
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7)


def record_simulation(run, prefix, sims, dims="point"):
    """Write the simulated points of one experiment and summary metrics."""
    index, est, lo, hi, ok = sims
    run.write(f"{prefix}_index", index, dims=(dims,))
    run.write(f"{prefix}_estimate", est, dims=(dims,))
    run.write(f"{prefix}_low", lo, dims=(dims,))
    run.write(f"{prefix}_high", hi, dims=(dims,))
    run.write(f"{prefix}_within_ci", ok, dims=(dims,))
    write_coordinate(run, dims, np.arange(len(index)))
    run.metrics["simulated_points"] = int(len(index))
    run.metrics["simulated_within_ci"] = int(np.sum(ok))


COLORS = tuple(f"C{i}" for i in range(10))


def check_pairs(actives, ns):
    if len(actives) != len(ns) or not actives:
        raise ValueError(f"actives and ns must be non-empty and of equal length, got "
                         f"{len(actives)} and {len(ns)}")




#: Outputs of :func:`record_simulation` (the simulated points of every figure experiment).
SIMULATION_OUTPUTS = Outputs(
    metrics=(Metric("simulated_points", "Grid points simulated (theory expects >= min_hits events)."),
             Metric("simulated_within_ci", "Simulated points whose 95 % interval holds the theory.")),
    arrays=(Array("sim_index", ("point",), "Index of each simulated point in the theory grid."),
            Array("sim_estimate", ("point",), "Monte-Carlo estimate of the probability."),
            Array("sim_low", ("point",), "Lower end of the 95 % Wilson interval."),
            Array("sim_high", ("point",), "Upper end of the 95 % Wilson interval."),
            Array("sim_within_ci", ("point",), "Whether the interval holds the theory value.")),
    coords=(Coordinate("point", "Simulated point number."),),
)
