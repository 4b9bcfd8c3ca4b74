"""Wiring and brian2 objects of a :class:`SpikingEIReservoir`."""

from __future__ import annotations

import numpy as np
from brian2 import (
    Clock,
    Hz,
    Network,
    NetworkOperation,
    NeuronGroup,
    PoissonInput,
    SpikeMonitor,
    StateMonitor,
    Synapses,
    ms,
    mV,
    nS,
)

from reservoirs.connectivity import input_matrix

from .connectivity import bernoulli_edges
from .equations import input_rate_equation, neuron_equations, synaptic_unit
from .plasticity import istdp_model
from .state import _NEVER, ReservoirState
from .units import UNITS

_BACKGROUND_SOURCES = 100


def _connect(synapses, pre, post):
    """Create the synapses ``pre[k] -> post[k]``; none when the drawn graph has no edges.

    brian2's ``Synapses.connect`` fails on empty index arrays, but a pathway without edges
    (``connectivity=0``, or a small network that happened to draw none) is a valid network:
    the ``Synapses`` object then simply holds no synapse (``connect(False)`` marks it
    connected without creating any).
    """
    if len(pre):
        synapses.connect(i=pre, j=post)
    else:
        synapses.connect(False)


class _Builder:
    """Draws the wiring and initial state and creates the brian2 network (part of
    :class:`SpikingEIReservoir`)."""

    def _wire(self, rng):
        ne, ni = self.n_exc, self.n_inh
        p = self.connectivity
        self._ee = bernoulli_edges(ne, self.n_neurons, p, rng)                       # E -> all
        self._ie = bernoulli_edges(ni, ne, p, rng, offset_pre=ne, offset_post=0)    # I -> E
        self._ii = bernoulli_edges(ni, ni, p, rng, offset_pre=ne, offset_post=ne)   # I -> I
        win = input_matrix(self.n_neurons, self.n_inputs, self.input_fraction,
                           self.input_scale, rng)
        self._input_targets = np.flatnonzero(np.any(win != 0, axis=1))
        if self._input_targets.size == 0:          # input_scale == 0: keep the chosen neurons
            n_in = max(1, int(round(self.input_fraction * self.n_neurons)))
            self._input_targets = np.sort(rng.permutation(self.n_neurons)[:n_in])
        self._w_in = win[self._input_targets]           # (n_targets, d)
        n_ie = self._ie[0].size
        self._weight_sample = np.sort(rng.choice(n_ie, size=min(self.weight_samples, n_ie),
                                                 replace=False))

    def _draw_filter_time_constants(self, rng):
        """Per-neuron feature-filter time constants (ms): log-uniform, or all ``tau_filter``."""
        if self.tau_filter_max is None:
            return np.full(self.n_exc, self.tau_filter)
        return np.exp(rng.uniform(np.log(self.tau_filter), np.log(self.tau_filter_max),
                                  self.n_exc))
    def _draw_initial_state(self, rng):
        n = self.n_neurons
        v = (self.v_reset + rng.uniform(size=n) * (self.v_threshold - self.v_reset)) * 1e-3
        n_ie = self._ie[0].size
        plastic = self.plasticity is not None
        return ReservoirState(v=v, ge=np.zeros(n), gi=np.zeros(n),
                              since_spike=np.full(n, -_NEVER), trace=np.zeros(self.n_exc),
                              Apre=np.zeros(n_ie) if plastic else None,
                              Apost=np.zeros(n_ie) if plastic else None)

    def _namespace(self, timed_input):
        wunit = UNITS[synaptic_unit(self.synapse)]
        ns = {"tau_m": self.tau_m * ms, "tau_e": self.tau_e * ms, "tau_i": self.tau_i * ms,
              "v_rest": self.v_rest * mV, "v_threshold": self.v_threshold * mV,
              "v_reset": self.v_reset * mV, "e_exc": self.e_exc * mV, "e_inh": self.e_inh * mV,
              "g_leak": self.g_leak * nS, "w_exc": self.w_exc * wunit,
              "w_inh": self.g * self.w_exc * wunit, "input_rate": self.input_rate * Hz,
              "input_weight": self.input_weight * wunit}
        if self.plasticity is not None:
            ns.update(tau_stdp=self.plasticity.tau * ms, w_max=self.plasticity.w_max)
        if timed_input is not None:
            ns["u_in"] = timed_input
        return ns

    def _build(self, timed_input):
        """Create every brian2 object; ``timed_input`` is the standalone TimedArray or None."""
        standalone = timed_input is not None
        plastic = self.plasticity is not None
        current = self.input_mode == "current"
        ns = self._namespace(timed_input)
        clock = Clock(self.dt * ms)
        eqs = neuron_equations(self.synapse, self.n_inputs, input_from_timed_array=standalone,
                               current_input=current, plastic=plastic)
        neurons = NeuronGroup(self.n_neurons, eqs, threshold="v > v_threshold",
                              reset="v = v_reset", refractory=self.refractory * ms,
                              method=self._integration_method(),
                              namespace=ns, clock=clock, name="neurons")
        if plastic:   # I neurons carry no target (their inputs are not plastic)
            neurons.target_rate = np.concatenate([self._target_rates, np.zeros(self.n_inh)]) * Hz
        exc, inh = neurons[:self.n_exc], neurons[self.n_exc:]
        syn_exc = Synapses(exc, neurons, on_pre="ge_post += w_exc", namespace=ns, clock=clock,
                           name="syn_exc")
        _connect(syn_exc, self._ee[0], self._ee[1])
        inh_effect = "gi_post += w * w_inh"
        objects = {"neurons": neurons, "syn_exc": syn_exc}
        if plastic:   # I -> E learns, I -> I stays fixed
            syn_ie = Synapses(inh, exc, **istdp_model(inh_effect), namespace=ns, clock=clock,
                              name="syn_ie")
            _connect(syn_ie, self._ie[0], self._ie[1])
            syn_ii = Synapses(inh, inh, model="w : 1", on_pre=inh_effect, namespace=ns,
                              clock=clock, name="syn_ii")
            _connect(syn_ii, self._ii[0], self._ii[1])
            objects.update(syn_ie=syn_ie, syn_ii=syn_ii)
        else:         # one pathway for all inhibitory synapses (as in the CUBA benchmark)
            syn_inh = Synapses(inh, neurons, model="w : 1", on_pre=inh_effect, namespace=ns,
                               clock=clock, name="syn_inh")
            _connect(syn_inh, np.concatenate([self._ie[0], self._ii[0]]),
                     np.concatenate([self._ie[1], self._ii[1] + self.n_exc]))
            objects["syn_inh"] = syn_inh
        spikes = SpikeMonitor(neurons, name="spikes")
        objects["spikes"] = spikes
        if self.background_rate > 0:
            wunit = UNITS[synaptic_unit(self.synapse)]
            objects["background"] = PoissonInput(
                neurons, "ge", N=_BACKGROUND_SOURCES,
                rate=self.background_rate / _BACKGROUND_SOURCES * Hz,
                weight=self.background_weight * wunit)
        if not current:
            units = NeuronGroup(self._input_targets.size,
                                input_rate_equation(self.n_inputs,
                                                    input_from_timed_array=standalone),
                                threshold="rand() < rate * dt", namespace=ns, clock=clock,
                                name="input_units")
            syn_in = Synapses(units, neurons, on_pre="ge_post += input_weight", namespace=ns,
                              clock=clock, name="syn_input")
            syn_in.connect(i=np.arange(self._input_targets.size), j=self._input_targets)
            objects.update(input_units=units, syn_input=syn_in)
        if standalone:
            self._write_input_weights(objects)
        if plastic and self._weight_sample.size:
            objects["weights"] = StateMonitor(objects["syn_ie"], "w",
                                              record=self._weight_sample,
                                              clock=Clock(self.weight_dt * ms), name="weights")
        if not standalone:
            objects["input_step"] = NetworkOperation(self._on_step, clock=Clock(self.step * ms),
                                                     when="start", name="input_step")
        objects["network"] = Network(*objects.values())
        objects["namespace"] = ns
        return objects

    def _integration_method(self):
        """brian2 method: "exact" for cuba unless a synaptic tau equals tau_m.

        The exact solution of the linear cuba system divides by ``tau_m - tau_e`` and
        ``tau_m - tau_i`` (a ZeroDivisionError at run time when they are equal); there
        ``exponential_euler`` (exact for ``v`` with the synaptic inputs frozen over one dt)
        is used. coba (not linear in ``v`` and ``g``) uses ``euler``.
        """
        if self.synapse == "coba":
            return "euler"
        if np.isclose(self.tau_m, self.tau_e) or np.isclose(self.tau_m, self.tau_i):
            return "exponential_euler"
        return "exact"

    def _write_input_weights(self, objects):
        """Standalone: per-neuron input weights read by the TimedArray expression."""
        if self.input_mode == "current":
            neurons = objects["neurons"]
            for k in range(self.n_inputs):
                w = np.zeros(self.n_neurons)
                w[self._input_targets] = self._w_in[:, k]
                setattr(neurons, f"w_in{k}", w * mV)
        else:
            for k in range(self.n_inputs):
                setattr(objects["input_units"], f"m_in{k}", self._w_in[:, k])
