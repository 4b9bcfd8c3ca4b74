"""Per (model, dataset) aggregation of benchmark runs: mean ± SEM and median over seeds.

A score is read against the dataset's data floor (training vs test series, same metrics):
``frac_2x_floor`` is the share of scored seeds whose D_stsp is at most twice the floor and
``frac_2x_floor_dh`` the same for D_H. Failed runs (training diverged, errors) are counted,
never scored; points not run yet (status ``missing``) are counted apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ROW_FIELDS", "SCORES", "aggregate", "counted_run", "counted_runs", "dataset_name", "mean_sem",
           "run_row", "stored_runs"]

#: Scores aggregated over seeds, lower is better.
SCORES = ("d_stsp", "d_h", "pe")


def mean_sem(values) -> tuple[float, float, float]:
    """Mean, standard error of the mean (ddof = 1; NaN for one value) and median of the
    finite values; NaN when none is finite."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan"), float("nan"), float("nan")
    sem = float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else float("nan")
    return float(v.mean()), sem, float(np.median(v))


def _col(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].to_numpy(dtype=float) if name in frame else np.full(len(frame), np.nan)


def aggregate(runs: pd.DataFrame) -> pd.DataFrame:
    """Leaderboard rows from the per-run table of :func:`workbench.benchmark.runner.benchmark`.

    Parameters
    ----------
    runs : pandas.DataFrame
        Columns ``model``, ``dataset``, ``seed``, ``status`` and the run metrics.

    Returns
    -------
    pandas.DataFrame
        One row per (model, dataset), sorted by dataset then mean D_stsp: ``seeds`` (complete),
        ``failed``, ``missing`` (not run yet: a report made with ``run=False``),
        ``<score>_mean``/``_sem``/``_median`` for D_stsp, D_H, PE(n), ``diverged``
        (seeds whose free run left the finite numbers), ``frac_2x_floor``,
        ``frac_2x_floor_dh``, ``floor_d_stsp``, ``floor_d_h``, ``n_parameters``,
        ``train_seconds`` (mean), ``seeds_per_hour`` (one worker, training plus evaluation),
        ``lyap_generated`` (median), ``lyap_data``,
        ``regions_99`` (median, piecewise-linear models), ``median_seed``, ``median_run`` and
        ``median_seed_d_stsp`` (the seed whose D_stsp is the median — the lower middle one
        for an even count — for figures).
    """
    rows: list[dict[str, object]] = []
    if runs.empty:
        return pd.DataFrame(rows)
    for (model, dataset), group in runs.groupby(["model", "dataset"], sort=False):
        ok = group[group["status"] == "complete"]
        missing = int((group["status"] == "missing").sum())
        row = {"model": model, "dataset": dataset, "seeds": int(len(ok)),
               "failed": int(len(group) - len(ok) - missing), "missing": missing}
        for score in SCORES:
            mean, sem, med = mean_sem(_col(ok, score))
            row.update({f"{score}_mean": mean, f"{score}_sem": sem, f"{score}_median": med})
        d_stsp, d_h = _col(ok, "d_stsp"), _col(ok, "d_h")
        floor_s = np.nanmax(_col(ok, "floor_d_stsp")) if len(ok) else np.nan
        floor_h = np.nanmax(_col(ok, "floor_d_h")) if len(ok) else np.nan
        with np.errstate(invalid="ignore"):
            row["frac_2x_floor"] = float(np.mean(d_stsp <= 2 * floor_s)) if len(ok) else np.nan
            row["frac_2x_floor_dh"] = float(np.mean(d_h <= 2 * floor_h)) if len(ok) else np.nan
        row["diverged"] = int(np.sum(_col(ok, "diverged") > 0)) if "diverged" in ok else 0
        row["floor_d_stsp"], row["floor_d_h"] = float(floor_s), float(floor_h)
        row["n_parameters"] = float(np.nanmedian(_col(ok, "n_parameters"))) if len(ok) else np.nan
        row["train_seconds"] = mean_sem(_col(ok, "train_seconds"))[0]
        per_seed = mean_sem(_col(ok, "train_seconds") + _col(ok, "eval_seconds"))[0]
        row["seeds_per_hour"] = 3600.0 / per_seed if per_seed > 0 else np.nan
        row["lyap_generated"] = mean_sem(_col(ok, "lyap_generated"))[2]
        row["lyap_data"] = mean_sem(_col(ok, "lyap_data"))[2]
        regions = _col(ok, "regions_99")
        row["regions_99"] = mean_sem(regions)[2]
        finite = ok[np.isfinite(d_stsp)]
        if len(finite):
            order = finite.sort_values("d_stsp")
            med = order.iloc[(len(order) - 1) // 2]
            row["median_seed"], row["median_run"] = int(med["seed"]), med["run_id"]
            row["median_seed_d_stsp"] = float(med["d_stsp"])
        else:
            row["median_seed"], row["median_run"], row["median_seed_d_stsp"] = -1, None, np.nan
        rows.append(row)
    board = pd.DataFrame(rows)
    return board.sort_values(["dataset", "d_stsp_mean"], na_position="last").reset_index(drop=True)


#: The columns of :func:`run_row` that are not metrics.
ROW_FIELDS = ("model", "dataset", "seed", "quick", "run_id", "status", "skipped", "error")


def dataset_name(spec: str) -> str:
    """The dataset's name from a run's ``dataset`` parameter: a built-in name, or ``NAME`` of
    a user spec ``NAME=TRAIN.npy[:TEST.npy]`` (the name the leaderboard groups by)."""
    return spec.partition("=")[0].strip() if "=" in spec else spec.strip()


def run_row(rec) -> dict:
    """The per-run table row of a stored benchmark run (a :class:`workbench.store.RunRecord`
    of kind ``benchmark.<model>``), as :func:`workbench.benchmark.runner.benchmark` builds it:
    ``model``, ``dataset``, ``seed``, ``quick``, ``run_id``, ``status``, ``skipped``,
    ``error`` and the run's scalar metrics.

    Raises
    ------
    ValueError
        When the run's parameters are not those of a benchmark run (a damaged run).
    """
    params = rec.params
    model = params.get("model") or rec.kind.partition(".")[2]
    spec, seed = params.get("dataset"), params.get("seed", rec.seed)
    if not isinstance(model, str) or not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"run {rec.id}: no model/dataset parameters")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"run {rec.id}: seed {seed!r} is not an integer")
    row = {"model": model, "dataset": dataset_name(spec), "seed": seed, "quick": bool(params.get("quick")),
           "run_id": rec.id, "status": rec.status, "skipped": False, "error": rec.error}
    row.update({k: v for k, v in rec.metrics.items() if isinstance(v, (int, float, bool)) and k not in row})
    return row


def counted_run(rows: list[dict]) -> dict | None:
    """Of the rows of one (model, dataset, seed, budget), newest first, the one a resumed
    benchmark keeps: the newest complete run, else the newest failed one (None when none has
    finished)."""
    for status in ("complete", "failed"):
        for row in rows:
            if row["status"] == status:
                return row
    return None


def counted_runs(records) -> dict[tuple, dict]:
    """``{(model, dataset spec, seed, quick): row}``: the :func:`run_row` that counts
    (:func:`counted_run`) for every benchmark point among ``records`` (``store.runs()``);
    running, stale and damaged runs count for nothing."""
    groups: dict[tuple, list[dict]] = {}
    for rec in sorted(records, key=lambda r: (r.created, r.id), reverse=True):
        if not rec.kind.startswith("benchmark."):
            continue
        try:
            row = run_row(rec)
        except ValueError:
            continue
        groups.setdefault((row["model"], rec.params["dataset"], row["seed"], row["quick"]), []).append(row)
    counted = {key: counted_run(rows) for key, rows in groups.items()}
    return {key: row for key, row in counted.items() if row is not None}


def stored_runs(store, quick: bool | None = False) -> pd.DataFrame:
    """The per-run table of every benchmark run in ``store`` (kinds ``benchmark.*``).

    Parameters
    ----------
    store : workbench.store.Store
    quick : bool or None, default False
        Only full-budget runs (False), only ``--quick`` runs (True) or both (None): quick and
        full runs are never aggregated together by the callers.

    Returns
    -------
    pandas.DataFrame
        One :func:`run_row` per benchmark point (the input of :func:`aggregate`), the run
        that counts (:func:`counted_runs`).
    """
    rows = [row for row in counted_runs(store.runs()).values() if quick is None or row["quick"] == quick]
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=list(ROW_FIELDS))
