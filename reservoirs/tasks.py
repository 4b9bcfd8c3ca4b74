"""Readout tasks for any reservoir: memory capacity, NARMA-10, Mackey-Glass, Lorenz-63.

The reservoir protocol
----------------------
A task needs only an object with

* ``n_inputs`` - the input dimension ``d``;
* ``reset()`` - return to the initial state;
* ``run(u, washout=0, state=None) -> states`` - drive with ``u`` of shape ``(T, d)`` and
  return the states ``(T - washout, n_features)``, row ``t`` being the state after input
  ``u[washout + t]``; ``state=None`` continues from the current state, so consecutive calls
  chain (the closed-loop Lorenz generation relies on this).

:class:`reservoirs.EIReservoir`, :class:`reservoirs.EchoStateNetwork` and the spiking reservoir
present it. Each task is a frozen dataclass holding its data: ``task.inputs`` is what drives
the reservoir and ``task.score(states)`` fits a ridge readout
(:class:`workbench.readout.RidgeReadout`, penalty cross-validated over a log grid) and scores it,
so sweeps can run many reservoirs at once (:func:`reservoirs.batch.run_batch`) and score each;
``task(reservoir)`` does reset + run + score for one reservoir. The ``*_task`` functions are
the one-call forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from workbench.metrics import (
    MemoryCapacity,
    hellinger_distance,
    memory_capacity,
    nrmse,
    state_space_divergence,
)
from workbench.readout import RidgeReadout
from workbench.systems import lorenz63, mackey_glass, narma10
from workbench.validation import check_array, check_int, check_positive, check_range, check_seed

__all__ = [
    "LorenzResult",
    "LorenzTask",
    "MackeyGlassTask",
    "MemoryCapacityTask",
    "Narma10Task",
    "PredictionResult",
    "Reservoir",
    "lorenz_task",
    "mackey_glass_task",
    "memory_capacity_task",
    "narma10_task",
]


@runtime_checkable
class Reservoir(Protocol):
    """The minimal interface the tasks use (see the module docstring)."""

    n_inputs: int

    def run(self, u, washout=0, state=None) -> np.ndarray: ...

    def reset(self) -> None: ...


def _check_reservoir(reservoir, n_inputs):
    if not isinstance(reservoir, Reservoir):
        raise ValueError("reservoir must provide run(u, washout=0, state=None), reset() and "
                         "n_inputs")
    if reservoir.n_inputs != n_inputs:
        raise ValueError(f"reservoir must take {n_inputs} input(s), it takes {reservoir.n_inputs}")


def _check_states(states, n_rows):
    x = check_array(states, "states", ndim=2, finite=False)
    if x.shape[0] != n_rows:
        raise ValueError(f"states must have {n_rows} rows (one per input step), got {x.shape[0]}")
    if not np.all(np.isfinite(x)):
        raise ValueError("states must be finite (the reservoir diverged)")
    return x


def _check_common(n_steps, washout, train_fraction, minimum=20):
    n_steps = check_int(n_steps, "n_steps", minimum)
    washout = check_int(washout, "washout", 0, n_steps - minimum)
    check_range(train_fraction, "train_fraction", 0, 1, low_inclusive=False, high_inclusive=False)
    return n_steps, washout


@dataclass(frozen=True)
class PredictionResult:
    """Score of a supervised prediction task on its held-out test part.

    Attributes
    ----------
    nrmse : float
        ``sqrt(<(y - yhat)^2> / var(y))`` on the test part (research note §4.2).
    y_true, y_pred : ndarray, shape (n_test, d)
    alpha : float
        Ridge penalty chosen by cross-validation.
    """

    nrmse: float
    y_true: np.ndarray
    y_pred: np.ndarray
    alpha: float


def _fit_and_score(x, y, train_fraction, alphas):
    """Ridge readout on the leading ``train_fraction`` of rows, NRMSE on the rest."""
    n_train = int(round(train_fraction * x.shape[0]))
    if n_train < 10 or x.shape[0] - n_train < 10:
        raise ValueError(f"too few rows ({x.shape[0]}) for train_fraction={train_fraction}: "
                         "increase n_steps")
    readout = RidgeReadout(alphas).fit(x[:n_train], y[:n_train])
    pred = readout.predict(x[n_train:])
    return PredictionResult(nrmse=nrmse(y[n_train:], pred), y_true=y[n_train:], y_pred=pred,
                            alpha=float(readout.alpha_))


# ------------------------------------------------------------------------------------------
# memory capacity
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MemoryCapacityTask:
    """Short-term memory capacity (Jaeger 2001/2002), research note §4.1.

    Parameters
    ----------
    k_max : int
        Largest delay, >= 1.
    n_steps : int
        Length of the i.i.d. input, > washout + k_max + 20.
    washout : int
        Leading steps discarded.
    seed : int or None
        Seed of the input.
    input_range : float
        Input ``u(t) ~ U(-a, a)`` with ``a = input_range`` > 0 (default 1, [A]).
    train_fraction : float
        Share of the usable rows that trains the readouts; MC is scored on the rest.
    alphas : array_like, optional
        Ridge penalty grid (default ``RidgeReadout`` grid), chosen per delay.

    Notes
    -----
    ``MC = sum_{k=1}^{k_max} cov^2(u(t-k), y_k(t)) / (var u var y_k)`` on held-out data,
    computed by :func:`workbench.metrics.memory_capacity`.
    """

    k_max: int = 100
    n_steps: int = 4000
    washout: int = 200
    seed: int | None = 0
    input_range: float = 1.0
    train_fraction: float = 0.8
    alphas: tuple | None = None
    inputs: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        k_max = check_int(self.k_max, "k_max", 1)
        n_steps, washout = _check_common(self.n_steps, self.washout, self.train_fraction)
        if n_steps < max(washout, k_max) + 20:
            raise ValueError(f"n_steps must exceed max(washout, k_max) + 20 = "
                             f"{max(washout, k_max) + 20}, got {n_steps}")
        check_positive(self.input_range, "input_range")
        rng = check_seed(self.seed)
        u = rng.uniform(-self.input_range, self.input_range, size=(n_steps, 1))
        object.__setattr__(self, "inputs", u)

    def score(self, states) -> MemoryCapacity:
        """MC of the states the reservoir produced from :attr:`inputs`."""
        x = _check_states(states, self.n_steps)
        return memory_capacity(self.inputs, x, self.k_max, washout=self.washout,
                               train_fraction=self.train_fraction, alphas=self.alphas)

    def __call__(self, reservoir) -> MemoryCapacity:
        _check_reservoir(reservoir, 1)
        reservoir.reset()
        return self.score(reservoir.run(self.inputs))


def memory_capacity_task(reservoir, k_max=100, n_steps=4000, washout=200, seed=0, *,
                         input_range=1.0, train_fraction=0.8, alphas=None) -> MemoryCapacity:
    """Memory capacity of ``reservoir`` (reset first); see :class:`MemoryCapacityTask`."""
    task = MemoryCapacityTask(k_max, n_steps, washout, seed, input_range, train_fraction,
                              None if alphas is None else tuple(alphas))
    return task(reservoir)


# ------------------------------------------------------------------------------------------
# NARMA-10
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Narma10Task:
    """NARMA-10 one-step modelling (Atiya & Parlos 2000; research note §4.2).

    Parameters
    ----------
    n_steps : int
        Series length.
    washout : int
        Leading steps discarded.
    seed : int or None
        Seed of the input ``u ~ U[0, 0.5]``.
    train_fraction : float
    alphas : array_like, optional

    Notes
    -----
    ``y(t+1) = 0.3 y(t) + 0.05 y(t) sum_{i=0}^{9} y(t-i) + 1.5 u(t-9) u(t) + 0.1``
    (:func:`workbench.systems.narma10`); the readout maps the state after ``u(t)`` to
    ``y(t+1)``. Scored by NRMSE on the test part.
    """

    n_steps: int = 5000
    washout: int = 200
    seed: int | None = 0
    train_fraction: float = 0.7
    alphas: tuple | None = None
    inputs: np.ndarray = field(init=False, repr=False, compare=False)
    targets: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        _check_common(self.n_steps, self.washout, self.train_fraction)
        u, y = narma10(self.n_steps, transient=100, seed=self.seed)
        object.__setattr__(self, "inputs", u)
        object.__setattr__(self, "targets", y)

    def score(self, states) -> PredictionResult:
        """Readout from the state after ``u(t)`` to ``y(t+1)``; NRMSE on the test part."""
        x = _check_states(states, self.n_steps)
        return _fit_and_score(x[self.washout:-1], self.targets[self.washout + 1:],
                              self.train_fraction, self.alphas)

    def __call__(self, reservoir) -> PredictionResult:
        _check_reservoir(reservoir, 1)
        reservoir.reset()
        return self.score(reservoir.run(self.inputs))


def narma10_task(reservoir, n_steps=5000, washout=200, seed=0, *, train_fraction=0.7,
                 alphas=None) -> PredictionResult:
    """NARMA-10 NRMSE of ``reservoir`` (reset first); see :class:`Narma10Task`."""
    return Narma10Task(n_steps, washout, seed, train_fraction,
                       None if alphas is None else tuple(alphas))(reservoir)


# ------------------------------------------------------------------------------------------
# Mackey-Glass
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MackeyGlassTask:
    """Mackey-Glass ``horizon``-step prediction (research note §4.2, [A] candidate task).

    Parameters
    ----------
    horizon : int
        Steps ahead, >= 1 (the issue asks for 1 and 10).
    n_steps : int
        Input length.
    washout : int
    seed : int or None
        Random initial history of the series (None: the standard constant 1.2).
    train_fraction : float
    alphas : array_like, optional

    Notes
    -----
    ``dx/dt = 0.2 x(t-17) / (1 + x(t-17)^10) - 0.1 x(t)`` sampled at ``dt = 1``
    (:func:`workbench.systems.mackey_glass`), z-scored [A]. The readout maps the state after
    ``x(t)`` to ``x(t + horizon)``; NRMSE on the test part.
    """

    horizon: int = 1
    n_steps: int = 5000
    washout: int = 200
    seed: int | None = None
    train_fraction: float = 0.7
    alphas: tuple | None = None
    inputs: np.ndarray = field(init=False, repr=False, compare=False)
    targets: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        horizon = check_int(self.horizon, "horizon", 1)
        n_steps, _ = _check_common(self.n_steps, self.washout, self.train_fraction)
        series = mackey_glass(n_steps + horizon, zscore=True, seed=self.seed)
        object.__setattr__(self, "inputs", series[:n_steps])
        object.__setattr__(self, "targets", series[horizon:])

    def score(self, states) -> PredictionResult:
        """Readout from the state after ``x(t)`` to ``x(t + horizon)``; test NRMSE."""
        x = _check_states(states, self.n_steps)
        return _fit_and_score(x[self.washout:], self.targets[self.washout:],
                              self.train_fraction, self.alphas)

    def __call__(self, reservoir) -> PredictionResult:
        _check_reservoir(reservoir, 1)
        reservoir.reset()
        return self.score(reservoir.run(self.inputs))


def mackey_glass_task(reservoir, horizon=1, n_steps=5000, washout=200, seed=None, *,
                      train_fraction=0.7, alphas=None) -> PredictionResult:
    """Mackey-Glass prediction NRMSE of ``reservoir``; see :class:`MackeyGlassTask`."""
    return MackeyGlassTask(horizon, n_steps, washout, seed, train_fraction,
                           None if alphas is None else tuple(alphas))(reservoir)


# ------------------------------------------------------------------------------------------
# Lorenz-63
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LorenzResult:
    """Open-loop and closed-loop scores of a Lorenz-63 forecast.

    Attributes
    ----------
    nrmse : float
        One-step (teacher-forced, open-loop) NRMSE on the test segment.
    d_stsp : float
        State-space divergence between the true continuation and the autonomous generation.
    d_h : float
        Power-spectrum Hellinger distance between them.
    generated, true : ndarray, shape (n_generate, 3)
        Autonomous (closed-loop) trajectory and the true continuation.
    alpha : float
        Ridge penalty.
    """

    nrmse: float
    d_stsp: float
    d_h: float
    generated: np.ndarray
    true: np.ndarray
    alpha: float


@dataclass(frozen=True)
class LorenzTask:
    """Lorenz-63 next-step prediction, then closed-loop generation (research note §4.2).

    Parameters
    ----------
    data : array_like, shape (T, 3), optional
        The trajectory (z-scored), e.g. the stored dataset the AL-RNN uses
        (``run.store.dataset("lorenz63", workbench.systems.lorenz63, ...)``). Default:
        :func:`workbench.systems.lorenz63` with ``washout + n_train + n_test + n_generate``
        steps and ``seed``.
    n_train : int
        Teacher-forced training steps after the washout.
    n_test : int
        Teacher-forced test steps (open-loop NRMSE); they also warm the state up for the
        closed loop.
    n_generate : int
        Autonomous steps scored against the true continuation with ``D_stsp`` and ``D_H``.
    washout : int
    seed : int or None
        Seed of the default data.
    n_bins : int
        Bins per dimension of ``D_stsp``.
    smoothing : float
        Spectrum smoothing of ``D_H``.
    alphas : array_like, optional

    Notes
    -----
    Training: ridge readout from the state after ``x(t)`` to ``x(t+1)``. Closed loop:
    ``xhat(t+1) = W_out r(t) + b`` is fed back as the next input. ``D_stsp`` and ``D_H`` are
    :func:`workbench.metrics.state_space_divergence` and
    :func:`workbench.metrics.hellinger_distance` (Brenner et al. 2024), as for the AL-RNN.
    """

    data: np.ndarray | None = None
    n_train: int = 5000
    n_test: int = 1000
    n_generate: int = 5000
    washout: int = 500
    seed: int | None = 0
    n_bins: int = 30
    smoothing: float = 20.0
    alphas: tuple | None = None

    def __post_init__(self):
        n_train = check_int(self.n_train, "n_train", 20)
        n_test = check_int(self.n_test, "n_test", 10)
        n_gen = check_int(self.n_generate, "n_generate", 10)
        washout = check_int(self.washout, "washout", 0)
        need = washout + n_train + n_test + n_gen
        if self.data is None:
            data = lorenz63(need, seed=self.seed)
        else:
            data = check_array(self.data, "data", ndim=2, shape=(None, 3))
            if data.shape[0] < need:
                raise ValueError(f"data must have at least washout + n_train + n_test + "
                                 f"n_generate = {need} rows, got {data.shape[0]}")
        object.__setattr__(self, "data", data)

    def __call__(self, reservoir) -> LorenzResult:
        _check_reservoir(reservoir, 3)
        x = self.data
        w, n_tr, n_te = self.washout, self.n_train, self.n_test
        reservoir.reset()
        train = _check_states(reservoir.run(x[:w + n_tr]), w + n_tr)[w:]
        readout = RidgeReadout(self.alphas).fit(train, x[w + 1:w + n_tr + 1])
        test = _check_states(reservoir.run(x[w + n_tr:w + n_tr + n_te]), n_te)
        one_step = readout.predict(test)
        start = w + n_tr + n_te
        score = nrmse(x[w + n_tr + 1:start + 1], one_step)
        generated = self._generate(reservoir, readout, one_step[-1])
        true = x[start:start + self.n_generate]
        if np.all(np.isfinite(generated)):
            d_stsp = state_space_divergence(true, generated, n_bins=self.n_bins)
            d_h = hellinger_distance(true, generated, smoothing=self.smoothing)
        else:
            d_stsp = d_h = float("nan")
        return LorenzResult(nrmse=score, d_stsp=float(d_stsp), d_h=float(d_h),
                            generated=generated, true=true, alpha=float(readout.alpha_))

    def _generate(self, reservoir, readout, first):
        """Closed loop: feed each prediction back as the next input."""
        out = np.empty((self.n_generate, 3))
        coef, bias = readout.coef_, readout.intercept_
        y = first
        for t in range(self.n_generate):
            out[t] = y
            if not np.all(np.isfinite(y)) or np.abs(y).max() > 1e6:
                out[t:] = np.nan
                break
            state = reservoir.run(y[None, :])[-1]
            y = state @ coef + bias
        return out


def lorenz_task(reservoir, data=None, *, n_train=5000, n_test=1000, n_generate=5000,
                washout=500, seed=0, n_bins=30, smoothing=20.0, alphas=None) -> LorenzResult:
    """Lorenz-63 open-loop NRMSE and closed-loop ``D_stsp``/``D_H``; see :class:`LorenzTask`."""
    return LorenzTask(data, n_train, n_test, n_generate, washout, seed, n_bins, smoothing,
                      None if alphas is None else tuple(alphas))(reservoir)
