"""The one interface every benchmarked model implements.

A model is found by name in the entry-point group ``workbench.benchmark_models``; the entry
point names a factory ``make(dataset: DatasetInfo, quick: bool) -> model``. The runner then
calls, in this order and nothing else: :meth:`BenchmarkModel.fit` on the training array,
:meth:`BenchmarkModel.generate` from the first ``warmup`` test points,
:meth:`BenchmarkModel.predict` on test windows (PE(n)) and, when the model has it,
:meth:`BenchmarkModel.subregions` on its own free run. The test array is never handed to
``fit``.

Alignment: ``generate(test[:W], n)[0]`` is the model's state at the time of ``test[W-1]``
(for a model that reads the state directly, ``test[W-1]`` itself), so generated row ``k`` is
compared with ``test[W-1+k]``.

Optional: piecewise-linear models (AL-RNN, shPLRNN) may define
``subregions(trajectory: ndarray (T, d)) -> ndarray (T,) of int``, the linear subregion of
every step of a trajectory; the evaluation then reports how many subregions hold 99 % of
the free run. It is not part of :class:`BenchmarkModel` (``isinstance`` checks ignore it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = ["BenchmarkModel", "DatasetInfo", "ModelFactory", "TrainingDiverged"]

#: Entry-point group of the benchmark models: ``name = "package.module:factory"``.
GROUP = "workbench.benchmark_models"


class TrainingDiverged(RuntimeError):
    """Raised by :meth:`BenchmarkModel.fit` when training goes non-finite.

    The run is stored as ``failed`` with this message and is never scored.
    """


@dataclass(frozen=True)
class DatasetInfo:
    """What a model factory may know about a dataset (never the test data itself).

    Attributes
    ----------
    name : str
        Dataset name (``"lorenz63"``, ``"ecg"``, a user name, ...).
    dim : int
        Observed dimension d.
    dt : float or None
        Sampling interval when the data come from a known flow, else None.
    n_train : int
        Rows of the training array.
    n_test : int
        Rows of the test array (the generated length is ``n_test - warmup + 1``).
    noisy : bool
        Whether the training data carry observation noise (SINDy smooths derivatives then).
    """

    name: str
    dim: int
    dt: float | None
    n_train: int
    n_test: int
    noisy: bool = False


@runtime_checkable
class BenchmarkModel(Protocol):
    """A dynamical-systems reconstruction model as the benchmark sees it.

    Attributes
    ----------
    warmup : int
        W >= 1: test points the model reads before generating (1 for a model whose state is
        the observation, e.g. AL-RNN or SINDy; a reservoir declares its washout).
    n_parameters : int
        Number of trainable parameters (after :meth:`fit`).
    """

    warmup: int
    n_parameters: int

    def fit(self, train: np.ndarray, seed: int,
            progress: Callable[..., None] | None = None) -> dict[str, Any]:
        """Train on ``train`` (T, d) float with randomness from ``seed``.

        Parameters
        ----------
        train : ndarray of shape (T, d)
            Training data; hyperparameters and checkpoint selection use only this (or a
            validation split of it).
        seed : int
            Seed of every random number of the training.
        progress : callable, optional
            ``progress(fraction, message="", **scalars)``.

        Returns
        -------
        dict
            JSON-able training information (epochs, wall time, selection details).

        Raises
        ------
        TrainingDiverged
            When training goes non-finite.
        """
        ...

    def generate(self, warmup: np.ndarray, n_steps: int) -> np.ndarray:
        """Free run after reading ``warmup``.

        Parameters
        ----------
        warmup : ndarray of shape (W, d)
            The first W test points.
        n_steps : int
            Rows to return.

        Returns
        -------
        ndarray of shape (n_steps, d)
            Row 0 is the state at the time of ``warmup[-1]``, then the free run (NaN rows
            once the model diverges).
        """
        ...

    def predict(self, windows: np.ndarray, n: int) -> np.ndarray:
        """n-step-ahead predictions after each window.

        Parameters
        ----------
        windows : ndarray of shape (B, W, d)
            Observed windows; window b ends at time ``t_b``.
        n : int
            Horizon.

        Returns
        -------
        ndarray of shape (B, n, d)
            Row k of batch b predicts the observation at ``t_b + k + 1``.
        """
        ...


class ModelFactory(Protocol):
    """``make(dataset, quick) -> model``: what an entry point of the group names."""

    def __call__(self, dataset: DatasetInfo, quick: bool) -> BenchmarkModel: ...
