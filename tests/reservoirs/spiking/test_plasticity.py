"""Tests of reservoirs.spiking.plasticity: the Vogels et al. 2011 iSTDP rule and targets."""

import numpy as np
import pytest
from brian2 import Hz, Network, NeuronGroup, SpikeGeneratorGroup, Synapses, TimedArray, ms, second

from reservoirs.spiking.codegen import runtime_target
from reservoirs.spiking.plasticity import InhibitorySTDP, istdp_model, target_rates

TAU = 20e-3
ETA = 0.1
RHO = 5.0          # target rate (Hz) -> alpha = 2 * 5 * 0.02 = 0.2
W_MAX = 10.0


def _reference(pre_times, post_times, w0):
    """Event-by-event iSTDP (Vogels et al. 2011) and the effect delivered per pre spike."""
    alpha = 2 * RHO * TAU
    events = sorted([(t, "pre") for t in pre_times] + [(t, "post") for t in post_times])
    w, apre, apost, last, delivered = w0, 0.0, 0.0, 0.0, 0.0
    for t, kind in events:
        decay = np.exp(-(t - last) / TAU)
        apre, apost, last = apre * decay, apost * decay, t
        if kind == "pre":
            apre += 1
            w = np.clip(w + ETA * (apost - alpha), 0, W_MAX)
            delivered += w
        else:
            apost += 1
            w = np.clip(w + ETA * apre, 0, W_MAX)
    return w, delivered


def _simulate(pre_times, post_times, w0):
    dt = 0.1e-3
    n_ticks = 1000
    spikes = np.zeros(n_ticks)
    spikes[np.rint(np.asarray(post_times) / dt).astype(int)] = 1
    ns = {"tau_stdp": TAU * second, "w_max": W_MAX, "w_inh": 1.0,
          "post_spikes": TimedArray(spikes, dt=dt * second)}
    with runtime_target("numpy"):
        pre = SpikeGeneratorGroup(1, np.zeros(len(pre_times), int), np.asarray(pre_times) * second,
                                  dt=dt * second)
        post = NeuronGroup(1, "gi : 1\ntarget_rate : Hz (constant)",
                           threshold="post_spikes(t) > 0.5", namespace=ns, dt=dt * second)
        post.target_rate = RHO * Hz
        syn = Synapses(pre, post, **istdp_model("gi_post += w * w_inh"), namespace=ns,
                       dt=dt * second)
        syn.connect(i=0, j=0)
        syn.w = w0
        syn.eta = ETA
        Network(pre, post, syn).run(n_ticks * dt * second, namespace=ns)
    return float(syn.w[0]), float(post.gi[0])


@pytest.mark.parametrize("pre_times, post_times, w0", [
    ([10e-3, 40e-3], [20e-3, 25e-3, 60e-3], 1.0),      # mixed order, potentiation
    ([5e-3, 15e-3, 30e-3, 45e-3], [], 0.5),             # pre only: w drops by eta*alpha each
    ([5e-3, 6e-3, 7e-3], [], 0.05),                      # clipped at 0
    ([30e-3], [10e-3, 12e-3, 14e-3, 16e-3, 18e-3], 1.0), # post burst then pre: x_post > alpha
])
def test_synapse_follows_the_rule_event_by_event(pre_times, post_times, w0):
    w_ref, delivered_ref = _reference(pre_times, post_times, w0)
    w, delivered = _simulate(pre_times, post_times, w0)
    assert w == pytest.approx(w_ref, rel=1e-9, abs=1e-12)
    # the conductance jump of each presynaptic spike uses the weight after its update
    assert delivered == pytest.approx(delivered_ref, rel=1e-9, abs=1e-12)


def test_pre_only_depresses_by_eta_alpha():
    w, _ = _simulate([5e-3, 15e-3], [], 1.0)
    assert w == pytest.approx(1.0 - 2 * ETA * 2 * RHO * TAU)


def test_target_rate_distributions():
    homog = target_rates(50, 5.0)
    np.testing.assert_array_equal(homog, np.full(50, 5.0))
    logn = target_rates(20000, 5.0, "lognormal", cv=0.8, seed=1)
    assert logn.mean() == pytest.approx(5.0, rel=0.03)
    assert logn.std() / logn.mean() == pytest.approx(0.8, rel=0.05)
    beta = target_rates(20000, 5.0 * Hz, "beta", cv=0.5, rate_max=20.0, seed=1)
    assert beta.max() <= 20.0 and beta.min() >= 0
    assert beta.mean() == pytest.approx(5.0, rel=0.03)
    assert beta.std() / beta.mean() == pytest.approx(0.5, rel=0.05)
    np.testing.assert_array_equal(target_rates(10, 5.0, "lognormal", seed=3),
                                  target_rates(10, 5.0, "lognormal", seed=3))


@pytest.mark.parametrize("kwargs, message", [
    ({"distribution": "uniform"}, "distribution must be one of"),
    ({"distribution": "beta", "cv": 3.0}, "cv must be <"),
    ({"cv": 0.0}, "cv must be in"),
])
def test_target_rates_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        target_rates(10, 5.0, **kwargs)


def test_inhibitory_stdp_parameters():
    rule = InhibitorySTDP(target_rate=4 * Hz, eta=0.01, tau=0.02 * second)
    assert rule.target_rate == 4.0 and rule.tau == pytest.approx(20.0)
    np.testing.assert_allclose(rule.alpha(3), [2 * 4.0 * 0.02] * 3)
    het = InhibitorySTDP(target_rate=[1.0, 2.0, 3.0])
    np.testing.assert_allclose(het.rates_for(3), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"target_rate must be a scalar or have shape \(4,\)"):
        het.rates_for(4)
    with pytest.raises(ValueError, match="target_rate"):
        InhibitorySTDP(target_rate=0.0)
    with pytest.raises(ValueError, match="eta"):
        InhibitorySTDP(eta=-1.0)
    with pytest.raises(ValueError, match="tau must be given in ms"):
        InhibitorySTDP(tau=5 * Hz)
    assert InhibitorySTDP(tau=20 * ms).tau == pytest.approx(20.0)
