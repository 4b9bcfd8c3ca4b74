"""Registered experiments of the E/I rate reservoir (Srinivasan, Plenz & Girvan 2025).

``reservoirs.memory_capacity``, ``reservoirs.balance_sweep`` (claim T1),
``reservoirs.adaptation`` (claims T2-T5 of ``research/ei_reservoir.md`` §6),
``reservoirs.lorenz_forecast`` (closed-loop Lorenz-63, beside the AL-RNN) and
``reservoirs.simulate`` (a long run streamed into the store). Sweeps run their reservoirs as
one batched system (:mod:`reservoirs.batch`).
"""

from __future__ import annotations

import numpy as np
import param

from workbench.experiment import Experiment
from workbench.systems import lorenz63

from .adaptation import heterogeneous_targets
from .batch import adapt_batch, run_balances, run_batch
from .esn import EchoStateNetwork
from .figures import (
    adaptation_trace_figure, balance_sweep_figure, ei_ratio_figure, lorenz_figure,
    mc_curve_figure, method_grid_figure, rates_histogram_figure,
)
from .network import EIReservoir
from .tasks import LorenzTask, MemoryCapacityTask, Narma10Task

__all__ = [
    "AdaptationExperiment",
    "BalanceSweepExperiment",
    "EXPERIMENTS",
    "LorenzForecastExperiment",
    "MemoryCapacityExperiment",
    "SimulateExperiment",
]

ADAPTATIONS = ["none", "homogeneous", "heterogeneous", "one_step"]


def _pos(default, doc, integer=False, low=0.0):
    if integer:
        return param.Integer(default, bounds=(int(low), None), doc=doc)
    return param.Number(default, bounds=(low, None), inclusive_bounds=(False, True), doc=doc)


class _NetworkExperiment(Experiment):
    """Network hyperparameters shared by the reservoir experiments (not registered).

    Defaults: gain 4 and strength 2, the regime of the research note's sanity check (§10,
    best row) [A]; the [T] values are gain 10, strength 1.
    """

    n_neurons = param.Integer(300, bounds=(10, None), doc="Number of neurons n.")
    in_degree = param.Integer(50, bounds=(1, None), doc="Links into each neuron k.")
    gain = _pos(4.0, "Sigmoid gain c.")
    strength = _pos(2.0, "Mean total excitatory in-strength J (mu_E = J/(k f_E)).")
    input_fraction = param.Number(0.3, bounds=(0.0, 1.0), inclusive_bounds=(False, True),
                                  doc="Share of neurons receiving input.")
    input_scaling = param.Number(0.5, bounds=(0.0, None), doc="Input scaling sigma_in.")
    leak_rate = param.Number(1.0, bounds=(0.0, 1.0), inclusive_bounds=(False, True),
                             doc="Leak a (1 = no leak).")
    topology = param.Selector(objects=["random", "small_world", "scale_free"], default="random",
                              doc="Connectivity generator.")

    def validate(self):
        if self.in_degree >= self.n_neurons:
            raise ValueError(f"in_degree must be < n_neurons ({self.n_neurons}), "
                             f"got {self.in_degree}")

    def build(self, seed, n_inputs=1, **overrides) -> EIReservoir:
        """The reservoir described by the parameters (``overrides`` win)."""
        kw = dict(n_neurons=self.n_neurons, n_inputs=n_inputs, in_degree=self.in_degree,
                  gain=self.gain, strength=self.strength, input_fraction=self.input_fraction,
                  input_scaling=self.input_scaling, leak_rate=self.leak_rate,
                  topology=self.topology, seed=seed)
        kw.update(overrides)
        return EIReservoir(**kw)


def _targets(kind, rate, n, concentration, seed):
    """Homogeneous ``rho`` or Beta(m kappa, (1 - m) kappa) targets with mean ``rate`` [A]."""
    if kind == "heterogeneous":
        return heterogeneous_targets(n, rate * concentration, (1 - rate) * concentration, seed)
    return np.full(n, rate)


def _apply_adaptation(reservoirs, kind, rates, u, concentration, learning_rate, seed):
    """Adapt (in one batch) or one-step-balance ``reservoirs[i]`` to mean rate ``rates[i]``.

    Returns the target arrays and the traces (empty for one-step / none).
    """
    n = reservoirs[0].n_neurons
    targets = [_targets(kind, r, n, concentration, seed + 7919 * i) for i, r in enumerate(rates)]
    traces = []
    if kind in ("homogeneous", "heterogeneous"):
        traces = adapt_batch(reservoirs, u, targets, learning_rate=learning_rate)
    elif kind == "one_step":
        for res, rho in zip(reservoirs, targets):
            res.balance_one_step(rho, u_mean=u.mean(axis=0))
    return targets, traces


def _score_batch(reservoirs, task, batch_size):
    """Reset, run ``task.inputs`` through the reservoirs in batches, score each."""
    scores, rates = [], []
    for lo in range(0, len(reservoirs), batch_size):
        part = reservoirs[lo:lo + batch_size]
        for r in part:
            r.reset()
        for states in run_batch(part, task.inputs):
            scores.append(task.score(states))
        rates.extend(r.rates for r in part)
    return scores, rates


def _score_balances(reservoir, balances, task, batch_size):
    """Score ``task`` on copies of ``reservoir`` at each global balance, in batches.

    Same result as :func:`_score_batch` on ``with_balances(reservoir, balances)`` (up to
    rounding), with one shared sparse product per step (:func:`run_balances`). The copies
    start from the reservoir's initial state; ``reservoir`` is not modified.
    """
    start = reservoir.state
    reservoir.reset()
    scores, rates = [], []
    try:
        for lo in range(0, len(balances), batch_size):
            for states in run_balances(reservoir, balances[lo:lo + batch_size], task.inputs):
                scores.append(task.score(states))
                rates.append(states.mean(axis=0))
    finally:
        reservoir.state = start
    return scores, rates


class MemoryCapacityExperiment(_NetworkExperiment):
    """Memory capacity of one E/I reservoir, optionally after homeostatic adaptation."""

    kind = "reservoirs.memory_capacity"

    balance = _pos(1.0, "Global balance beta (1 = balanced).")
    k_max = param.Integer(100, bounds=(1, None), doc="Largest delay.")
    n_steps = param.Integer(4000, bounds=(100, None), doc="Input length of the MC task.")
    washout = param.Integer(200, bounds=(0, None), doc="Steps discarded.")
    adaptation = param.Selector(objects=ADAPTATIONS, default="none",
                                doc="Homeostatic inhibition before the task.")
    target_rate = param.Number(0.5, bounds=(0.0, 1.0), inclusive_bounds=(False, False),
                               doc="Target rate rho (mean of the Beta targets).")
    concentration = _pos(4.0, "Beta concentration kappa of heterogeneous targets [A].")
    adapt_steps = param.Integer(3000, bounds=(1, None), doc="Adaptation steps.")
    learning_rate = _pos(1e-3, "Adaptation rate delta.")

    def validate(self):
        super().validate()
        if self.n_steps < max(self.washout, self.k_max) + 20:
            raise ValueError(f"n_steps must be >= max(washout, k_max) + 20, got {self.n_steps}")

    def execute(self, run, progress):
        res = self.build(self.seed, balance=self.balance)
        drive = np.random.default_rng(self.seed + 1).uniform(-1, 1, (self.adapt_steps, 1))
        progress(0.05, "adapting")
        targets, traces = _apply_adaptation([res], self.adaptation, [self.target_rate], drive,
                                            self.concentration, self.learning_rate, self.seed)
        progress(0.4, "memory capacity")
        task = MemoryCapacityTask(self.k_max, self.n_steps, self.washout, self.seed + 2)
        res.reset()
        mc = task.score(res.run(task.inputs))
        rates, ratio = res.rates, res.ei_input_ratio()
        run.write("delays", mc.delays, dims=("lag",))
        run.write("mc_per_delay", mc.per_delay, dims=("lag",))
        run.write("rates", rates, dims=("neuron",))
        run.write("ei_ratio", ratio, dims=("neuron",))
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
            run.write("inhibitory_gain", traces[0].inhibitory_gain, dims=("block", "neuron"))
            run.save_figure("inhibitory_gain", adaptation_trace_figure(traces[0]))
        run.save_figure("mc_curve", mc_curve_figure(mc.delays, mc.per_delay))
        run.save_figure("rates_histogram", rates_histogram_figure(rates, tgt))
        run.save_figure("ei_ratio", ei_ratio_figure({self.adaptation: ratio}))


class BalanceSweepExperiment(_NetworkExperiment):
    """MC and NARMA-10 error against the global balance beta (claim T1)."""

    kind = "reservoirs.balance_sweep"

    balance_min = _pos(0.5, "Smallest beta.")
    balance_max = _pos(2.0, "Largest beta.")
    n_balances = param.Integer(16, bounds=(2, None), doc="Number of beta values.")
    n_seeds = param.Integer(3, bounds=(1, None), doc="Network realisations.")
    k_max = param.Integer(100, bounds=(1, None), doc="Largest MC delay.")
    mc_steps = param.Integer(4000, bounds=(100, None), doc="MC input length.")
    narma_steps = param.Integer(4000, bounds=(100, None), doc="NARMA-10 series length.")
    washout = param.Integer(200, bounds=(0, None), doc="Steps discarded.")
    batch_size = param.Integer(16, bounds=(1, None), doc="Reservoirs simulated together.")

    def validate(self):
        super().validate()
        if self.balance_max <= self.balance_min:
            raise ValueError("balance_max must be > balance_min")
        if self.mc_steps < max(self.washout, self.k_max) + 20:
            raise ValueError("mc_steps must be >= max(washout, k_max) + 20")
        if self.narma_steps < self.washout + 100:
            raise ValueError("narma_steps must be >= washout + 100")

    def execute(self, run, progress):
        balances = np.linspace(self.balance_min, self.balance_max, self.n_balances)
        mc = np.empty((self.n_seeds, balances.size))
        narma = np.empty_like(mc)
        rates = np.empty_like(mc)
        for s in range(self.n_seeds):
            seed = self.seed + 1000 * s
            net = self.build(seed)
            mc_task = MemoryCapacityTask(self.k_max, self.mc_steps, self.washout, seed + 1)
            scores, r = _score_balances(net, balances, mc_task, self.batch_size)
            mc[s] = [x.total for x in scores]
            rates[s] = [x.mean() for x in r]
            progress((s + 0.5) / self.n_seeds, f"seed {s}: NARMA-10")
            scores, _ = _score_balances(net, balances,
                                        Narma10Task(self.narma_steps, self.washout, seed + 2),
                                        self.batch_size)
            narma[s] = [x.nrmse for x in scores]
            progress((s + 1) / self.n_seeds, f"seed {s} done")
        run.write("balances", balances, dims=("balance",))
        run.write("mc", mc, dims=("seed", "balance"))
        run.write("narma_nrmse", narma, dims=("seed", "balance"))
        run.write("mean_rate", rates, dims=("seed", "balance"))
        for key, value in balance_summary(balances, mc.mean(0), narma.mean(0)).items():
            run.metrics[key] = value
        run.save_figure("balance_sweep", balance_sweep_figure(balances, mc, narma))


def balance_summary(balances, mc, narma, excitatory_below=0.8):
    """Claim T1 numbers: best beta per task and the excitation-dominated deficit.

    ``mc`` and ``narma`` are seed-averaged scores per balance; "excitation-dominated" means
    ``beta <= excitatory_below`` (research note §6, T1).
    """
    exc = balances <= excitatory_below + 1e-12
    out = {
        "best_balance_mc": float(balances[np.argmax(mc)]),
        "best_mc": float(mc.max()),
        "best_balance_narma": float(balances[np.argmin(narma)]),
        "best_narma_nrmse": float(narma.min()),
    }
    if exc.any():
        out["excitatory_mc"] = float(mc[exc].max())
        out["excitatory_mc_deficit_pct"] = float(100 * (mc.max() - mc[exc].max()) / mc.max())
        out["excitatory_narma_nrmse"] = float(narma[exc].min())
        out["excitatory_narma_excess_pct"] = float(
            100 * (narma[exc].min() - narma.min()) / narma.min())
    return out


class AdaptationExperiment(_NetworkExperiment):
    """Adaptive vs globally tuned reservoirs over a grid of target rates and input scalings.

    For each seed and input scaling ``sigma_in``: the global baseline over ``balances``;
    homogeneous targets ``rho``; heterogeneous Beta targets with mean ``rho``; the one-step
    design at ``rho``. Each is scored on memory capacity and NARMA-10, adaptation being driven
    by input with the task's statistics, then frozen (research note §3.2, §4.3). Metrics give
    claims T2-T5 of research note §6.
    """

    kind = "reservoirs.adaptation"

    target_rates = param.List([0.2, 0.35, 0.5, 0.65, 0.8], item_type=float,
                              doc="Target rates rho (means of the Beta targets).")
    input_scalings = param.List([0.25, 0.5, 1.0, 2.0], item_type=float,
                                doc="Input scalings sigma_in.")
    balances = param.List([0.5, 0.75, 1.0, 1.25, 1.5, 2.0], item_type=float,
                          doc="Global balances of the baseline.")
    n_seeds = param.Integer(2, bounds=(1, None), doc="Network realisations.")
    concentration = _pos(4.0, "Beta concentration kappa of heterogeneous targets [A].")
    adapt_steps = param.Integer(3000, bounds=(1, None), doc="Adaptation steps.")
    learning_rate = _pos(1e-3, "Adaptation rate delta.")
    k_max = param.Integer(100, bounds=(1, None), doc="Largest MC delay.")
    mc_steps = param.Integer(4000, bounds=(100, None), doc="MC input length.")
    narma_steps = param.Integer(4000, bounds=(100, None), doc="NARMA-10 series length.")
    washout = param.Integer(200, bounds=(0, None), doc="Steps discarded.")
    batch_size = param.Integer(24, bounds=(1, None), doc="Reservoirs simulated together.")

    METHODS = ("homogeneous", "heterogeneous", "one_step")

    def validate(self):
        super().validate()
        for name in ("target_rates", "input_scalings", "balances"):
            if not getattr(self, name):
                raise ValueError(f"{name} must not be empty")
        if not all(0 < r < 1 for r in self.target_rates):
            raise ValueError(f"target_rates must lie in (0, 1), got {self.target_rates}")
        if not all(s >= 0 for s in self.input_scalings):
            raise ValueError(f"input_scalings must be >= 0, got {self.input_scalings}")
        if not all(b > 0 for b in self.balances):
            raise ValueError(f"balances must be > 0, got {self.balances}")
        if self.mc_steps < max(self.washout, self.k_max) + 20:
            raise ValueError("mc_steps must be >= max(washout, k_max) + 20")
        if self.narma_steps < self.washout + 100:
            raise ValueError("narma_steps must be >= washout + 100")

    def _tasks(self, seed):
        mc = MemoryCapacityTask(self.k_max, self.mc_steps, self.washout, seed + 1)
        narma = Narma10Task(self.narma_steps, self.washout, seed + 2)
        rng = np.random.default_rng(seed + 3)
        drives = {"mc": rng.uniform(-1, 1, (self.adapt_steps, 1)),
                  "narma": rng.uniform(0, 0.5, (self.adapt_steps, 1))}
        return {"mc": mc, "narma": narma}, drives

    def execute(self, run, progress):
        rates_grid = np.asarray(self.target_rates, dtype=float)
        sig = np.asarray(self.input_scalings, dtype=float)
        bal = np.asarray(self.balances, dtype=float)
        shape = (self.n_seeds, sig.size)
        out = {(t, "global"): np.empty(shape + (bal.size,)) for t in ("mc", "narma")}
        for t in ("mc", "narma"):
            for m in self.METHODS:
                out[(t, m)] = np.empty(shape + (rates_grid.size,))
                out[(t, m, "rate_error")] = np.empty(shape + (rates_grid.size,))
        example = {}
        steps = self.n_seeds * sig.size * 2
        done = 0
        for s in range(self.n_seeds):
            seed = self.seed + 1000 * s
            tasks, drives = self._tasks(seed)
            for j, sigma in enumerate(sig):
                base = self.build(seed, input_scaling=float(sigma))
                for t, task in tasks.items():
                    progress(done / steps, f"seed {s}, sigma_in {sigma:g}, {t}")
                    scores, _ = _score_balances(base, bal, task, self.batch_size)
                    out[(t, "global")][s, j] = [_value(t, x) for x in scores]
                    nets, targets = [], []
                    for m in self.METHODS:
                        copies = [base.copy() for _ in rates_grid]
                        tg, traces = _apply_adaptation(copies, m, rates_grid, drives[t],
                                                       self.concentration, self.learning_rate,
                                                       seed + 17 * j)
                        nets += copies
                        targets += tg
                        if traces and s == 0 and t == "mc" and m not in example:
                            k = int(np.argmin(np.abs(rates_grid - 0.5)))
                            example[m] = (traces[k], copies[k])
                    scores, rates = _score_batch(nets, task, self.batch_size)
                    for i, m in enumerate(self.METHODS):
                        sl = slice(i * rates_grid.size, (i + 1) * rates_grid.size)
                        out[(t, m)][s, j] = [_value(t, x) for x in scores[sl]]
                        out[(t, m, "rate_error")][s, j] = [
                            np.mean(np.abs(r - g)) for r, g in zip(rates[sl], targets[sl])]
                    done += 1
        self._write(run, out, rates_grid, sig, bal, example)

    def _write(self, run, out, rates_grid, sig, bal, example):
        run.write("target_rates", rates_grid, dims=("rate",))
        run.write("input_scalings", sig, dims=("scaling",))
        run.write("balances", bal, dims=("balance",))
        for key, arr in out.items():
            dims = ("seed", "scaling", "balance" if key[1] == "global" else "rate")
            run.write("_".join(key), arr, dims=dims)
        summary = adaptation_summary({k: v.mean(axis=0) for k, v in out.items()})
        for key, value in summary.items():
            run.metrics[key] = value
        for t, label in (("mc", "memory capacity"), ("narma", "NARMA-10 NRMSE")):
            best = (np.max if t == "mc" else np.min)(out[(t, "global")].mean(0), axis=1)
            fig = method_grid_figure(rates_grid, sig, {m: out[(t, m)].mean(0)
                                                       for m in self.METHODS}, label, best)
            run.save_figure(f"{t}_vs_target", fig)
        if "homogeneous" in example:
            trace, net = example["homogeneous"]
            run.write("example_mean_rate", trace.mean_rate, dims=("time",))
            run.write("example_inhibitory_gain", trace.inhibitory_gain, dims=("block", "neuron"))
            run.save_figure("inhibitory_gain", adaptation_trace_figure(trace))
            ratios = {"adapted ρ=0.5": net.ei_input_ratio()}
            if "heterogeneous" in example:
                trace_h, net_h = example["heterogeneous"]
                ratios["heterogeneous"] = net_h.ei_input_ratio()
                run.save_figure("rates_histogram",
                                rates_histogram_figure(net_h.rates, trace_h.targets))
            run.save_figure("ei_ratio", ei_ratio_figure(ratios))


def _value(task, score):
    return score.total if task == "mc" else score.nrmse


def adaptation_summary(mean):
    """Claims T2-T5 from seed-averaged grids.

    Parameters
    ----------
    mean : dict
        ``mean[(task, method)]`` of shape ``(n_scalings, n_rates)`` (``"global"``:
        ``(n_scalings, n_balances)``) and ``mean[(task, method, "rate_error")]``.

    Returns
    -------
    dict of float
        T2: ``*_improvement_pct`` (best adaptive vs best global at each input scaling, max
        over scalings, and overall best vs overall best); for NARMA the relative error
        reduction. T3: mean relative loss from each method's own best across the whole grid
        (smaller = more robust). T4: one-step vs iterative best. T5: mean and max rate error.
    """
    res = {}
    for t, better in (("mc", np.max), ("narma", np.min)):
        sign = 1.0 if t == "mc" else -1.0
        glob = better(mean[(t, "global")], axis=1)
        for m in ("homogeneous", "heterogeneous", "one_step"):
            own = better(mean[(t, m)], axis=1)
            gain = 100 * sign * (own - glob) / glob
            res[f"{t}_{m}_improvement_pct_max"] = float(gain.max())
            res[f"{t}_{m}_improvement_pct_overall"] = float(
                100 * sign * (better(own) - better(glob)) / better(glob))
            grid = mean[(t, m)]
            loss = sign * (better(grid) - grid) / abs(better(grid))
            res[f"{t}_{m}_mean_loss_pct"] = float(100 * loss.mean())
            res[f"{t}_{m}_best"] = float(better(grid))
            res[f"{t}_{m}_rate_error_mean"] = float(mean[(t, m, "rate_error")].mean())
            res[f"{t}_{m}_rate_error_max"] = float(mean[(t, m, "rate_error")].max())
        res[f"{t}_global_best"] = float(better(mean[(t, "global")]))
        g = mean[(t, "global")]
        res[f"{t}_global_mean_loss_pct"] = float(100 * (sign * (better(g) - g) / abs(better(g))).mean())
    return res


class LorenzForecastExperiment(_NetworkExperiment):
    """Lorenz-63 one-step prediction and closed-loop generation (D_stsp, D_H).

    Uses the stored dataset ``run.store.dataset("lorenz63", lorenz63, n_steps=data_steps,
    dt=0.01)``, the ground truth shared with the AL-RNN experiments.
    """

    kind = "reservoirs.lorenz_forecast"

    model = param.Selector(objects=["ei", "esn"], default="ei",
                           doc="E/I reservoir or the tanh echo-state baseline.")
    balance = _pos(1.0, "Global balance beta.")
    adaptation = param.Selector(objects=ADAPTATIONS, default="none",
                                doc="Homeostatic inhibition (E/I model only).")
    target_rate = param.Number(0.5, bounds=(0.0, 1.0), inclusive_bounds=(False, False),
                               doc="Target rate rho.")
    concentration = _pos(4.0, "Beta concentration of heterogeneous targets.")
    learning_rate = _pos(1e-3, "Adaptation rate delta.")
    spectral_radius = _pos(0.9, "ESN spectral radius.")
    data_steps = param.Integer(100_000, bounds=(100, None), doc="Length of the stored dataset.")
    n_train = param.Integer(5000, bounds=(20, None), doc="Teacher-forced training steps.")
    n_test = param.Integer(1000, bounds=(10, None), doc="Teacher-forced test steps.")
    n_generate = param.Integer(5000, bounds=(10, None), doc="Closed-loop steps.")
    washout = param.Integer(500, bounds=(0, None), doc="Steps discarded.")

    def validate(self):
        super().validate()
        if self.washout + self.n_train + self.n_test + self.n_generate > self.data_steps:
            raise ValueError("data_steps must be >= washout + n_train + n_test + n_generate")

    def execute(self, run, progress):
        progress(0.0, "dataset")
        data = run.store.dataset("lorenz63", lorenz63, n_steps=self.data_steps, dt=0.01)
        if self.model == "esn":
            res = EchoStateNetwork(self.n_neurons, 3, spectral_radius=self.spectral_radius,
                                   in_degree=self.in_degree, input_scaling=self.input_scaling,
                                   input_fraction=self.input_fraction,
                                   leak_rate=self.leak_rate, seed=self.seed)
        else:
            res = self.build(self.seed, n_inputs=3, balance=self.balance)
            progress(0.1, "adapting")
            drive = data[:self.washout + self.n_train]
            _apply_adaptation([res], self.adaptation, [self.target_rate], drive,
                              self.concentration, self.learning_rate, self.seed)
        progress(0.3, "training and generating")
        result = LorenzTask(data, self.n_train, self.n_test, self.n_generate, self.washout)(res)
        run.write("true", result.true, dims=("time", "dim"))
        run.write("generated", result.generated, dims=("time", "dim"))
        run.metrics["nrmse"] = result.nrmse
        run.metrics["d_stsp"] = result.d_stsp
        run.metrics["d_h"] = result.d_h
        run.metrics["alpha"] = result.alpha
        run.save_figure("attractor", lorenz_figure(result.true, result.generated))


class SimulateExperiment(_NetworkExperiment):
    """Drive one E/I reservoir with i.i.d. input and stream every state into the store.

    States are written block by block (``run.append``), so memory stays
    ``O(chunk_size * n)`` however long the run.
    """

    kind = "reservoirs.simulate"

    balance = _pos(1.0, "Global balance beta.")
    n_steps = param.Integer(10_000, bounds=(1, None), doc="Steps simulated.")
    chunk_size = param.Integer(1000, bounds=(1, None), doc="Steps per streamed block.")
    input_range = _pos(1.0, "Input u ~ U(-a, a).")

    def execute(self, run, progress):
        res = self.build(self.seed, balance=self.balance)
        rng = np.random.default_rng(self.seed + 1)
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
        run.metrics["mean_rate"] = float(rates.mean())
        run.save_figure("rates_histogram", rates_histogram_figure(rates))


#: Experiments registered under the ``workbench.experiments`` entry point.
EXPERIMENTS = [
    MemoryCapacityExperiment,
    BalanceSweepExperiment,
    AdaptationExperiment,
    LorenzForecastExperiment,
    SimulateExperiment,
    __import__("reservoirs.balance_map", fromlist=["x"]).BalanceMapExperiment,
]
