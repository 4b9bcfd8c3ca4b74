"""Almost-linear RNNs (AL-RNN) for dynamical-systems reconstruction.

Brenner, Hemmer, Monfared & Durstewitz 2024, "Almost-Linear RNNs Yield Highly Interpretable
Symbolic Codes in Dynamical Systems Reconstruction" (NeurIPS); and Hess, Monfared,
Brenner & Durstewitz 2023, "Generalized Teacher Forcing for Learning Chaotic Dynamics" (ICML).

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

from workbench.lazy import lazy_exports

#: Public names and the sub-module defining each (imported on first use, so that
#: importing the package, e.g. for its parameter declarations, stays light).
_LAZY = {
    "checkpoint_metrics": ".evaluation",
    "evaluate": ".evaluation",
    "ALRNN": ".model",
    "ShPLRNN": ".shplrnn",
    "SymbolicAnalysis": ".symbolic",
    "analyze": ".symbolic",
    "find_cycles": ".symbolic",
    "fixed_point": ".symbolic",
    "fixed_points": ".symbolic",
    "AUTHORS_CONFIGS": ".train",
    "FAST_CONFIGS": ".train",
    "TrainConfig": ".train",
    "TrainResult": ".train",
    "TrainingDiverged": ".train",
    "train": ".train",
    "train_population": ".train",
}


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

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
