"""Registered experiments of the E/I rate reservoir (Srinivasan, Plenz & Girvan 2025).

``reservoirs.memory_capacity`` and ``reservoirs.simulate`` (:mod:`.memory`),
``reservoirs.balance_sweep`` (claim T1) and ``reservoirs.adaptation`` (claims T2-T5 of
the E/I reservoir research note §6) (:mod:`.sweeps`), ``reservoirs.lorenz_forecast``
(closed-loop Lorenz-63, beside the AL-RNN, :mod:`.forecast`); the spiking reservoir's
experiments are in :mod:`.spiking` (their own entry point). Parameters are the groups of
:mod:`reservoirs.params`; heavy modules (the compiled kernel, brian2, matplotlib) are imported
when a run starts, so the registry reads these declarations at once.
"""

from __future__ import annotations

from .common import score_balances, score_batch
from .forecast import LorenzForecastExperiment
from .memory import MemoryCapacityExperiment, SimulateExperiment
from .sweeps import AdaptationExperiment, BalanceSweepExperiment, adaptation_summary, balance_summary

__all__ = [
    "AdaptationExperiment",
    "BalanceSweepExperiment",
    "EXPERIMENTS",
    "LorenzForecastExperiment",
    "MemoryCapacityExperiment",
    "SimulateExperiment",
    "adaptation_summary",
    "balance_summary",
    "score_balances",
    "score_batch",
]

#: Experiments registered under the ``workbench.experiments`` entry point.
EXPERIMENTS = [
    MemoryCapacityExperiment,
    BalanceSweepExperiment,
    AdaptationExperiment,
    LorenzForecastExperiment,
    SimulateExperiment,
]
