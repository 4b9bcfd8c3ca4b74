"""The spiking reservoir's neurons against analytic solutions of the current-based LIF model.

The model (Brette et al. 2007, benchmark 2; see ``reservoirs.spiking.equations``) is

    tau_m dv/dt = -(v - v_rest) + ge - gi + I_in,   tau_e dge/dt = -ge,   tau_i dgi/dt = -gi,

with threshold ``v > v_threshold``, reset to ``v_reset`` and an absolute refractory period
``t_ref``. Its closed-form consequences, checked here on the project's own reservoir class
(neurons whose synapses have no effect):

* constant drive, ``V_inf = v_rest + I_in > v_threshold``: after the first spike the neuron
  fires periodically with the interspike interval (Dayan & Abbott 2001, eq. 5.10, plus the
  refractory period)

      T = tau_m ln((V_inf - v_reset) / (V_inf - v_threshold)) + t_ref;

* one synaptic event ``ge(0) = w`` on a neuron at rest gives the difference-of-exponentials
  postsynaptic potential

      v(t) - v_rest = w tau_e / (tau_e - tau_m) (exp(-t/tau_e) - exp(-t/tau_m));

* the rate-modulated Poisson input units (``rand() < rate * dt`` per tick) emit counts that
  are Binomial(n_ticks, rate dt) per unit, independently across units.
"""

import numpy as np
import pytest
from scipy import stats

from reservoirs.spiking import ReservoirState, SpikingEIReservoir

DT = 0.1  # ms


def _isolated(codegen="numpy", **kw):
    """Five unconnected neurons (``connectivity=0``) with no input current: lone LIF neurons."""
    return SpikingEIReservoir(5, connectivity=0.0, input_scale=0.0,
                              tau_filter_max=None, min_rate=0.0, max_rate=1000.0, dt=DT,
                              codegen=codegen, seed=3, **kw)


def analytic_isi(v_inf, tau_m, v_reset, v_th, t_ref):
    """Dayan & Abbott 2001 eq. 5.10 with an absolute refractory period (ms)."""
    return tau_m * np.log((v_inf - v_reset) / (v_inf - v_th)) + t_ref


def _measured_isis(res, n_steps):
    res.run(np.zeros(n_steps))
    seg = res.last_segment
    isis = []
    for i in range(res.n_neurons):
        ticks = np.sort(seg.spike_ticks[seg.spike_neurons == i])
        assert ticks.size >= 4, f"neuron {i} fired only {ticks.size} times"
        isis.append(np.diff(ticks)[1:] * DT)     # drop the first interval (random initial v)
    return np.concatenate(isis)


def _check_isi(codegen, v_rest, tau_m, t_ref):
    res = _isolated(codegen, v_rest=v_rest, tau_m=tau_m, refractory=t_ref)
    isis = _measured_isis(res, n_steps=20)            # 400 ms
    want = analytic_isi(v_rest, tau_m, -60.0, -50.0, t_ref)
    # brian2 labels a spike with the start of the time step in which v crosses threshold, and
    # the reset (with t_ref a multiple of dt) puts every cycle on the same grid phase, so each
    # interval is the analytic T rounded down to the dt grid: T - dt < ISI <= T. A wrong
    # tau_m, reset, threshold or t_ref moves T by milliseconds (tau_m 20 -> 19 ms shifts it
    # by 0.7 ms at v_rest = -40 mV, t_ref 5 -> 4.9 ms by one full step).
    assert np.all(isis > want - DT), (isis.min(), want)
    assert np.all(isis <= want + 1e-9), (isis.max(), want)


@pytest.mark.parametrize("v_rest, tau_m, t_ref", [(-40.0, 20.0, 5.0), (-30.0, 10.0, 2.0),
                                                  (-49.0, 20.0, 5.0)])
def test_constant_drive_fires_at_the_analytic_interspike_interval(v_rest, tau_m, t_ref):
    _check_isi("numpy", v_rest, tau_m, t_ref)


@pytest.mark.slow
def test_analytic_interspike_interval_on_the_cython_target():
    from reservoirs.spiking.codegen import cython_available

    if not cython_available():
        pytest.skip("brian2's cython target cannot compile here")
    _check_isi("cython", -40.0, 20.0, 5.0)


def psp(t, w, tau_s, tau_m):
    """Difference-of-exponentials PSP of a current-based LIF neuron (V), t in ms."""
    return w * tau_s / (tau_s - tau_m) * (np.exp(-t / tau_s) - np.exp(-t / tau_m))


def test_single_synaptic_event_gives_the_two_exponential_psp():
    res = _isolated(v_rest=-70.0, step=1.0)
    trace = res.get_state().trace
    v0 = np.array([-70.0, -70.0, -55.0, -70.0, -80.0]) * 1e-3   # V: 2 and 4 start off rest
    w_e = np.array([1.62, 3.0, 0.0, 0.0, 2.0]) * 1e-3   # V: an E event on neurons 0, 1, 4
    w_i = np.array([0.0, 0.0, 9.0, 4.0, 1.0]) * 1e-3    # V: an I event on neurons 2, 3, 4
    res.set_state(ReservoirState(v=v0, ge=w_e, gi=w_i, since_spike=np.full(5, 1.0), trace=trace))
    times = np.array([2, 5, 8, 9, 10, 16, 30])   # ms, read back after each run
    vs = []
    for steps in np.diff(times, prepend=0):
        res.run(np.zeros(steps))
        vs.append(res.get_state().v)
    assert res.last_segment.spike_ticks.size == 0
    t, v = times[:, None].astype(float), np.array(vs)
    # linear system: relaxation of the initial offset plus the E and I PSPs (superposition)
    want = -70e-3 + (v0 + 70e-3) * np.exp(-t / 20.0) + psp(t, w_e, 5.0, 20.0) - psp(t, w_i, 10.0, 20.0)
    # brian2 integrates this linear system exactly ("exact" method): agreement to round-off
    np.testing.assert_allclose(v, want, rtol=0, atol=1e-10)
    # the E PSP peaks at t* = tau_e tau_m ln(tau_m / tau_e) / (tau_m - tau_e) = 9.24 ms
    assert times[np.argmax(v[:, 0])] == 9


def test_poisson_input_counts_fall_in_their_binomial_interval():
    from brian2 import Hz, Network, NeuronGroup, SpikeMonitor, ms, seed

    from reservoirs.spiking.codegen import runtime_target
    from reservoirs.spiking.equations import input_rate_equation

    n_units, rate_hz, n_ticks = 400, 200.0, 5000
    with runtime_target("numpy"):
        seed(11)
        # the model's input units: its rate equation and its per-tick Bernoulli threshold
        units = NeuronGroup(n_units, input_rate_equation(1, input_from_timed_array=False),
                            threshold="rand() < rate * dt", dt=DT * ms)
        units.rate = rate_hz * Hz
        mon = SpikeMonitor(units)
        Network(units, mon).run(n_ticks * DT * ms)
        counts = np.bincount(np.asarray(mon.i[:]), minlength=n_units)
    p = rate_hz * DT * 1e-3
    alpha = 1e-6      # probability that a correct implementation fails one check (two-sided)
    total = stats.binom(n_units * n_ticks, p)
    assert total.ppf(alpha / 2) <= counts.sum() <= total.isf(alpha / 2)
    # independence across units: the index of dispersion sum (c - np)^2 / (np(1-p)) is
    # approximately chi^2 with n_units - 1 degrees of freedom (shared random streams or a
    # rate applied per group instead of per unit would inflate or collapse it)
    dispersion = ((counts - counts.mean()) ** 2).sum() / (n_ticks * p * (1 - p))
    chi2 = stats.chi2(n_units - 1)
    assert chi2.ppf(alpha / 2) <= dispersion <= chi2.isf(alpha / 2)


def test_unconnected_reservoir_has_no_synapses_and_runs():
    from reservoirs.spiking import InhibitorySTDP

    res = SpikingEIReservoir(5, connectivity=0.0, plasticity=InhibitorySTDP(), min_rate=0.0,
                             codegen="numpy", seed=0)
    pre, post, w = res.inhibitory_weights
    assert pre.size == post.size == w.size == 0
    assert np.isnan(res.mean_inhibitory_weight()).all()     # no inhibitory input at all
    features = res.run(np.zeros(10))
    assert features.shape == (10, res.n_features) and np.isfinite(features).all()
