import numpy as np
import pytest

from reservoirs import EchoStateNetwork, EIReservoir
from reservoirs.tasks import (
    MackeyGlassTask,
    Narma10Task,
    lorenz_task,
    mackey_glass_task,
    memory_capacity_task,
    narma10_task,
)


class DelayLine:
    """Reservoir protocol: the state after u(t) is (u(t), u(t-1), ..., u(t-n+1))."""

    n_inputs = 1

    def __init__(self, n):
        self.n = n
        self.reset()

    def reset(self):
        self.buffer = np.zeros(self.n)

    def run(self, u, washout=0, state=None):
        u = np.asarray(u, dtype=float).reshape(-1)
        out = np.empty((u.size, self.n))
        for t, value in enumerate(u):
            self.buffer = np.roll(self.buffer, 1)
            self.buffer[0] = value
            out[t] = self.buffer
        return out[washout:]


def test_delay_line_memory_capacity_is_analytic():
    # delays 1..n-1 are stored exactly, delays >= n not at all: MC = n - 1
    n = 8
    mc = memory_capacity_task(DelayLine(n), k_max=n - 1, n_steps=3000, washout=50, seed=0)
    assert mc.total == pytest.approx(n - 1, abs=1e-6)
    beyond = memory_capacity_task(DelayLine(n), k_max=n + 4, n_steps=3000, washout=50, seed=0)
    np.testing.assert_allclose(beyond.per_delay[:n - 1], 1.0, atol=1e-6)
    assert beyond.per_delay[n - 1:].max() < 0.03


def test_ei_reservoir_memory_capacity_is_between_zero_and_n():
    res = EIReservoir(60, in_degree=12, gain=4.0, strength=2.0, seed=0)
    mc = memory_capacity_task(res, k_max=30, n_steps=1500, washout=100, seed=1)
    assert 1.0 < mc.total < 60
    assert mc.per_delay[0] > mc.per_delay[-1]


def test_narma_alignment_state_after_u_t_predicts_y_t_plus_1():
    task = Narma10Task(n_steps=800, washout=20, seed=0)
    oracle = np.vstack([task.targets[1:], [[0.0]]])        # state t holds y(t+1)
    assert task.score(oracle).nrmse < 1e-6
    assert task.score(task.targets).nrmse > 0.2            # y(t) alone is not enough


def test_mackey_glass_alignment_and_horizons():
    task = MackeyGlassTask(horizon=10, n_steps=600, washout=20)
    assert task.score(task.targets).nrmse < 1e-6
    assert task.score(task.inputs).nrmse > 0.3
    res = EIReservoir(80, in_degree=16, gain=4.0, strength=2.0, seed=0)
    one = mackey_glass_task(res, horizon=1, n_steps=1500)
    ten = mackey_glass_task(res, horizon=10, n_steps=1500)
    assert one.nrmse < ten.nrmse < 1.0


def test_narma_task_on_reservoir_beats_mean_predictor():
    res = EIReservoir(80, in_degree=16, gain=4.0, strength=2.0, seed=0)
    result = narma10_task(res, n_steps=1500, washout=100, seed=3)
    assert result.nrmse < 0.95
    assert result.y_true.shape == result.y_pred.shape


#: Closed-loop scores of the seeded ESN below (measured once; they change only when the
#: reservoir, the readout, the data or the metrics change).
D_H_PINNED, D_STSP_PINNED = 0.026421691730161335, 8.51860446905306


def test_lorenz_open_and_closed_loop():
    esn = EchoStateNetwork(100, n_inputs=3, spectral_radius=0.9, in_degree=10,
                           input_scaling=0.3, seed=0)
    result = lorenz_task(esn, n_train=1500, n_test=200, n_generate=600, washout=100, seed=0)
    assert result.nrmse < 0.1
    assert result.generated.shape == result.true.shape == (600, 3)
    # seeded and deterministic: the closed loop of this ESN stays on a finite attractor and
    # its scores are pinned (tolerance: float64 summation-order changes across BLAS builds)
    assert np.all(np.isfinite(result.generated))
    assert result.d_h == pytest.approx(D_H_PINNED, rel=1e-6)
    assert result.d_stsp == pytest.approx(D_STSP_PINNED, rel=1e-6)
    np.testing.assert_allclose(result.generated[0], result.true[0], atol=0.3)


def test_task_validation():
    with pytest.raises(ValueError, match="take 1 input"):
        memory_capacity_task(EIReservoir(30, n_inputs=2, in_degree=5, seed=0), k_max=5,
                             n_steps=200, washout=10)
    with pytest.raises(ValueError, match="reservoir must provide"):
        narma10_task(object(), n_steps=400)
    with pytest.raises(ValueError, match="n_steps"):
        memory_capacity_task(DelayLine(3), k_max=100, n_steps=50, washout=0)
    with pytest.raises(ValueError, match="horizon"):
        MackeyGlassTask(horizon=0)
    with pytest.raises(ValueError, match="states must have"):
        Narma10Task(n_steps=300, washout=10).score(np.zeros((10, 2)))
