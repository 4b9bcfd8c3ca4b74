"""Reservoir models behind the benchmark protocol (``workbench.benchmark_models``).

Three factories, registered in ``pyproject.toml``:

- ``ei_reservoir``: :class:`reservoirs.EIReservoir` with the global inhibition scale β
  tuned on a validation split of the training data (Srinivasan, Plenz & Girvan 2025, the
  non-adaptive baseline of their Fig. 2);
- ``ei_reservoir_adaptive``: the same network with local homeostatic inhibitory plasticity
  ``A^I_ij += δ (r_i - ρ_i)`` towards heterogeneous targets ρ_i ~ Beta (their Eq. for the
  adaptive reservoir, research note §3.1-3.3); the mean target is tuned on the validation split;
- ``esn``: the tanh :class:`reservoirs.EchoStateNetwork` (Jaeger 2001), spectral radius
  tuned on the validation split.

All three predict the next observation with a ridge readout ``x̂(t+1) = W_out r(t) + b``
(:class:`workbench.readout.RidgeReadout`, penalty by cross-validation on training rows) and
generate in closed loop, ``u(t+1) = x̂(t+1)``, after a warm-up on W observed points
(W = min(200, n_test // 4)). The tuned hyperparameter and the ridge penalty are chosen by
the D_stsp of a closed-loop run on the held-out last part of the training data — never on
test data.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from workbench.metrics import state_space_divergence
from workbench.readout import RidgeReadout

from .adaptation import heterogeneous_targets
from .dynamics import ACTIVATIONS
from .esn import EchoStateNetwork
from .network import EIReservoir

__all__ = ["ReservoirModel", "make_ei_reservoir", "make_ei_reservoir_adaptive", "make_esn"]


class ReservoirModel:
    """A rate reservoir with a ridge readout, trained and run by the benchmark protocol.

    Parameters
    ----------
    build : callable
        ``build(setting, dim, seed) -> (reservoir, n_adapted)``: the network for one value of
        the tuned hyperparameter (n_adapted: weights changed by plasticity, counted as trained).
    settings : sequence of float
        Values of the tuned hyperparameter (β, mean target rate or spectral radius).
    setting_name : str
        Its name in the training information.
    warmup : int
        Observed points read before generating (W).
    n_fit, n_val : int
        Training rows used to fit the readout and, after them, to validate the setting.
    alphas : sequence of float
        Ridge penalties tried with every setting.
    """

    def __init__(self, build: Callable, settings, setting_name: str, warmup: int, n_fit: int,
                 n_val: int, alphas=(1e-6, 1e-4, 1e-2, 1.0)):
        self._build = build
        self.settings = [float(s) for s in settings]
        self.setting_name = setting_name
        self.warmup = int(warmup)
        self.n_fit = int(n_fit)
        self.n_val = int(n_val)
        self.alphas = tuple(float(a) for a in alphas)
        self.n_parameters = 0
        self._reservoir = None
        self._readout = None

    # -- training -----------------------------------------------------------------------
    def _candidates(self, setting, data, seed):
        """Build the network for ``setting``; yield one fitted readout per ridge penalty."""
        reservoir, n_adapted = self._build(setting, data.shape[1], seed, data)
        reservoir.reset()
        states = reservoir.run(data[:-1])
        w = min(self.warmup, data.shape[0] // 4)
        for alpha in self.alphas:
            yield alpha, reservoir, RidgeReadout(alpha=alpha).fit(states[w:], data[w + 1:]), n_adapted

    def fit(self, train, seed, progress=None):
        """Tune the hyperparameter and the ridge penalty on a validation split.

        Every (setting, penalty) pair is fitted on ``train[:n_fit]``; the pair whose
        closed-loop run from ``train[n_fit : n_fit + W]`` has the lowest D_stsp (30 bins) against
        ``train[n_fit : n_fit + n_val]`` wins (the one-step error would pick penalties too
        small for a stable closed loop on noisy data). Returns the validation scores and
        wall time.
        """
        start = time.perf_counter()
        x = np.asarray(train, dtype=float)
        n_fit = min(self.n_fit, int(0.8 * x.shape[0]))
        n_val = min(self.n_val, x.shape[0] - n_fit)
        fit_part, val_part = x[:n_fit], x[n_fit:n_fit + n_val]
        w = min(self.warmup, val_part.shape[0] // 4)
        scores = {}
        best = None
        for i, setting in enumerate(self.settings):
            if progress:
                progress(i / (len(self.settings) + 1), f"{self.setting_name}={setting:g}")
            for alpha, res, readout, n_adapted in self._candidates(setting, fit_part, seed):
                self._reservoir, self._readout = res, readout
                gen = self.generate(val_part[:w], val_part.shape[0] - w + 1)
                score = state_space_divergence(val_part[w - 1:], gen) if np.all(np.isfinite(gen)) else np.inf
                score = float(score) if np.isfinite(score) else float("inf")
                scores[f"{setting:g}/{alpha:g}"] = score
                if best is None or score < best[0]:
                    best = (score, setting, alpha, res, readout, n_adapted)
        _, setting, alpha, self._reservoir, self._readout, n_adapted = best
        self.n_parameters = int(self._readout.coef_.size + np.size(self._readout.intercept_) + n_adapted)
        return {"n_fit": n_fit, "n_val": n_val,
                "selected": {self.setting_name: setting, "ridge_alpha": alpha},
                "validation_d_stsp": scores, "seconds": time.perf_counter() - start}

    # -- running ------------------------------------------------------------------------
    def _arrays(self):
        """The update's arrays (package-internal :class:`~reservoirs.dynamics.RateSystem`)."""
        sys_ = self._reservoir._system
        act = ACTIVATIONS[sys_.activation]
        w = sys_.weights.tocsr()
        return w, sys_.input_weights, sys_.threshold, sys_.gain, sys_.leak, act

    def _run(self, inputs, n_free):
        """Drive a batch of states with ``inputs`` (B, W, d), then ``n_free`` closed-loop steps.

        One step (research note §2, :class:`~reservoirs.dynamics.RateSystem`):
        ``r <- (1-a) r + a f(c (W r + W_in u - θ))``; in closed loop ``u = W_out^T r + b``,
        i.e. ``W r + W_in u = (W + W_in W_out^T) r + W_in b``. Returns the outputs after the
        last driven input and after every free step, shape (B, n_free + 1, d).
        """
        w, win, theta, gain, leak, act = self._arrays()
        coef, bias = self._readout.coef_, self._readout.intercept_
        b, n_in, d = inputs.shape
        r = np.repeat(self._reservoir._initial[None, :], b, axis=0)

        def step(r, drive):
            x = np.asarray((w @ r.T).T) + drive
            x *= gain
            act(x, x)
            return leak * x + (1.0 - leak) * r

        drive_in = inputs @ win.T - theta
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(n_in):
                r = step(r, drive_in[:, t])
            out = np.full((b, n_free + 1, d), np.nan)
            out[:, 0] = r @ coef + bias
            w_eff = (w.toarray() + win @ coef.T).T
            h = win @ bias - theta
            alive = np.ones(b, dtype=bool)
            for t in range(1, n_free + 1):
                x = r @ w_eff
                x += h
                x *= gain
                act(x, x)
                r = leak * x + (1.0 - leak) * r
                y = r @ coef + bias
                alive &= np.all(np.isfinite(y), axis=1) & (np.abs(y).max(axis=1) < 1e6)
                if not alive.any():
                    break
                out[alive, t] = y[alive]
        return out

    def generate(self, warmup, n_steps):
        """Drive with the W warm-up points, then feed each prediction back as input.

        Row 0 is ``warmup[-1]`` (the observation at that time); row k >= 1 the readout
        ``W_out^T r + b`` of the state after the previous row was the input.
        """
        w = np.asarray(warmup, dtype=float)
        n_steps = int(n_steps)
        out = np.empty((n_steps, w.shape[1]))
        out[0] = w[-1]
        if n_steps > 1:
            out[1:] = self._run(w[None], n_steps - 2)[0]
        return out

    def predict(self, windows, n):
        """For each window: drive with it, then ``n - 1`` closed-loop steps (t+1 .. t+n)."""
        wins = np.asarray(windows, dtype=float)
        out = np.empty((wins.shape[0], n, wins.shape[2]))
        for lo in range(0, wins.shape[0], 500):
            out[lo:lo + 500] = self._run(wins[lo:lo + 500], n - 1)
        return out


def _warmup(dataset) -> int:
    return max(1, min(200, dataset.n_test // 4))


def _budget(dataset, quick):
    n_fit, n_val = (4000, 2000) if quick else (20_000, 5000)
    return min(n_fit, int(0.8 * dataset.n_train)), n_val


def make_ei_reservoir(dataset, quick):
    """E/I reservoir (300 neurons, quick: 200), global β tuned on the training validation split."""
    n = 200 if quick else 300
    grid = (0.8, 1.0, 1.3) if quick else (0.6, 0.8, 1.0, 1.15, 1.3, 1.6)

    def build(beta, dim, seed, data):
        return EIReservoir(n, dim, gain=4.0, strength=2.0, balance=beta, input_fraction=0.3,
                           input_scaling=0.5, seed=seed), 0

    return ReservoirModel(build, grid, "balance", _warmup(dataset), *_budget(dataset, quick))


def make_ei_reservoir_adaptive(dataset, quick):
    """E/I reservoir with homeostatic inhibition towards heterogeneous targets ρ_i ~ Beta.

    ρ_i ~ Beta(m κ, (1 - m) κ) with κ = 4 and mean m tuned on the validation split; the
    inhibitory weights adapt over the readout-fitting rows (δ = 1e-3, one pass), then freeze.
    """
    n = 200 if quick else 300
    grid = (0.3, 0.5) if quick else (0.2, 0.3, 0.4, 0.5, 0.6)

    def build(mean, dim, seed, data):
        res = EIReservoir(n, dim, gain=4.0, strength=2.0, balance=1.0, input_fraction=0.3,
                          input_scaling=0.5, seed=seed)
        targets = heterogeneous_targets(n, 4.0 * mean, 4.0 * (1.0 - mean), seed=seed + 1)
        res.adapt(data, targets, learning_rate=1e-3)
        return res, int(res.inhibitory.nnz)

    return ReservoirModel(build, grid, "mean_target_rate", _warmup(dataset), *_budget(dataset, quick))


def make_esn(dataset, quick):
    """tanh echo-state network (300 neurons, quick: 200), spectral radius tuned on validation."""
    n = 200 if quick else 300
    grid = (0.8, 1.0) if quick else (0.7, 0.8, 0.9, 1.0, 1.1)

    def build(radius, dim, seed, data):
        return EchoStateNetwork(n, dim, spectral_radius=radius, input_scaling=0.5,
                                bias_scaling=0.2, seed=seed), 0

    return ReservoirModel(build, grid, "spectral_radius", _warmup(dataset), *_budget(dataset, quick))
