"""Spiking E/I reservoirs on brian2 with homeostatic inhibitory plasticity.

``SpikingEIReservoir`` is the spiking counterpart of ``reservoirs.EIReservoir``: it presents
the same reservoir protocol (``run(u, washout=0, state=None)``, ``reset()``, ``n_inputs``)
so the tasks of :mod:`reservoirs.tasks` work unchanged. ``InhibitorySTDP`` is the Vogels et
al. 2011 rule that drives each excitatory neuron toward its target rate.
"""

from ._brian import brian2 as _brian2  # noqa: F401  (first import of brian2, thread-safe)
from .activity import ActivityReport, ReservoirActivityError, check_activity
from .model import ReservoirState, SpikingEIReservoir
from .monitors import Segment
from .plasticity import InhibitorySTDP, target_rates

__all__ = [
    "ActivityReport",
    "InhibitorySTDP",
    "ReservoirActivityError",
    "ReservoirState",
    "Segment",
    "SpikingEIReservoir",
    "check_activity",
    "target_rates",
]
