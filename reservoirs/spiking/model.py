"""``SpikingEIReservoir``: a leaky integrate-and-fire E/I reservoir on brian2.

The spiking counterpart of the rate reservoir: 4:1 excitatory/inhibitory LIF neurons with
sparse random connectivity (Vogels & Abbott 2005; Brette et al. 2007 benchmarks 1 and 2),
a global inhibition-to-excitation weight ratio ``g`` as the balance knob, Poisson
background drive, an input current (or rate-modulated Poisson drive) into a fraction of
the neurons that holds each input sample for ``step`` ms, and optional homeostatic
inhibitory plasticity (Vogels et al. 2011, :mod:`.plasticity`) that can run in an
adaptation phase and then be frozen.

It presents the reservoir protocol shared with the rate model: ``run(u, washout=0,
state=None) -> features (T, n_exc)``, ``reset()``, ``n_inputs``; the features are the
exponentially filtered excitatory spike trains (or binned counts) sampled once per input
step (:mod:`.features`).
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
import warnings
import weakref

import brian2
import numpy as np
from brian2 import (Clock, Hz, Network, NetworkOperation, NeuronGroup, PoissonInput, SpikeMonitor,
                    StateMonitor, Synapses, TimedArray, mV, ms, nS, second)

from reservoirs.connectivity import input_matrix
from workbench.validation import (check_array, check_choice, check_int, check_probability,
                                  check_range, check_seed)

from .activity import ReservoirActivityError, check_activity
from .codegen import TARGETS, resolve_target, runtime_target, standalone_device
from .connectivity import bernoulli_edges
from .equations import SYNAPSE_MODELS, input_rate_equation, neuron_equations, synaptic_unit
from .features import FEATURE_KINDS, step_features
from .monitors import Segment
from .plasticity import InhibitorySTDP, istdp_model
from .units import UNITS, to_float

__all__ = ["INPUT_MODES", "ReservoirState", "SpikingEIReservoir"]

#: Ways the input reaches the neurons.
INPUT_MODES = ("current", "poisson")

#: Benchmark defaults per synapse model (Brette et al. 2007, Vogels & Abbott 2005).
_DEFAULTS = {
    "cuba": {"w_exc": 1.62, "g": 9.0 / 1.62, "v_rest": -49.0},   # mV; g = 9 mV / 1.62 mV
    "coba": {"w_exc": 6.0, "g": 67.0 / 6.0, "v_rest": -60.0},    # nS; g = 67 nS / 6 nS
}
_BACKGROUND_SOURCES = 100
_GUARD_WINDOW = 50e-3        # seconds between two runaway checks (at least one input step)
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

    def copy(self) -> "ReservoirState":
        """Deep copy."""
        return ReservoirState(**{f.name: None if getattr(self, f.name) is None
                                 else np.array(getattr(self, f.name), copy=True)
                                 for f in dataclasses.fields(self)})


class SpikingEIReservoir:
    """Leaky integrate-and-fire E/I reservoir (brian2) with homeostatic inhibitory plasticity.

    Plain numbers are read in the unit named for each parameter (ms, mV, nS, Hz); brian2
    quantities are accepted too. Wrong dimensions or out-of-range values raise
    :class:`ValueError` naming the parameter.

    Parameters
    ----------
    n_neurons : int
        Total number of neurons (>= 5), default 1000.
    exc_fraction : float
        Share of excitatory neurons, default 0.8 (4:1 E/I).
    connectivity : float
        Connection probability ``p`` of every ordered pair (no autapses), default 0.08
        (80 inputs per neuron at 1000 neurons, as in Brette et al. 2007 at 4000 x 0.02).
    synapse : {"cuba", "coba"}
        Current- or conductance-based synapses (:mod:`.equations`).
    w_exc : float or Quantity, optional
        Excitatory weight: mV for cuba (default 1.62), nS for coba (default 6).
    g : float, optional
        Global inhibitory strength, ``w_inh = g * w_exc`` (>= 0): the balance knob.
        Defaults: cuba 9/1.62 = 5.56, coba 67/6 = 11.2 (the benchmarks' values). For cuba
        the mean recurrent input cancels at ``g = f_E tau_e / (f_I tau_i)`` (= 2 with the
        default time constants), see :attr:`balanced_g`.
    tau_m, tau_e, tau_i : float or Quantity
        Membrane and synaptic time constants (ms): 20, 5, 10. (cuba integrates exactly;
        when ``tau_e`` or ``tau_i`` equals ``tau_m`` it uses exponential Euler instead.)
    v_rest, v_threshold, v_reset : float or Quantity
        Resting (leak reversal), threshold and reset potentials (mV). ``v_rest`` defaults to
        -49 mV for cuba (suprathreshold, self-sustained as in the benchmark) and -60 mV for
        coba; threshold -50 mV, reset -60 mV.
    refractory : float or Quantity
        Absolute refractory period (ms), default 5.
    e_exc, e_inh : float or Quantity
        Reversal potentials of coba synapses (mV): 0 and -80.
    g_leak : float or Quantity
        Leak conductance of coba neurons (nS), default 10.
    background_rate : float or Quantity
        Total rate of external Poisson spikes arriving at each neuron (Hz), default 0.
    background_weight : float or Quantity, optional
        Weight of a background spike (mV or nS as ``w_exc``; default ``w_exc``).
    n_inputs : int
        Input dimension ``d``, default 1.
    input_mode : {"current", "poisson"}
        ``"current"``: ``I_in = W_in u`` (mV of steady depolarisation). ``"poisson"``:
        each input-receiving neuron gets its own Poisson train of rate
        ``input_rate * max(0, 1 + W_in u)`` through a synapse of weight ``input_weight``.
    input_fraction : float
        Share of neurons receiving input, in (0, 1], default 1. Measured (500 neurons,
        3 seeds, step 20 ms, heterogeneous filters): MC 2.43 +- 0.28 with input to every
        neuron against 2.24 +- 0.19 with 30 %; the readout sees only E neurons, and with
        30 % only a third of them are driven directly.
    input_scale : float or Quantity
        ``sigma_in``: input weights ``W_in ~ U(-sigma_in/2, sigma_in/2)`` on the chosen
        neurons (research note §1.4). mV in current mode (default 10), dimensionless
        modulation depth in Poisson mode.
    input_rate : float or Quantity
        Base rate of the Poisson input units (Hz), default 200.
    input_weight : float or Quantity, optional
        Weight of an input spike (mV or nS; default ``w_exc``).
    step : float or Quantity
        Duration of one input sample (ms), a multiple of ``dt``; default 20. At a few Hz
        per neuron a 10 ms step holds under one spike per neuron; 20 ms doubles the spikes
        that encode each sample (the current sample is read back with r^2 ~ 0.9 instead of
        ~0.7) and, with heterogeneous filters, raised MC from 2.03 to 2.43 (3 seeds).
    dt : float or Quantity
        Integration time step (ms), default 0.1.
    features : {"filtered", "counts"}
        Exponentially filtered spike trains or spike counts per step.
    tau_filter : float or Quantity
        Time constant of the feature filter (ms), default 10; the shortest one when
        ``tau_filter_max`` is given.
    tau_filter_max : float or Quantity, optional
        When given (default 320 ms), every excitatory neuron's trace gets its own time
        constant, log-uniform in ``[tau_filter, tau_filter_max]`` (drawn from ``seed``;
        :attr:`filter_time_constants`); ``None``: one ``tau_filter`` for all. The network
        itself forgets within ~2 steps (tau_m = 20 ms), and with one shared filter every
        trace is the same low-pass of its neuron's near-instantaneous response, so a
        linear readout cannot tell ``u(t-1)`` from ``u(t-2)``: MC stayed at 1.5-1.8 for any
        single tau (5-100 ms). A spread of 0.5-16 steps gives the readout a bank of memory
        kernels: MC 2.43 +- 0.28 against 1.68 +- 0.04 with one tau of 2 steps (3 seeds,
        step 20 ms, see the README).
    plasticity : InhibitorySTDP, optional
        Enables iSTDP on the I -> E synapses (learning only inside :meth:`adapt`).
    codegen : {"auto", "cython", "numpy", "cpp_standalone"}
        brian2 target (:mod:`.codegen`). ``"auto"`` picks cython when it compiles here,
        else numpy with a warning.
    build_dir : str, optional
        Build directory of the C++ standalone project (a private temporary directory,
        removed with the reservoir, when omitted).
    min_rate, max_rate : float
        Allowed mean excitatory rate (Hz), defaults 0.1 and 100. Outside it the segment is
        runaway or silent; runtime targets also stop a run early when the population rate
        over 50 ms exceeds ``max_rate``.
    on_bad_activity : {"raise", "flag"}
        Raise :class:`ReservoirActivityError` or flag the segment
        (``last_segment.activity.ok`` False, a :class:`RuntimeWarning`, NaN features for the
        part not simulated).
    weight_samples : int
        Number of I -> E synapses whose weights are recorded over time (plastic models).
    weight_dt : float or Quantity
        Sampling interval of the weight monitor (ms), default 10.
    seed : int or numpy.random.Generator, optional
        Seed of the wiring, the input weights, the initial state and every simulation.

    Examples
    --------
    >>> res = SpikingEIReservoir(200, codegen="numpy", seed=0)       # doctest: +SKIP
    >>> X = res.run(np.random.default_rng(0).uniform(-1, 1, 50))     # doctest: +SKIP
    >>> X.shape                                                       # doctest: +SKIP
    (50, 160)
    """

    def __init__(self, n_neurons=1000, *, exc_fraction=0.8, connectivity=0.08, synapse="cuba",
                 w_exc=None, g=None, tau_m=20.0, tau_e=5.0, tau_i=10.0, v_rest=None,
                 v_threshold=-50.0, v_reset=-60.0, refractory=5.0, e_exc=0.0, e_inh=-80.0,
                 g_leak=10.0, background_rate=0.0, background_weight=None, n_inputs=1,
                 input_mode="current", input_fraction=1.0, input_scale=None, input_rate=200.0,
                 input_weight=None, step=20.0, dt=0.1, features="filtered", tau_filter=10.0,
                 tau_filter_max=320.0, plasticity=None, codegen="auto", build_dir=None,
                 min_rate=0.1, max_rate=100.0, on_bad_activity="raise", weight_samples=50,
                 weight_dt=10.0, seed=None):
        self._read_parameters(locals())
        rng = check_seed(seed)
        self._build_seed = int(rng.integers(2 ** 31 - 1))
        self._run_rng = np.random.default_rng(rng.integers(2 ** 63 - 1))
        self._wire(np.random.default_rng(self._build_seed))
        self._target = resolve_target(self.codegen)
        self._initial_state = self._draw_initial_state(np.random.default_rng(self._build_seed + 1))
        self._tau_filters = self._draw_filter_time_constants(
            np.random.default_rng(self._build_seed + 2))
        self._weights_ie = np.ones(self._ie[0].size)
        self._weights_ii = np.ones(self._ii[0].size)
        self._state = self._initial_state.copy()
        self._time_ticks = 0
        self._objects = None
        self.last_segment: Segment | None = None
        #: Wall-clock seconds of the last segment: ``total_s`` (everything, including code
        #: generation and compilation) and ``loop_s`` (brian2's simulation loop alone).
        self.last_timing: dict = {}
        if self._target == "cpp_standalone":
            self._build_dir = build_dir or tempfile.mkdtemp(prefix="spiking_ei_")
            if build_dir is None:
                self._finalizer = weakref.finalize(self, shutil.rmtree, self._build_dir, True)
        else:
            with runtime_target(self._target):
                self._objects = self._build(timed_input=None)
                self._write_weights(self._objects)
                self._write_state(self._objects, self._state, now=0.0)

    # ------------------------------------------------------------------ parameters
    def _read_parameters(self, given):
        self.n_neurons = check_int(given["n_neurons"], "n_neurons", 5, 10 ** 6)
        check_range(given["exc_fraction"], "exc_fraction", 0, 1, low_inclusive=False,
                    high_inclusive=False)
        self.n_exc = int(round(given["exc_fraction"] * self.n_neurons))
        self.n_inh = self.n_neurons - self.n_exc
        if not (1 <= self.n_exc < self.n_neurons):
            raise ValueError(f"exc_fraction must leave at least one E and one I neuron among "
                             f"{self.n_neurons}, got {given['exc_fraction']}")
        self.connectivity = float(check_probability(given["connectivity"], "connectivity"))
        self.synapse = check_choice(given["synapse"], "synapse", SYNAPSE_MODELS)
        defaults = _DEFAULTS[self.synapse]
        wunit = synaptic_unit(self.synapse)
        self.w_exc = to_float(defaults["w_exc"] if given["w_exc"] is None else given["w_exc"],
                              "w_exc", wunit, 0, 1000, low_inclusive=False)
        self.g = to_float(defaults["g"] if given["g"] is None else given["g"], "g", "1", 0, 1000)
        for name in ("tau_m", "tau_e", "tau_i"):
            setattr(self, name, to_float(given[name], name, "ms", 0, 1e4, low_inclusive=False))
        self.v_rest = to_float(defaults["v_rest"] if given["v_rest"] is None else given["v_rest"],
                               "v_rest", "mV", -200, 100)
        self.v_threshold = to_float(given["v_threshold"], "v_threshold", "mV", -200, 100)
        self.v_reset = to_float(given["v_reset"], "v_reset", "mV", -200, self.v_threshold,
                                high_inclusive=False)
        self.refractory = to_float(given["refractory"], "refractory", "ms", 0, 1000)
        self.e_exc = to_float(given["e_exc"], "e_exc", "mV", self.v_threshold, 200,
                              low_inclusive=False)
        self.e_inh = to_float(given["e_inh"], "e_inh", "mV", -300, self.v_reset)
        self.g_leak = to_float(given["g_leak"], "g_leak", "nS", 0, 1e6, low_inclusive=False)
        self.background_rate = to_float(given["background_rate"], "background_rate", "Hz", 0, 1e6)
        bgw = given["background_weight"]
        self.background_weight = to_float(self.w_exc if bgw is None else bgw, "background_weight",
                                          wunit, 0, 1000)
        self.n_inputs_ = check_int(given["n_inputs"], "n_inputs", 1, 1000)
        self.input_mode = check_choice(given["input_mode"], "input_mode", INPUT_MODES)
        self.input_fraction = float(check_range(given["input_fraction"], "input_fraction", 0, 1,
                                                low_inclusive=False))
        scale_unit = "mV" if self.input_mode == "current" else "1"
        scale = given["input_scale"]
        if scale is None:
            scale = 10.0 if self.input_mode == "current" else 1.0
        self.input_scale = to_float(scale, "input_scale", scale_unit, 0, 1e4)
        self.input_rate = to_float(given["input_rate"], "input_rate", "Hz", 0, 1e5,
                                   low_inclusive=False)
        inw = given["input_weight"]
        self.input_weight = to_float(self.w_exc if inw is None else inw, "input_weight", wunit,
                                     0, 1000)
        self.dt = to_float(given["dt"], "dt", "ms", 0, 10, low_inclusive=False)
        self.step = to_float(given["step"], "step", "ms", self.dt, 1e5)
        self.step_ticks = self._ticks(self.step, "step")
        self.features = check_choice(given["features"], "features", FEATURE_KINDS)
        self.tau_filter = to_float(given["tau_filter"], "tau_filter", "ms", 0, 1e5,
                                   low_inclusive=False)
        tmax = given["tau_filter_max"]
        self.tau_filter_max = None if tmax is None else to_float(
            tmax, "tau_filter_max", "ms", self.tau_filter, 1e5)
        plasticity = given["plasticity"]
        if plasticity is not None and not isinstance(plasticity, InhibitorySTDP):
            raise ValueError(f"plasticity must be None or an InhibitorySTDP, got {plasticity!r}")
        self.plasticity = plasticity
        self._target_rates = None if plasticity is None else plasticity.rates_for(self.n_exc)
        self.codegen = check_choice(given["codegen"], "codegen", TARGETS)
        self.min_rate = to_float(given["min_rate"], "min_rate", "Hz", 0, None)
        self.max_rate = to_float(given["max_rate"], "max_rate", "Hz", self.min_rate, None,
                                 low_inclusive=False)
        self.on_bad_activity = check_choice(given["on_bad_activity"], "on_bad_activity",
                                            ("raise", "flag"))
        self.weight_samples = check_int(given["weight_samples"], "weight_samples", 0, 10 ** 6)
        self.weight_dt = to_float(given["weight_dt"], "weight_dt", "ms", self.dt, 1e5)
        self._ticks(self.weight_dt, "weight_dt")

    def _ticks(self, duration_ms, name):
        ticks = int(round(duration_ms / self.dt))
        if abs(ticks * self.dt - duration_ms) > 1e-9 * max(1.0, duration_ms):
            raise ValueError(f"{name} must be a multiple of dt={self.dt} ms, got {duration_ms} ms")
        return ticks

    @property
    def n_inputs(self) -> int:
        """Input dimension ``d`` of ``u`` (T, d)."""
        return self.n_inputs_

    @property
    def n_features(self) -> int:
        """Number of readout features: one per excitatory neuron."""
        return self.n_exc

    @property
    def target(self) -> str:
        """The concrete brian2 target in use ("cython", "numpy" or "cpp_standalone")."""
        return self._target

    @property
    def time(self) -> float:
        """Biological time simulated so far (s)."""
        return self._time_ticks * self.dt * 1e-3

    @property
    def balanced_g(self) -> float:
        """``g`` at which the mean E and I input cancel in the cuba model.

        Notes
        -----
        A spike of weight ``w`` into an exponential synapse of time constant ``tau``
        carries the charge ``w tau``; with ``N_E`` and ``N_I`` presynaptic populations firing
        at equal rates the mean inputs cancel when ``N_E w_exc tau_e = N_I g w_exc tau_i``,
        i.e. ``g = N_E tau_e / (N_I tau_i)`` (Brunel 2000's ``g = 4`` for equal time
        constants at 4:1).
        """
        return self.n_exc * self.tau_e / (self.n_inh * self.tau_i)

    def params(self) -> dict:
        """Constructor parameters in their documented units (JSON-friendly provenance)."""
        names = ("n_neurons", "connectivity", "synapse", "w_exc", "g", "tau_m", "tau_e", "tau_i",
                 "v_rest", "v_threshold", "v_reset", "refractory", "e_exc", "e_inh", "g_leak",
                 "background_rate", "background_weight", "input_mode", "input_fraction",
                 "input_scale", "input_rate", "input_weight", "step", "dt", "features",
                 "tau_filter", "tau_filter_max", "codegen", "min_rate", "max_rate",
                 "on_bad_activity")
        out = {n: getattr(self, n) for n in names}
        out.update(n_exc=self.n_exc, n_inputs=self.n_inputs, target=self._target,
                   plastic=self.plasticity is not None)
        if self.plasticity is not None:
            out.update(istdp_eta=self.plasticity.eta, istdp_tau=self.plasticity.tau,
                       istdp_w_max=self.plasticity.w_max,
                       target_rate_mean=float(self._target_rates.mean()))
        return out

    # ------------------------------------------------------------------ construction
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

    @property
    def filter_time_constants(self) -> np.ndarray:
        """Time constant (ms) of each excitatory neuron's feature filter, shape (n_exc,)."""
        return self._tau_filters.copy()

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
        syn_exc.connect(i=self._ee[0], j=self._ee[1])
        inh_effect = "gi_post += w * w_inh"
        objects = {"neurons": neurons, "syn_exc": syn_exc}
        if plastic:   # I -> E learns, I -> I stays fixed
            syn_ie = Synapses(inh, exc, **istdp_model(inh_effect), namespace=ns, clock=clock,
                              name="syn_ie")
            syn_ie.connect(i=self._ie[0], j=self._ie[1])
            syn_ii = Synapses(inh, inh, model="w : 1", on_pre=inh_effect, namespace=ns,
                              clock=clock, name="syn_ii")
            syn_ii.connect(i=self._ii[0], j=self._ii[1])
            objects.update(syn_ie=syn_ie, syn_ii=syn_ii)
        else:         # one pathway for all inhibitory synapses (as in the CUBA benchmark)
            syn_inh = Synapses(inh, neurons, model="w : 1", on_pre=inh_effect, namespace=ns,
                               clock=clock, name="syn_inh")
            syn_inh.connect(i=np.concatenate([self._ie[0], self._ii[0]]),
                            j=np.concatenate([self._ie[1], self._ii[1] + self.n_exc]))
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

    # ------------------------------------------------------------------ state and weights
    def _write_weights(self, objects):
        if "syn_inh" in objects:
            objects["syn_inh"].w_ = np.concatenate([self._weights_ie, self._weights_ii])
        else:
            objects["syn_ie"].w_ = self._weights_ie
            objects["syn_ii"].w_ = self._weights_ii

    def _read_weights(self, objects):
        if "syn_inh" in objects:
            w = np.array(objects["syn_inh"].w_[:], dtype=float)
            self._weights_ie, self._weights_ii = w[:self._ie[0].size], w[self._ie[0].size:]
        else:
            self._weights_ie = np.array(objects["syn_ie"].w_[:], dtype=float)
            self._weights_ii = np.array(objects["syn_ii"].w_[:], dtype=float)

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

    def reset_weights(self) -> None:
        """Set every inhibitory weight factor ``w`` back to 1 (undo plasticity)."""
        self._weights_ie = np.ones(self._ie[0].size)
        self._weights_ii = np.ones(self._ii[0].size)
        if self._objects is not None:
            with runtime_target(self._target):
                self._write_weights(self._objects)

    @property
    def inhibitory_weights(self):
        """I -> E synapses as ``(pre, post, w)``: E-local post index, I-local pre index.

        ``w`` is the weight factor (conductance jump ``w * g * w_exc``).
        """
        if self._objects is not None:
            self._read_weights(self._objects)
        return self._ie[0].copy(), self._ie[1].copy(), self._weights_ie.copy()

    def mean_inhibitory_weight(self) -> np.ndarray:
        """Mean weight factor of the inhibitory inputs of each excitatory neuron."""
        _, post, w = self.inhibitory_weights
        total = np.bincount(post, weights=w, minlength=self.n_exc)
        count = np.bincount(post, minlength=self.n_exc)
        return np.divide(total, count, out=np.full(self.n_exc, np.nan), where=count > 0)

    @property
    def target_rates(self) -> np.ndarray | None:
        """Per-neuron iSTDP target rates (Hz) of the excitatory neurons, or None."""
        return None if self._target_rates is None else self._target_rates.copy()

    def _now(self) -> float:
        return self._time_ticks * self.dt * 1e-3

    # ------------------------------------------------------------------ running
    def _check_input(self, u):
        u = check_array(u, "u", ndim=(1, 2), min_length=1)
        if u.ndim == 1:
            u = u[:, None]
        if u.shape[1] != self.n_inputs:
            raise ValueError(f"u must have shape (T, {self.n_inputs}), got {u.shape}")
        return u

    def run(self, u, washout=0, state=None) -> np.ndarray:
        """Drive the reservoir with ``u`` (plasticity frozen) and return its features.

        Parameters
        ----------
        u : array_like, shape (T,) or (T, n_inputs)
            Input samples; each is held for ``step`` ms.
        washout : int
            Leading steps dropped from the returned features, in [0, T).
        state : ReservoirState, optional
            Start from this state; by default continue from the current one.

        Returns
        -------
        numpy.ndarray, shape (T - washout, n_exc)
            Filtered excitatory spike trains (or counts) at the end of each input step.

        Raises
        ------
        ReservoirActivityError
            Runaway or silent activity (``on_bad_activity="raise"``).
        """
        u = self._check_input(u)
        washout = check_int(washout, "washout", 0, u.shape[0] - 1)
        if state is not None:
            self.set_state(state)
        features = self._simulate(u, plastic=False)
        return features[washout:]

    def adapt(self, u=None, *, duration=None) -> Segment:
        """Adaptation phase: simulate with iSTDP on, then freeze the weights again.

        Parameters
        ----------
        u : array_like, shape (T,) or (T, n_inputs), optional
            Input to adapt under (task-like statistics); zeros when omitted.
        duration : float or Quantity, optional
            Length (ms) of an input-free adaptation; exactly one of ``u`` and ``duration``.

        Returns
        -------
        Segment
            The adaptation's recordings (also ``last_segment``).
        """
        if self.plasticity is None:
            raise ValueError("plasticity is None: build the reservoir with "
                             "plasticity=InhibitorySTDP(...) to adapt it")
        if (u is None) == (duration is None):
            raise ValueError("give exactly one of u and duration")
        if u is None:
            duration = to_float(duration, "duration", "ms", self.step, None)
            u = np.zeros((int(round(duration / self.step)), self.n_inputs))
        u = self._check_input(u)
        self._simulate(u, plastic=True)
        return self.last_segment

    def _simulate(self, u, plastic):
        run_seed = int(self._run_rng.integers(2 ** 31 - 1))
        started = time.perf_counter()
        if self._target == "cpp_standalone":
            result = self._simulate_standalone(u, plastic, run_seed)
        else:
            result = self._simulate_runtime(u, plastic, run_seed)
        ticks, neurons, n_ticks, stopped, wt, ww = result
        self.last_timing["total_s"] = time.perf_counter() - started
        t_start = self._now()
        n_steps = u.shape[0]
        duration = n_ticks * self.dt * 1e-3
        exc = neurons < self.n_exc
        rate_e = np.count_nonzero(exc) / (self.n_exc * duration)
        rate_i = np.count_nonzero(~exc) / (self.n_inh * duration)
        report = check_activity(rate_e, rate_i, (self.min_rate, self.max_rate), stopped)
        done_steps = min(n_steps, n_ticks // self.step_ticks)
        keep = ticks < done_steps * self.step_ticks
        feats, trace = step_features(self.features, ticks[exc & keep], neurons[exc & keep],
                                     self.n_exc, done_steps, self.step_ticks, self.dt * 1e-3,
                                     self._tau_filters * 1e-3, self._state.trace)
        if done_steps < n_steps:
            feats = np.vstack([feats, np.full((n_steps - done_steps, self.n_exc), np.nan)])
        self._state.trace = trace
        self._time_ticks += n_ticks
        self.last_segment = Segment(kind="adapt" if plastic else "run", t_start=t_start,
                                    duration=duration, n_steps=n_steps, dt=self.dt * 1e-3,
                                    n_exc=self.n_exc, n_neurons=self.n_neurons,
                                    spike_ticks=ticks, spike_neurons=neurons, activity=report,
                                    weight_times=wt, weights=ww)
        if not report.ok:
            if self.on_bad_activity == "raise":
                raise ReservoirActivityError(report)
            warnings.warn(report.reason, RuntimeWarning, stacklevel=3)
        return feats

    # runtime (numpy / cython) --------------------------------------------------------
    def _on_step(self, t):
        """Network operation at the start of each input step: apply the next input sample."""
        k = int(round((float(t / second) - self._segment_t0) / (self.step * 1e-3)))
        if k >= self._segment_drive.shape[0]:
            return
        self._drive_values[self._drive_index] = self._segment_drive[k]
        if self._guard_every and k and k % self._guard_every == 0:
            count = int(self._spike_count.get_value()[0])
            rate = (count - self._guard_count) / (self.n_neurons * self._guard_every
                                                  * self.step * 1e-3)
            self._guard_count = count
            if rate > self.max_rate:
                self._stopped = True
                self._objects["network"].stop()

    def _simulate_runtime(self, u, plastic, run_seed):
        obj = self._objects
        now = self._now()
        spikes = obj["spikes"]
        first_spike = int(spikes.num_spikes)
        if self.input_mode == "current":
            self._drive_values = obj["neurons"].variables["I_in"].get_value()
            self._drive_index = self._input_targets
            self._segment_drive = (u @ self._w_in.T) * 1e-3            # volts, (T, n_targets)
        else:
            self._drive_values = obj["input_units"].variables["rate"].get_value()
            self._drive_index = slice(None)                           # one unit per target
            self._segment_drive = self.input_rate * np.clip(1 + u @ self._w_in.T, 0, None)
        self._segment_t0 = now
        self._spike_count = spikes.variables["N"]
        self._guard_count = first_spike
        self._guard_every = max(1, int(round(_GUARD_WINDOW / (self.step * 1e-3))))
        self._stopped = False
        if self.plasticity is not None:
            obj["syn_ie"].eta = self.plasticity.eta if plastic else 0.0
        n_ticks = u.shape[0] * self.step_ticks
        try:
            with runtime_target(self._target):
                brian2.seed(run_seed)
                loop_start = time.perf_counter()
                obj["network"].run(n_ticks * self.dt * ms, namespace=obj["namespace"])
                self.last_timing = {"loop_s": time.perf_counter() - loop_start}
                ran = int(round(obj["network"].t_ / (self.dt * 1e-3))) - self._time_ticks
                if self._stopped and ran % self.step_ticks:
                    # realign with the input-step grid (a few dt of an already failed run)
                    obj["network"].run((self.step_ticks - ran % self.step_ticks) * self.dt * ms,
                                       namespace=obj["namespace"])
        finally:
            self._drive_values[:] = 0.0
            if self.plasticity is not None:
                obj["syn_ie"].eta = 0.0
        total = int(round(obj["network"].t_ / (self.dt * 1e-3))) - self._time_ticks
        t_abs = np.asarray(spikes.t_[first_spike:])
        ticks = np.rint(t_abs / (self.dt * 1e-3)).astype(np.int64) - self._time_ticks
        neurons = np.asarray(spikes.i_[first_spike:], dtype=np.int64)
        keep = ticks < total
        wt = ww = None
        if "weights" in obj:
            mon = obj["weights"]
            times = np.asarray(mon.t_[:])
            sel = (times >= now - 1e-12) & (times < now + total * self.dt * 1e-3 - 1e-12)
            wt, ww = times[sel] - now, np.asarray(mon.w[:, sel]).T
        self._read_weights(obj)
        self._state = self._read_state(obj, now + total * self.dt * 1e-3, self._state.trace)
        return ticks[keep], neurons[keep], total, self._stopped, wt, ww

    # C++ standalone --------------------------------------------------------------------
    def _simulate_standalone(self, u, plastic, run_seed):
        n_ticks = u.shape[0] * self.step_ticks
        duration = n_ticks * self.dt * 1e-3
        with standalone_device(self._build_dir) as device:
            timed = TimedArray(u, dt=self.step * ms, name="u_in")
            obj = self._build(timed_input=timed)
            self._write_weights(obj)
            self._write_state(obj, self._state, now=0.0)
            if self.plasticity is not None:
                obj["syn_ie"].eta = self.plasticity.eta if plastic else 0.0
            brian2.seed(run_seed)
            obj["network"].run(duration * second, namespace=obj["namespace"])
            device.build(directory=self._build_dir, compile=True, run=True, with_output=False)
            self.last_timing = {"loop_s": float(device._last_run_time)}
            spikes = obj["spikes"]
            ticks = np.rint(np.asarray(spikes.t_[:]) / (self.dt * 1e-3)).astype(np.int64)
            neurons = np.asarray(spikes.i_[:], dtype=np.int64)
            wt = ww = None
            if "weights" in obj:
                wt = np.asarray(obj["weights"].t_[:])
                ww = np.asarray(obj["weights"].w[:]).T
            self._read_weights(obj)
            self._state = self._read_state(obj, duration, self._state.trace)
        keep = ticks < n_ticks
        return ticks[keep], neurons[keep], n_ticks, False, wt, ww
