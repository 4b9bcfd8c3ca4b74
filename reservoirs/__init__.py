"""E/I rate reservoirs with local homeostatic E/I balance (Srinivasan, Plenz & Girvan 2025).

Models (no store or GUI inside): :class:`EIReservoir` (sigmoid rate neurons, Dale's law,
global balance ``beta``, homeostatic inhibitory adaptation and one-step balance) and the tanh
:class:`EchoStateNetwork` baseline. :mod:`reservoirs.tasks` holds the readout tasks,
:mod:`reservoirs.batch` the batched simulation used by sweeps, and
:mod:`reservoirs.experiments` the registered experiments.
"""

from .adaptation import AdaptationTrace, heterogeneous_targets
from .batch import adapt_batch, run_balances, run_batch, with_balances
from .esn import EchoStateNetwork
from .network import EIReservoir

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
