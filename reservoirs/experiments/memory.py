"""One rate reservoir: memory capacity (optionally after homeostatic adaptation), or a long
simulation streamed into the store (Srinivasan, Plenz & Girvan 2025)."""

from __future__ import annotations

import numpy as np
import param

from workbench.experiment import Experiment, record_warning
from workbench.outputs import Array, Coordinate, Figure, Metric, Outputs, write_coordinate

from ..params import AdaptationParams, AdaptStepsParams, BalanceParams, MemoryTaskParams, NetworkParams

__all__ = ["MemoryCapacityExperiment", "SimulateExperiment"]


def _seeds(seed, n):
    """``n`` generators spawned from ``seed`` (independent streams, no hand offsets)."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n)]


class MemoryCapacityExperiment(NetworkParams, BalanceParams, AdaptationParams, AdaptStepsParams,
                               MemoryTaskParams, Experiment):
    """Memory capacity of one E/I reservoir, optionally after homeostatic adaptation.

    The reservoir (network seed ``seed``) is adapted for ``adapt_steps`` steps of U(-1, 1)
    input, frozen, then scored on the memory-capacity task (delays 1..k_max).
    """

    kind = "reservoirs.memory_capacity"
    outputs = Outputs(
        metrics=(Metric("mc", "Memory capacity: sum over delays of the squared correlation r_k^2."),
                 Metric("mean_rate", "Mean rate of all neurons during the task."),
                 Metric("mean_ei_ratio", "Mean ratio of inhibitory to excitatory input."),
                 Metric("rate_error", "Mean |rate - target| after adaptation.", optional=True)),
        arrays=(Array("delays", ("lag",), "Delays k of the MC curve.", "steps"),
                Array("mc_per_delay", ("lag",), "Squared correlation r_k^2 of the delay-k readout."),
                Array("rates", ("neuron",), "Mean rate of each neuron during the task."),
                Array("ei_ratio", ("neuron",), "Inhibitory / excitatory input of each neuron."),
                Array("targets", ("neuron",), "Target rate of each neuron.", optional=True),
                Array("adapt_mean_rate", ("time",), "Mean rate during adaptation.", optional=True),
                Array("inhibitory_gain", ("block", "neuron"), "Inhibitory gain a_i recorded "
                      "every block of adaptation steps.", optional=True)),
        coords=(Coordinate("lag", "Delay k.", "steps"),
                Coordinate("neuron", "Neuron index (excitatory first, as built)."),
                Coordinate("time", "Adaptation step.", "steps", optional=True)),
        figures=(Figure("mc_curve", "Memory curve r_k^2 against delay k"),
                 Figure("rates_histogram", "Histogram of neuron rates (and targets)"),
                 Figure("ei_ratio", "E/I input ratio per neuron"),
                 Figure("inhibitory_gain", "Inhibitory gains during adaptation", optional=True)),
    )

    def execute(self, run, progress):
        from ..figures import (
            adaptation_trace_figure,
            ei_ratio_figure,
            mc_curve_figure,
            rates_histogram_figure,
        )

        drive_rng, task_rng, target_seed = np.random.SeedSequence(self.seed).spawn(3)
        res = self.build_reservoir(self.seed)
        drive = np.random.default_rng(drive_rng).uniform(-1, 1, (self.adapt_steps, 1))
        progress(0.05, "adapting")

        def adapting(done, total, errors):  # live: the mean |rate - target| of every block
            progress(0.05 + 0.35 * done / total, "adapting", adapt_step=done, rate_error=float(errors[0]))

        targets, traces = self.apply_adaptation([res], self.adaptation, [self.target_rate], drive,
                                                target_seed, on_block=adapting)
        for message in self.unconverged(traces):
            record_warning(run, message)
        progress(0.4, "memory capacity")
        task = self.memory_task(np.random.default_rng(task_rng))
        res.reset()
        mc = task.score(res.run(task.inputs))
        rates, ratio = res.rates, res.ei_input_ratio()
        run.write("delays", mc.delays, dims=("lag",))
        run.write("mc_per_delay", mc.per_delay, dims=("lag",))
        run.write("rates", rates, dims=("neuron",))
        run.write("ei_ratio", ratio, dims=("neuron",))
        write_coordinate(run, "lag", mc.delays, "steps")
        write_coordinate(run, "neuron", np.arange(rates.size))
        run.metrics["mc"] = mc.total
        run.metrics["mean_rate"] = float(rates.mean())
        run.metrics["mean_ei_ratio"] = float(np.nanmean(ratio))
        tgt = None
        if self.adaptation != "none":
            tgt = targets[0]
            run.write("targets", tgt, dims=("neuron",))
            run.metrics["rate_error"] = float(np.mean(np.abs(rates - tgt)))
        if traces:
            run.write("adapt_mean_rate", traces[0].mean_rate, dims=("time",))
            write_coordinate(run, "time", np.arange(traces[0].mean_rate.size), "steps")
            run.write("inhibitory_gain", traces[0].inhibitory_gain, dims=("block", "neuron"))
            run.save_figure("inhibitory_gain", adaptation_trace_figure(traces[0]))
        run.save_figure("mc_curve", mc_curve_figure(mc.delays, mc.per_delay))
        run.save_figure("rates_histogram", rates_histogram_figure(rates, tgt))
        run.save_figure("ei_ratio", ei_ratio_figure({self.adaptation: ratio}))


class SimulateExperiment(NetworkParams, BalanceParams, Experiment):
    """Drive one E/I reservoir with i.i.d. input and stream every state into the store.

    States are written block by block (``run.append``), so memory stays
    ``O(chunk_size * n)`` however long the run.
    """

    kind = "reservoirs.simulate"
    outputs = Outputs(
        metrics=(Metric("mean_rate", "Mean rate over neurons and steps."),),
        arrays=(Array("states", ("time", "neuron"), "Rate of every neuron at every step."),
                Array("mean_rate", ("time",), "Mean rate over neurons at each step."),
                Array("rates", ("neuron",), "Mean rate of each neuron over the run.")),
        coords=(Coordinate("time", "Step of the simulation.", "steps"),
                Coordinate("neuron", "Neuron index.")),
        figures=(Figure("rates_histogram", "Histogram of neuron rates"),),
    )

    # Steps of a free simulation (not a task length: the memory task's ``n_steps`` is another
    # quantity with its own rule).
    n_steps = param.Integer(10_000, bounds=(1, None), doc="Steps simulated.")
    chunk_size = param.Integer(1000, bounds=(1, None), doc="Steps per streamed block.")
    input_range = param.Number(1.0, bounds=(0.0, None), inclusive_bounds=(False, True),
                               doc="Input u ~ U(-a, a).")

    def memory_estimate(self):
        out = super().memory_estimate()
        out["chunk_size*n_neurons"] = 3 * 8 * float(min(self.chunk_size, self.n_steps)) * self.n_neurons
        return out

    def execute(self, run, progress):
        from ..figures import rates_histogram_figure

        res = self.build_reservoir(self.seed)
        (rng,) = _seeds(self.seed, 1)
        done = 0
        total = np.zeros(self.n_neurons)
        while done < self.n_steps:
            m = min(self.chunk_size, self.n_steps - done)
            u = rng.uniform(-self.input_range, self.input_range, (m, 1))
            for block in res.iter_run(u, chunk_size=m):
                run.append("states", block, dims=("time", "neuron"))
                run.append("mean_rate", block.mean(axis=1), dims=("time",))
                total += block.sum(axis=0)
            done += m
            progress(done / self.n_steps, f"{done} steps")
        rates = total / self.n_steps
        run.write("rates", rates, dims=("neuron",))
        write_coordinate(run, "time", np.arange(self.n_steps), "steps")
        write_coordinate(run, "neuron", np.arange(self.n_neurons))
        run.metrics["mean_rate"] = float(rates.mean())
        run.save_figure("rates_histogram", rates_histogram_figure(rates))
