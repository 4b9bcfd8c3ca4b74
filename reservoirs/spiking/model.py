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

import shutil
import tempfile
import weakref

import numpy as np

from workbench.validation import check_seed

from .build import _Builder
from .codegen import resolve_target, runtime_target
from .monitors import Segment
from .parameters import INPUT_MODES, _Parameters
from .simulation import _Simulation
from .state import ReservoirState, _StateAccess
from .weights import _InhibitoryWeights

__all__ = ["INPUT_MODES", "ReservoirState", "SpikingEIReservoir"]


class SpikingEIReservoir(_Parameters, _Builder, _StateAccess, _InhibitoryWeights, _Simulation):
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
        neurons (as the rate reservoir of Srinivasan, Plenz & Girvan 2025). mV in current
        mode (default 10), dimensionless modulation depth in Poisson mode.
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
        wiring, initial, filters = np.random.SeedSequence(self._build_seed).spawn(3)
        self._wire(np.random.default_rng(wiring))
        self._target = resolve_target(self.codegen)
        self._initial_state = self._draw_initial_state(np.random.default_rng(initial))
        self._tau_filters = self._draw_filter_time_constants(np.random.default_rng(filters))
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

    @property
    def filter_time_constants(self) -> np.ndarray:
        """Time constant (ms) of each excitatory neuron's feature filter, shape (n_exc,)."""
        return self._tau_filters.copy()

