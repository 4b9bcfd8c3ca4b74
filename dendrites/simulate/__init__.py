"""Monte-Carlo simulation of random SDRs and dendritic segments (checks :mod:`dendrites.theory`).

Everything here draws random SDRs and segments and counts overlaps; nothing samples from the
theoretical distributions. The protocols are those of Numenta's C++ simulator for the paper
(``sdr_calculations2.cpp``).

Speed comes from two exact devices:

* **Floyd's algorithm**, vectorised over many sets at once, draws uniform ``k``-subsets of
  ``range(n)`` in ``k`` vector steps; the set-membership table it needs is also the
  ``(n, sets)`` indicator matrix used for counting.
* **A grid of tests.** Each block draws ``R`` fresh sets on one side (e.g. segments) and
  ``C`` fresh sets on the other (patterns) and tests all ``R x C`` pairs by index
  arithmetic: the overlap row of a set with indices ``i_1..i_k`` is the sum of ``k`` rows of
  the other side's indicator matrix (``uint8`` SIMD additions). The pair outcomes are
  *pairwise independent*: given one shared member of two pairs, each overlap has the same
  hypergeometric law whatever that member is (symmetry of uniform random sets). The variance
  of the hit count is therefore exactly the binomial one, and the usual binomial confidence
  interval applies, as it did for Numenta's 500 patterns per segment.

Modules: :mod:`.statistics` (intervals), :mod:`.sampling` (random SDRs), :mod:`.grid`
(counting overlaps), :mod:`.protocols` (the simulations).
"""

from __future__ import annotations

from .grid import _tail_counts  # noqa: F401  (read by the tests)
from .protocols import simulate_false_match, simulate_false_negative, simulate_union
from .sampling import _floyd, add_noise, random_sdrs  # noqa: F401  (_floyd: read by the tests)
from .statistics import MonteCarloEstimate, wilson_interval

__all__ = [
    "MonteCarloEstimate",
    "add_noise",
    "random_sdrs",
    "simulate_false_match",
    "simulate_false_negative",
    "simulate_union",
    "wilson_interval",
]
