"""The E/I balance as a map: global beta vs homeostatic inhibition across parameter space.

Srinivasan, Plenz & Girvan 2025 ("Boosting Reservoir Computing with Brain-inspired Adaptive
Dynamics", arXiv 2504.12480) claim that reservoirs perform best balanced or slightly
over-inhibited (T1), that local homeostatic adaptation of inhibition beats the best globally
tuned reservoir (T2), that heterogeneous targets are more robust (T3) and that a one-step
mean-field design of each neuron's inhibition is comparable to the iterative adaptation (T4).
Whether these hold depends on where in parameter space one stands, so
``reservoirs.balance_map`` scores every cell of

    balance beta x coupling c J x input scaling sigma_in x balance_mode x ei_split x seed

under four conditions: the global balance alone; homogeneous targets ``rho`` (a grid)
reached by the adaptation rule from that beta; heterogeneous Beta targets with mean ``rho``;
the one-step design for the homogeneous target ``rho`` applied to the network at that beta,

    A^I_ij <- Omega_i A^I_ij,
    Omega_i = (sum_j A^E_ij rho + W^in_i <u> - theta_i - Sig^{-1}(rho)) / sum_j A^I_ij rho

(:meth:`reservoirs.network.EIReservoir.balance_one_step`, research note §3.4; ``<u>`` is the
mean of the adaptation drive). Every reservoir is scored on memory capacity and NARMA-10 from
one run (one Gram matrix for all delays and both targets), on Mackey-Glass 1- and 10-step
prediction from a second run and, when asked, on Lorenz-63 one-step prediction from a third;
its operating point (Jacobian radius, population rate, rate entropy, per-neuron E/I input
ratio, :mod:`reservoirs.operating_point`) is recorded from the first run. Adapted networks
are adapted once (``adapt_steps`` of ``U(-1, 1)`` drive, the memory task's statistics, then
frozen) and score every task, the prediction tasks included [A]; one-step networks are
designed once for the same drive's mean.

Work is split into units, one per (balance_mode, ei_split, coupling, sigma_in, seed): the
global betas of a unit run as one shared-matrix batch (:func:`reservoirs.batch.run_balances`),
its adapted and one-step copies as stacked batches. Units run in parallel with Dask
(``workers``). Each
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

__all__ = ["BalanceMapExperiment", "CONDITIONS", "DEFAULT_TASKS", "TASKS", "score_lorenz",
           "score_mackey_glass", "score_memory", "score_prediction"]

#: Conditions of every cell: the global balance alone, adapted towards targets from it, or
#: designed for a homogeneous target in one step from it.
CONDITIONS = ["global", "homogeneous", "heterogeneous", "one_step"]
#: Adaptive conditions reached by the iterative rule (:func:`reservoirs.batch.adapt_batch`).
_ITERATIVE = ("homogeneous", "heterogeneous")
#: Tasks: memory capacity, NARMA-10 NRMSE, Mackey-Glass 1- and 10-step NRMSE, Lorenz-63
#: one-step NRMSE.
TASKS = ["mc", "narma", "mg1", "mg10", "lorenz1"]
#: Tasks of a map by default: ``lorenz1`` costs a third run of every reservoir (about 40 %
#: more time per unit at N = 300, 4000 steps), so it is asked for explicitly.
DEFAULT_TASKS = ["mc", "narma", "mg1", "mg10"]
#: Readouts fit on this leading share of the rows after the washout; scored on the rest.
TRAIN_FRACTION = 0.8
_MG_HORIZONS = (1, 10)
#: Sampling interval of the Lorenz-63 input (that of :func:`workbench.systems.lorenz63` and
#: the AL-RNN reference data).
LORENZ_DT = 0.01
#: Prediction inputs: name -> (tasks scored from its run, horizons in steps).
_PREDICTIONS = {"mg": (("mg1", "mg10"), _MG_HORIZONS), "lorenz": (("lorenz1",), (1,))}


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


def score_prediction(states, series, washout, horizons):
    """NRMSE of ``h``-step prediction of ``series`` for every ``h`` in ``horizons``.

    Parameters
    ----------
    states : ndarray, shape (T, n)
        Row ``t`` = state after the input ``series[t]``.
    series : ndarray, shape (T + max(horizons), >= 1)
        The driving series (z-scored); column 0 is predicted.
    washout : int
        Rows before it are discarded.
    horizons : sequence of int
        Steps ahead, >= 1.

    Returns
    -------
    tuple of float
        ``NRMSE_h = sqrt(<(x(t+h) - y_h(t))^2> / Var x(t+h))`` on the test rows, where the
        ridge readouts ``y_h(t) = W_h r(t) + b_h`` map the state after ``x(t)`` to ``x(t+h)``,
        all fitted from one Gram matrix of the training rows.
    """
    t = states.shape[0]
    rows = np.arange(washout, t)
    targets = np.column_stack([series[rows + h, 0] for h in horizons])
    y, pred = _readout(states[rows], targets)
    return tuple(float(v) for v in _nrmse(y, pred))


def score_mackey_glass(states, series, washout):
    """NRMSE of Mackey-Glass 1- and 10-step prediction from the states driven by ``series``.

    ``series`` has ``T + 10`` rows (z-scored); the readout maps the state after ``x(t)`` to
    ``x(t + 1)`` and ``x(t + 10)`` (one Gram matrix for both, :func:`score_prediction`).
    """
    return score_prediction(states, series, washout, _MG_HORIZONS)


def score_lorenz(states, series, washout):
    """NRMSE of Lorenz-63 one-step prediction of ``x`` from the states driven by ``x``.

    Parameters
    ----------
    states : ndarray, shape (T, n)
        Row ``t`` = state after ``x(t)``.
    series : ndarray, shape (T + 1, 1)
        The z-scored ``x`` component of a Lorenz-63 trajectory sampled at ``dt = 0.01``
        (:func:`workbench.systems.lorenz63`; ``dx/dt = sigma (y - x)``, ``dy/dt = x (rho - z)
        - y``, ``dz/dt = x y - beta z`` with 10, 28, 8/3).
    washout : int

    Returns
    -------
    float
        ``NRMSE = sqrt(<(x(t+1) - y(t))^2> / Var x(t+1))`` of the readout ``y(t) = W r(t) + b``
        (:func:`score_prediction`). The reservoir sees ``x`` only (one input), so it must
        recover the hidden ``y, z`` from the history of ``x``. At ``dt = 0.01`` the persistence
        forecast ``y(t) = x(t)`` already scores about 0.05 and an N = 300 map reservoir about
        1e-5: the task is close to linear extrapolation and separates reservoirs little.
    """
    return score_prediction(states, series, washout, (1,))[0]


def _unit_inputs(p, seed):
    """Memory input, adaptation drive and prediction series of one realisation.

    The prediction series are ``{"mg": ..., "lorenz": ...}`` (only those a task of ``p``
    needs), each ``T + max(horizons)`` rows, one column, z-scored.
    """
    s_mem, s_drive, s_mg, s_lorenz = np.random.SeedSequence(seed).spawn(4)
    u = np.random.default_rng(s_mem).uniform(-1, 1, (p["task_steps"], 1))
    drive = np.random.default_rng(s_drive).uniform(-1, 1, (p["adapt_steps"], 1))
    series = {}
    if set(_PREDICTIONS["mg"][0]) & set(p["tasks"]):
        from workbench.systems import mackey_glass

        mg_seed = int(np.random.default_rng(s_mg).integers(2**31))
        series["mg"] = mackey_glass(p["task_steps"] + max(_MG_HORIZONS), zscore=True,
                                    seed=mg_seed)
    if set(_PREDICTIONS["lorenz"][0]) & set(p["tasks"]):
        from workbench.systems import lorenz63

        l_seed = int(np.random.default_rng(s_lorenz).integers(2**31))
        series["lorenz"] = lorenz63(p["task_steps"] + 1, dt=LORENZ_DT, zscore=True,
                                    seed=l_seed)[:, :1]
    return u, drive, series


def _inputs_of(series, name):
    """The part of a prediction series that drives the reservoir (its horizon tail cut)."""
    return series[:-max(_PREDICTIONS[name][1])]


def _score_states(p, res, mem_states, u, predicted, balance, out, index):
    """Scores and operating point of one reservoir into ``out[...][index]``.

    ``predicted`` maps a prediction input's name to ``(states, series)``.
    """
    from .operating_point import measure

    with np.errstate(all="ignore"):
        finite = np.all(np.isfinite(mem_states))
        if finite:
            out["mc"][index], out["narma"][index] = score_memory(mem_states, u, p["k_max"],
                                                                 p["washout"])
        for name, (states, series) in predicted.items():
            if np.all(np.isfinite(states)):
                tasks, horizons = _PREDICTIONS[name]
                scores = score_prediction(states, series, p["washout"], horizons)
                for task, value in zip(tasks, scores):
                    out[task][index] = value
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
    could not be computed (a diverged run) or a task not asked for.

    Notes
    -----
    Per (target rate ``rho``, balance ``beta``): ``homogeneous`` and ``heterogeneous``
    networks are the copy at ``beta`` adapted by :func:`reservoirs.batch.adapt_batch`
    (``A^I_ij += delta (r_i - rho_i)``) towards ``rho_i = rho`` or ``rho_i ~ Beta(rho kappa,
    (1 - rho) kappa)``; ``one_step`` networks are the copy at ``beta`` with every neuron's
    inhibition scaled once by ``Omega_i`` for ``rho_i = rho`` and ``<u>`` the mean of the
    adaptation drive (:meth:`reservoirs.network.EIReservoir.balance_one_step`); with a
    multiplicative beta that network does not depend on beta (``Omega_i beta A^I_ij =
    A^I_ij (sum_j A^E_ij rho + ...) / sum_j A^I_ij rho``), so it is run once per ``rho`` and
    its scores are copied to every beta. All of them run in batches of ``batch_size``
    copies of the unit's network (one :class:`reservoirs.dynamics.PatternSystem` each, the
    adaptation rule inside the compiled loop) and record ``rate_error = mean_i |rbar_i -
    rho_i|``, ``rbar_i`` the mean rate over the memory run after the washout.
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
    u, drive, series = _unit_inputs(p, seed)
    net_seed, target_seed = np.random.SeedSequence([seed, 1]).spawn(2)
    res = EIReservoir(n, in_degree=p["in_degree"], gain=p["gain"], coupling=coupling,
                      input_fraction=p["input_fraction"], input_scaling=scaling,
                      leak_rate=p["leak_rate"], balance_mode=mode, ei_split=split,
                      seed=np.random.default_rng(net_seed))
    bsz = p["batch_size"]
    if "global" in conds:
        c = conds.index("global")
        for lo in range(0, betas.size, bsz):
            chunk = betas[lo:lo + bsz]
            mem = run_balances(res, chunk, u)
            runs = {name: run_balances(res, chunk, _inputs_of(x, name))
                    for name, x in series.items()}
            for i, b in enumerate(chunk):
                predicted = {name: (runs[name][i], x) for name, x in series.items()}
                _score_states(p, res, mem[i], u, predicted, b, out, (c, 0, lo + i))
        for key in out:     # the global condition does not depend on the target rate
            out[key][c, 1:] = out[key][c, :1]
    # iterative conditions first, so their batches are those of a map without one_step; in
    # multiplicative mode the one-step network is the same at every beta (Omega_i beta A^I
    # does not depend on beta), so it is computed at the first beta and copied
    one_step_betas = 1 if mode == "multiplicative" else betas.size
    jobs = [(conds.index(k), j, i) for k in _ITERATIVE + ("one_step",) if k in conds
            for j in range(rates.size)
            for i in range(one_step_betas if k == "one_step" else betas.size)]
    rng = np.random.default_rng(target_seed)
    for lo in range(0, len(jobs), bsz):
        part = jobs[lo:lo + bsz]
        nets = [with_balances(res, [betas[i]])[0] for _, _, i in part]
        targets = []
        for c, j, _ in part:
            m, kappa = rates[j], p["concentration"]
            targets.append(heterogeneous_targets(n, m * kappa, (1 - m) * kappa, rng)
                           if conds[c] == "heterogeneous" else np.full(n, m))
        iterative = [k for k, (c, _, _) in enumerate(part) if conds[c] in _ITERATIVE]
        if iterative:
            adapt_batch([nets[k] for k in iterative], drive, [targets[k] for k in iterative],
                        learning_rate=p["learning_rate"])
        for k, (c, _, _) in enumerate(part):
            if conds[c] == "one_step":
                nets[k].balance_one_step(targets[k], u_mean=drive.mean(axis=0))
        for r in nets:
            r.reset()
        mem = run_batch(nets, u)
        runs = {}
        for name, x in series.items():
            for r in nets:
                r.reset()
            runs[name] = run_batch(nets, _inputs_of(x, name))
        for k, (net, idx, rho) in enumerate(zip(nets, part, targets)):
            predicted = {name: (runs[name][k], x) for name, x in series.items()}
            rbar = _score_states(p, net, mem[k], u, predicted, None, out, idx)
            out["rate_error"][idx] = np.mean(np.abs(rbar - rho))
    if "one_step" in conds and one_step_betas == 1:
        c = conds.index("one_step")
        for key in out:
            out[key][c, :, 1:] = out[key][c, :, :1]
    return out


#: Arrays of one unit, in the order they are kept in the store (``data_0``, ``data_1``, ...).
#: Arrays added later go at the end, so entries written before them still read back.
UNIT_ARRAYS = ("mc", "narma", "mg1", "mg10", "radius", "population_rate", "entropy",
               "rate_error", "ei_ratio", "lorenz1")
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
                    optional=True),
             Metric("{task}_t4_share", "Share of settings where the one-step design is not worse "
                    "than homogeneous adaptation beyond noise (upper 95 % bound of the ratio "
                    ">= 1); with the homogeneous and one_step conditions.", optional=True),
             Metric("{task}_t4_min", "Smallest seed-mean T4 ratio one-step / iterative over the "
                    "settings (< 1: the one-step design worse).", optional=True),
             Metric("{task}_t4_min_lo", "Lower 95 % bound of {task}_t4_min.", optional=True),
             Metric("{task}_t4_min_hi", "Upper 95 % bound of {task}_t4_min.", optional=True)),
    arrays=(Array("score", ("task",) + MAP_DIMS, "Task score of every reservoir: MC (sum of "
                  "r_k^2), or NRMSE of NARMA-10 / Mackey-Glass / Lorenz-63; NaN where a run "
                  "diverged."),
            Array("radius", MAP_DIMS, "Jacobian spectral radius at the time-averaged operating "
                  "point."),
            Array("population_rate", MAP_DIMS, "Mean rate over neurons and task steps."),
            Array("entropy", MAP_DIMS, "Entropy H(r) of the rate distribution.", "bit"),
            Array("rate_error", MAP_DIMS, "Mean |rate - target| after adaptation or the one-step "
                  "design (NaN for the global condition)."),
            Array("ei_ratio", MAP_DIMS + ("neuron",), "Inhibitory / excitatory input of each "
                  "neuron at its operating point."),
            _region("best_balance", "Balance beta of the best seed-mean global score."),
            _region("t1_holds", "1 where T1 holds, 0 where not, NaN without the condition."),
            _region("t2_holds", "1 where T2 holds against the tuned global balance."),
            _region("t3_holds", "1 where T3 holds (heterogeneous more robust)."),
            _region("t4_holds", "1 where T4 holds (one-step design not worse than homogeneous "
                    "adaptation beyond noise), 0 where not, NaN without the conditions."),
            _region("t4_ratio", "Seed-mean ratio one-step / homogeneous adaptation, each from "
                    "beta = 1 at its best target rate (errors inverted)."),
            _region("t4_ratio_lo", "Lower 95 % bound of t4_ratio."),
            _region("t4_ratio_hi", "Upper 95 % bound of t4_ratio."),
            _region("t2_tuned", "Seed-mean ratio adaptive / tuned global (errors inverted)."),
            _region("t2_tuned_lo", "Lower 95 % bound of t2_tuned."),
            _region("t2_tuned_hi", "Upper 95 % bound of t2_tuned."),
            _region("t2_untuned", "Seed-mean ratio adaptive / global at beta = 1."),
            _region("t2_untuned_lo", "Lower 95 % bound of t2_untuned."),
            _region("t2_untuned_hi", "Upper 95 % bound of t2_untuned.")),
    coords=(Coordinate("task", "Task: mc, narma, mg1, mg10, lorenz1."),
            Coordinate("condition", "Condition: global, homogeneous, heterogeneous, one_step."),
            Coordinate("target_rate", "Target rate rho (mean of the heterogeneous targets; the "
                       "one-step design's target)."),
            Coordinate("balance_mode", "How beta acts: multiplicative or mean_shift."),
            Coordinate("ei_split", "E/I split of each neuron's inputs: random or fixed."),
            Coordinate("coupling", "Coupling c J."),
            Coordinate("input_scaling", "Input scaling sigma_in."),
            Coordinate("balance", "Global balance beta (inhibition / excitation)."),
            Coordinate("seed", "Network seed of each realisation."),
            Coordinate("neuron", "Neuron index (excitatory first, as built).")),
    figures=(Figure("map_{task}", "Task score over beta x coupling, adaptive gain beside it"),
             Figure("regions", "Where T1-T4 hold over coupling x input scaling")),
)



@defaults(n_seeds=10)
class BalanceMapExperiment(NetworkParams, BalanceGridParams, HomeostasisParams, AdaptStepsParams,
                           TaskLengthParams, SeedsParams, BatchParams, Experiment):
    """Task scores and operating points over beta x coupling x sigma_in x model choices.

    The coupling axis sets ``J = coupling / gain`` in every cell (``strength`` is not used)
    and the ``input_scalings`` axis replaces ``input_scaling``. Verdicts for claims T1-T4 per
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
    # Rate-reservoir conditions (global, homogeneous, heterogeneous, one_step); the spiking
    # balance experiment's ``conditions`` are another set (none, homogeneous, heterogeneous
    # iSTDP).
    conditions = param.List(list(CONDITIONS), item_type=str,
                            doc="Conditions: global, homogeneous, heterogeneous, one_step.")
    tasks = param.List(list(DEFAULT_TASKS), item_type=str,
                       doc="Tasks: mc, narma, mg1, mg10, lorenz1 (Lorenz-63 one-step; a third "
                           "run of every reservoir, so not by default).")
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
            from workbench.native import retain_freed_memory

            # worker processes live for this map only: let them keep freed heap memory
            results = dask.compute(*tasks, scheduler="processes", num_workers=self.workers,
                                   initializer=retain_freed_memory)
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
