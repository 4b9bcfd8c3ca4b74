"""Exact SDR and active-dendrite theory (Ahmad & Hawkins 2016, arXiv:1601.00720).

Every probability here is a hypergeometric tail evaluated **exactly**: the numerator and the
denominator are Python integers (``math.comb``) and the one final division ``int / int`` is
correctly rounded by Python, so the relative error is at most one ulp (~1.1e-16) for every
result above the float64 underflow threshold (~2.2e-308). The symmetric form of the
hypergeometric distribution is used so the integers have ``min(s, a)`` binomial factors, not
``a`` (see :func:`.exact._tail_table`). Tail tables are cached, so sweeping θ costs nothing extra.

All public functions broadcast numpy arrays over every argument and return float64 (a
numpy scalar for scalar input). Notation follows the paper and Numenta's code for it
(``sdr_math_neuron_paper.ipynb``): ``n`` cells, ``a`` active cells, ``s`` synapses per segment,
``θ`` NMDA threshold, ``v`` noise bits, ``M`` patterns per segment (union), ``K`` segments per
neuron.

* :mod:`.exact`: exact hypergeometric tails (cached tables of Python integers);
* :mod:`.segments`: SDR counts, false match and false negative of one segment;
* :mod:`.unions`: union segments (M patterns) and neurons with K segments;
* :mod:`.threshold`: the optimal-θ analysis over the paper's grid.
"""

from __future__ import annotations

from .exact import _tail_table  # noqa: F401  (read by the tests)
from .segments import false_match_probability, false_negative_probability, n_sdrs, overlap_set_size
from .threshold import (
    PAPER_NS,
    PAPER_SPARSITIES,
    PAPER_SYNAPSES,
    PAPER_THETAS,
    ThresholdScan,
    optimal_threshold,
)
from .unions import (
    neuron_false_match_probability,
    union_false_match_probability,
    union_size_distribution,
    union_synapse_count,
)

__all__ = [
    "PAPER_THETAS",
    "PAPER_NS",
    "PAPER_SPARSITIES",
    "PAPER_SYNAPSES",
    "ThresholdScan",
    "false_match_probability",
    "false_negative_probability",
    "n_sdrs",
    "neuron_false_match_probability",
    "optimal_threshold",
    "overlap_set_size",
    "union_false_match_probability",
    "union_size_distribution",
    "union_synapse_count",
]
