"""Active dendrites and sparse distributed representations (Ahmad & Hawkins 2016).

* :mod:`dendrites.theory`: exact false-match, false-negative, union and optimal-θ formulas;
* :mod:`dendrites.simulate`: Monte-Carlo simulation of random SDRs and segments;
* :mod:`dendrites.detectors`: dendritic segments, neurons and pattern-detector layers;
* :mod:`dendrites.experiments`: the registered figure experiments (``EXPERIMENTS``).
"""

from workbench.lazy import lazy_exports

#: Public names and the sub-module defining each (imported on first use, so that
#: importing the package, e.g. for its parameter declarations, stays light).
_LAZY = {
    "DendriticNeuron": ".detectors",
    "DendriticSegment": ".detectors",
    "DetectionReport": ".detectors",
    "PatternDetectorLayer": ".detectors",
    "MonteCarloEstimate": ".simulate",
    "add_noise": ".simulate",
    "random_sdrs": ".simulate",
    "simulate_false_match": ".simulate",
    "simulate_false_negative": ".simulate",
    "simulate_union": ".simulate",
    "wilson_interval": ".simulate",
    "false_match_probability": ".theory",
    "false_negative_probability": ".theory",
    "n_sdrs": ".theory",
    "neuron_false_match_probability": ".theory",
    "optimal_threshold": ".theory",
    "overlap_set_size": ".theory",
    "union_false_match_probability": ".theory",
    "union_size_distribution": ".theory",
    "union_synapse_count": ".theory",
}


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

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
