"""Benchmark measures that :mod:`workbench.metrics` does not hold.

- :func:`prediction_error_windows`: PE(n) for models that read a window of W observations
  before predicting (reservoirs); for W = 1 it equals :func:`workbench.metrics.prediction_error`.
- :func:`generated_lyapunov`: λ_max of a (possibly diverged) generated trajectory, NaN
  where it is not defined, through :func:`workbench.metrics.max_lyapunov`.
- :func:`regions_holding`: the number of linear subregions that hold a given share of a
  free run (Brenner et al. 2024, the AL-RNN's symbolic code).
"""

from __future__ import annotations

import numpy as np

from workbench.metrics import max_lyapunov
from workbench.validation import check_array, check_int, check_range

__all__ = ["generated_lyapunov", "prediction_error_windows", "regions_holding", "window_starts"]


def window_starts(n_rows: int, warmup: int, horizon: int, max_starts: int) -> np.ndarray:
    """End indices ``t`` of the PE windows ``x[t-W+1 : t+1]``, evenly spaced.

    Every ``t`` satisfies ``W - 1 <= t`` and ``t + horizon < n_rows``; at most ``max_starts``.
    """
    warmup = check_int(warmup, "warmup", 1, None)
    horizon = check_int(horizon, "horizon", 1, None)
    last = n_rows - horizon - 1
    if last < warmup - 1:
        raise ValueError(f"warmup ({warmup}) + horizon ({horizon}) must be < the test length ({n_rows})")
    count = min(int(max_starts), last - warmup + 2)
    return np.unique(np.linspace(warmup - 1, last, count).round().astype(int))


def prediction_error_windows(predict, data, warmup: int, n: int, max_starts: int = 1000):
    r"""PE(n) of a model that predicts after a window of ``warmup`` observations.

    Parameters
    ----------
    predict : callable
        ``predict(windows (B, W, d), n) -> (B, n, d)`` (the benchmark protocol).
    data : array_like of shape (T, d)
        Observed series (finite).
    warmup : int
        W >= 1.
    n : int
        Horizon >= 1.
    max_starts : int
        At most this many windows, evenly spaced over the series.

    Returns
    -------
    pe : float
        .. math:: PE(n) = \frac{1}{|S| d}\sum_{t\in S}\sum_i (\hat x_{t+n,i} - x_{t+n,i})^2,

        the mean squared n-step-ahead error from the window ending at every t in S
        (``prediction_error.jl`` of the Durstewitz lab, Brenner et al. 2024, with W = 1 and
        S all points); NaN/inf when the model diverges.
    curve : ndarray of shape (n,)
        The same mean squared error at every horizon 1 .. n.
    """
    x = check_array(data, "data", ndim=2)
    starts = window_starts(x.shape[0], warmup, n, max_starts)
    windows = np.stack([x[t - warmup + 1:t + 1] for t in starts])
    pred = np.asarray(predict(windows, n), dtype=float)
    expected = (starts.size, n, x.shape[1])
    if pred.shape != expected:
        raise ValueError(f"predict must return shape {expected}, got {pred.shape}")
    truth = np.stack([x[t + 1:t + n + 1] for t in starts])
    with np.errstate(over="ignore", invalid="ignore"):
        curve = np.mean((pred - truth) ** 2, axis=(0, 2))
    return float(curve[-1]), curve


def generated_lyapunov(trajectory, dt: float | None, n_points: int | None) -> float:
    """λ_max (Rosenstein, via :func:`workbench.metrics.max_lyapunov`) of the first
    ``n_points`` rows; per unit time when ``dt`` is known, else per step.

    NaN when ``n_points`` is None, the rows are not finite, or the trajectory has collapsed
    (a fixed point has no neighbour divergence to fit).
    """
    if n_points is None:
        return float("nan")
    x = np.asarray(trajectory, dtype=float)[:n_points]
    if x.shape[0] < 100 or not np.all(np.isfinite(x)) or np.all(np.ptp(x, axis=0) < 1e-9):
        return float("nan")
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            value = max_lyapunov(x, dt or 1.0)
    except (ValueError, FloatingPointError, np.linalg.LinAlgError):
        return float("nan")
    return float(value) if np.isfinite(value) else float("nan")


def regions_holding(region_ids, share: float = 0.99) -> int:
    """Fewest distinct regions whose visits add up to at least ``share`` of the steps.

    Parameters
    ----------
    region_ids : array_like of int, shape (T,)
        Linear subregion of every step of a free run (e.g. the sign pattern of the
        piecewise-linear units, coded as an integer).
    share : float, default 0.99
        In (0, 1].

    Returns
    -------
    int
        Regions sorted by visit count, counted until their cumulative share reaches ``share``.
    """
    ids = np.asarray(region_ids).ravel()
    if ids.size == 0:
        raise ValueError("region_ids must not be empty")
    check_range(share, "share", 0.0, 1.0, low_inclusive=False)
    _, counts = np.unique(ids, return_counts=True)
    cum = np.cumsum(np.sort(counts)[::-1]) / ids.size
    return int(np.searchsorted(cum, share - 1e-12) + 1)
