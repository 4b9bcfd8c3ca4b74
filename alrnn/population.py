"""Training loop of a population of seeds as one vectorised JAX computation.

Every seed of :func:`train_population` follows the authors' recipe
(Brenner et al. 2024, ``docs/alrnn.md`` §2): RAdam with an exponential learning-rate decay per epoch, random
windows with Gaussian noise, teacher forcing of the family (:mod:`alrnn.block`), and every
``eval_every`` epochs a training-time free-run evaluation keeping the best checkpoint
(:func:`~alrnn.recipe.checkpoint_key`). All seeds (and, with ``config.population > 1``, the
initialisations each seed explores) train side by side in one ``jax.vmap``-ped block, and
their free runs are evaluated in one batched call; selection is per seed and uses only the
training series (or the given ``eval_data``).

Divergence is a failure: a seed whose every member has a non-finite loss or parameter is
reported as :class:`TrainingDiverged` carrying its loss curve and last finite parameters.
"""

from __future__ import annotations

import numbers
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np

from workbench.benchmark.protocol import TrainingDiverged as _BenchmarkTrainingDiverged
from workbench.validation import check_array, check_int, check_seed

from .evaluation import population_checkpoint_metrics
from .recipe import TrainConfig, checkpoint_key, lr_schedule

__all__ = ["TrainResult", "TrainingDiverged", "train_population"]


@dataclass
class TrainResult:
    """Outcome of the training of one seed.

    Attributes
    ----------
    model : ALRNN or ShPLRNN
        Best checkpoint (minimal D_stsp over the evaluations, or minimal
        :func:`~alrnn.recipe.checkpoint_key` with ``config.select_d_h_max`` or
        ``config.select_targets``).
    last_model : ALRNN or ShPLRNN
        Parameters at the end of training.
    history : dict of numpy arrays
        ``epoch``/``loss`` for every epoch; ``eval_epoch``, ``d_stsp``, ``d_h``, ``pe``,
        ``member`` (and for the shPLRNN ``alpha``) per evaluation.
    best_epoch : int
        Epoch of the best checkpoint (0: the initial model).
    best_metrics : dict
        ``d_stsp``, ``d_h``, ``pe`` of the best checkpoint.
    status : str
        ``"completed"`` or ``"stopped"`` (``should_stop``).
    seconds : float
        Wall time of the training loop (of the whole population).
    seed : int or None
        The seed.
    """

    model: object
    last_model: object
    history: dict
    best_epoch: int
    best_metrics: dict
    status: str
    seconds: float
    seed: int | None = None


class TrainingDiverged(_BenchmarkTrainingDiverged):
    """Training went non-finite (loss or parameters): the run is a failure, not a result.

    Attributes
    ----------
    epoch : int
        Last epoch whose parameters were finite.
    history : dict of numpy arrays
        Loss curve and evaluations up to the divergence (as :attr:`TrainResult.history`).
    last_model : ALRNN or ShPLRNN
        The last finite parameters (kept for inspection, never for scoring).
    best_model : ALRNN or ShPLRNN
        The best checkpoint before the divergence.
    seed : int or None
    """

    def __init__(self, message, *, epoch, history, last_model, best_model, seed=None):
        super().__init__(message)
        self.epoch = epoch
        self.history = history
        self.last_model = last_model
        self.best_model = best_model
        self.seed = seed


@dataclass
class _Seed:
    """Book-keeping of one seed: its best checkpoint and history."""

    seed: int
    best_model: object = None
    best: dict = None
    best_params: dict = None
    best_forcing: dict = None
    best_epoch: int = 0
    best_member: int = 0
    last_params: dict = None
    history: dict = field(default_factory=dict)
    outcome: object = None           # TrainingDiverged once diverged


def _arrays(history):
    return {k: np.asarray(v, dtype=np.int64 if "epoch" in k or k == "member" else np.float64)
            for k, v in history.items()}


def _tree_take(tree, idx):
    return jax.tree_util.tree_map(lambda x: x[idx], tree)


def train_population(data, family, config: TrainConfig, seeds: Sequence[int], *,
                     init: Sequence[Mapping] | None = None, eval_data=None,
                     progress: Callable | None = None, should_stop: Callable[[], bool] | None = None,
                     on_eval: Callable[[int, Mapping, object], None] | None = None,
                     threads: int = 1) -> list:
    """Train one model per seed on one series, all seeds in one vectorised computation.

    With ``threads = k > 1`` the seeds are split into ``k`` groups (contiguous, as even as
    possible), each one vectorised computation in its own thread: XLA runs one computation
    on one core, and JAX releases the GIL while it runs, so the groups train on ``k`` cores
    at once. Each seed's result does not depend on the grouping (a seed draws its own
    initialisation, windows and noise); ``on_eval`` is called under a lock, ``progress``
    reports the first group.

    Parameters
    ----------
    data : array (T, N)
        Training series (z-scored by the caller), finite, ``T >= seq_len + 1``.
    family : ALRNNFamily or ShPLRNNFamily
        What is trained (:mod:`alrnn.block`).
    config : TrainConfig
        The recipe, shared by all seeds. With ``config.population = K > 1`` each seed
        trains ``K`` initialisations for ``explore_fraction`` of the epochs, then its best
        checkpoint so far alone.
    seeds : sequence of int
        One model per seed; seed ``s`` draws the initialisation, windows and noise exactly
        as a population of one with seed ``s`` does.
    init : sequence of parameter dicts, optional
        Starting parameters per seed (instead of the family's initialisation).
    eval_data : array (T', N), optional
        Series the training-time free runs are compared with (default ``data``), truncated
        to ``config.eval_steps`` points.
    progress : callable, optional
        ``progress(fraction, message, epoch=, loss=, d_stsp=, d_h=)`` after each block
        (scores of the first seed still training).
    should_stop : callable, optional
        Checked after each block; True ends training with status ``"stopped"``.
    on_eval : callable, optional
        ``on_eval(epoch, record, model)`` after each evaluation of each seed; ``record``
        holds ``seed``, ``loss``, ``d_stsp``, ``d_h``, ``pe``, ``member`` and ``best``.
    threads : int, default 1
        Groups of seeds trained at once, one per thread (at most one per seed).

    Returns
    -------
    list of TrainResult or TrainingDiverged
        One per seed, in the order of ``seeds``: the exception object (not raised) for a
        seed that diverged.
    """
    data = check_array(data, "data", ndim=2, min_length=2)
    N = data.shape[1]
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    threads = min(check_int(threads, "threads", 1, None), len(seeds))
    if threads > 1:
        return _in_threads(data, family, config, seeds, threads, init=init, eval_data=eval_data,
                           progress=progress, should_stop=should_stop, on_eval=on_eval)
    if len(data) < config.seq_len + 1:
        raise ValueError(f"data must have at least seq_len + 1 = {config.seq_len + 1} rows, got {len(data)}")
    eval_data = data if eval_data is None else check_array(
        eval_data, "eval_data", ndim=2, shape=(None, N), min_length=config.pe_steps + 2)
    if config.eval_steps is not None:
        eval_data = eval_data[:config.eval_steps]
    n_starts = min(config.eval_starts, len(eval_data) // (config.pe_steps + 2))
    progress = progress or (lambda *a, **k: None)
    pop = config.population
    explore_until = int(round(config.explore_fraction * config.epochs)) if pop > 1 else config.epochs
    n_blocks = -(-config.epochs // config.eval_every)

    members, keys = [], []
    for i, seed in enumerate(seeds):
        rng = check_seed(seed)
        if init is None:
            members.extend(family.init_params(N, rng) for _ in range(pop))
        else:
            members.extend(init[i] for _ in range(pop))
        keys.append(jax.random.split(jax.random.PRNGKey(int(rng.integers(2**31))), (n_blocks, pop)))
    keys = jnp.stack(keys, axis=1)                     # (n_blocks, S, pop, 2)
    alive = [(s, j) for s in range(len(seeds)) for j in range(pop)]
    params = {k: jnp.stack([jnp.asarray(m[k], jnp.float32) for m in members]) for k in members[0]}
    _, opt = make_block(family, config, len(alive))
    init_opt = jax.jit(jax.vmap(opt.init))
    opt_state = init_opt(params)
    forcing = jax.tree_util.tree_map(lambda x: jnp.stack([x] * len(alive)), family.init_forcing(config))
    data_j = jnp.asarray(data, jnp.float32)
    noise = jnp.float32(config.noise)
    states = [_Seed(int(seed) if isinstance(seed, numbers.Integral) else None) for seed in seeds]
    metric_kw = {"n_bins": config.n_bins, "smoothing": config.smoothing, "pe_steps": config.pe_steps,
                 "n_starts": n_starts, "pe_points": config.pe_points}

    def key_of(rec):
        return checkpoint_key(rec, config.select_d_h_max, config.select_targets)

    def evaluate(epoch, losses):
        """Score every member, update each seed's best checkpoint and history."""
        recs = population_checkpoint_metrics(family, params, eval_data, **metric_kw)
        first = None
        for s, st in enumerate(states):
            rows = [i for i, (s2, _) in enumerate(alive) if s2 == s]
            if not rows:
                continue
            i = min(rows, key=lambda r: key_of(recs[r]))
            rec = {"seed": st.seed, "loss": float(losses[i]), **recs[i], "member": alive[i][1]}
            if "alpha" in forcing:
                rec["alpha"] = float(forcing["alpha"][i])
            p_i = _tree_take(params, i)
            model = family.model(p_i)
            st.last_params = p_i
            rec["best"] = st.best is None or bool(np.isfinite(rec["d_stsp"])
                                                  and key_of(rec) < key_of(st.best))
            if rec["best"]:
                st.best_model, st.best, st.best_epoch, st.best_member = model, rec, epoch, alive[i][1]
                st.best_params, st.best_forcing = p_i, _tree_take(forcing, i)
            h = st.history
            h.setdefault("eval_epoch", []).append(epoch)
            for k in ("d_stsp", "d_h", "pe", "member") + (("alpha",) if "alpha" in rec else ()):
                h.setdefault(k, []).append(rec[k])
            if epoch > 0 and on_eval is not None:
                on_eval(epoch, rec, model)
            first = first or rec
        return first

    t0 = time.perf_counter()
    for st in states:
        st.history.update(epoch=[], loss=[])
    evaluate(0, np.full(len(alive), np.nan))
    status = "completed"
    epoch = 0
    pending = None
    try:
        while epoch < config.epochs and alive:
            if pop > 1 and epoch >= explore_until and len(alive) > len({s for s, _ in alive}):
                live = sorted({s for s, _ in alive})      # each seed's best checkpoint goes on alone
                params = {k: jnp.stack([states[s].best_params[k] for s in live]) for k in params}
                forcing = jax.tree_util.tree_map(lambda *x: jnp.stack(x),
                                                 *[states[s].best_forcing for s in live])
                opt_state = init_opt(params)
                alive = [(s, states[s].best_member) for s in live]
            n = min(config.eval_every, config.epochs - epoch)
            block = make_block(family, config, len(alive), n)[0]
            lrs = jnp.asarray(lr_schedule(config, range(epoch, epoch + n)), jnp.float32)
            block_keys = keys[epoch // config.eval_every][jnp.asarray([s for s, _ in alive]),
                                                          jnp.asarray([j for _, j in alive])]
            pending = block(params, opt_state, forcing, block_keys, data_j, lrs, noise,
                            epoch * config.batches_per_epoch)
            new_params, new_opt, new_forcing, losses = pending
            losses = np.asarray(losses)
            finite = np.isfinite(losses).all(axis=1)
            for v in new_params.values():
                finite &= np.isfinite(np.asarray(v)).reshape(len(alive), -1).all(axis=1)
            for s in sorted({s for s, _ in alive}):
                rows = [i for i, (s2, _) in enumerate(alive) if s2 == s]
                if not finite[rows].any():
                    st = states[s]
                    st.history["epoch"].extend(range(epoch + 1, epoch + n + 1))
                    st.history["loss"].extend(losses[rows[0]].tolist())
                    st.outcome = TrainingDiverged(
                        f"training diverged (non-finite loss or parameters) within epochs "
                        f"{epoch + 1}-{epoch + n} of seed {st.seed}; last finite parameters at "
                        f"epoch {epoch}", epoch=epoch, history=_arrays(st.history),
                        last_model=family.model(st.last_params if st.last_params is not None
                                                else _tree_take(params, rows[0])),
                        best_model=st.best_model, seed=st.seed)
            keep = np.flatnonzero(finite)
            alive = [alive[i] for i in keep]
            if not alive:
                break
            params, opt_state, forcing, losses = (_tree_take(t, keep) if len(keep) < len(finite) else t
                                                  for t in (new_params, new_opt, new_forcing, losses))
            epoch += n
            for s, st in enumerate(states):
                rows = [i for i, (s2, _) in enumerate(alive) if s2 == s]
                if rows:
                    st.history["epoch"].extend(range(epoch - n + 1, epoch + 1))
            first = evaluate(epoch, losses[:, -1])
            for s, st in enumerate(states):     # the loss curve of the member holding each seed's record
                rows = [i for i, (s2, _) in enumerate(alive) if s2 == s]
                if rows:
                    j = st.history["member"][-1]
                    i = next(r for r in rows if alive[r][1] == j)
                    st.history["loss"].extend(losses[i].tolist())
            progress(epoch / config.epochs, f"epoch {epoch}/{config.epochs}", epoch=epoch,
                     loss=first["loss"], d_stsp=first["d_stsp"], d_h=first["d_h"])
            if should_stop is not None and should_stop():
                status = "stopped"
                break
    finally:
        # Ctrl-C or an error while XLA still runs a dispatched block: wait for it before the
        # exception unwinds into interpreter shutdown (never tear down under running threads).
        if pending is not None:
            jax.block_until_ready(pending)
        jax.effects_barrier()
    seconds = time.perf_counter() - t0
    out = []
    for st in states:
        if st.outcome is not None:
            out.append(st.outcome)
            continue
        out.append(TrainResult(
            model=st.best_model, last_model=family.model(st.last_params), history=_arrays(st.history),
            best_epoch=st.best_epoch, best_metrics={k: st.best[k] for k in ("d_stsp", "d_h", "pe")},
            status=status, seconds=seconds, seed=st.seed))
    return out


def _in_threads(data, family, config, seeds, threads, *, init, eval_data, progress, should_stop, on_eval):
    """:func:`train_population` of ``threads`` groups of seeds, one thread each."""
    from concurrent.futures import ThreadPoolExecutor

    bounds = np.linspace(0, len(seeds), threads + 1).round().astype(int)
    groups = [list(range(lo, hi)) for lo, hi in zip(bounds[:-1], bounds[1:])]
    lock = threading.Lock()

    def locked(*args):
        with lock:
            on_eval(*args)

    def run(index, group):
        return train_population(data, family, config, [seeds[i] for i in group],
                                init=None if init is None else [init[i] for i in group], eval_data=eval_data,
                                progress=progress if index == 0 else None, should_stop=should_stop,
                                on_eval=None if on_eval is None else locked)

    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(run, range(threads), groups))
    return [res for part in parts for res in part]


def make_block(family, config: TrainConfig, population: int, n_epochs: int = 1):
    """:func:`~alrnn.block.make_train_block` for ``config``'s shapes (cached compile)."""
    from .block import make_train_block

    return make_train_block(family, config.batch_size, config.seq_len, config.batches_per_epoch,
                            n_epochs, population)
