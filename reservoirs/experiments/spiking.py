"""Registered experiments of the spiking E/I reservoir (brian2, imported when a run starts).

* ``reservoirs.spiking_memory_capacity``: one reservoir (optionally adapted by iSTDP),
  its raster, rates and memory-capacity curve ``MC_k``;
* ``reservoirs.spiking_balance``: MC against the global inhibitory strength ``g``, without
  plasticity and after iSTDP with homogeneous or heterogeneous target rates: the spiking
  analogue of the rate reservoir's balance sweep (claims T1-T3 of :mod:`reservoirs.claims`).

Runs whose activity ran away or fell silent are recorded with ``activity_ok = False`` and
MC ``NaN`` (never scored).
"""

from __future__ import annotations

import time

import numpy as np
import param

from workbench.experiment import Experiment, defaults
from workbench.outputs import Array, Coordinate, Figure, Metric, Outputs, write_coordinate

from ..params import SPIKING_CONDITIONS, IStdpParams, MemoryTaskParams, SpikingNetworkParams

__all__ = ["SpikingBalanceExperiment", "SpikingMemoryCapacityExperiment"]

CONDITIONS = SPIKING_CONDITIONS


@defaults(n_neurons=500, input_fraction=1.0, k_max=30, n_steps=2000, washout=100)
class _SpikingExperiment(SpikingNetworkParams, IStdpParams, MemoryTaskParams, Experiment):
    """Network, plasticity and task parameters shared by the spiking experiments."""

    __abstract = True

    def _streams(self):
        """Independent seeds spawned from ``seed``: drive, task, plasticity targets."""
        return np.random.SeedSequence(self.seed).spawn(3)

    def memory_estimate(self):
        out = super().memory_estimate()
        # Features (n_steps x n) and the spike record of the run.
        features_and_spikes = 8 * 4 * float(self.n_steps) * self.n_neurons
        out["n_steps*n_neurons"] = out.get("n_steps*n_neurons", 0.0) + features_and_spikes
        return out

    def build(self, g=None, condition="none"):
        """The reservoir of the parameters (network seed ``seed``), with iSTDP if asked."""
        n_exc = int(round(0.8 * self.n_neurons))
        plasticity = self.istdp(condition, n_exc, np.random.default_rng(self._streams()[2]))
        return self.build_spiking_reservoir(self.seed, g=g, plasticity=plasticity)

    def task(self):
        """The memory-capacity task (input U(-1, 1), seeded from the run's seed)."""
        return self.memory_task(np.random.default_rng(self._streams()[1]))

    def adapt(self, res):
        """iSTDP under i.i.d. U(-1, 1) input like the task's, then frozen (no-op if static)."""
        if res.plasticity is None:
            return None
        n = int(round(self.adapt_duration / self.step))
        drive = np.random.default_rng(self._streams()[0]).uniform(-1, 1, (n, 1))
        return res.adapt(drive)


def _evaluate(exp, res, task):
    """Adapt (if plastic) then score MC; ``(mc or None, adapt segment, report)``."""
    from ..spiking.activity import ReservoirActivityError

    try:
        adapt_segment = exp.adapt(res)
        mc = task(res)
    except ReservoirActivityError as err:
        return None, None, err.report
    return mc, adapt_segment, res.last_segment.activity


class SpikingMemoryCapacityExperiment(_SpikingExperiment):
    """Memory capacity of one spiking E/I reservoir, optionally after iSTDP adaptation.

    ``g`` unset keeps the model's balanced default of the synapse type (cuba 9/1.62 = 5.56,
    coba 67/6 = 11.2).
    """

    kind = "reservoirs.spiking_memory_capacity"
    outputs = Outputs(
        metrics=(Metric("activity_ok", "Activity stayed between the silent and runaway limits."),
                 Metric("activity", "Activity report (rates, CV, synchrony) of the last segment."),
                 Metric("rate_exc", "Mean excitatory rate of the last segment.", "Hz"),
                 Metric("rate_inh", "Mean inhibitory rate of the last segment.", "Hz"),
                 Metric("simulated_s", "Biological time simulated.", "s"),
                 Metric("wall_s", "Wall time of the run.", "s"),
                 Metric("target", "brian2 code-generation target used."),
                 Metric("mc", "Memory capacity (None when the activity was flagged)."),
                 Metric("flag", "Why the activity was flagged.", optional=True),
                 Metric("rate_error", "Mean |rate - target| of excitatory neurons.", "Hz", optional=True),
                 Metric("target_rate_mean", "Mean iSTDP target rate.", "Hz", optional=True)),
        arrays=(Array("rates", ("neuron",), "Rate of each excitatory neuron (last segment).", "Hz"),
                Array("spike_times", ("spike",), "Spike times of the first 2 s.", "s"),
                Array("spike_neurons", ("spike",), "Neuron of each spike."),
                Array("population_rate", ("time",), "Excitatory population rate in 5 ms bins.", "Hz"),
                Array("targets", ("neuron",), "iSTDP target rate of each excitatory neuron.", "Hz",
                      optional=True),
                Array("weight_times", ("sample",), "Times of the weight samples.", "s", optional=True),
                Array("weights", ("sample", "synapse"), "Sampled inhibitory weights during iSTDP.",
                      optional=True),
                Array("delays", ("lag",), "Delays k of the MC curve.", "steps", optional=True),
                Array("mc_per_delay", ("lag",), "Squared correlation r_k^2.", optional=True)),
        coords=(Coordinate("neuron", "Excitatory neuron index."),
                Coordinate("time", "Start of each population-rate bin.", "s"),
                Coordinate("lag", "Delay k.", "steps", optional=True)),
        figures=(Figure("raster", "Spike raster"),
                 Figure("rates", "Rates (and targets) of excitatory neurons"),
                 Figure("weights", "Inhibitory weights during iSTDP", optional=True),
                 Figure("mc_curve", "Spiking reservoir MC", optional=True)),
    )

    g = param.Number(None, allow_None=True, bounds=(0.0, 1000.0),
                     doc="Inhibitory strength w_inh / w_exc (None: the synapse type's default).")
    plasticity = param.Selector(objects=CONDITIONS, default="none",
                                doc="iSTDP before the task: none, homogeneous or "
                                    "heterogeneous (log-normal) target rates.")

    def execute(self, run, progress):
        from ..figures import mc_curve_figure
        from ..spiking.figures import raster_figure, rates_figure, weights_figure

        start = time.perf_counter()
        res = self.build(self.g, self.plasticity)
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
        write_coordinate(run, "time", np.asarray(times)[:len(pop)], "s")
        write_coordinate(run, "neuron", np.arange(rates.size))
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
        write_coordinate(run, "lag", mc.delays, "steps")
        run.metrics["mc"] = mc.total
        run.save_figure("mc_curve", mc_curve_figure(mc.delays, mc.per_delay,
                                                    title="Spiking reservoir MC"))


class SpikingBalanceExperiment(_SpikingExperiment):
    """MC against ``g`` without plasticity and after homogeneous / heterogeneous iSTDP."""

    kind = "reservoirs.spiking_balance"
    outputs = Outputs(
        metrics=(Metric("activity_ok", "Every run's activity stayed within the limits."),
                 Metric("n_flagged", "Runs whose activity was flagged (MC not scored)."),
                 Metric("balanced_g", "g at which mean excitation and inhibition cancel."),
                 Metric("mc_{condition}", "MC at each g (None where flagged)."),
                 Metric("best_mc_{condition}", "Largest MC of the condition.", optional=True),
                 Metric("best_g_{condition}", "g of the largest MC.", optional=True),
                 Metric("mc_range_{condition}", "Largest minus smallest MC over g.", optional=True)),
        arrays=(Array("mc", ("condition", "g"), "Memory capacity (NaN where flagged); attrs "
                      "conditions name the rows."),
                Array("rate_exc", ("condition", "g"), "Mean excitatory rate.", "Hz"),
                Array("rate_error", ("condition", "g"), "Mean |rate - target| (NaN without iSTDP).",
                      "Hz"),
                Array("activity_ok", ("condition", "g"), "1 where the activity stayed in limits.")),
        coords=(Coordinate("g", "Inhibitory strength g = w_inh / w_exc."),),
        figures=(Figure("mc_vs_g", "MC against g per plasticity condition"),),
        logs=("mc", "rate_exc"),
    )

    g_values = param.List([2.0, 3.0, 4.0, 5.56, 8.0], item_type=(int, float), bounds=(1, None),
                          doc="Inhibitory strengths g = w_inh / w_exc to sweep.")
    # iSTDP conditions of the spiking network (none, homogeneous, heterogeneous); the rate
    # balance map's ``conditions`` are another set (global, homogeneous, heterogeneous).
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
        from ..spiking.figures import balance_figure

        g = np.asarray(self.g_values, dtype=float)
        shape = (len(self.conditions), g.size)
        mc, rate, rate_error = (np.full(shape, np.nan) for _ in range(3))
        ok = np.zeros(shape, dtype=bool)
        task = self.task()
        balanced = None
        for a, condition in enumerate(self.conditions):
            for b, g_value in enumerate(g):
                progress((a * g.size + b) / mc.size, f"{condition}, g={g_value:g}")
                res = self.build(float(g_value), condition)
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


#: Experiments registered under the ``workbench.experiments`` entry point.
EXPERIMENTS = [SpikingMemoryCapacityExperiment, SpikingBalanceExperiment]
