"""Registered experiments of the spiking E/I reservoir.

* ``reservoirs.spiking_memory_capacity``: one reservoir (optionally adapted by iSTDP),
  its raster, rates and memory-capacity curve ``MC_k``;
* ``reservoirs.spiking_balance``: MC against the global inhibitory strength ``g``, without
  plasticity and after iSTDP with homogeneous or heterogeneous target rates: the spiking
  analogue of the rate reservoir's balance sweep (research note ``ei_reservoir.md`` §6, T1-T3).

Runs whose activity ran away or fell silent are recorded with ``activity_ok = False`` and
MC ``NaN`` (never scored).
"""

from __future__ import annotations

import time

import numpy as np
import param

from workbench.experiment import Experiment

from ..figures import mc_curve_figure
from ..tasks import MemoryCapacityTask
from .activity import ReservoirActivityError
from .figures import balance_figure, raster_figure, rates_figure, weights_figure
from .model import SpikingEIReservoir
from .plasticity import InhibitorySTDP, target_rates

__all__ = ["EXPERIMENTS", "SpikingBalanceExperiment", "SpikingMemoryCapacityExperiment"]

CONDITIONS = ["none", "homogeneous", "heterogeneous"]


class _SpikingExperiment(Experiment):
    """Network, plasticity and task parameters shared by the spiking experiments."""

    n_neurons = param.Integer(500, bounds=(20, None), doc="Number of LIF neurons (80 % E).")
    connectivity = param.Number(0.1, bounds=(0.0, 1.0), inclusive_bounds=(False, True),
                                doc="Connection probability p of each ordered pair.")
    synapse = param.Selector(objects=["cuba", "coba"], default="cuba",
                             doc="Current- or conductance-based synapses.")
    v_rest = param.Number(None, allow_None=True, bounds=(-100.0, 0.0),
                          doc="Resting potential (mV); default -49 (cuba) / -60 (coba).")
    background_rate = param.Number(0.0, bounds=(0.0, None),
                                   doc="External Poisson input per neuron (Hz, total).")
    input_scale = param.Number(40.0, bounds=(0.0, None),
                               doc="Input weights U(-s/2, s/2) in mV of depolarisation.")
    input_fraction = param.Number(1.0, bounds=(0.0, 1.0), inclusive_bounds=(False, True),
                                  doc="Share of neurons receiving the input current "
                                      "(1: measured MC 2.43 vs 2.24 at 0.3, see the model).")
    step = param.Number(20.0, bounds=(0.1, None),
                        doc="Duration of one input sample (ms); 20 ms doubles the spikes per "
                            "sample of the former 10 ms (see the model's docstring).")
    tau_filter = param.Number(10.0, bounds=(0.1, None),
                              doc="Feature filter time constant (ms); the shortest one when "
                                  "tau_filter_max is set.")
    tau_filter_max = param.Number(320.0, allow_None=True, bounds=(0.1, None),
                                  doc="Longest per-neuron filter time constant (ms), log-uniform "
                                      "from tau_filter (None: one tau_filter for all); the "
                                      "largest measured MC lever (1.68 -> 2.43).")
    codegen = param.Selector(objects=["auto", "cython", "numpy", "cpp_standalone"],
                             default="auto", doc="brian2 code-generation target.")
    target_rate = param.Number(5.0, bounds=(0.1, 200.0), doc="Mean iSTDP target rate (Hz).")
    target_cv = param.Number(0.5, bounds=(0.01, 3.0),
                             doc="CV of log-normal heterogeneous targets.")
    eta = param.Number(0.3, bounds=(0.0, None), inclusive_bounds=(False, True),
                       doc="iSTDP learning rate (weight factor units).")
    adapt_duration = param.Number(3000.0, bounds=(1.0, None),
                                  doc="Adaptation phase with the task's input statistics (ms).")
    k_max = param.Integer(30, bounds=(1, None), doc="Largest MC delay.")
    n_steps = param.Integer(2000, bounds=(50, None), doc="Input steps of the MC task.")
    washout = param.Integer(100, bounds=(0, None), doc="Steps discarded.")

    def validate(self):
        if self.tau_filter_max is not None and self.tau_filter_max < self.tau_filter:
            raise ValueError(f"tau_filter_max must be >= tau_filter = {self.tau_filter} ms or "
                             f"None, got {self.tau_filter_max}")
        if self.n_steps < max(self.washout, self.k_max) + 20:
            raise ValueError(f"n_steps must be >= max(washout, k_max) + 20 = "
                             f"{max(self.washout, self.k_max) + 20}, got {self.n_steps}")
        n_adapt = int(round(self.adapt_duration / self.step))
        if n_adapt < 1:
            raise ValueError(f"adapt_duration must be at least one step ({self.step} ms), got "
                             f"{self.adapt_duration}")

    def plasticity_for(self, condition, n_exc, seed):
        """The iSTDP rule of ``condition`` ("none" -> None)."""
        if condition == "none":
            return None
        kind = "homogeneous" if condition == "homogeneous" else "lognormal"
        rates = target_rates(n_exc, self.target_rate, kind, cv=self.target_cv, seed=seed)
        return InhibitorySTDP(target_rate=rates, eta=self.eta)

    def build(self, seed, g=None, condition="none") -> SpikingEIReservoir:
        """The reservoir described by the parameters."""
        n_exc = int(round(0.8 * self.n_neurons))
        return SpikingEIReservoir(
            self.n_neurons, connectivity=self.connectivity, synapse=self.synapse, g=g,
            v_rest=self.v_rest, background_rate=self.background_rate,
            input_scale=self.input_scale, input_fraction=self.input_fraction, step=self.step,
            tau_filter=self.tau_filter, tau_filter_max=self.tau_filter_max,
            codegen=self.codegen,
            plasticity=self.plasticity_for(condition, n_exc, seed + 7), seed=seed)

    def task(self) -> MemoryCapacityTask:
        """The memory-capacity task (input U(-1, 1), seeded from the run's seed)."""
        return MemoryCapacityTask(self.k_max, self.n_steps, self.washout, self.seed + 2)

    def adapt(self, res: SpikingEIReservoir):
        """iSTDP under i.i.d. U(-1, 1) input like the task's, then frozen (no-op if static)."""
        if res.plasticity is None:
            return None
        n = int(round(self.adapt_duration / self.step))
        drive = np.random.default_rng(self.seed + 1).uniform(-1, 1, (n, 1))
        return res.adapt(drive)


def _evaluate(exp, res, task):
    """Adapt (if plastic) then score MC; ``(mc or None, adapt segment, report)``."""
    try:
        adapt_segment = exp.adapt(res)
        mc = task(res)
    except ReservoirActivityError as err:
        return None, None, err.report
    return mc, adapt_segment, res.last_segment.activity


class SpikingMemoryCapacityExperiment(_SpikingExperiment):
    """Memory capacity of one spiking E/I reservoir, optionally after iSTDP adaptation."""

    kind = "reservoirs.spiking_memory_capacity"

    g = param.Number(9.0 / 1.62, bounds=(0.0, None), doc="Inhibitory strength w_inh / w_exc.")
    plasticity = param.Selector(objects=CONDITIONS, default="none",
                                doc="iSTDP before the task: none, homogeneous or "
                                    "heterogeneous (log-normal) target rates.")

    def execute(self, run, progress):
        start = time.perf_counter()
        res = self.build(self.seed, self.g, self.plasticity)
        run.attrs["reservoir"] = res.params()
        progress(0.05, "adapting" if res.plasticity is not None else "memory capacity")
        mc, adapt_segment, report = _evaluate(self, res, self.task())
        run.metrics["activity_ok"] = bool(report.ok)
        run.metrics["activity"] = report.as_dict()
        run.metrics["rate_exc"] = report.rate_exc
        run.metrics["rate_inh"] = report.rate_inh
        run.metrics["simulated_s"] = res.time
        run.metrics["wall_s"] = time.perf_counter() - start
        run.metrics["target"] = res.target
        segment = res.last_segment
        rates = segment.neuron_rates("exc")
        run.write("rates", rates, dims=("neuron",))
        shown = segment.spike_times < 2.0
        run.write("spike_times", segment.spike_times[shown], dims=("spike",))
        run.write("spike_neurons", segment.spike_neurons[shown], dims=("spike",))
        times, pop = segment.population_rate(5e-3, "exc")
        run.write("population_rate", pop, dims=("time",), attrs={"bin_s": 5e-3})
        run.save_figure("raster", raster_figure(segment))
        targets = res.target_rates
        if targets is not None:
            run.write("targets", targets, dims=("neuron",))
            run.metrics["rate_error"] = float(np.mean(np.abs(rates - targets)))
            run.metrics["target_rate_mean"] = float(targets.mean())
        run.save_figure("rates", rates_figure(rates, targets))
        if adapt_segment is not None and adapt_segment.weights is not None:
            run.write("weight_times", adapt_segment.weight_times, dims=("sample",))
            run.write("weights", adapt_segment.weights, dims=("sample", "synapse"))
            run.save_figure("weights", weights_figure(adapt_segment.weight_times,
                                                      adapt_segment.weights))
        if mc is None:
            run.metrics["mc"] = None
            run.metrics["flag"] = report.reason
            return
        run.write("delays", mc.delays, dims=("lag",))
        run.write("mc_per_delay", mc.per_delay, dims=("lag",))
        run.metrics["mc"] = mc.total
        run.save_figure("mc_curve", mc_curve_figure(mc.delays, mc.per_delay,
                                                    title="Spiking reservoir MC"))


class SpikingBalanceExperiment(_SpikingExperiment):
    """MC against ``g`` without plasticity and after homogeneous / heterogeneous iSTDP."""

    kind = "reservoirs.spiking_balance"

    g_values = param.List([2.0, 3.0, 4.0, 5.56, 8.0], item_type=(int, float), bounds=(1, None),
                          doc="Inhibitory strengths g = w_inh / w_exc to sweep.")
    conditions = param.List(list(CONDITIONS), item_type=str, bounds=(1, None),
                            doc="Subset of none, homogeneous, heterogeneous.")

    def validate(self):
        super().validate()
        for g in self.g_values:
            if not 0 <= g <= 1000:
                raise ValueError(f"g_values must lie in [0, 1000], got {g}")
        for c in self.conditions:
            if c not in CONDITIONS:
                raise ValueError(f"conditions must be among {CONDITIONS}, got {c!r}")

    def execute(self, run, progress):
        g = np.asarray(self.g_values, dtype=float)
        shape = (len(self.conditions), g.size)
        mc, rate, rate_error = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape,
                                                                                        np.nan)
        ok = np.zeros(shape, dtype=bool)
        task = self.task()
        balanced = None
        for a, condition in enumerate(self.conditions):
            for b, g_value in enumerate(g):
                progress((a * g.size + b) / mc.size, f"{condition}, g={g_value:g}")
                res = self.build(self.seed, float(g_value), condition)
                balanced = res.balanced_g
                result, _, report = _evaluate(self, res, task)
                ok[a, b] = report.ok
                rate[a, b] = report.rate_exc
                if result is not None:
                    mc[a, b] = result.total
                    if res.target_rates is not None:
                        measured = res.last_segment.neuron_rates("exc")
                        rate_error[a, b] = float(np.mean(np.abs(measured - res.target_rates)))
                run.log(a * g.size + b, mc=float(mc[a, b]), rate_exc=float(rate[a, b]))
        run.write("g", g, dims=("g",))
        run.write("mc", mc, dims=("condition", "g"), attrs={"conditions": self.conditions})
        run.write("rate_exc", rate, dims=("condition", "g"))
        run.write("rate_error", rate_error, dims=("condition", "g"))
        run.write("activity_ok", ok.astype(np.int8), dims=("condition", "g"))
        run.save_figure("mc_vs_g", balance_figure(g, mc, self.conditions, balanced))
        run.metrics["activity_ok"] = bool(ok.all())
        run.metrics["n_flagged"] = int((~ok).sum())
        run.metrics["balanced_g"] = balanced
        for a, condition in enumerate(self.conditions):
            row = mc[a]
            valid = np.isfinite(row)
            run.metrics[f"mc_{condition}"] = [None if not v else float(x)
                                              for x, v in zip(row, valid)]
            if valid.any():
                best = int(np.nanargmax(row))
                run.metrics[f"best_mc_{condition}"] = float(row[best])
                run.metrics[f"best_g_{condition}"] = float(g[best])
                run.metrics[f"mc_range_{condition}"] = float(np.nanmax(row) - np.nanmin(row))


EXPERIMENTS = [SpikingMemoryCapacityExperiment, SpikingBalanceExperiment]
