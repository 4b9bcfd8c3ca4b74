r"""Prediction errors: the n-step prediction error of a generative model and the NRMSE."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from ..validation import check_array, check_choice, check_int
from ._common import _as_2d

__all__ = ["nrmse", "prediction_error"]


def prediction_error(predict_fn: Callable[[np.ndarray, int], ArrayLike], data: ArrayLike,
                     n: int = 20) -> float:
    r"""n-step prediction error :math:`PE(n)` (``prediction_error.jl``).

    Parameters
    ----------
    predict_fn : callable
        ``predict_fn(x0, n) -> x_n``: from a batch of observed states ``x0`` of shape
        (B, N), iterate the model ``n`` steps freely and return the predicted observations
        (B, N). (For an AL-RNN: initialise :math:`z = [x_0; L x_0]`, step, read out.)
    data : array_like of shape (T, N)
        Observed trajectory (finite), T > n.
    n : int, default 20
        Prediction horizon in steps (>= 1).

    Returns
    -------
    float
        .. math:: PE(n) = \frac{1}{(T-n)N}\sum_{t=1}^{T-n}\sum_i (\hat x_{t+n,i} - x_{t+n,i})^2

        starting from every data point; NaN/inf when the model diverges.
    """
    if not callable(predict_fn):
        raise ValueError(f"predict_fn must be callable, got {type(predict_fn).__name__}")
    n = check_int(n, "n", 1, None)
    x = _as_2d(check_array(data, "data", ndim=(1, 2)))
    if x.shape[0] <= n:
        raise ValueError(f"data must have more than n={n} rows, got {x.shape[0]}")
    start = x[:-n]
    pred = np.asarray(predict_fn(start.copy(), n), dtype=float)
    if pred.shape != start.shape:
        raise ValueError(f"predict_fn must return an array of shape {start.shape}, "
                         f"got {pred.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.mean((pred - x[n:]) ** 2))


def nrmse(y_true: ArrayLike, y_pred: ArrayLike, *,
          per_dimension: bool = False) -> float | np.ndarray:
    r"""Normalised root-mean-square error.

    Parameters
    ----------
    y_true : array_like of shape (T,) or (T, N)
        Targets (finite, each dimension with non-zero variance).
    y_pred : array_like, same shape
        Predictions (non-finite values give a non-finite score).
    per_dimension : bool, default False
        Return one value per dimension.

    Returns
    -------
    float or ndarray of shape (N,)
        Per dimension :math:`\mathrm{NRMSE}_i = \sqrt{\langle (y_i-\hat y_i)^2\rangle_t /
        \mathrm{var}_t(y_i)}` (Srinivasan, Plenz & Girvan 2025); the scalar version is
        :math:`\sqrt{\frac1N\sum_i \langle (y_i-\hat y_i)^2\rangle_t / \mathrm{var}_t(y_i)}`,
        which equals the formula above for one dimension. 0 is perfect; 1 is the error
        of predicting the mean.
    """
    y = _as_2d(check_array(y_true, "y_true", ndim=(1, 2), min_length=2))
    yp = _as_2d(check_array(y_pred, "y_pred", ndim=(1, 2), finite=False))
    if yp.shape != y.shape:
        raise ValueError(f"y_pred must have the shape of y_true {np.shape(y_true)}, "
                         f"got {np.shape(y_pred)}")
    check_choice(per_dimension, "per_dimension", (True, False))
    var = y.var(axis=0)
    if np.any(var == 0):
        raise ValueError("y_true must have non-zero variance in every dimension")
    with np.errstate(over="ignore", invalid="ignore"):
        ratio = np.mean((y - yp) ** 2, axis=0) / var
    return np.sqrt(ratio) if per_dimension else float(np.sqrt(np.mean(ratio)))

