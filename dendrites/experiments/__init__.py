"""Registered experiments: one per figure of Ahmad & Hawkins (2016), plus detector capacity.

Each experiment draws the theory curve (:mod:`dendrites.theory`, exact), overlays
Monte-Carlo points with 95 % intervals (:mod:`dendrites.simulate`) and records the note's
target values as metrics. Figure parameters follow the research note on dendrites (§3).
Parameters are the groups of :mod:`dendrites.params`.
"""

from __future__ import annotations

from .capacity import DetectorCapacity
from .false_match import FalseMatchVsN, FalseMatchVsS
from .noise import NoiseTolerance
from .threshold import OptimalThreshold
from .union import UnionCapacity

__all__ = [
    "DetectorCapacity",
    "EXPERIMENTS",
    "FalseMatchVsN",
    "FalseMatchVsS",
    "NoiseTolerance",
    "OptimalThreshold",
    "UnionCapacity",
]

EXPERIMENTS = [FalseMatchVsN, FalseMatchVsS, NoiseTolerance, UnionCapacity, OptimalThreshold,
               DetectorCapacity]
