"""The one evaluation protocol, the same code path for every model.

For a fitted model and a :class:`~workbench.benchmark.datasets.Dataset`:

1. read the test series ``x`` (T, d) — this module is its only reader;
2. ``g = model.generate(x[:W], transient + T)`` from the first W = ``model.warmup`` test
   points (``g[0]`` is the state at the time of ``x[W-1]``), drop the first ``transient``
   rows;
3. D_stsp(x, g) (binning or GMM, :func:`workbench.metrics.state_space_divergence`) and D_H(x, g)
   (:func:`workbench.metrics.hellinger_distance`, σ per dataset). That function smooths
   spectra with scipy's ``mode="reflect"``; the lab's Julia code reflects without repeating
   the edge sample (scipy's ``"mirror"``), which changes D_H by up to ~1e-3;
4. PE(n): n-step-ahead error from up to ``pe_starts`` test windows
   (:func:`~workbench.benchmark.scores.prediction_error_windows`);
5. λ_max of g and of x (Rosenstein; :func:`workbench.metrics.max_lyapunov`);
6. for piecewise-linear models (``model.subregions``), the regions holding 99 % of g.

The data floor — the same D_stsp and D_H between the training and the test series — is
computed here too (it reads the test series) and cached in the store.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from workbench.metrics import hellinger_distance, state_space_divergence

from .datasets import Dataset, read_test
from .scores import generated_lyapunov, prediction_error_windows, regions_holding

__all__ = ["Evaluation", "data_floor", "evaluate"]

#: Seed of the Monte-Carlo samples of the GMM D_stsp (fixed: the same for every model).
SCORE_SEED = 0


@dataclass
class Evaluation:
    """Scores of one fitted model on one dataset.

    Attributes
    ----------
    metrics : dict
        ``d_stsp``, ``d_h``, ``pe``, ``lyap_generated``, ``lyap_data``, ``floor_d_stsp``,
        ``floor_d_h``, ``warmup``, ``diverged`` and, for piecewise-linear models,
        ``regions_99``.
    generated : ndarray of shape (T, d)
        The scored free run (after the dropped transient).
    pe_curve : ndarray of shape (n,)
        Mean squared error at horizons 1 .. n.
    """

    metrics: dict
    generated: np.ndarray
    pe_curve: np.ndarray
    extra: dict = field(default_factory=dict)


def _divergences(dataset: Dataset, test: np.ndarray, other: np.ndarray) -> tuple[float, float]:
    d_stsp = state_space_divergence(test, other, n_bins=dataset.n_bins, method=dataset.stsp,
                                    sigma2=dataset.sigma2, seed=SCORE_SEED)
    if np.all(np.isfinite(other)) and np.all(np.ptp(other, axis=0) > 0):
        d_h = hellinger_distance(test, other, smoothing=dataset.smoothing)
    else:
        d_h = float("nan")
    return float(d_stsp), float(d_h)


def _floor_values(dataset: Dataset, test: np.ndarray) -> np.ndarray:
    train = dataset.train()
    n = min(train.shape[0], test.shape[0])
    # the same length on both sides: D_H counts its smoothing in frequency bins
    ref = test[:n]
    d_stsp, d_h = _divergences(dataset, ref, train[:n])
    lyap = generated_lyapunov(test, dataset.dt, dataset.lyap_points)
    return np.array([d_stsp, d_h, lyap])


def _floor_key(dataset: Dataset) -> dict:
    key = dict(dataset.protocol())
    key["spec"] = dataset.spec
    key["version"] = 1
    for part in dataset.spec.partition("=")[2].split(":"):
        if part and os.path.isfile(part):
            st = os.stat(part)
            key[f"file:{part}"] = [st.st_size, int(st.st_mtime)]
    return key


def data_floor(dataset: Dataset, store=None) -> dict:
    """The best a perfect model could score: training vs test series, same metrics.

    Parameters
    ----------
    dataset : Dataset
    store : workbench.store.Store, optional
        Cache (``datasets/benchmark_floor_<name>``), shared by every run.

    Returns
    -------
    dict
        ``floor_d_stsp``, ``floor_d_h`` (training series vs test series, first
        ``min(n_train, n_test)`` rows of each) and ``lyap_data`` (λ_max of the test series).
    """
    test = read_test(dataset)
    return _floor(dataset, test, store)


def _floor(dataset: Dataset, test: np.ndarray, store) -> dict:
    if store is None:
        values = _floor_values(dataset, test)
    else:
        values = store.dataset(f"benchmark_floor_{dataset.name}",
                               lambda **_: _floor_values(dataset, test), **_floor_key(dataset))
    return {"floor_d_stsp": float(values[0]), "floor_d_h": float(values[1]),
            "lyap_data": float(values[2])}


def evaluate(model, dataset: Dataset, store=None) -> Evaluation:
    """Score a fitted ``model`` on ``dataset`` with the dataset's declared protocol.

    Parameters
    ----------
    model : BenchmarkModel
        Fitted (its ``fit`` has returned).
    dataset : Dataset
    store : workbench.store.Store, optional
        Where the data floor is cached.

    Returns
    -------
    Evaluation

    Raises
    ------
    ValueError
        When the model breaks the protocol (warm-up out of range, wrong output shapes).
    """
    test = read_test(dataset)
    warmup = int(model.warmup)
    if not 1 <= warmup <= dataset.n_test - dataset.pe_horizon - 1:
        raise ValueError(f"model.warmup must be in [1, {dataset.n_test - dataset.pe_horizon - 1}] "
                         f"for {dataset.name!r}, got {warmup}")
    gen = np.asarray(model.generate(test[:warmup].copy(), dataset.n_generate), dtype=float)
    if gen.shape != (dataset.n_generate, dataset.dim):
        raise ValueError(f"model.generate must return shape {(dataset.n_generate, dataset.dim)}, "
                         f"got {gen.shape}")
    scored = gen[dataset.transient:]
    d_stsp, d_h = _divergences(dataset, test, scored)
    pe, curve = prediction_error_windows(model.predict, test, warmup, dataset.pe_horizon,
                                         dataset.pe_starts)
    metrics = {"d_stsp": d_stsp, "d_h": d_h, "pe": pe,
               "lyap_generated": generated_lyapunov(scored, dataset.dt, dataset.lyap_points),
               "warmup": warmup, "diverged": bool(not np.all(np.isfinite(scored)))}
    metrics.update(_floor(dataset, test, store))
    subregions = getattr(model, "subregions", None)
    if callable(subregions) and not metrics["diverged"]:
        ids = np.asarray(subregions(scored))
        if ids.shape[0] != scored.shape[0]:
            raise ValueError(f"model.subregions must return {scored.shape[0]} ids, got {ids.shape}")
        metrics["regions_99"] = regions_holding(ids, 0.99)
        metrics["regions_total"] = int(np.unique(ids).size)
    return Evaluation(metrics=metrics, generated=scored, pe_curve=curve)
