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

import importlib

#: Public names and the sub-module defining each (imported on first use, so that
#: importing the package, e.g. for its parameter declarations, stays light).
_LAZY = {
    "checkpoint_metrics": ".evaluation",
    "evaluate": ".evaluation",
    "ALRNN": ".model",
    "SymbolicAnalysis": ".symbolic",
    "analyze": ".symbolic",
    "find_cycles": ".symbolic",
    "fixed_point": ".symbolic",
    "fixed_points": ".symbolic",
    "AUTHORS_CONFIGS": ".train",
    "FAST_CONFIGS": ".train",
    "TrainConfig": ".train",
    "TrainResult": ".train",
    "train": ".train",
}


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


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
