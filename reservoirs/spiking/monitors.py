"""What one simulated segment recorded: spikes, rates, inhibitory weights, activity check.

Every call of :meth:`SpikingEIReservoir.run` or :meth:`SpikingEIReservoir.adapt` leaves a
:class:`Segment` in ``reservoir.last_segment``. Population and per-neuron rates are
derived from the recorded spikes (:mod:`.features`), so no extra brian2 monitors run.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from workbench.validation import check_choice, check_positive

from .activity import ActivityReport
from .features import neuron_rates, population_rate

__all__ = ["Segment"]


@dataclasses.dataclass
class Segment:
    """Recordings of one simulated segment.

    Attributes
    ----------
    kind : {"run", "adapt"}
        Frozen run or plastic adaptation.
    t_start : float
        Reservoir time at the start of the segment (s).
    duration : float
        Simulated length (s); shorter than ``n_steps * step`` when stopped early.
    n_steps : int
        Input steps requested.
    dt : float
        Simulation time step (s).
    n_exc, n_neurons : int
        Population sizes; neurons ``0 .. n_exc-1`` are excitatory.
    spike_ticks, spike_neurons : numpy.ndarray of int
        Every spike: time in ticks of ``dt`` from ``t_start``, and neuron index.
    activity : ActivityReport
        Result of the runaway/silence check.
    weight_times : numpy.ndarray or None
        Sample times (s, from ``t_start``) of the recorded inhibitory weights.
    weights : numpy.ndarray or None, shape (n_samples, n_recorded_synapses)
        Weight factors ``w`` of a random sample of I -> E synapses (plastic models).
    """

    kind: str
    t_start: float
    duration: float
    n_steps: int
    dt: float
    n_exc: int
    n_neurons: int
    spike_ticks: np.ndarray
    spike_neurons: np.ndarray
    activity: ActivityReport
    weight_times: np.ndarray | None = None
    weights: np.ndarray | None = None

    @property
    def spike_times(self) -> np.ndarray:
        """Spike times in seconds from the start of the segment."""
        return self.spike_ticks * self.dt

    def _population(self, population):
        check_choice(population, "population", ("exc", "inh", "all"))
        if population == "exc":
            return self.spike_neurons < self.n_exc, 0, self.n_exc
        if population == "inh":
            return self.spike_neurons >= self.n_exc, self.n_exc, self.n_neurons
        return np.ones(self.spike_neurons.shape, bool), 0, self.n_neurons

    def neuron_rates(self, population="all") -> np.ndarray:
        """Mean rate of each neuron of ``population`` ("exc", "inh" or "all") in Hz."""
        mask, first, last = self._population(population)
        return neuron_rates(self.spike_neurons[mask] - first, last - first, self.duration)

    def mean_rate(self, population="exc") -> float:
        """Population-averaged rate (Hz)."""
        return float(self.neuron_rates(population).mean())

    def population_rate(self, bin_width=5e-3, population="exc"):
        """Population rate in bins of ``bin_width`` seconds.

        Returns
        -------
        times : numpy.ndarray
            Bin starts (s from the segment start).
        rates : numpy.ndarray
            Rates (Hz).
        """
        check_positive(bin_width, "bin_width")
        mask, first, last = self._population(population)
        n_ticks = max(1, int(round(self.duration / self.dt)))
        bin_ticks = max(1, int(round(bin_width / self.dt)))
        rates = population_rate(self.spike_ticks[mask], last - first, n_ticks, bin_ticks, self.dt)
        return np.arange(rates.size) * bin_ticks * self.dt, rates
