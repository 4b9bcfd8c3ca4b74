"""Verdicts of claims T1-T4 on a balance map, with 95 % intervals over seeds.

The claims are those of Srinivasan, Plenz & Girvan 2025 ("Boosting Reservoir Computing with
Brain-inspired Adaptive Dynamics", arXiv 2504.12480): performance peaks balanced or slightly
over-inhibited (T1); local homeostatic adaptation beats the best globally tuned reservoir (T2);
heterogeneous targets are more robust than homogeneous ones (T3); the one-step mean-field
design of each neuron's inhibition is comparable to the iterative adaptation (T4). Each is
decided in every
*setting* (balance_mode, ei_split, coupling, input_scaling) of the map, over the balance axis,
the target-rate axis and the seeds. Every interval is a two-sided 95 % Student-t interval of
the mean of per-seed values (the network realisations are independent).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np

__all__ = ["TASK_LABELS", "higher_is_better", "share_table", "t_interval", "verdict_table", "verdicts"]

#: Axis labels of the tasks.
TASK_LABELS = {"mc": "memory capacity", "narma": "NARMA-10 NRMSE",
               "mg1": "Mackey-Glass 1-step NRMSE", "mg10": "Mackey-Glass 10-step NRMSE",
               "lorenz1": "Lorenz-63 1-step NRMSE"}

#: T1: the best balance must lie in this range (balanced or slightly over-inhibited).
T1_RANGE = (0.95, 1.55)
#: T1: "excitation-dominated" means beta <= this.
EXCITATORY_BELOW = 0.8
#: T1: the excitation-dominated best must be worse by at least this relative margin.
T1_MARGIN = 0.10


def higher_is_better(task: str) -> bool:
    """Memory capacity is maximised; the prediction errors are minimised."""
    return task == "mc"


def t_interval(values, axis=-1):
    """Mean and two-sided 95 % Student-t interval of the mean along ``axis``.

    Returns
    -------
    (mean, low, high) : ndarrays
        NaN bounds with fewer than two finite values.
    """
    from scipy import stats

    x = np.asarray(values, dtype=float)
    n = np.sum(np.isfinite(x), axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)       # fewer than two seeds
        mean = np.nanmean(x, axis=axis)
        sem = np.nanstd(x, axis=axis, ddof=1) / np.sqrt(n)
        half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sem
    half = np.where(n >= 2, half, np.nan)
    return mean, mean - half, mean + half


def _take(arr, index):
    """``arr[..., index, :]`` with a per-setting ``index`` into the second-to-last axis."""
    return np.take_along_axis(arr, index[..., None, None], axis=-2)[..., 0, :]


def _nanarg(values, better, axis):
    """Index of the best value (NaN skipped); 0 where all are NaN."""
    filled = np.where(np.isfinite(values), values, -np.inf if better else np.inf)
    return np.argmax(filled, axis=axis) if better else np.argmin(filled, axis=axis)


def _best_rate(x, b, better):
    """Per-seed scores at balance index ``b`` and the target rate of the best seed mean.

    ``x`` has shape (target_rate, mode, split, coupling, sigma, balance, seed); the result
    (mode, split, coupling, sigma, seed).
    """
    x = x[..., b, :]
    rho = _nanarg(np.nanmean(x, axis=-1), better, axis=0)
    return np.take_along_axis(x, rho[None, ..., None], axis=0)[0]


def verdicts(score, tasks, conditions, balances, target_rates):
    """T1-T4 per setting and summarised.

    Parameters
    ----------
    score : ndarray, shape (task, condition, target_rate, mode, split, coupling, sigma,
            balance, seed)
    tasks, conditions : list of str
    balances, target_rates : ndarray

    Returns
    -------
    summary : dict of float
        Per task ``t``: ``{t}_t1_share`` (share of settings where T1 holds),
        ``{t}_t2_share`` (share where adaptation beats the tuned global balance: the lower
        95 % bound of the ratio > 1), ``{t}_t2_tuned_max`` with ``_lo``/``_hi`` (the setting
        with the largest mean ratio, "up to"), ``{t}_t2_untuned_max`` likewise against
        ``beta = 1``, ``{t}_t3_share``; with the one_step condition ``{t}_t4_share`` and
        ``{t}_t4_min`` with ``_lo``/``_hi`` (the setting with the smallest mean T4 ratio).
    regions : dict of ndarray, shape (task, mode, split, coupling, sigma)
        ``best_balance``; ``t1_holds``, ``t2_holds``, ``t3_holds``, ``t4_holds`` (1/0, NaN
        where a condition is missing); ``t2_tuned``/``t2_untuned`` and ``t4_ratio`` ratios with
        ``_lo``/``_hi``.

    Notes
    -----
    * T1 holds where the seed-mean score peaks at ``beta`` in [0.95, 1.55] and the best
      excitation-dominated balance (``beta <= 0.8``) is worse by >= 10 % with the 95 %
      interval of the per-seed relative deficit above 0.
    * T2 compares homogeneous adaptation started from the untuned ``beta = 1`` (the grid value
      nearest to 1), with its target rate tuned on the seed mean, against the global balance
      tuned on the seed mean and against ``beta = 1``. Per seed the ratio is
      ``MC_adaptive / MC_global`` for memory capacity and ``NRMSE_global / NRMSE_adaptive`` for
      the prediction tasks (> 1: adaptation better; an error ratio, since an error reduction
      cannot exceed 100 %). T2 holds where the lower 95 % bound of the ratio to the *tuned*
      baseline exceeds 1. Both arms are tuned on the same test scores, over one axis each.
    * T3 holds where, per seed, the mean relative loss of the heterogeneous condition from its
      own best over the (target_rate x balance) grid is smaller than that of the homogeneous
      condition, with the 95 % interval of the difference below 0.
    * T4 compares the one-step design with homogeneous adaptation, both started from the
      untuned ``beta = 1`` (the grid value nearest to 1) and each at its own best target rate
      ``rho*`` (tuned on the seed mean, as the adaptive arm of T2). Per seed ``s`` the ratio is

      .. math:: q_s = \\frac{MC^{one}_s(\\rho^*_{one})}{MC^{hom}_s(\\rho^*_{hom})}
                \\quad\\text{or}\\quad
                q_s = \\frac{NRMSE^{hom}_s(\\rho^*_{hom})}{NRMSE^{one}_s(\\rho^*_{one})}

      (> 1: the one-step design better). With ``[q_lo, q_hi]`` the 95 % t-interval of the
      mean of ``q_s``, T4 holds where ``q_hi >= 1``: the interval contains 1 or lies above it,
      i.e. the one-step design is not worse than the iterative rule beyond the noise of the
      seeds ("comparable"; research note §3.4). Where the interval is undefined (fewer than
      two finite seeds) T4 does not hold, as T2 there.
    """
    score = np.asarray(score, dtype=float)
    shape = score.shape[3:7]
    b1 = int(np.argmin(np.abs(balances - 1.0)))
    exc = balances <= EXCITATORY_BELOW + 1e-12
    nan = np.full((len(tasks),) + shape, np.nan)
    regions = {k: nan.copy() for k in ("best_balance", "t1_holds", "t2_holds", "t3_holds",
                                       "t2_tuned", "t2_tuned_lo", "t2_tuned_hi", "t2_untuned",
                                       "t2_untuned_lo", "t2_untuned_hi", "t4_holds", "t4_ratio",
                                       "t4_ratio_lo", "t4_ratio_hi")}
    summary = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for t, task in enumerate(tasks):
            better = higher_is_better(task)
            sign = 1.0 if better else -1.0
            if "global" in conditions:
                g = score[t, conditions.index("global"), 0]          # mode..sigma, beta, seed
                gm = np.nanmean(g, axis=-1)
                best = _nanarg(gm, better, axis=-1)
                regions["best_balance"][t] = balances[best]
                g_best = _take(g, best)
                if exc.any():
                    e_best = _nanarg(gm[..., exc], better, axis=-1)
                    e_score = _take(g[..., exc, :], e_best)
                    deficit = sign * (g_best - e_score) / np.abs(g_best)
                    d_mean, d_lo, _ = t_interval(deficit)
                    b = balances[best]
                    ok = (b >= T1_RANGE[0]) & (b <= T1_RANGE[1]) & (d_mean >= T1_MARGIN) & \
                        (d_lo > 0)
                    regions["t1_holds"][t] = ok
                summary[f"{task}_t1_share"] = float(np.nanmean(regions["t1_holds"][t]))
                if "homogeneous" in conditions:
                    a = _best_rate(score[t, conditions.index("homogeneous")], b1, better)
                    for name, base in (("t2_tuned", g_best), ("t2_untuned", g[..., b1, :])):
                        ratio = a / base if better else base / a
                        m, lo, hi = t_interval(ratio)
                        regions[name][t], regions[name + "_lo"][t] = m, lo
                        regions[name + "_hi"][t] = hi
                        k = np.unravel_index(np.nanargmax(np.where(np.isfinite(m), m, -np.inf)),
                                             m.shape)
                        summary[f"{task}_{name}_max"] = float(m[k])
                        summary[f"{task}_{name}_max_lo"] = float(lo[k])
                        summary[f"{task}_{name}_max_hi"] = float(hi[k])
                    regions["t2_holds"][t] = regions["t2_tuned_lo"][t] > 1
                    summary[f"{task}_t2_share"] = float(np.mean(regions["t2_holds"][t]))
            if "homogeneous" in conditions and "heterogeneous" in conditions:
                losses = []
                for c in ("homogeneous", "heterogeneous"):
                    x = score[t, conditions.index(c)]            # rho, ..., beta, seed
                    x = np.moveaxis(x, 0, -3)                     # ..., rho, beta, seed
                    flat = x.reshape(x.shape[:-3] + (-1, x.shape[-1]))
                    own = np.nanmax(flat, axis=-2) if better else np.nanmin(flat, axis=-2)
                    loss = sign * (own[..., None, :] - flat) / np.abs(own[..., None, :])
                    losses.append(np.nanmean(loss, axis=-2))
                m, _, hi = t_interval(losses[1] - losses[0])
                regions["t3_holds"][t] = hi < 0
                summary[f"{task}_t3_share"] = float(np.mean(regions["t3_holds"][t]))
            if "homogeneous" in conditions and "one_step" in conditions:
                one, hom = (_best_rate(score[t, conditions.index(c)], b1, better)
                            for c in ("one_step", "homogeneous"))
                m, lo, hi = t_interval(one / hom if better else hom / one)
                regions["t4_ratio"][t], regions["t4_ratio_lo"][t] = m, lo
                regions["t4_ratio_hi"][t] = hi
                regions["t4_holds"][t] = hi >= 1
                summary[f"{task}_t4_share"] = float(np.mean(regions["t4_holds"][t]))
                k = np.unravel_index(np.nanargmin(np.where(np.isfinite(m), m, np.inf)), m.shape)
                summary[f"{task}_t4_min"] = float(m[k])
                summary[f"{task}_t4_min_lo"] = float(lo[k])
                summary[f"{task}_t4_min_hi"] = float(hi[k])
    return summary, regions


def _ci(reader, name, t, idx) -> str:
    """``mean [lo, hi]`` of a ratio; bold where its claim holds (T2: ``lo > 1``, T4: ``hi >= 1``)."""
    m, lo, hi = (float(reader[k][(t,) + idx]) for k in (name, name + "_lo", name + "_hi"))
    text = f"{m:.2f} [{lo:.2f}, {hi:.2f}]"
    holds = (name == "t2_tuned" and lo > 1) or (name == "t4_ratio" and hi >= 1)
    return f"**{text}**" if holds else text


def _has_t4(reader) -> bool:
    """Whether a map run has the one_step condition and its T4 verdicts (older runs have neither)."""
    return "one_step" in [str(c) for c in reader["condition"]] and "t4_holds" in reader


def _task_labels(reader) -> dict[str, str]:
    """Short column label of each task of a map run, in the run's order (``MC``, ``NARMA-10``, ...)."""
    return {t: t.upper() if t == "mc" else TASK_LABELS.get(t, t).split(" NRMSE")[0]
            for t in (str(t) for t in reader["task"])}


def _settings(reader, axes):
    """``(index, "value, value, ...")`` of every combination of the coordinate ``axes``, in order."""
    names = [[f"{v:g}" if isinstance(v, (float, np.floating)) else str(v) for v in reader[a]] for a in axes]
    for idx in itertools.product(*(range(len(n)) for n in names)):
        yield idx, ", ".join(n[i] for n, i in zip(names, idx))


def _markdown(head: list[str], rows: list[list[str]]) -> str:
    return "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
                     + ["| " + " | ".join(cells) + " |" for cells in rows])


def verdict_table(reader) -> str:
    """The verdicts of a ``reservoirs.balance_map`` run, one Markdown row per setting.

    Columns per task: the best global ``beta`` (bold where T1 holds), the ratio of homogeneous
    adaptation to the tuned global ``beta`` and to ``beta = 1`` with its 95 % interval (bold
    where T2 holds: lower bound above 1; MC as MC_adaptive / MC_global, prediction tasks as
    NRMSE_global / NRMSE_adaptive), then T3 per task, with the one_step condition the T4
    ratio of the one-step design to homogeneous adaptation per task (bold where T4 holds:
    upper bound at or above 1; MC as MC_one-step / MC_adaptive, prediction tasks as
    NRMSE_adaptive / NRMSE_one-step), and the Jacobian radius of the global network at
    ``beta = 1`` and ``beta = 2`` (seed means, the nearest grid values).

    Parameters
    ----------
    reader : workbench.store.RunReader
        A complete ``reservoirs.balance_map`` run (with the homogeneous condition).
    """
    label = _task_labels(reader)
    tasks = list(label)
    balances = np.asarray(reader["balance"], dtype=float)
    conds = [str(c) for c in reader["condition"]]
    radius = np.nanmean(np.asarray(reader["radius"], dtype=float)[conds.index("global"), 0], axis=-1)
    b1, b2 = (int(np.argmin(np.abs(balances - b))) for b in (1.0, 2.0))
    head = ["mode, split, c·J, σ_in"]
    for name in tasks:
        ratio = "adaptive / tuned β" if higher_is_better(name) else "error tuned β / adaptive"
        head += [f"{label[name]}: best β", f"{label[name]}: {ratio}", f"{label[name]}: vs β = 1"]
    t4 = _has_t4(reader)
    head.append("T3 (" + " / ".join(label.values()) + ")")
    if t4:
        head += [f"{label[name]}: one-step / iterative" if higher_is_better(name) else
                 f"{label[name]}: error iterative / one-step" for name in tasks]
    head.append(f"radius β = {balances[b1]:g} → {balances[b2]:g}")
    best = np.asarray(reader["best_balance"], dtype=float)
    t1, t3 = (np.asarray(reader[k], dtype=float) for k in ("t1_holds", "t3_holds"))
    rows = []
    for idx, setting in _settings(reader, ("balance_mode", "ei_split", "coupling", "input_scaling")):
        cells = [setting]
        for t in range(len(tasks)):
            b = f"{best[(t,) + idx]:g}"
            cells += [f"**{b}**" if t1[(t,) + idx] == 1 else b, _ci(reader, "t2_tuned", t, idx),
                      _ci(reader, "t2_untuned", t, idx)]
        cells.append(" / ".join("✓" if t3[(t,) + idx] == 1 else "–" for t in range(len(tasks))))
        if t4:
            cells += [_ci(reader, "t4_ratio", t, idx) for t in range(len(tasks))]
        cells.append(f"{radius[idx + (b1,)]:.2f} → {radius[idx + (b2,)]:.2f}")
        rows.append(cells)
    return _markdown(head, rows)


def share_table(reader) -> str:
    """Where T1-T4 hold on a ``reservoirs.balance_map`` run, summed over the input scalings.

    One Markdown row per (balance_mode, ei_split, coupling): per task the number of input
    scalings where T1, T2 and T3 hold (and T4, on runs with the one_step condition) of all,
    and the largest T2 ratio to the tuned global ``beta`` there, with its 95 % interval.
    """
    label = _task_labels(reader)
    n_sigma = len(reader["input_scaling"])
    claims = ("t1_holds", "t2_holds", "t3_holds") + (("t4_holds",) if _has_t4(reader) else ())
    names = " / ".join(c[:2].upper() for c in claims)
    head = ["mode, split, c·J"] + [f"{lab}: {names} of {n_sigma} σ_in" for lab in label.values()] + \
        [f"{lab}: largest T2 ratio" for lab in label.values()]
    held = [np.asarray(reader[k], dtype=float) for k in claims]
    ratio, lo, hi = (np.asarray(reader[k], dtype=float) for k in ("t2_tuned", "t2_tuned_lo", "t2_tuned_hi"))
    rows = []
    for idx, setting in _settings(reader, ("balance_mode", "ei_split", "coupling")):
        cells = [setting]
        for t in range(len(label)):
            cells.append(" / ".join(str(int(np.nansum(h[(t,) + idx] == 1))) for h in held))
        for t in range(len(label)):
            m = ratio[(t,) + idx]
            best = int(np.nanargmax(np.where(np.isfinite(m), m, -np.inf)))
            cells.append(f"{m[best]:.2f} [{lo[(t,) + idx][best]:.2f}, {hi[(t,) + idx][best]:.2f}]")
        rows.append(cells)
    return _markdown(head, rows)


if __name__ == "__main__":  # python -m reservoirs.map_analysis STORE RUN_ID
    import sys

    from workbench.store import Store

    run = Store(sys.argv[1]).open(sys.argv[2])
    print(share_table(run), verdict_table(run), sep="\n\n")
