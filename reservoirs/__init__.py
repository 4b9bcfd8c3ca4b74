"""E/I rate reservoirs with local homeostatic E/I balance (Srinivasan, Plenz & Girvan 2025).

Models (no store or GUI inside): :class:`EIReservoir` (sigmoid rate neurons, Dale's law,
global balance ``beta``, homeostatic inhibitory adaptation and one-step balance) and the tanh
:class:`EchoStateNetwork` baseline. :mod:`reservoirs.tasks` holds the readout tasks,
:mod:`reservoirs.batch` the batched simulation used by sweeps, and
:mod:`reservoirs.experiments` the registered experiments.
"""

from workbench.lazy import lazy_exports

#: Public names and the sub-module defining each (imported on first use, so that
#: importing the package, e.g. for its parameter declarations, stays light).
_LAZY = {
    "AdaptationTrace": ".adaptation",
    "heterogeneous_targets": ".adaptation",
    "adapt_batch": ".batch",
    "run_balances": ".batch",
    "run_batch": ".batch",
    "with_balances": ".batch",
    "EchoStateNetwork": ".esn",
    "EIReservoir": ".network",
}


__all__ = [
    "AdaptationTrace",
    "EIReservoir",
    "EchoStateNetwork",
    "adapt_batch",
    "heterogeneous_targets",
    "run_balances",
    "run_batch",
    "with_balances",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
