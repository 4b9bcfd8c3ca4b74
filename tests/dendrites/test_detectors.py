"""Tests of the dendritic segment, neuron and pattern-detector layer."""

import numpy as np
import pytest

from dendrites import simulate, theory
from dendrites.detectors import DendriticNeuron, DendriticSegment, DetectionReport, PatternDetectorLayer

N, A = 400, 40


def patterns(count, seed):
    return simulate.random_sdrs(N, A, count, seed=seed, dense=True)


def test_segment_one_shot_learning_subsamples_the_pattern():
    p = patterns(1, 0)[0]
    seg = DendriticSegment(N, theta=6)
    grown = seg.learn(p, 12, seed=1)
    assert seg.size == 12 and np.all(p[seg.synapses])
    np.testing.assert_array_equal(grown, seg.synapses)
    assert seg.overlap(p) == 12 and seg.is_active(p)


def test_segment_deterministic_noise_tolerance():
    p = patterns(1, 2)[0]
    seg = DendriticSegment(N, theta=6)
    seg.learn(p, 12, seed=3)
    off = np.flatnonzero(~p)
    q = p.copy()
    q[seg.synapses[:6]] = False  # s - theta = 6 synapses lose input: still fires
    q[off[:6]] = True
    assert q.sum() == A and seg.is_active(q)
    q[seg.synapses[6]] = False  # one more: below threshold
    assert seg.overlap(q) == 5 and not seg.is_active(q)


def test_segment_union_recognises_every_stored_pattern():
    stored = patterns(5, 4)
    seg = DendriticSegment(N, theta=8)
    for p in stored:
        seg.learn(p, 10, seed=5)
    assert seg.n_patterns == 5 and 10 < seg.size <= 50
    assert np.all(seg.is_active(stored))
    assert np.all(seg.overlap(stored) >= 10)


def test_segment_with_given_synapses():
    seg = DendriticSegment(10, 2, synapses=[1, 3, 3, 7])
    x = np.zeros((2, 10), dtype=bool)
    x[0, [1, 3]] = True
    x[1, [1, 2]] = True
    np.testing.assert_array_equal(seg.overlap(x), [2, 1])
    np.testing.assert_array_equal(seg.is_active(x), [True, False])


def test_neuron_round_robin_and_or_over_segments():
    stored = patterns(6, 6)
    neuron = DendriticNeuron(N, theta=6, n_segments=3, synapses_per_pattern=10, seed=7)
    assert [neuron.learn(p) for p in stored] == [0, 1, 2, 0, 1, 2]
    assert [seg.n_patterns for seg in neuron.segments] == [2, 2, 2]
    over = neuron.segment_overlaps(stored)
    assert over.shape == (6, 3)
    np.testing.assert_array_equal(over[np.arange(6), [0, 1, 2, 0, 1, 2]] >= 10, True)
    assert np.all(neuron.fires(stored))
    assert neuron.fires(stored[0]) is True


def test_neuron_false_positive_rate_matches_theory():
    n, a, theta, s, k, m = 1000, 30, 4, 10, 4, 3
    rng = np.random.default_rng(8)
    hits = []
    for _ in range(40):
        neuron = DendriticNeuron(n, theta, k, s, seed=rng)
        for p in simulate.random_sdrs(n, a, k * m, rng, dense=True):
            neuron.learn(p)
        hits.append(int(neuron.fires(simulate.random_sdrs(n, a, 500, rng, dense=True)).sum()))
    p = theory.neuron_false_match_probability(n, a, s, theta, k, m, method="exact")
    assert p > 0.02
    # tests of one neuron share its segments: cluster-robust interval over the 40 neurons
    est = simulate.MonteCarloEstimate.from_clusters([theta], [hits], np.full(40, 500), confidence=0.999)
    assert est.contains([p])[0]
    assert not est.contains([theory.neuron_false_match_probability(n, a, s, theta, k, 2 * m)])[0]


def test_layer_reports_on_a_stream():
    layer = PatternDetectorLayer(5, N, theta=8, n_segments=2, synapses_per_pattern=12, seed=9)
    stored = patterns(20, 10)
    owners = np.arange(20) % 5
    layer.learn(stored, owners)
    truth = np.zeros((20, 5), dtype=bool)
    truth[np.arange(20), owners] = True
    clean = layer.evaluate(stored, truth)
    assert clean.true_positives == 20 and clean.false_negatives == 0
    noisy = simulate.add_noise(stored, 28, seed=11)  # 70 % noise: many misses
    report = layer.evaluate(noisy, truth)
    assert report.false_negatives > 0
    assert sum([report.true_positives, report.false_positives, report.true_negatives,
                report.false_negatives]) == 100
    got = layer.respond(noisy)
    assert report.true_positives == int(np.sum(got & truth))
    assert layer.respond(stored[0]).shape == (5,)


def test_detection_report_rates():
    r = DetectionReport(true_positives=8, false_positives=2, true_negatives=88, false_negatives=2)
    assert r.false_positive_rate == pytest.approx(2 / 90)
    assert r.false_negative_rate == pytest.approx(0.2)
    assert r.precision == pytest.approx(0.8) and r.recall == pytest.approx(0.8)
    assert np.isnan(DetectionReport(0, 0, 5, 0).precision)


@pytest.mark.parametrize("call, word", [
    (lambda: DendriticSegment(0, 3), "n"),
    (lambda: DendriticSegment(10, 0), "theta"),
    (lambda: DendriticSegment(10, 2, synapses=[3, 10]), "synapses"),
    (lambda: DendriticSegment(N, 6).learn(patterns(1, 0)[0], 5), "s"),
    (lambda: DendriticSegment(N, 6).learn(patterns(1, 0)[0], 41), "s"),
    (lambda: DendriticSegment(N, 6).overlap(np.ones(N - 1, dtype=bool)), "patterns"),
    (lambda: DendriticSegment(N, 6).overlap(np.full(N, 2)), "patterns"),
    (lambda: DendriticNeuron(N, 6, 0, 10), "n_segments"),
    (lambda: DendriticNeuron(N, 6, 2, 5), "synapses_per_pattern"),
    (lambda: PatternDetectorLayer(2, N, 6, 2, 10).learn(patterns(2, 0), [0, 2]), "neurons"),
    (lambda: PatternDetectorLayer(2, N, 6, 2, 10).evaluate(patterns(2, 0), np.zeros((2, 3), bool)), "targets"),
])
def test_invalid_arguments(call, word):
    with pytest.raises(ValueError, match=word):
        call()
