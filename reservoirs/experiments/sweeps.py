"""Sweeps of the rate reservoir: MC and NARMA-10 against the global balance (claim T1) and
adaptive against globally tuned reservoirs (claims T2-T5 of :mod:`reservoirs.claims`).

Both run their reservoirs as one batched system (:mod:`reservoirs.batch`); network
realisations take seeds spawned from the run's ``seed``.
"""

from __future__ import annotations

import numpy as np
import param

from workbench.experiment import Experiment, defaults
from workbench.outputs import Array, Coordinate, Figure, Metric, Outputs, write_coordinate

from ..params import (
    AdaptStepsParams,
    BalanceGridParams,
    BatchParams,
    HomeostasisParams,
    NetworkParams,
    SeedsParams,
    TaskSuiteParams,
)
from .common import score_balances, score_batch

__all__ = ["AdaptationExperiment", "BalanceSweepExperiment", "adaptation_summary", "balance_summary"]


class BalanceSweepExperiment(NetworkParams, SeedsParams, TaskSuiteParams, BatchParams, Experiment):
    """MC and NARMA-10 error against the global balance beta (claim T1).

    ``n_balances`` values of beta from ``balance_min`` to ``balance_max``, ``n_seeds`` network
    realisations each (seeds spawned from ``seed``).
    """

    kind = "reservoirs.balance_sweep"
    outputs = Outputs(
        metrics=(Metric("best_balance_mc", "Balance beta of the largest seed-mean MC."),
                 Metric("best_mc", "Largest seed-mean memory capacity."),
                 Metric("best_balance_narma", "Balance beta of the smallest seed-mean NARMA-10 NRMSE."),
                 Metric("best_narma_nrmse", "Smallest seed-mean NARMA-10 NRMSE."),
                 Metric("excitatory_mc", "Best MC with beta <= 0.8 (excitation-dominated).", optional=True),
                 Metric("excitatory_mc_deficit_pct", "MC deficit of the excitation-dominated regime.",
                        "%", optional=True),
                 Metric("excitatory_narma_nrmse", "Best NRMSE with beta <= 0.8.", optional=True),
                 Metric("excitatory_narma_excess_pct", "NRMSE excess of the excitation-dominated "
                        "regime.", "%", optional=True)),
        arrays=(Array("balances", ("balance",), "Global balances beta swept."),
                Array("mc", ("seed", "balance"), "Memory capacity per realisation and beta."),
                Array("narma_nrmse", ("seed", "balance"), "NARMA-10 NRMSE per realisation and beta."),
                Array("mean_rate", ("seed", "balance"), "Mean rate during the MC task.")),
        coords=(Coordinate("balance", "Global balance beta."),
                Coordinate("seed", "Network seed of each realisation (spawned from seed).")),
        figures=(Figure("balance_sweep", "MC and NARMA-10 NRMSE against beta"),),
    )

    balance_min = param.Number(0.5, bounds=(0.0, None), inclusive_bounds=(False, True),
                               doc="Smallest beta.")
    balance_max = param.Number(2.0, bounds=(0.0, None), inclusive_bounds=(False, True),
                               doc="Largest beta.")
    n_balances = param.Integer(16, bounds=(2, 100_000), doc="Number of beta values.")

    def validate(self):
        super().validate()
        if self.balance_max <= self.balance_min:
            raise ValueError(f"balance_max must be > balance_min = {self.balance_min}, "
                             f"got {self.balance_max}")

    def execute(self, run, progress):
        from ..figures import balance_sweep_figure

        balances = np.linspace(self.balance_min, self.balance_max, self.n_balances)
        mc = np.empty((self.n_seeds, balances.size))
        narma = np.empty_like(mc)
        rates = np.empty_like(mc)
        for s, seed in enumerate(self.realisation_seeds()):
            net = self.build_reservoir(seed)
            tasks = self.suite(seed)
            scores, r = score_balances(net, balances, tasks["mc"], self.batch_size)
            mc[s] = [x.total for x in scores]
            rates[s] = [x.mean() for x in r]
            progress((s + 0.5) / self.n_seeds, f"seed {s}: NARMA-10")
            scores, _ = score_balances(net, balances, tasks["narma"], self.batch_size)
            narma[s] = [x.nrmse for x in scores]
            progress((s + 1) / self.n_seeds, f"seed {s} done")
        run.write("balances", balances, dims=("balance",))
        write_coordinate(run, "balance", balances)
        write_coordinate(run, "seed", np.array(self.realisation_seeds(), dtype=np.int64))
        run.write("mc", mc, dims=("seed", "balance"))
        run.write("narma_nrmse", narma, dims=("seed", "balance"))
        run.write("mean_rate", rates, dims=("seed", "balance"))
        for key, value in balance_summary(balances, mc.mean(0), narma.mean(0)).items():
            run.metrics[key] = value
        run.save_figure("balance_sweep", balance_sweep_figure(balances, mc, narma))


def balance_summary(balances, mc, narma, excitatory_below=0.8):
    """Claim T1 numbers: best beta per task and the excitation-dominated deficit.

    ``mc`` and ``narma`` are seed-averaged scores per balance; "excitation-dominated" means
    ``beta <= excitatory_below`` (claim T1).
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


@defaults(n_seeds=2, batch_size=24, target_rates=[0.2, 0.35, 0.5, 0.65, 0.8],
          balances=[0.5, 0.75, 1.0, 1.25, 1.5, 2.0])
class AdaptationExperiment(NetworkParams, SeedsParams, BalanceGridParams, HomeostasisParams,
                           AdaptStepsParams, TaskSuiteParams, BatchParams, Experiment):
    """Adaptive vs globally tuned reservoirs over a grid of target rates and input scalings.

    For each seed and input scaling ``sigma_in``: the global baseline over ``balances``;
    homogeneous targets ``rho``; heterogeneous Beta targets with mean ``rho``; the one-step
    design at ``rho``. Each is scored on memory capacity and NARMA-10, adaptation being driven
    by input with the task's statistics, then frozen (Srinivasan, Plenz & Girvan 2025). Metrics
    give claims T2-T5 of :mod:`reservoirs.claims`.
    """

    kind = "reservoirs.adaptation"
    outputs = Outputs(
        metrics=(Metric("{task}_{method}_improvement_pct_max", "Best adaptive vs best global score "
                        "at each input scaling, largest over scalings (task mc or narma).", "%"),
                 Metric("{task}_{method}_improvement_pct_overall", "Overall best adaptive vs overall "
                        "best global score.", "%"),
                 Metric("{task}_{method}_mean_loss_pct", "Mean relative loss from the method's own "
                        "best over the grid (smaller: more robust).", "%"),
                 Metric("{task}_{method}_best", "Best seed-mean score of the method."),
                 Metric("{task}_{method}_rate_error_mean", "Mean |rate - target| over the grid."),
                 Metric("{task}_{method}_rate_error_max", "Largest mean |rate - target| on the grid.")),
        arrays=(Array("target_rates", ("rate",), "Target rates rho of the grid."),
                Array("input_scalings", ("scaling",), "Input scalings sigma_in of the grid."),
                Array("balances", ("balance",), "Global balances of the baseline."),
                *(Array(f"{t}_global", ("seed", "scaling", "balance"),
                        f"{t} score of the globally tuned baseline.") for t in ("mc", "narma")),
                *(Array(f"{t}_{m}", ("seed", "scaling", "rate"), f"{t} score after {m} adaptation.")
                  for t in ("mc", "narma") for m in ("homogeneous", "heterogeneous", "one_step")),
                *(Array(f"{t}_{m}_rate_error", ("seed", "scaling", "rate"),
                        f"Mean |rate - target| after {m} adaptation ({t} drive).")
                  for t in ("mc", "narma") for m in ("homogeneous", "heterogeneous", "one_step")),
                Array("example_mean_rate", ("time",), "Mean rate during one homogeneous adaptation "
                      "(rho nearest 0.5).", optional=True),
                Array("example_inhibitory_gain", ("block", "neuron"), "Inhibitory gains of that "
                      "adaptation.", optional=True)),
        coords=(Coordinate("rate", "Target rate rho."),
                Coordinate("scaling", "Input scaling sigma_in."),
                Coordinate("balance", "Global balance beta."),
                Coordinate("seed", "Network seed of each realisation (spawned from seed)."),
                Coordinate("time", "Adaptation step.", "steps", optional=True)),
        figures=(Figure("mc_vs_target", "Memory capacity against the target rate"),
                 Figure("narma_vs_target", "NARMA-10 NRMSE against the target rate"),
                 Figure("inhibitory_gain", "Inhibitory gains during adaptation", optional=True),
                 Figure("rates_histogram", "Rates and heterogeneous targets", optional=True),
                 Figure("ei_ratio", "E/I input ratio per neuron", optional=True)),
    )

    METHODS = ("homogeneous", "heterogeneous", "one_step")

    def _tasks(self, seed):
        rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[2])
        drives = {"mc": rng.uniform(-1, 1, (self.adapt_steps, 1)),
                  "narma": rng.uniform(0, 0.5, (self.adapt_steps, 1))}
        return self.suite(seed), drives

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
        for s, seed in enumerate(self.realisation_seeds()):
            tasks, drives = self._tasks(seed)
            target_seeds = np.random.SeedSequence(seed).spawn(4)[3].spawn(sig.size)
            for j, sigma in enumerate(sig):
                base = self.build_reservoir(seed, input_scaling=float(sigma))
                for t, task in tasks.items():
                    progress(done / steps, f"seed {s}, sigma_in {sigma:g}, {t}")
                    scores, _ = score_balances(base, bal, task, self.batch_size)
                    out[(t, "global")][s, j] = [_value(t, x) for x in scores]
                    nets, targets = [], []
                    for m in self.METHODS:
                        copies = [base.copy() for _ in rates_grid]
                        tg, traces = self.apply_adaptation(copies, m, rates_grid, drives[t],
                                                           target_seeds[j])
                        nets += copies
                        targets += tg
                        if traces and s == 0 and t == "mc" and m not in example:
                            k = int(np.argmin(np.abs(rates_grid - 0.5)))
                            example[m] = (traces[k], copies[k])
                    scores, rates = score_batch(nets, task, self.batch_size)
                    for i, m in enumerate(self.METHODS):
                        sl = slice(i * rates_grid.size, (i + 1) * rates_grid.size)
                        out[(t, m)][s, j] = [_value(t, x) for x in scores[sl]]
                        out[(t, m, "rate_error")][s, j] = [
                            np.mean(np.abs(r - g)) for r, g in zip(rates[sl], targets[sl])]
                    done += 1
        self._write(run, out, rates_grid, sig, bal, example)

    def _write(self, run, out, rates_grid, sig, bal, example):
        from ..figures import (
            adaptation_trace_figure,
            ei_ratio_figure,
            method_grid_figure,
            rates_histogram_figure,
        )

        run.write("target_rates", rates_grid, dims=("rate",))
        run.write("input_scalings", sig, dims=("scaling",))
        run.write("balances", bal, dims=("balance",))
        write_coordinate(run, "rate", rates_grid)
        write_coordinate(run, "scaling", sig)
        write_coordinate(run, "balance", bal)
        write_coordinate(run, "seed", np.array(self.realisation_seeds(), dtype=np.int64))
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
            write_coordinate(run, "time", np.arange(trace.mean_rate.size), "steps")
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
