"""The workbench floor: trajectory store, dynamical systems, metrics, experiments, CLI, sweeps.

Heavy sub-modules are imported lazily, so ``import workbench`` stays fast.
"""

from .experiment import Experiment

__all__ = ["Experiment", "Store", "sweep"]
__version__ = "0.1.0"


def __getattr__(name):
    if name == "Store":
        from .store import Store

        return Store
    if name == "sweep":
        from .sweep import sweep

        return sweep
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
