"""ReferenceScores gives exactly the values of the metric functions it caches for."""

import numpy as np
import pytest

from workbench.metrics import ReferenceScores, hellinger_distance, state_space_divergence
from workbench.systems import lorenz63


@pytest.fixture(scope="module")
def series():
    data = lorenz63(6000, dt=0.01, seed=0)
    other = lorenz63(6000, dt=0.01, seed=1)
    return data, other


def test_scores_equal_the_functions(series):
    data, other = series
    ref = ReferenceScores(data, n_bins=30, smoothing=20.0)
    for gen in (other, other[::2], data + 0.3):
        assert ref.d_stsp(gen) == pytest.approx(state_space_divergence(data, gen, n_bins=30), rel=1e-12)
    for gen in (other, data + 0.3, data[::-1]):     # D_H compares equal lengths
        assert ref.d_h(gen) == pytest.approx(hellinger_distance(data, gen, smoothing=20.0), rel=1e-12)


def test_a_series_that_leaves_every_bin_is_nan(series):
    data, _ = series
    assert np.isnan(ReferenceScores(data, n_bins=30, smoothing=20.0).d_stsp(data + 1e3))
