"""Detecting runaway activity and silence in a spiking reservoir.

A run whose mean excitatory rate leaves ``[min_rate, max_rate]`` (or that was stopped
early because the population rate exceeded ``max_rate``) is not a valid reservoir: its
features must not be scored. :func:`check_activity` turns the measured rates into an
:class:`ActivityReport`; the reservoir then raises :class:`ReservoirActivityError` or flags
the run, as the user chose.
"""

from __future__ import annotations

import dataclasses

__all__ = ["ActivityReport", "ReservoirActivityError", "check_activity"]


class ReservoirActivityError(ValueError):
    """The reservoir ran away (rates above the bound) or fell silent (below it).

    Attributes
    ----------
    report : ActivityReport
        The measured rates and the reason.
    """

    def __init__(self, report: ActivityReport):
        self.report = report
        super().__init__(report.reason)


@dataclasses.dataclass(frozen=True)
class ActivityReport:
    """Outcome of an activity check on one simulation segment.

    Attributes
    ----------
    ok : bool
        True when the run may be scored.
    rate_exc, rate_inh : float
        Mean firing rates of the E and I populations over the segment (Hz).
    bounds : tuple of float
        ``(min_rate, max_rate)`` in Hz the E rate had to respect.
    stopped_early : bool
        True when the simulation was halted by the runaway guard.
    reason : str
        Human-readable explanation (empty when ``ok``).
    """

    ok: bool
    rate_exc: float
    rate_inh: float
    bounds: tuple[float, float]
    stopped_early: bool = False
    reason: str = ""

    def as_dict(self) -> dict:
        """JSON-friendly view (for run metrics)."""
        return dataclasses.asdict(self)


def check_activity(rate_exc: float, rate_inh: float, bounds: tuple[float, float],
                   stopped_early: bool = False) -> ActivityReport:
    """Judge a segment from its mean rates.

    Parameters
    ----------
    rate_exc, rate_inh : float
        Mean E and I rates over the segment (Hz).
    bounds : (float, float)
        ``(min_rate, max_rate)`` in Hz for the mean excitatory rate.
    stopped_early : bool
        Whether the runaway guard halted the run (always a failure).

    Returns
    -------
    ActivityReport
        ``ok`` is True iff ``min_rate <= rate_exc <= max_rate`` and the run was not stopped.
    """
    low, high = bounds
    if stopped_early:
        reason = (f"runaway activity: the population rate exceeded max_rate={high:g} Hz and "
                  f"the simulation was stopped early (mean E rate {rate_exc:.3g} Hz)")
    elif rate_exc > high:
        reason = f"runaway activity: mean E rate {rate_exc:.3g} Hz > max_rate={high:g} Hz"
    elif rate_exc < low:
        reason = f"silent reservoir: mean E rate {rate_exc:.3g} Hz < min_rate={low:g} Hz"
    else:
        reason = ""
    return ActivityReport(ok=not reason, rate_exc=float(rate_exc), rate_inh=float(rate_inh),
                          bounds=(float(low), float(high)), stopped_early=bool(stopped_early),
                          reason=reason)
