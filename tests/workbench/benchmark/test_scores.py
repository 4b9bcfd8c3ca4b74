import numpy as np
import pytest

from workbench.benchmark.scores import (
    generated_lyapunov,
    prediction_error_windows,
    regions_holding,
    window_starts,
)
from workbench.metrics import prediction_error


def _decay(x0, n):
    x = x0
    for _ in range(n):
        x = 0.9 * x + 0.1 * np.roll(x, 1, axis=-1)
    return x


def test_pe_with_one_point_windows_equals_the_metrics_pe():
    data = np.random.default_rng(1).normal(size=(200, 3))

    def predict(windows, n):
        out, x = [], windows[:, -1]
        for _ in range(n):
            x = 0.9 * x + 0.1 * np.roll(x, 1, axis=-1)
            out.append(x)
        return np.stack(out, axis=1)

    pe, curve = prediction_error_windows(predict, data, 1, 4, max_starts=10_000)
    assert pe == pytest.approx(prediction_error(lambda x0, n: _decay(x0, n), data, 4))
    assert curve.shape == (4,)


def test_window_starts_stay_inside_the_series():
    starts = window_starts(100, 10, 5, 1000)
    assert starts[0] == 9 and starts[-1] == 94 and starts.size == 86
    assert window_starts(100, 10, 5, 7).size == 7
    with pytest.raises(ValueError, match="warmup"):
        window_starts(19, 10, 10, 5)
    assert list(window_starts(20, 10, 10, 5)) == [9]


def test_regions_holding_99_percent():
    ids = np.r_[np.zeros(900), np.ones(95), np.full(5, 2)]
    assert regions_holding(ids, 0.99) == 2      # 99.5 % in the first two
    assert regions_holding(ids, 0.999) == 3
    assert regions_holding(ids, 0.9) == 1
    assert regions_holding(np.zeros(10)) == 1


def test_lyapunov_of_a_collapsed_or_diverged_run_is_nan():
    assert np.isnan(generated_lyapunov(np.zeros((500, 3)), 0.01, 500))
    bad = np.ones((500, 3))
    bad[100] = np.nan
    assert np.isnan(generated_lyapunov(bad, 0.01, 500))
    assert np.isnan(generated_lyapunov(np.random.default_rng(0).normal(size=(500, 3)), None, None))


def test_lyapunov_of_lorenz_is_positive():
    from workbench.systems import lorenz63

    assert 0.5 < generated_lyapunov(lorenz63(8000, seed=1), 0.01, 8000) < 1.5
