"""The spiking reservoir's registered experiments, defined in :mod:`reservoirs.experiments.spiking`.

Kept so ``reservoirs.spiking.experiments`` stays importable; the entry point names the module
above, which does not import brian2 until a run starts.
"""

from ..experiments.spiking import (CONDITIONS, EXPERIMENTS, SpikingBalanceExperiment,
                                   SpikingMemoryCapacityExperiment)

__all__ = ["CONDITIONS", "EXPERIMENTS", "SpikingBalanceExperiment", "SpikingMemoryCapacityExperiment"]
