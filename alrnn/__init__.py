"""Almost-linear RNNs (AL-RNN) for dynamical-systems reconstruction.

Brenner, Hemmer, Monfared & Durstewitz 2024, "Almost-Linear RNNs Yield Highly Interpretable
Symbolic Codes in Dynamical Systems Reconstruction" (NeurIPS); notes in
``research/alrnn.md``.

* :class:`ALRNN` (:mod:`alrnn.model`): the model in JAX, ``from_arrays``/``to_arrays``,
  ``generate``, ``jacobian``, ``region``.
* :func:`train` (:mod:`alrnn.train`): sparse teacher forcing, RAdam, best checkpoint by D_stsp
  (optionally D_H-aware).
* :func:`evaluate` (:mod:`alrnn.evaluation`): D_stsp, D_H, PE on a test series.
* :func:`analyze` (:mod:`alrnn.symbolic`): symbols, transition graph, fixed points, cycles.
* experiments ``alrnn.lorenz63``, ``alrnn.rossler``, ``alrnn.p_sweep``, ``alrnn.fit``
  (:mod:`alrnn.experiments`).
"""

from .evaluation import checkpoint_metrics, evaluate
from .model import ALRNN
from .symbolic import SymbolicAnalysis, analyze, find_cycles, fixed_point, fixed_points
from .train import AUTHORS_CONFIGS, FAST_CONFIGS, TrainConfig, TrainResult, train

__all__ = [
    "ALRNN",
    "AUTHORS_CONFIGS",
    "FAST_CONFIGS",
    "SymbolicAnalysis",
    "TrainConfig",
    "TrainResult",
    "analyze",
    "checkpoint_metrics",
    "evaluate",
    "find_cycles",
    "fixed_point",
    "fixed_points",
    "train",
]
