"""The training recipe of the AL-RNN (and of the shPLRNN trained on the same machinery).

:class:`TrainConfig` holds the hyper-parameters of the authors' code
(Brenner et al. 2024, ``docs/alrnn.md`` §2.2), :data:`AUTHORS_CONFIGS` their release settings,
:data:`FAST_CONFIGS` shortened recipes; :func:`forcing_weights`, :func:`lr_schedule` and
:func:`checkpoint_key` are the schedule of sparse teacher forcing, the exponential
learning-rate decay and the best-checkpoint rule.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from workbench.validation import check_int, check_positive, check_range

__all__ = [
    "AUTHORS_CONFIGS",
    "FAST_CONFIGS",
    "TrainConfig",
    "checkpoint_key",
    "forcing_weights",
    "lr_schedule",
]


def _check_targets(targets) -> tuple[float, float]:
    if not isinstance(targets, (tuple, list)) or len(targets) != 2:
        raise ValueError(f"select_targets must be two positive numbers (D_stsp, D_H), got {targets!r}")
    return (check_positive(targets[0], "select_targets[0]"), check_positive(targets[1], "select_targets[1]"))


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of :func:`alrnn.train.train` (defaults: the authors' Lorenz-63 settings,
    ``docs/alrnn.md`` §2.2).

    Parameters
    ----------
    epochs : int
        Number of epochs (>= 1).
    batches_per_epoch : int
        Optimiser steps per epoch (>= 1).
    batch_size : int
        Windows per batch (>= 1).
    seq_len : int
        Window length :math:`\\tilde T` (>= 2); each window holds :math:`\\tilde T + 1` points.
    tau : int
        Teacher-forcing interval :math:`\\tau` (>= 1): force after every ``tau`` predictions.
    alpha : float
        Forcing strength in (0, 1]; 1 is identity teacher forcing (the authors' setting).
    start_lr, end_lr : float
        Exponential decay per epoch, :math:`\\eta_e = \\eta_0\\gamma^e`,
        :math:`\\gamma = (\\eta_{end}/\\eta_0)^{1/E}` (Flux ``ExpDecay``).
    noise : float
        Std of the Gaussian noise added to each window (forcing signal and targets), >= 0.
    eval_every : int
        Epochs between evaluations / checkpoints (>= 1).
    eval_steps : int or None
        Length of the training-time free run (and of the series it is compared with);
        ``None`` uses the whole evaluation series.
    n_bins : int
        Bins per dimension of :math:`D_{stsp}`.
    smoothing : float
        Spectral smoothing σ of :math:`D_H`.
    pe_steps : int
        Horizon of the prediction error.
    eval_starts : int
        Number of starting points of the training-time free runs (>= 1):
        :func:`~alrnn.evaluation.checkpoint_metrics` with ``n_starts=eval_starts``; 1 is the
        authors' single run from the first point.
    pe_points : int or None
        Points of the evaluation series the prediction error is measured on (``None``: all).
    population : int
        Independently initialised models each seed trains side by side (>= 1, one
        vectorised call with the other seeds'); 1 is the authors' single model.
    explore_fraction : float
        With ``population > 1``: after this fraction of the epochs the members stop and
        training goes on from the best checkpoint so far (:func:`checkpoint_key`) alone,
        with a fresh optimiser state (in [0, 1]; 1 trains all members to the end).
    select_d_h_max : float or None
        Checkpoint selection (:func:`checkpoint_key`): when set, checkpoints whose
        training-time D_H is at most this value rank before all others, and the lowest D_stsp
        wins within each group (if none qualifies: lowest D_stsp, the authors' rule).
        ``None``: D_stsp alone. D_H depends on the series length, so a threshold holds for
        the length of the training-time free run it was calibrated on (``eval_steps``). >= 0.
    select_targets : tuple of two floats or None
        Checkpoint selection (:func:`checkpoint_key`) by the larger of the two training-time
        scores relative to their targets, :math:`\\max(D_{stsp}/a,\\ D_H/b)` for
        ``(a, b)``: the checkpoint that best meets both targets at once. Both > 0; not
        together with ``select_d_h_max``. ``None``: the authors' rule (D_stsp alone).
    unroll : int
        ``lax.scan`` unroll factor over time (speed only).
    """

    epochs: int = 2000
    batches_per_epoch: int = 50
    batch_size: int = 16
    seq_len: int = 200
    tau: int = 16
    alpha: float = 1.0
    start_lr: float = 1e-3
    end_lr: float = 1e-5
    noise: float = 0.05
    eval_every: int = 25
    eval_steps: int | None = None
    n_bins: int = 30
    smoothing: float = 20.0
    pe_steps: int = 20
    eval_starts: int = 1
    pe_points: int | None = None
    population: int = 1
    explore_fraction: float = 0.5
    select_d_h_max: float | None = None
    select_targets: tuple[float, float] | None = None
    unroll: int = 1

    def __post_init__(self):
        check_int(self.epochs, "epochs", 1, None)
        check_int(self.batches_per_epoch, "batches_per_epoch", 1, None)
        check_int(self.batch_size, "batch_size", 1, None)
        check_int(self.seq_len, "seq_len", 2, None)
        check_int(self.tau, "tau", 1, None)
        check_range(self.alpha, "alpha", 0, 1, low_inclusive=False)
        check_positive(self.start_lr, "start_lr")
        check_positive(self.end_lr, "end_lr")
        check_positive(self.noise, "noise", strict=False)
        check_int(self.eval_every, "eval_every", 1, None)
        if self.eval_steps is not None:
            check_int(self.eval_steps, "eval_steps", self.pe_steps + 2, None)
        check_int(self.n_bins, "n_bins", 2, None)
        check_positive(self.smoothing, "smoothing", strict=False)
        check_int(self.pe_steps, "pe_steps", 1, None)
        check_int(self.eval_starts, "eval_starts", 1, None)
        if self.pe_points is not None:
            check_int(self.pe_points, "pe_points", self.pe_steps + 2, None)
        check_int(self.population, "population", 1, None)
        check_range(self.explore_fraction, "explore_fraction", 0, 1)
        if self.select_d_h_max is not None:
            check_positive(self.select_d_h_max, "select_d_h_max", strict=False)
        if self.select_targets is not None:
            _check_targets(self.select_targets)
            if self.select_d_h_max is not None:
                raise ValueError("select_targets and select_d_h_max are two selection rules: set one")
        check_int(self.unroll, "unroll", 1, None)

    def replace(self, **changes) -> TrainConfig:
        """A copy with some fields changed (validated)."""
        return dataclasses.replace(self, **changes)


#: The authors' release settings (``settings/*.json``, ``docs/alrnn.md`` §2.2 table), with model sizes.
AUTHORS_CONFIGS: dict[str, tuple[dict, TrainConfig]] = {
    "lorenz63": ({"M": 20, "P": 2}, TrainConfig()),
    "rossler": ({"M": 20, "P": 1}, TrainConfig(epochs=3000, seq_len=300, tau=8, start_lr=5e-3)),
    "ecg": ({"M": 100, "P": 2}, TrainConfig(epochs=4000, seq_len=50, tau=10, start_lr=2e-3,
                                              noise=0.01, n_bins=8)),
    "fmri": ({"M": 50, "P": 2}, TrainConfig(seq_len=72, tau=7, start_lr=5e-3, noise=0.0,
                                             n_bins=8, smoothing=1.0)),
}

#: Shortened recipes (same model sizes, window, batch, noise as the authors; fewer epochs
#: with a higher start LR). Lorenz-63: tau 12 instead of 16; eight initialisations trained
#: side by side for the first three quarters, then the best checkpoint so far alone;
#: checkpoints scored on free runs from 8 points of the training series (robust to coexisting
#: attractors) and selected by the larger of D_stsp / 2.5 and D_H / 0.3 (the claim's targets,
#: ``select_targets``). Eight initialisations and this rule replaced four initialisations
#: with the authors' lowest-D_stsp rule after a comparison on a validation trajectory (a third
#: generated series, never the test series; ``alrnn/README.md``). A preference for
#: checkpoints with D_H <= 0.28 (``select_d_h_max``) was the default once, but that threshold
#: had been chosen after seeing test scores, so it is not used.
FAST_CONFIGS: dict[str, tuple[dict, TrainConfig]] = {
    "lorenz63": ({"M": 20, "P": 2}, TrainConfig(epochs=400, tau=12, start_lr=3e-3, end_lr=1e-5,
                                                eval_every=10, eval_steps=None, eval_starts=8,
                                                pe_points=10_000, population=8, explore_fraction=0.75,
                                                select_targets=(2.5, 0.3))),
    "rossler": ({"M": 20, "P": 1}, TrainConfig(epochs=200, seq_len=300, tau=8, start_lr=5e-3,
                                               end_lr=1e-5, eval_every=10, eval_steps=20_000)),
}


def forcing_weights(seq_len, tau, alpha=1.0):
    """Forcing weight of each prediction step of a window.

    Prediction ``k`` (0-based, the state :math:`z_{k+2}`) is forced when
    :math:`(k+1) \\bmod \\tau = 0`, i.e. the authors' ``(t-1) mod τ == 0`` for
    :math:`t = k+2` (``docs/alrnn.md`` §2.1).

    Returns
    -------
    numpy.ndarray (seq_len,) float32
        ``alpha`` at forced steps, 0 elsewhere.
    """
    seq_len = check_int(seq_len, "seq_len", 1, None)
    tau = check_int(tau, "tau", 1, None)
    check_range(alpha, "alpha", 0, 1, low_inclusive=False)
    k = np.arange(seq_len)
    return np.where((k + 1) % tau == 0, alpha, 0.0).astype(np.float32)


def lr_schedule(config: TrainConfig, epochs):
    r"""Learning rate of each epoch in ``epochs`` (0-based): :math:`\eta_0 \gamma^e`,
    :math:`\gamma = \exp(\log(\eta_{end}/\eta_0)/E)` (Flux ``ExpDecay`` stepped once per
    epoch, ``docs/alrnn.md`` §2.2)."""
    gamma = math.exp(math.log(config.end_lr / config.start_lr) / config.epochs)
    return config.start_lr * gamma ** np.asarray(epochs, dtype=np.float64)



def _rank(d):
    """Sort key of a D_stsp value: NaN (a diverging free run) ranks last."""
    return d if np.isfinite(d) else np.inf


def checkpoint_key(scores: Mapping, d_h_max: float | None = None,
                   targets: tuple[float, float] | None = None) -> tuple[int, float]:
    r"""Sort key of a checkpoint for best-checkpoint selection (smaller is better).

    .. math::

        \kappa = \bigl(\mathbb 1[\lnot(D_H \le D_H^{max})],\ D_{stsp}\bigr),

    compared lexicographically: checkpoints whose training-time :math:`D_H` (``docs/alrnn.md`` §3.3) is
    at most ``d_h_max`` come first, and within each group the lowest :math:`D_{stsp}`
    (``docs/alrnn.md`` §3.1) wins, so with no qualifying checkpoint the rule falls back to the authors'
    minimum-:math:`D_{stsp}` selection (``docs/alrnn.md`` §2.2). A NaN :math:`D_H` never qualifies; a
    NaN :math:`D_{stsp}` (diverging free run) ranks last in its group.

    With ``targets = (a, b)`` the key is instead

    .. math::

        \kappa = \bigl(0,\ \max(D_{stsp}/a,\ D_H/b)\bigr),

    the checkpoint that is furthest inside (or least outside) both targets wins; a NaN in
    either score ranks last.

    Parameters
    ----------
    scores : mapping
        Training-time metrics with ``d_stsp`` and ``d_h``.
    d_h_max : float or None
        Threshold :math:`D_H^{max}` (>= 0); ``None`` ranks by :math:`D_{stsp}` alone.
    targets : tuple (a, b) of positive floats or None
        Targets of :math:`D_{stsp}` and :math:`D_H`; not together with ``d_h_max``.

    Returns
    -------
    tuple (int, float)
        ``(group, value)``: group 0 (qualifies or no threshold) or 1; NaN replaced by inf.
    """
    if targets is not None:
        if d_h_max is not None:
            raise ValueError("select_targets and select_d_h_max are two selection rules: set one")
        a, b = _check_targets(targets)
        d, h = scores["d_stsp"], scores["d_h"]
        return 0, (max(d / a, h / b) if np.isfinite(d) and np.isfinite(h) else np.inf)
    if d_h_max is not None:
        check_positive(d_h_max, "d_h_max", strict=False)
    d_h = scores["d_h"]
    group = 0 if d_h_max is None or (np.isfinite(d_h) and d_h <= d_h_max) else 1
    return group, _rank(scores["d_stsp"])
