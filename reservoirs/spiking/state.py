"""Dynamical state of a :class:`SpikingEIReservoir`: the snapshot and its transfer to brian2."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from workbench.validation import check_array

from .codegen import runtime_target

__all__ = ["ReservoirState"]

_NEVER = -1e4                # brian2's initial lastspike (s): "never fired"


@dataclasses.dataclass
class ReservoirState:
    """Dynamical state of the reservoir (everything but the weights), SI units.

    Attributes
    ----------
    v, ge, gi : numpy.ndarray, shape (n_neurons,)
        Membrane potentials (V) and synaptic variables (V for cuba, S for coba).
    since_spike : numpy.ndarray, shape (n_neurons,)
        Time since each neuron's last spike (s); large for "never".
    Apre, Apost : numpy.ndarray or None
        iSTDP traces of the I -> E synapses at this moment (plastic models only).
    trace : numpy.ndarray, shape (n_exc,)
        State of the feature filter.
    """

    v: np.ndarray
    ge: np.ndarray
    gi: np.ndarray
    since_spike: np.ndarray
    trace: np.ndarray
    Apre: np.ndarray | None = None
    Apost: np.ndarray | None = None

    def copy(self) -> ReservoirState:
        """Deep copy."""
        fields: dict[str, Any] = {f.name: None if getattr(self, f.name) is None
                                  else np.array(getattr(self, f.name), copy=True)
                                  for f in dataclasses.fields(self)}
        return ReservoirState(**fields)


class _StateAccess:
    """Reading, writing and resetting the dynamical state (part of :class:`SpikingEIReservoir`)."""

    n_neurons: int
    n_exc: int
    dt: float
    refractory: float
    plasticity: Any
    _ie: tuple[np.ndarray, np.ndarray]
    _objects: dict | None
    _state: ReservoirState
    _initial_state: ReservoirState
    _target: str
    _time_ticks: int

    def _write_state(self, objects, state, now):
        neurons = objects["neurons"]
        neurons.v_ = state.v
        neurons.ge_ = state.ge
        neurons.gi_ = state.gi
        neurons.lastspike_ = now - state.since_spike
        neurons.not_refractory_ = state.since_spike >= self.refractory * 1e-3
        if self.plasticity is not None:
            syn = objects["syn_ie"]
            syn.Apre_ = state.Apre
            syn.Apost_ = state.Apost
            syn.lastupdate_ = np.full(state.Apre.size, now)

    def _read_state(self, objects, now, trace):
        neurons = objects["neurons"]
        Apre = Apost = None
        if self.plasticity is not None:
            syn = objects["syn_ie"]
            decay = np.exp(-(now - np.asarray(syn.lastupdate_[:])) / (self.plasticity.tau * 1e-3))
            Apre = np.asarray(syn.Apre_[:]) * decay
            Apost = np.asarray(syn.Apost_[:]) * decay
        since = now - np.asarray(neurons.lastspike_[:], dtype=float)
        return ReservoirState(v=np.array(neurons.v_[:]), ge=np.array(neurons.ge_[:]),
                              gi=np.array(neurons.gi_[:]), since_spike=since,
                              trace=np.array(trace), Apre=Apre, Apost=Apost)

    def get_state(self) -> ReservoirState:
        """A copy of the current dynamical state (not the weights)."""
        if self._objects is not None:
            self._state = self._read_state(self._objects, self._now(), self._state.trace)
        return self._state.copy()

    def set_state(self, state: ReservoirState) -> None:
        """Continue from ``state`` (e.g. one returned by :meth:`get_state`)."""
        if not isinstance(state, ReservoirState):
            raise ValueError(f"state must be a ReservoirState (from get_state()), got {state!r}")
        expected = {"v": self.n_neurons, "ge": self.n_neurons, "gi": self.n_neurons,
                    "since_spike": self.n_neurons, "trace": self.n_exc}
        for name, size in expected.items():
            check_array(getattr(state, name), f"state.{name}", shape=(size,))
        if self.plasticity is not None:
            for name in ("Apre", "Apost"):
                check_array(getattr(state, name), f"state.{name}", shape=(self._ie[0].size,))
        self._state = state.copy()
        if self._objects is not None:
            with runtime_target(self._target):
                self._write_state(self._objects, self._state, self._now())

    def reset(self) -> None:
        """Back to the initial dynamical state (same draw as at construction).

        Weights, including those learned by :meth:`adapt`, are kept; see
        :meth:`reset_weights`. Simulated time keeps running.
        """
        self.set_state(self._initial_state)


    def _now(self) -> float:
        return self._time_ticks * self.dt * 1e-3
