"""Equations of the leaky integrate-and-fire E/I network (brian2 model strings).

Two synapse models, both from Brette et al. 2007 (J Comput Neurosci 23:349, benchmarks 1
and 2, after Vogels & Abbott 2005):

* ``"cuba"`` (current-based, benchmark 2): synaptic inputs ``g_e``, ``g_i`` are in volts,

  .. math:: \\tau_m \\dot v = -(v - E_L) + g_e - g_i + I_{in}, \\quad
            \\tau_e \\dot g_e = -g_e, \\quad \\tau_i \\dot g_i = -g_i;

* ``"coba"`` (conductance-based, benchmark 1): conductances in siemens,

  .. math:: C_m \\dot v = g_L (E_L - v) + g_e (E_e - v) + g_i (E_i - v)
            + g_L I_{in}, \\quad C_m = g_L \\tau_m .

A presynaptic spike increments ``g_e`` by ``w_exc`` (E synapses) or ``g_i`` by
``w * w_inh`` with ``w_inh = g * w_exc`` (I synapses; ``w`` is a per-synapse factor,
1 unless inhibitory plasticity changed it). Threshold ``v > v_threshold``, reset
``v = v_reset``, refractory period ``refractory`` (``unless refractory``: v clamped).

``I_in`` is the external input expressed as the steady-state depolarisation it would
cause (volts), so the same input scale means the same thing in both models.
"""

from __future__ import annotations

from workbench.validation import check_choice

__all__ = ["SYNAPSE_MODELS", "input_rate_equation", "neuron_equations", "synaptic_unit"]

#: Accepted synapse models.
SYNAPSE_MODELS = ("cuba", "coba")

_CUBA = """
dv/dt = (-(v - v_rest) + ge - gi + I_in) / tau_m : volt (unless refractory)
dge/dt = -ge / tau_e : volt
dgi/dt = -gi / tau_i : volt
"""

_COBA = """
dv/dt = (g_leak * (v_rest - v) + ge * (e_exc - v) + gi * (e_inh - v)) / (g_leak * tau_m) + I_in / tau_m : volt (unless refractory)
dge/dt = -ge / tau_e : siemens
dgi/dt = -gi / tau_i : siemens
"""


def synaptic_unit(synapse: str) -> str:
    """Unit name of synaptic weights: ``"mV"`` (cuba) or ``"nS"`` (coba)."""
    check_choice(synapse, "synapse", SYNAPSE_MODELS)
    return "mV" if synapse == "cuba" else "nS"


def _input_terms(n_inputs: int, prefix: str) -> str:
    return " + ".join(f"{prefix}{k} * u_in(t, {k})" for k in range(n_inputs))


def neuron_equations(synapse: str, n_inputs: int, *, input_from_timed_array: bool,
                     current_input: bool, plastic: bool) -> str:
    """Model string of the reservoir's NeuronGroup.

    Parameters
    ----------
    synapse : {"cuba", "coba"}
        Synapse model.
    n_inputs : int
        Input dimension ``d``.
    input_from_timed_array : bool
        True (C++ standalone): ``I_in = sum_k w_in_k * u_in(t, k)`` is computed from a
        2-D ``TimedArray`` ``u_in`` holding the input samples. False (runtime): ``I_in`` is
        a per-neuron parameter written once per input step by a network operation.
    current_input : bool
        Whether the input enters as the current ``I_in`` (False: Poisson input mode, where
        ``I_in`` is identically zero).
    plastic : bool
        Add the per-neuron ``target_rate`` used by inhibitory plasticity.

    Returns
    -------
    str
    """
    check_choice(synapse, "synapse", SYNAPSE_MODELS)
    eqs = _CUBA if synapse == "cuba" else _COBA
    if not current_input:
        eqs += "I_in = 0*volt : volt\n"
    elif input_from_timed_array:
        eqs += "".join(f"w_in{k} : volt (constant)\n" for k in range(n_inputs))
        eqs += f"I_in = {_input_terms(n_inputs, 'w_in')} : volt\n"
    else:
        eqs += "I_in : volt\n"
    if plastic:
        eqs += "target_rate : Hz (constant)\n"
    return eqs


def input_rate_equation(n_inputs: int, *, input_from_timed_array: bool) -> str:
    """Model string of the Poisson input units (``input_mode="poisson"``).

    Each unit fires with rate ``input_rate * max(0, 1 + sum_k m_k u_k(t))``: a
    rate-modulated Poisson drive with per-unit modulation depths ``m_k``. In runtime mode
    ``rate`` is written once per input step; in standalone mode it reads the TimedArray.
    """
    if input_from_timed_array:
        eqs = "".join(f"m_in{k} : 1 (constant)\n" for k in range(n_inputs))
        return eqs + (f"rate = input_rate * clip(1 + {_input_terms(n_inputs, 'm_in')}, 0, inf)"
                      " : Hz\n")
    return "rate : Hz\n"
