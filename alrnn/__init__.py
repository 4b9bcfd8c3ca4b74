"""Almost-linear RNNs (AL-RNN) for dynamical-systems reconstruction.

Brenner, Hemmer, Monfared & Durstewitz 2024, "Almost-Linear RNNs Yield Highly Interpretable
Symbolic Codes in Dynamical Systems Reconstruction" (NeurIPS); notes in
``research/alrnn.md``.

* :class:`ALRNN` (:mod:`alrnn.model`): the model in JAX, ``from_arrays``/``to_arrays``,
  ``generate``, ``jacobian``, ``region``.
* :func:`train` / :func:`train_population` (:mod:`alrnn.train`): sparse teacher forcing,
  RAdam, best checkpoint by D_stsp (optionally D_H-aware); many seeds as one vectorised
  computation; a diverging training raises :class:`TrainingDiverged`.
* :class:`ShPLRNN` (:mod:`alrnn.shplrnn`): the clipped shallow PLRNN trained by generalized
  teacher forcing (Hess et al. 2023) on the same machinery.
* :mod:`alrnn.benchmark`: both models behind the benchmark-model protocol.
* :func:`evaluate` (:mod:`alrnn.evaluation`): D_stsp, D_H, PE on a test series.
* :func:`analyze` (:mod:`alrnn.symbolic`): symbols, transition graph, fixed points, cycles.
* experiments ``alrnn.lorenz63``, ``alrnn.rossler``, ``alrnn.p_sweep``, ``alrnn.fit``
  (:mod:`alrnn.experiments`), ``alrnn.regions_over_seeds`` (:mod:`alrnn.seed_experiments`).
"""

from .evaluation import checkpoint_metrics, evaluate
from .model import ALRNN
from .symbolic import SymbolicAnalysis, analyze, find_cycles, fixed_point, fixed_points
from .shplrnn import ShPLRNN
from .train import (AUTHORS_CONFIGS, FAST_CONFIGS, TrainConfig, TrainingDiverged, TrainResult, train,
                    train_population)

__all__ = [
    "ALRNN",
    "AUTHORS_CONFIGS",
    "FAST_CONFIGS",
    "ShPLRNN",
    "SymbolicAnalysis",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "analyze",
    "checkpoint_metrics",
    "evaluate",
    "find_cycles",
    "fixed_point",
    "fixed_points",
    "train",
    "train_population",
]
