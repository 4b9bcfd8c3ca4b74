"""Active dendrites and sparse distributed representations (Ahmad & Hawkins 2016).

* :mod:`dendrites.theory`: exact false-match, false-negative, union and optimal-θ formulas;
* :mod:`dendrites.simulate`: Monte-Carlo simulation of random SDRs and segments;
* :mod:`dendrites.detectors`: dendritic segments, neurons and pattern-detector layers;
* :mod:`dendrites.experiments`: the registered figure experiments (``EXPERIMENTS``).
"""

from .detectors import DendriticNeuron, DendriticSegment, DetectionReport, PatternDetectorLayer
from .simulate import (MonteCarloEstimate, add_noise, random_sdrs, simulate_false_match,
                       simulate_false_negative, simulate_union, wilson_interval)
from .theory import (false_match_probability, false_negative_probability, n_sdrs,
                     neuron_false_match_probability, optimal_threshold, overlap_set_size,
                     union_false_match_probability, union_size_distribution, union_synapse_count)

__all__ = [
    "DendriticNeuron",
    "DendriticSegment",
    "DetectionReport",
    "MonteCarloEstimate",
    "PatternDetectorLayer",
    "add_noise",
    "false_match_probability",
    "false_negative_probability",
    "n_sdrs",
    "neuron_false_match_probability",
    "optimal_threshold",
    "overlap_set_size",
    "random_sdrs",
    "simulate_false_match",
    "simulate_false_negative",
    "simulate_union",
    "union_false_match_probability",
    "union_size_distribution",
    "union_synapse_count",
    "wilson_interval",
]
