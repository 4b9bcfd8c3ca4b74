"""Training of the AL-RNN by BPTT with sparse (identity) teacher forcing, in JAX.

Recipe of the authors' code (note ``research/alrnn.md`` §2): for each window
:math:`x_{1:\\tilde T+1}` the state starts at :math:`z_1=[x_1; Lx_1]`, is iterated by the
AL-RNN, the prediction :math:`\\hat z_t` (taken before forcing) enters the MSE loss on the
``N`` observed units, and every :math:`\\tau` steps the observed units are replaced by the
data, :math:`z_{1:N} \\leftarrow x_t`, which cuts the gradient through them. Optionally the
forcing is generalised (GTF): :math:`z_{1:N} \\leftarrow \\alpha x_t + (1-\\alpha) z_{1:N}`.
RAdam with an exponential learning-rate decay per epoch, random windows with Gaussian noise,
and every ``eval_every`` epochs a free-run evaluation (D_stsp, D_H, PE) keeping the best
checkpoint by D_stsp (optionally preferring checkpoints with a low D_H,
:func:`checkpoint_key`).

A whole block of ``eval_every`` epochs is one ``jax.jit``-compiled call (``lax.scan`` over
batches, ``lax.scan`` over time).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Callable, Mapping

import jax
import jax.numpy as jnp
import numpy as np
import optax

from workbench.validation import check_array, check_int, check_positive, check_range, check_seed

from .evaluation import checkpoint_metrics
from .model import ALRNN, check_sizes, initial_state, step

__all__ = [
    "AUTHORS_CONFIGS",
    "FAST_CONFIGS",
    "TrainConfig",
    "TrainResult",
    "checkpoint_key",
    "forcing_weights",
    "lr_schedule",
    "make_train_block",
    "train",
    "window_loss",
]


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of :func:`train` (defaults: the authors' Lorenz-63 settings, note §2.2).

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
        Independently initialised models trained side by side (>= 1, one vectorised call);
        1 is the authors' single model.
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
        check_int(self.unroll, "unroll", 1, None)

    def replace(self, **changes) -> "TrainConfig":
        """A copy with some fields changed (validated)."""
        return dataclasses.replace(self, **changes)


#: The authors' release settings (``settings/*.json``, note §2.2 table), with model sizes.
AUTHORS_CONFIGS: dict[str, tuple[dict, TrainConfig]] = {
    "lorenz63": ({"M": 20, "P": 2}, TrainConfig()),
    "rossler": ({"M": 20, "P": 1}, TrainConfig(epochs=3000, seq_len=300, tau=8, start_lr=5e-3)),
    "ecg": ({"M": 100, "P": 2}, TrainConfig(epochs=4000, seq_len=50, tau=10, start_lr=2e-3,
                                              noise=0.01, n_bins=8)),
    "fmri": ({"M": 50, "P": 2}, TrainConfig(seq_len=72, tau=7, start_lr=5e-3, noise=0.0,
                                             n_bins=8, smoothing=1.0)),
}

#: Shortened recipes (same model sizes, window, batch, noise as the authors; fewer epochs
#: with a higher start LR). Lorenz-63: tau 12 instead of 16; four initialisations trained
#: side by side for the first three quarters, then the best checkpoint so far alone;
#: checkpoints scored by D_stsp on free runs from 8 points of the training series (robust
#: to coexisting attractors), preferring those whose full-length D_H is at most 0.28.
FAST_CONFIGS: dict[str, tuple[dict, TrainConfig]] = {
    "lorenz63": ({"M": 20, "P": 2}, TrainConfig(epochs=400, tau=12, start_lr=3e-3, end_lr=1e-5,
                                                eval_every=10, eval_steps=None, eval_starts=8,
                                                pe_points=10_000, population=4, explore_fraction=0.75,
                                                select_d_h_max=0.28)),
    "rossler": ({"M": 20, "P": 1}, TrainConfig(epochs=200, seq_len=300, tau=8, start_lr=5e-3,
                                               end_lr=1e-5, eval_every=10, eval_steps=20_000)),
}


def forcing_weights(seq_len, tau, alpha=1.0):
    """Forcing weight of each prediction step of a window.

    Prediction ``k`` (0-based, the state :math:`z_{k+2}`) is forced when
    :math:`(k+1) \\bmod \\tau = 0`, i.e. the authors' ``(t-1) mod τ == 0`` for
    :math:`t = k+2` (note §2.1).

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


def window_loss(params, windows, force, P, unroll=1):
    """Teacher-forced MSE loss of a batch of windows (note §2.1, ``tfrecur.jl``).

    .. math::

        \\mathcal L = \\frac{1}{B\\tilde T N}\\sum_{b,t=2}^{\\tilde T+1}\\sum_{n\\le N}
        (\\hat z_{t,n} - x_{t,n})^2,\\qquad
        z_{1:N,t} \\leftarrow z_{1:N,t} + f_t (x_t - z_{1:N,t}) \\text{ after the loss term},

    with :math:`f_t` from :func:`forcing_weights`. For :math:`f_t = 1` the forced entries no
    longer depend on the past state, so their gradient is exactly cut.

    Parameters
    ----------
    params : dict of JAX arrays ``A, W, h, L``
    windows : array (B, T+1, N)
    force : array (T,)
    P : int (static)
    unroll : int (static)

    Returns
    -------
    scalar
    """
    N = windows.shape[-1]
    z = initial_state(params, windows[:, 0])
    xs = jnp.swapaxes(windows[:, 1:], 0, 1)

    def body(z, inp):
        x, f = inp
        z = step(params, z, P)
        err = z[:, :N] - x
        z = jnp.concatenate([z[:, :N] + f * (x - z[:, :N]), z[:, N:]], axis=1)
        return z, jnp.sum(err * err)

    _, sq = jax.lax.scan(body, z, (xs, force), unroll=unroll)
    return jnp.sum(sq) / (windows.shape[0] * xs.shape[0] * N)


def lr_schedule(config: TrainConfig, epochs):
    r"""Learning rate of each epoch in ``epochs`` (0-based): :math:`\eta_0 \gamma^e`,
    :math:`\gamma = \exp(\log(\eta_{end}/\eta_0)/E)` (Flux ``ExpDecay`` stepped once per
    epoch, note §2.2)."""
    gamma = math.exp(math.log(config.end_lr / config.start_lr) / config.epochs)
    return config.start_lr * gamma ** np.asarray(epochs, dtype=np.float64)


@lru_cache(maxsize=16)
def make_train_block(P, batch_size, seq_len, batches_per_epoch, n_epochs, unroll=1, population=None):
    """A jitted function running ``n_epochs`` epochs of RAdam training in one call.

    Only the shapes and ``P`` are compiled in; learning rates, noise, forcing weights and
    the random key are arguments, so trainings with different recipes share one compile.
    With an integer ``population`` the block is vectorised (``jax.vmap``) over a leading
    axis of that size on ``params``, ``opt_state`` and ``key``: independent models with their
    own batches (``None``: one model, no leading axis).

    Returns
    -------
    block : callable
        ``block(params, opt_state, key, data, force, lrs, noise) -> (params, opt_state,
        epoch_losses)``: ``key`` a JAX PRNG key, ``data`` (T, N), ``force`` (seq_len,) from
        :func:`forcing_weights`, ``lrs`` (n_epochs,) the learning rate of each epoch,
        ``noise`` the std of the Gaussian noise added to each window; ``epoch_losses`` (n_epochs,)
        is the mean batch loss of each epoch (with a population: a leading axis on
        ``params``, ``opt_state``, ``key`` and ``epoch_losses``).
    optimizer : optax.GradientTransformation
        ``optax.scale_by_radam()``; the update is ``-lr`` times its output, as ``optax.radam``.
    """
    opt = optax.scale_by_radam()
    B, T, bpe = batch_size, seq_len, batches_per_epoch
    loss_grad = jax.value_and_grad(partial(window_loss, P=P, unroll=unroll))

    def block(params, opt_state, key, data, force, lrs, noise):
        n_start = data.shape[0] - T

        def one_batch(carry, inp):
            params, opt_state = carry
            k, lr = inp
            k_start, k_noise = jax.random.split(k)
            starts = jax.random.randint(k_start, (B,), 0, n_start)
            windows = jax.vmap(lambda s: jax.lax.dynamic_slice_in_dim(data, s, T + 1))(starts)
            windows = windows + noise * jax.random.normal(k_noise, windows.shape)
            loss, grads = loss_grad(params, windows, force)
            updates, opt_state = opt.update(grads, opt_state, params)
            params = jax.tree_util.tree_map(lambda p, u: p - lr * u, params, updates)
            return (params, opt_state), loss

        keys = jax.random.split(key, n_epochs * bpe)
        lr_steps = jnp.repeat(lrs, bpe)
        (params, opt_state), losses = jax.lax.scan(one_batch, (params, opt_state), (keys, lr_steps))
        return params, opt_state, losses.reshape(n_epochs, bpe).mean(axis=1)

    if population is not None:
        block = jax.vmap(block, in_axes=(0, 0, 0, None, None, None, None), axis_size=population)
    return jax.jit(block), opt


@dataclass
class TrainResult:
    """Outcome of :func:`train`.

    Attributes
    ----------
    model : ALRNN
        Best checkpoint (minimal D_stsp over the evaluations, or minimal
        :func:`checkpoint_key` with ``config.select_d_h_max``).
    last_model : ALRNN
        Parameters at the end of training (or at the last finite block).
    history : dict of numpy arrays
        ``epoch``/``loss`` for every epoch; ``eval_epoch``, ``d_stsp``, ``d_h``, ``pe`` per
        evaluation.
    best_epoch : int
        Epoch of the best checkpoint (0: the initial model).
    best_metrics : dict
        ``d_stsp``, ``d_h``, ``pe`` of the best checkpoint.
    status : str
        ``"completed"``, ``"stopped"`` (``should_stop``) or ``"non-finite"`` (aborted).
    seconds : float
        Wall time of the training loop.
    """

    model: ALRNN
    last_model: ALRNN
    history: dict
    best_epoch: int
    best_metrics: dict
    status: str
    seconds: float


def _windows_ok(data, config):
    if len(data) < config.seq_len + 1:
        raise ValueError(f"data must have at least seq_len + 1 = {config.seq_len + 1} rows, "
                         f"got {len(data)}")


def _rank(d):
    """Sort key of a D_stsp value: NaN (a diverging free run) ranks last."""
    return d if np.isfinite(d) else np.inf


def checkpoint_key(scores: Mapping, d_h_max: float | None = None) -> tuple[int, float]:
    r"""Sort key of a checkpoint for best-checkpoint selection (smaller is better).

    .. math::

        \kappa = \bigl(\mathbb 1[\lnot(D_H \le D_H^{max})],\ D_{stsp}\bigr),

    compared lexicographically: checkpoints whose training-time :math:`D_H` (note §3.3) is
    at most ``d_h_max`` come first, and within each group the lowest :math:`D_{stsp}`
    (note §3.1) wins, so with no qualifying checkpoint the rule falls back to the authors'
    minimum-:math:`D_{stsp}` selection (note §2.2). A NaN :math:`D_H` never qualifies; a
    NaN :math:`D_{stsp}` (diverging free run) ranks last in its group.

    Parameters
    ----------
    scores : mapping
        Training-time metrics with ``d_stsp`` and ``d_h``.
    d_h_max : float or None
        Threshold :math:`D_H^{max}` (>= 0); ``None`` ranks by :math:`D_{stsp}` alone.

    Returns
    -------
    tuple (int, float)
        ``(group, D_stsp)``: group 0 (qualifies or no threshold) or 1; NaN replaced by inf.
    """
    if d_h_max is not None:
        check_positive(d_h_max, "d_h_max", strict=False)
    d_h = scores["d_h"]
    group = 0 if d_h_max is None or (np.isfinite(d_h) and d_h <= d_h_max) else 1
    return group, _rank(scores["d_stsp"])


def train(data, M=20, P=2, config: TrainConfig | None = None, *, model: ALRNN | None = None,
          seed=0, eval_data=None, progress: Callable | None = None,
          should_stop: Callable[[], bool] | None = None,
          on_eval: Callable[[int, Mapping, ALRNN], None] | None = None) -> TrainResult:
    """Train an AL-RNN on one series by sparse teacher forcing (note §2).

    Parameters
    ----------
    data : array (T, N)
        Training series (z-scored by the caller), finite, ``T >= seq_len + 1``.
    M, P : int
        Latent size and number of ReLU units (ignored when ``model`` is given);
        ``N <= M - P``, ``0 <= P <= M``.
    config : TrainConfig, optional
        Hyper-parameters; default the authors' Lorenz-63 recipe.
    model : ALRNN, optional
        Model to start from (copied); default a new one with the authors' initialisation.
    seed : int
        Seeds the initialisation, window sampling and noise (deterministic given the seed).
    eval_data : array (T', N), optional
        Series the free run is compared with at evaluations; default ``data``. Truncated to
        ``config.eval_steps`` points.
    progress : callable, optional
        ``progress(fraction, message, epoch=, loss=, d_stsp=, d_h=)`` after each block.
    should_stop : callable, optional
        Checked after each block; when it returns True training ends with status
        ``"stopped"`` and the best model so far.
    on_eval : callable, optional
        ``on_eval(epoch, record, model)`` after each evaluation; ``record`` holds ``loss``,
        ``d_stsp``, ``d_h``, ``pe`` and ``best`` (whether this checkpoint is the new best).

    Returns
    -------
    TrainResult

    Notes
    -----
    Evaluation (``checkpoint_metrics``) follows the AL-RNN repo's training-time protocol:
    free run from the first point of the evaluation series, as long as that series.
    Training aborts as soon as a parameter is non-finite and returns the best checkpoint.
    """
    config = config or TrainConfig()
    data = check_array(data, "data", ndim=2, min_length=2)
    N = data.shape[1]
    rng = check_seed(seed)
    if model is None:
        M, N, P = check_sizes(M, N, P, linear_readout=True)
        members = [ALRNN(M, N, P, seed=rng) for _ in range(config.population)]
    elif model.N != N:
        raise ValueError(f"data must have N = {model.N} features (model), got {N}")
    else:
        check_sizes(model.M, model.N, model.P, linear_readout=True)
        members = [model.copy() for _ in range(config.population)]
    P = members[0].P
    _windows_ok(data, config)
    eval_data = data if eval_data is None else check_array(eval_data, "eval_data", ndim=2,
                                                          shape=(None, N), min_length=config.pe_steps + 2)
    if config.eval_steps is not None:
        eval_data = eval_data[:config.eval_steps]
    n_starts = min(config.eval_starts, len(eval_data) // (config.pe_steps + 2))
    progress = progress or (lambda *a, **k: None)

    pop = config.population
    explore_until = int(round(config.explore_fraction * config.epochs)) if pop > 1 else config.epochs
    params = {k: jnp.stack([jnp.asarray(m.params[k]) for m in members]) for k in members[0].params}
    _, opt = make_train_block(P, config.batch_size, config.seq_len, config.batches_per_epoch, 1,
                              config.unroll, pop)
    init_opt_state = jax.jit(jax.vmap(opt.init))
    opt_state = init_opt_state(params)
    data_j = jnp.asarray(data, jnp.float32)
    force = jnp.asarray(forcing_weights(config.seq_len, config.tau, config.alpha))
    keys = jax.random.split(jax.random.PRNGKey(int(rng.integers(2**31))),
                            (-(-config.epochs // config.eval_every), pop))
    noise = jnp.float32(config.noise)
    alive = list(range(pop))            # indices (into the original population) still trained

    def _member(tree, i):
        return jax.tree_util.tree_map(lambda x: x[i], tree)

    def _key(scores):
        return checkpoint_key(scores, config.select_d_h_max)

    def _improves(rec, best):
        return bool(np.isfinite(rec["d_stsp"]) and _key(rec) < _key(best))

    def _eval(p, loss):
        m = ALRNN.from_params(p, P)
        scores = checkpoint_metrics(m, eval_data, n_bins=config.n_bins, smoothing=config.smoothing,
                                    pe_steps=config.pe_steps, n_starts=n_starts,
                                    pe_points=config.pe_points)
        return m, {"loss": float(loss), **scores}

    t0 = time.perf_counter()
    evals = [_eval(_member(params, i), float("nan")) for i in range(pop)]
    first = min(range(pop), key=lambda i: _key(evals[i][1]))
    best_model, best = evals[first][0], evals[first][1]
    best_epoch, best_member = 0, alive[first]
    history = {"epoch": [], "loss": [], "eval_epoch": [0], "d_stsp": [best["d_stsp"]],
               "d_h": [best["d_h"]], "pe": [best["pe"]], "member": [alive[first]]}
    last_params = _member(params, 0)
    status = "completed"
    epoch = 0
    while epoch < config.epochs:
        if len(alive) > 1 and epoch >= explore_until:        # the best checkpoint goes on alone
            params = {k: v[None] for k, v in best_model.params.items()}
            opt_state = init_opt_state(params)
            alive = [best_member]
        n = min(config.eval_every, config.epochs - epoch)
        block = make_train_block(P, config.batch_size, config.seq_len, config.batches_per_epoch, n,
                                 config.unroll, len(alive))[0]
        lrs = jnp.asarray(lr_schedule(config, range(epoch, epoch + n)), jnp.float32)
        block_keys = keys[epoch // config.eval_every][jnp.asarray(alive)]
        new_params, new_opt_state, losses = block(params, opt_state, block_keys, data_j, force, lrs, noise)
        finite = np.all([np.all(np.isfinite(np.asarray(v)).reshape(len(alive), -1), axis=1)
                         for v in new_params.values()], axis=0)
        if not finite.any():
            status = "non-finite"
            break
        keep = np.flatnonzero(finite)
        if len(keep) < len(alive):                  # drop diverged members
            new_params, new_opt_state, losses = (jax.tree_util.tree_map(lambda x: x[keep], t)
                                                 for t in (new_params, new_opt_state, losses))
            alive = [alive[i] for i in keep]
        params, opt_state = new_params, new_opt_state
        losses = np.asarray(losses)
        epoch += n
        evals = [_eval(_member(params, i), losses[i, -1]) for i in range(len(alive))]
        j = min(range(len(alive)), key=lambda i: _key(evals[i][1]))
        m, rec = evals[j]
        last_params = _member(params, j)
        rec["member"] = alive[j]
        history["epoch"].extend(range(epoch - n + 1, epoch + 1))
        history["loss"].extend(losses[j].tolist())
        rec["best"] = _improves(rec, best)
        if rec["best"]:
            best_model, best_epoch, best, best_member = m, epoch, rec, alive[j]
        history["eval_epoch"].append(epoch)
        for k in ("d_stsp", "d_h", "pe", "member"):
            history[k].append(rec[k])
        if on_eval is not None:
            on_eval(epoch, rec, m)
        progress(epoch / config.epochs, f"epoch {epoch}/{config.epochs}", epoch=epoch,
                 loss=rec["loss"], d_stsp=rec["d_stsp"], d_h=rec["d_h"])
        if should_stop is not None and should_stop():
            status = "stopped"
            break
    seconds = time.perf_counter() - t0
    return TrainResult(
        model=best_model,
        last_model=ALRNN.from_params(last_params, P),
        history={k: np.asarray(v, dtype=np.int64 if "epoch" in k or k == "member" else np.float64)
                 for k, v in history.items()},
        best_epoch=best_epoch,
        best_metrics={k: best[k] for k in ("d_stsp", "d_h", "pe")},
        status=status,
        seconds=seconds,
    )
