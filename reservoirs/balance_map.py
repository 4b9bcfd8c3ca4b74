"""The E/I balance as a map: global beta vs homeostatic inhibition across parameter space.

Srinivasan, Plenz & Girvan 2025 ("Boosting Reservoir Computing with Brain-inspired Adaptive
Dynamics", arXiv 2504.12480) claim that reservoirs perform best balanced or slightly
over-inhibited (T1), that local homeostatic adaptation of inhibition beats the best globally
tuned reservoir (T2) and that heterogeneous targets are more robust (T3). Whether these hold
depends on where in parameter space one stands, so ``reservoirs.balance_map`` scores every
cell of

    balance beta x coupling c J x input scaling sigma_in x balance_mode x ei_split x seed

under three conditions: the global balance alone; homogeneous targets ``rho`` (a grid)
reached by the adaptation rule from that beta; heterogeneous Beta targets with mean ``rho``.
Every reservoir is scored on memory capacity and NARMA-10 from one run (one Gram matrix for
all delays and both targets) and on Mackey-Glass 1- and 10-step prediction from a second run;
its operating point (Jacobian radius, population rate, rate entropy, per-neuron E/I input
ratio, :mod:`reservoirs.operating_point`) is recorded from the first run. Adapted networks
are adapted once (``adapt_steps`` of ``U(-1, 1)`` drive, the memory task's statistics, then
frozen) and score every task, Mackey-Glass included [A].

Work is split into units, one per (balance_mode, ei_split, coupling, sigma_in, seed): the
global betas of a unit run as one shared-matrix batch (:func:`reservoirs.batch.run_balances`),
its adapted copies as stacked batches. Units run in parallel with Dask (``workers``). Each
finished unit is kept in the store itself, as a dataset entry
``datasets/balance_map_unit/<key>`` keyed by the unit's full parameters (``Store.dataset``,
claim-protected): a run that was interrupted resumes where it stopped when started again
with the same parameters on the same store, and maps that share units (a grid extended by
one more coupling, or more seeds) compute only the new ones. ``reuse_units=False`` keeps
nothing. ``workbench clean`` does not remove complete entries; delete the folder
``datasets/balance_map_unit`` of the store to drop them.
"""

from __future__ import annotations

import warnings

import numpy as np
import param

from workbench.experiment import Experiment, defaults
from workbench.outputs import Array, Coordinate, Figure, Metric, Outputs, write_coordinate

from .params import (
    AdaptStepsParams,
    BalanceGridParams,
    BatchParams,
    HomeostasisParams,
    NetworkParams,
    SeedsParams,
    TaskLengthParams,
)

__all__ = ["BalanceMapExperiment", "CONDITIONS", "TASKS", "score_memory", "score_mackey_glass"]

#: Conditions of every cell: the global balance alone, or adapted towards targets from it.
CONDITIONS = ["global", "homogeneous", "heterogeneous"]
#: Tasks: memory capacity, NARMA-10 NRMSE, Mackey-Glass 1- and 10-step NRMSE.
TASKS = ["mc", "narma", "mg1", "mg10"]
#: Readouts fit on this leading share of the rows after the washout; scored on the rest.
TRAIN_FRACTION = 0.8
_MG_HORIZONS = (1, 10)


def _readout(x, y):
    """Ridge readouts for all columns of ``y`` from one Gram matrix of ``x`` (train rows),
    penalty per target chosen on the last 20 % of the training rows; predictions on the
    test rows."""
    from workbench.readout import RidgeReadout

    n_train = int(round(TRAIN_FRACTION * x.shape[0]))
    fit = RidgeReadout(alpha_per_target=True, cv=0.2).fit(x[:n_train], y[:n_train])
    return y[n_train:], fit.predict(x[n_train:])


def _nrmse(y, pred):
    return np.sqrt(np.mean((y - pred) ** 2, axis=0) / np.var(y, axis=0))


def score_memory(states, u, k_max, washout):
    """Memory capacity and NARMA-10 NRMSE from one run driven by ``u ~ U(-1, 1)``.

    Parameters
    ----------
    states : ndarray, shape (T, n)
        Row ``t`` = state after ``u[t]``.
    u : ndarray, shape (T, 1)
    k_max, washout : int
        Delays ``1..k_max``; rows before ``max(washout, k_max)`` are discarded.

    Returns
    -------
    (float, float)
        ``MC = sum_k corr^2(u(t-k), y_k(t))`` on the test rows (Jaeger 2002), and the NRMSE of
        NARMA-10 (Atiya & Parlos 2000) whose input is ``v = (u + 1)/4 ~ U[0, 0.5]`` (an
        affine recoding of the reservoir's input, so one run serves both tasks): the readout
        maps the state after ``u(t)`` to ``y(t+1)``.
    """
    from workbench.systems import narma10

    u = u[:, 0]
    _, y_narma = narma10(u.shape[0], u=(u + 1.0) / 4.0)
    start = max(washout, k_max)
    rows = np.arange(start, u.shape[0] - 1)
    targets = np.column_stack([u[rows - k] for k in range(1, k_max + 1)] + [y_narma[rows + 1, 0]])
    y, pred = _readout(states[rows], targets)
    yc, pc = y[:, :-1] - y[:, :-1].mean(0), pred[:, :-1] - pred[:, :-1].mean(0)
    denom = (yc ** 2).sum(0) * (pc ** 2).sum(0)
    mc_k = np.divide((yc * pc).sum(0) ** 2, denom, out=np.zeros(k_max), where=denom > 0)
    return float(mc_k.sum()), float(_nrmse(y[:, -1:], pred[:, -1:])[0])


def score_mackey_glass(states, series, washout):
    """NRMSE of Mackey-Glass 1- and 10-step prediction from the states driven by ``series``.

    ``series`` has ``T + 10`` rows (z-scored); the readout maps the state after ``x(t)`` to
    ``x(t + 1)`` and ``x(t + 10)`` (one Gram matrix for both).
    """
    t = states.shape[0]
    rows = np.arange(washout, t)
    targets = np.column_stack([series[rows + h, 0] for h in _MG_HORIZONS])
    y, pred = _readout(states[rows], targets)
    return tuple(float(v) for v in _nrmse(y, pred))


def _unit_inputs(p, seed):
    """Memory input, adaptation drive and Mackey-Glass series of one realisation."""
    s_mem, s_drive, s_mg = np.random.SeedSequence(seed).spawn(3)
    u = np.random.default_rng(s_mem).uniform(-1, 1, (p["task_steps"], 1))
    drive = np.random.default_rng(s_drive).uniform(-1, 1, (p["adapt_steps"], 1))
    mg = None
    if {"mg1", "mg10"} & set(p["tasks"]):
        from workbench.systems import mackey_glass

        mg_seed = int(np.random.default_rng(s_mg).integers(2**31))
        mg = mackey_glass(p["task_steps"] + max(_MG_HORIZONS), zscore=True, seed=mg_seed)
    return u, drive, mg


def _score_states(p, res, mem_states, u, mg_states, mg, balance, out, index):
    """Scores and operating point of one reservoir into ``out[...][index]``."""
    from .operating_point import measure

    with np.errstate(all="ignore"):
        finite = np.all(np.isfinite(mem_states))
        if finite:
            out["mc"][index], out["narma"][index] = score_memory(mem_states, u, p["k_max"],
                                                                 p["washout"])
        if mg_states is not None and np.all(np.isfinite(mg_states)):
            out["mg1"][index], out["mg10"][index] = score_mackey_glass(mg_states, mg,
                                                                       p["washout"])
    tail = mem_states[p["washout"]:]
    op = measure(res, tail, u[p["washout"]:], balance=balance)
    out["radius"][index] = op.radius
    out["population_rate"][index] = op.population_rate
    out["entropy"][index] = op.entropy
    out["ei_ratio"][index] = op.ei_ratio
    return tail.mean(axis=0)


def run_unit(p: dict, mode: str, split: str, coupling: float, scaling: float, seed: int) -> dict:
    """All betas and conditions of one (mode, split, coupling, sigma_in, seed) unit.

    Returns arrays with leading dims ``(condition, target_rate, balance)`` (tasks, operating
    point, rate error) and ``ei_ratio`` with a trailing neuron dim. NaN marks a score that
    could not be computed (a diverged run).
    """
    from .adaptation import heterogeneous_targets
    from .batch import adapt_batch, run_balances, run_batch, with_balances
    from .network import EIReservoir

    betas = np.asarray(p["balances"], dtype=float)
    rates = np.asarray(p["target_rates"], dtype=float)
    conds = p["conditions"]
    n = p["n_neurons"]
    shape = (len(conds), rates.size, betas.size)
    out = {k: np.full(shape, np.nan) for k in TASKS + ["radius", "population_rate", "entropy",
                                                         "rate_error"]}
    out["ei_ratio"] = np.full(shape + (n,), np.nan, dtype=np.float32)
    u, drive, mg = _unit_inputs(p, seed)
    net_seed, target_seed = np.random.SeedSequence([seed, 1]).spawn(2)
    res = EIReservoir(n, in_degree=p["in_degree"], gain=p["gain"], coupling=coupling,
                      input_fraction=p["input_fraction"], input_scaling=scaling,
                      leak_rate=p["leak_rate"], balance_mode=mode, ei_split=split,
                      seed=np.random.default_rng(net_seed))
    bsz = p["batch_size"]
    if "global" in conds:
        c = conds.index("global")
        for lo in range(0, betas.size, bsz):
            part = betas[lo:lo + bsz]
            mem = run_balances(res, part, u)
            mgs = run_balances(res, part, mg[:-max(_MG_HORIZONS)]) if mg is not None else None
            for i, b in enumerate(part):
                _score_states(p, res, mem[i], u, None if mgs is None else mgs[i], mg, b, out,
                              (c, 0, lo + i))
        for key in out:     # the global condition does not depend on the target rate
            out[key][c, 1:] = out[key][c, :1]
    jobs = [(conds.index(k), j, i) for k in ("homogeneous", "heterogeneous") if k in conds
            for j in range(rates.size) for i in range(betas.size)]
    rng = np.random.default_rng(target_seed)
    for lo in range(0, len(jobs), bsz):
        part = jobs[lo:lo + bsz]
        nets = [with_balances(res, [betas[i]])[0] for _, _, i in part]
        targets = []
        for c, j, _ in part:
            m, kappa = rates[j], p["concentration"]
            targets.append(heterogeneous_targets(n, m * kappa, (1 - m) * kappa, rng)
                           if conds[c] == "heterogeneous" else np.full(n, m))
        adapt_batch(nets, drive, targets, learning_rate=p["learning_rate"])
        for r in nets:
            r.reset()
        mem = run_batch(nets, u)
        mgs = None
        if mg is not None:
            for r in nets:
                r.reset()
            mgs = run_batch(nets, mg[:-max(_MG_HORIZONS)])
        for k, (net, idx, rho) in enumerate(zip(nets, part, targets)):
            rbar = _score_states(p, net, mem[k], u, None if mgs is None else mgs[k], mg, None,
                                 out, idx)
            out["rate_error"][idx] = np.mean(np.abs(rbar - rho))
    return out


#: Arrays of one unit, in the order they are kept in the store.
UNIT_ARRAYS = tuple(TASKS) + ("radius", "population_rate", "entropy", "rate_error", "ei_ratio")
#: Name of the store's dataset entries that hold finished units.
UNIT_DATASET = "balance_map_unit"


def _unit_key(p: dict) -> dict:
    """The parameters a unit's result depends on (``batch_size`` only groups the work)."""
    return {k: v for k, v in p.items() if k != "batch_size"}


def _unit_task(store, p, key):
    """One unit, read from the store when any earlier run (finished or not) computed it.

    Finished units are dataset entries ``datasets/balance_map_unit/<key>`` of the store,
    keyed by the unit's full parameters (:func:`_unit_key` plus ``key``): a run interrupted
    after some units resumes with them, and runs sharing units (the same network, task and
    seed) compute each once. An entry is claimed while it is computed, so two processes
    never write it twice. ``store=None`` computes the unit without keeping it.
    """
    if store is None:
        return run_unit(p, *key)

    def factory(spec, unit):
        out = run_unit({**spec, "batch_size": p["batch_size"]}, *unit)
        return tuple(out[k] for k in UNIT_ARRAYS)

    arrays = store.dataset(UNIT_DATASET, factory, spec=_unit_key(p), unit=list(key))
    return dict(zip(UNIT_ARRAYS, arrays))


_AXES = ("balance_modes", "ei_splits", "couplings", "input_scalings")

#: Leading dims of every per-reservoir array of the map.
MAP_DIMS = ("condition", "target_rate", "balance_mode", "ei_split", "coupling",
            "input_scaling", "balance", "seed")
#: Dims of the per-setting verdict arrays.
REGION_DIMS = ("task", "balance_mode", "ei_split", "coupling", "input_scaling")


def _region(name, meaning):
    return Array(name, REGION_DIMS, meaning)


def _t2_metric(stem, what):
    return (Metric(f"{{task}}_{stem}_max", f"Largest seed-mean T2 ratio against {what} over "
                   "the settings (> 1: adaptation better).", optional=True),
            Metric(f"{{task}}_{stem}_max_lo", f"Lower 95 % bound of {{task}}_{stem}_max.",
                   optional=True),
            Metric(f"{{task}}_{stem}_max_hi", f"Upper 95 % bound of {{task}}_{stem}_max.",
                   optional=True))


OUTPUTS = Outputs(
    metrics=(Metric("{task}_t1_share", "Share of settings where T1 holds (peak at balanced or "
                    "slightly over-inhibited beta); with the global condition.", optional=True),
             Metric("{task}_t2_share", "Share of settings where homogeneous adaptation beats the "
                    "tuned global balance (lower 95 % bound of the ratio > 1); with the global "
                    "and homogeneous conditions.", optional=True),
             *_t2_metric("t2_tuned", "the best tuned global balance"),
             *_t2_metric("t2_untuned", "the untuned beta = 1"),
             Metric("{task}_t3_share", "Share of settings where heterogeneous targets lose less "
                    "from their own best than homogeneous ones; with both adaptive conditions.",
                    optional=True)),
    arrays=(Array("score", ("task",) + MAP_DIMS, "Task score of every reservoir: MC (sum of "
                  "r_k^2), or NRMSE of NARMA-10 / Mackey-Glass; NaN where a run diverged."),
            Array("radius", MAP_DIMS, "Jacobian spectral radius at the time-averaged operating "
                  "point."),
            Array("population_rate", MAP_DIMS, "Mean rate over neurons and task steps."),
            Array("entropy", MAP_DIMS, "Entropy H(r) of the rate distribution.", "bit"),
            Array("rate_error", MAP_DIMS, "Mean |rate - target| after adaptation (NaN for the "
                  "global condition)."),
            Array("ei_ratio", MAP_DIMS + ("neuron",), "Inhibitory / excitatory input of each "
                  "neuron at its operating point."),
            _region("best_balance", "Balance beta of the best seed-mean global score."),
            _region("t1_holds", "1 where T1 holds, 0 where not, NaN without the condition."),
            _region("t2_holds", "1 where T2 holds against the tuned global balance."),
            _region("t3_holds", "1 where T3 holds (heterogeneous more robust)."),
            _region("t2_tuned", "Seed-mean ratio adaptive / tuned global (errors inverted)."),
            _region("t2_tuned_lo", "Lower 95 % bound of t2_tuned."),
            _region("t2_tuned_hi", "Upper 95 % bound of t2_tuned."),
            _region("t2_untuned", "Seed-mean ratio adaptive / global at beta = 1."),
            _region("t2_untuned_lo", "Lower 95 % bound of t2_untuned."),
            _region("t2_untuned_hi", "Upper 95 % bound of t2_untuned.")),
    coords=(Coordinate("task", "Task: mc, narma, mg1, mg10."),
            Coordinate("condition", "Condition: global, homogeneous, heterogeneous."),
            Coordinate("target_rate", "Target rate rho (mean of the heterogeneous targets)."),
            Coordinate("balance_mode", "How beta acts: multiplicative or mean_shift."),
            Coordinate("ei_split", "E/I split of each neuron's inputs: random or fixed."),
            Coordinate("coupling", "Coupling c J."),
            Coordinate("input_scaling", "Input scaling sigma_in."),
            Coordinate("balance", "Global balance beta (inhibition / excitation)."),
            Coordinate("seed", "Network seed of each realisation."),
            Coordinate("neuron", "Neuron index (excitatory first, as built).")),
    figures=(Figure("map_{task}", "Task score over beta x coupling, adaptive gain beside it"),
             Figure("regions", "Where T1, T2 and T3 hold over coupling x input scaling")),
)



@defaults(n_seeds=10)
class BalanceMapExperiment(NetworkParams, BalanceGridParams, HomeostasisParams, AdaptStepsParams,
                           TaskLengthParams, SeedsParams, BatchParams, Experiment):
    """Task scores and operating points over beta x coupling x sigma_in x model choices.

    The coupling axis sets ``J = coupling / gain`` in every cell (``strength`` is not used)
    and the ``input_scalings`` axis replaces ``input_scaling``. Verdicts for claims T1-T3 per
    cell of (balance_mode, ei_split, coupling, input_scaling) and overall, with 95 %
    intervals over seeds, are in the run's metrics (:func:`reservoirs.map_analysis.verdicts`).
    Each finished unit (mode, split, coupling, sigma_in, seed) is kept in the store as a
    dataset entry ``balance_map_unit`` keyed by its parameters and reused by later runs, so
    an interrupted map resumes on the same store; ``reuse_units=False`` keeps nothing.
    """

    kind = "reservoirs.balance_map"
    outputs = OUTPUTS

    couplings = param.List([4.0, 8.0, 16.0, 32.0], item_type=float,
                           doc="Coupling c J (J = coupling / gain).")
    balance_modes = param.List(["multiplicative", "mean_shift"], item_type=str,
                               doc="How beta acts: multiplicative and/or mean_shift.")
    ei_splits = param.List(["random", "fixed"], item_type=str,
                           doc="E/I split of each neuron's inputs: random and/or fixed.")
    # Rate-reservoir conditions (global, homogeneous, heterogeneous); the spiking balance
    # experiment's ``conditions`` are another set (none, homogeneous, heterogeneous iSTDP).
    conditions = param.List(list(CONDITIONS), item_type=str,
                            doc="Conditions: global, homogeneous, heterogeneous.")
    tasks = param.List(list(TASKS), item_type=str, doc="Tasks: mc, narma, mg1, mg10.")
    task_steps = param.Integer(4000, bounds=(100, None), doc="Input length of each task run.")
    workers = param.Integer(1, bounds=(1, None), doc="Dask worker processes (units in parallel).")
    reuse_units = param.Boolean(True, doc="Keep finished units in the store (dataset "
                                          "balance_map_unit) and reuse them (resume).")

    def validate(self):
        super().validate()
        from .network import BALANCE_MODES, EI_SPLITS

        for name, allowed in (("balance_modes", BALANCE_MODES), ("ei_splits", EI_SPLITS),
                              ("conditions", CONDITIONS), ("tasks", TASKS)):
            values = getattr(self, name)
            if not values or len(set(values)) != len(values) or set(values) - set(allowed):
                raise ValueError(f"{name} must be distinct values from {list(allowed)}, "
                                 f"got {values}")
        if not self.couplings or min(self.couplings) <= 0:
            raise ValueError("couplings must be a non-empty list of values > 0")
        need = max(self.washout, self.k_max) + 150     # enough rows to fit and to test
        if self.task_steps < need:
            raise ValueError(f"task_steps must be >= max(washout, k_max) + 150 = {need}, "
                             f"got {self.task_steps}")
        if "fixed" in self.ei_splits and self.topology != "random":
            raise ValueError("ei_splits 'fixed' needs topology 'random'")

    def _spec(self) -> dict:
        keys = ("n_neurons", "in_degree", "gain", "input_fraction", "leak_rate", "k_max",
                "washout", "adapt_steps", "learning_rate", "concentration", "task_steps",
                "balances", "target_rates", "conditions", "tasks", "batch_size")
        return {k: getattr(self, k) for k in keys}

    def execute(self, run, progress):
        import dask

        p = self._spec()
        seeds = self.realisation_seeds()
        keys = [(m, s, float(g), float(sig), seed) for m in self.balance_modes
                for s in self.ei_splits for g in self.couplings for sig in self.input_scalings
                for seed in seeds]
        store = run.store if self.reuse_units else None
        tasks = [dask.delayed(_unit_task)(store, p, k) for k in keys]
        progress(0.02, f"{len(keys)} units on {self.workers} worker(s)")
        if self.workers == 1:
            results = []
            for i, t in enumerate(tasks):
                results.append(t.compute(scheduler="synchronous"))
                progress(0.02 + 0.9 * (i + 1) / len(tasks), f"unit {i + 1}/{len(tasks)}")
        else:
            results = dask.compute(*tasks, scheduler="processes", num_workers=self.workers)
        self._write(run, results, seeds)

    def _write(self, run, results, seeds):
        axes = [list(getattr(self, a)) for a in _AXES]
        lead = tuple(len(a) for a in axes) + (len(seeds),)

        def stack(key):
            arr = np.stack([r[key] for r in results]).reshape(lead + results[0][key].shape)
            # -> condition, target_rate, balance_mode, ei_split, coupling, sigma, balance, seed
            order = (5, 6, 0, 1, 2, 3, 7, 4) + tuple(range(8, arr.ndim))
            return arr.transpose(order)

        score = np.stack([stack(t) for t in self.tasks])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # zarr: fixed-length strings lack a v3 spec
            for name, values in (("task", self.tasks), ("condition", self.conditions),
                                 ("balance_mode", self.balance_modes),
                                 ("ei_split", self.ei_splits)):
                write_coordinate(run, name, np.array(values))
        for name, values in (("target_rate", self.target_rates), ("coupling", self.couplings),
                             ("input_scaling", self.input_scalings),
                             ("balance", self.balances)):
            write_coordinate(run, name, np.asarray(values, dtype=float))
        write_coordinate(run, "seed", np.asarray(seeds, dtype=np.int64))
        write_coordinate(run, "neuron", np.arange(self.n_neurons))
        full = MAP_DIMS
        run.write("score", score, dims=("task",) + full)
        for key in ("radius", "population_rate", "entropy", "rate_error"):
            run.write(key, stack(key), dims=full)
        run.write("ei_ratio", stack("ei_ratio"), dims=full + ("neuron",))
        from .map_analysis import TASK_LABELS, verdicts

        summary, regions = verdicts(score, self.tasks, self.conditions,
                                    np.asarray(self.balances), np.asarray(self.target_rates))
        for key, value in summary.items():
            run.metrics[key] = value
        for key, arr in regions.items():
            run.write(key, arr, dims=REGION_DIMS)
        from .map_figures import heatmap_figure, regions_figure

        axes_coords = dict(zip(_AXES, axes))
        for t, name in enumerate(self.tasks):
            run.save_figure(f"map_{name}", heatmap_figure(
                score[t], stack("radius"), stack("entropy"), self.conditions, axes_coords,
                np.asarray(self.balances), TASK_LABELS[name], name == "mc"))
        run.save_figure("regions", regions_figure(regions, self.tasks, axes_coords))
