"""Parameter groups of the SDR theory (Ahmad & Hawkins 2016), declared once.

Notation of the paper (and of ``docs``): ``n`` cells in the population, ``a`` active per
pattern, ``s`` synapses on a segment, ``θ`` (``theta``) the NMDA threshold, ``M`` patterns
stored on a union segment, ``v`` noise bits. Each quantity is one small
:class:`workbench.experiment.ParamGroup`; :class:`SDRParams` composes all of them for the
app page, the figure experiments compose the ones they use, and lists of values for curves
(``actives``, ``thetas``, ``s_values``, ``ns``) are groups too.

Bounds keep the theory's cost bounded: the exact union mixture costs about
:math:`O(M^2 s^2)` big-integer binomials, so ``s <= 128``, ``M <= 200`` and
:class:`SDRParams` also requires ``M * s <= 2048`` (about a second).
"""

from __future__ import annotations

import param

from workbench.experiment import ParamGroup

__all__ = [
    "ActiveParams",
    "ActivesParams",
    "MonteCarloParams",
    "NoiseBitsParams",
    "NsParams",
    "PopulationParams",
    "SDRParams",
    "SValuesParams",
    "SegmentParams",
    "TargetParams",
    "ThetaParams",
    "ThetasParams",
    "UnionParams",
]

#: Largest ``M * s`` of :class:`SDRParams` (exact union mixture in about a second).
MAX_UNION_WORK = 2048


def _at_most(group, name: str, bound: str) -> None:
    """``name <= bound`` when the group composed into the same class also has ``bound``."""
    limit = getattr(group, bound, None)
    if limit is not None and getattr(group, name) > limit:
        raise ValueError(f"{name} must be in [1, {bound}={limit}], got {getattr(group, name)}")


class PopulationParams(ParamGroup):
    """Cells in the population."""

    n = param.Integer(10_000, bounds=(2, 10_000_000), doc="Cells in the population n.")


class ActiveParams(ParamGroup):
    """Active cells per pattern."""

    a = param.Integer(300, bounds=(1, None), doc="Active cells per pattern a (a <= n).")

    def validate(self) -> None:
        _at_most(self, "a", "n")
        super().validate()


class SegmentParams(ParamGroup):
    """Synapses on a dendritic segment (a subsample of the pattern it stores)."""

    s = param.Integer(24, bounds=(1, 128), doc="Synapses per segment s (s <= a).")

    def validate(self) -> None:
        _at_most(self, "s", "a")
        super().validate()


class ThetaParams(ParamGroup):
    """NMDA threshold: synapses that must be active for a dendritic spike."""

    theta = param.Integer(12, bounds=(1, 128), doc="NMDA threshold θ (θ <= s).")

    def validate(self) -> None:
        _at_most(self, "theta", "s")
        super().validate()


class UnionParams(ParamGroup):
    """Patterns stored on one union segment."""

    M = param.Integer(10, bounds=(1, 200), doc="Patterns stored on a union segment M.")


class NoiseBitsParams(ParamGroup):
    """Active cells of a stored pattern replaced by others (noise)."""

    v = param.Integer(100, bounds=(0, None),
                      doc="Noise bits v of the false-negative curve (v <= a, v <= n - a).")

    def validate(self) -> None:
        n, a = getattr(self, "n", None), getattr(self, "a", None)
        if n is not None and a is not None and self.v > min(a, n - a):
            raise ValueError(f"v must be in [0, min(a, n - a)={min(a, n - a)}], got {self.v}")
        super().validate()


class SDRParams(PopulationParams, ActiveParams, SegmentParams, ThetaParams, UnionParams,
                NoiseBitsParams):
    """One SDR configuration ``(n, a, s, θ, M, v)`` (the Dendrites page)."""

    def validate(self) -> None:
        if self.M * self.s > MAX_UNION_WORK:
            raise ValueError(f"M * s must be <= {MAX_UNION_WORK} (cost of the exact union "
                             f"mixture), got M={self.M}, s={self.s}")
        super().validate()


class MonteCarloParams(ParamGroup):
    """Size of the Monte-Carlo estimates and where they are worth making."""

    n_samples = param.Integer(1_000_000, bounds=(1_000, 1_000_000_000),
                              doc="Monte-Carlo tests per simulated point (paper: 1e8).")
    min_hits = param.Number(10.0, bounds=(0.0, None),
                            doc="Simulate only where theory predicts at least this many events.")


class ActivesParams(ParamGroup):
    """Active-cell counts, one curve each."""

    actives = param.List([64, 128, 256], item_type=int, doc="Active cells a, one per curve.")


class ThetasParams(ParamGroup):
    """NMDA thresholds, one curve (or configuration) each."""

    thetas = param.List([8, 12, 16], item_type=int, doc="NMDA thresholds θ, one curve each.")


class SValuesParams(ParamGroup):
    """Segment sizes, one point (or configuration) each."""

    s_values = param.List([12, 16, 20], item_type=int, doc="Synapses per segment s, one per point.")


class NsParams(ParamGroup):
    """Population sizes, one curve each."""

    ns = param.List([1000, 10_000, 20_000], item_type=int, doc="Population sizes n, one curve each.")


class TargetParams(ParamGroup):
    """The false-positive rate a design must stay below (optimal θ, capacity)."""

    target = param.Number(0.01, bounds=(0.0, 1.0), inclusive_bounds=(False, False),
                          doc="Target false-positive rate (defines the optimum or the capacity).")
