"""One-shot learning with active dendrites: a layer of neurons recognises noisy patterns.

Run: ``.venv/bin/python examples/dendrites_pattern_detectors.py``
"""

import numpy as np

from dendrites import PatternDetectorLayer, add_noise, random_sdrs, theory

n, a, theta, s, segments, neurons = 2048, 40, 10, 20, 8, 50
rng = np.random.default_rng(0)
layer = PatternDetectorLayer(neurons, n, theta, segments, s, seed=rng)

# every neuron learns 2 patterns per segment (16 patterns), each seen once
stored = random_sdrs(n, a, neurons * segments * 2, rng, dense=True)
owners = np.tile(np.arange(neurons), segments * 2)
layer.learn(stored, owners)
truth = np.zeros((len(stored), neurons), dtype=bool)
truth[np.arange(len(stored)), owners] = True

for frac in (0.0, 0.25, 0.5):
    v = int(round(frac * a))
    report = layer.evaluate(add_noise(stored, v, rng), truth)
    bound = theory.false_negative_probability(a, s, theta, v)
    print(f"noise {frac:4.0%}: recall {report.recall:.4f} (theory miss rate <= {bound:.3e}), "
          f"false positives {report.false_positives} / {report.false_positives + report.true_negatives}")

novel = random_sdrs(n, a, 20_000, rng, dense=True)
report = layer.evaluate(novel, np.zeros((len(novel), neurons), dtype=bool))
p = theory.neuron_false_match_probability(n, a, s, theta, segments, 2, method="exact")
print(f"novel patterns: false-positive rate {report.false_positive_rate:.2e} "
      f"(theory {p:.2e} per neuron)")
