"""The compiled training block shared by the AL-RNN and the shPLRNN.

A *model family* (:class:`ALRNNFamily`, :class:`alrnn.shplrnn.ShPLRNNFamily`) says what is
trained: its parameter initialisation, its teacher-forced loss, its forcing state (the
AL-RNN's fixed sparse-forcing weights, the shPLRNN's adaptive GTF :math:`\\alpha`) and its
free runs. :func:`make_train_block` turns a family into one ``jax.jit``-compiled call that
runs several epochs of RAdam (``lax.scan`` over batches, ``lax.scan`` over time inside the
loss), optionally ``jax.vmap``-ped over a population of independent models: the seeds of a
population train as one computation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .model import ALRNN, init_params, initial_state, step
from .recipe import TrainConfig, forcing_weights

__all__ = ["ALRNNFamily", "make_train_block", "window_loss"]


def window_loss(params, windows, force, P, unroll=1):
    """Teacher-forced MSE loss of a batch of windows (``docs/alrnn.md`` §2.1, ``tfrecur.jl``).

    .. math::

        \\mathcal L = \\frac{1}{B\\tilde T N}\\sum_{b,t=2}^{\\tilde T+1}\\sum_{n\\le N}
        (\\hat z_{t,n} - x_{t,n})^2,\\qquad
        z_{1:N,t} \\leftarrow z_{1:N,t} + f_t (x_t - z_{1:N,t}) \\text{ after the loss term},

    with :math:`f_t` from :func:`~alrnn.recipe.forcing_weights`. For :math:`f_t = 1` the
    forced entries no longer depend on the past state, so their gradient is exactly cut.

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


@dataclass(frozen=True)
class ALRNNFamily:
    """The AL-RNN as a trainable family: sparse identity teacher forcing (``docs/alrnn.md`` §2.1).

    Parameters
    ----------
    M, P : int
        Latent size and number of ReLU units.
    unroll : int
        ``lax.scan`` unroll factor of the loss (speed only).
    """

    M: int
    P: int
    unroll: int = 1

    name = "alrnn"

    def init_params(self, N, rng):
        """The authors' initialisation (:func:`alrnn.model.init_params`)."""
        return init_params(self.M, N, self.P, seed=rng)

    def init_forcing(self, config: TrainConfig):
        """Forcing state: the weights :math:`f_t` of each prediction step (constant)."""
        return {"force": jnp.asarray(forcing_weights(config.seq_len, config.tau, config.alpha))}

    def loss(self, params, windows, forcing):
        """:func:`window_loss`."""
        return window_loss(params, windows, forcing["force"], self.P, self.unroll)

    def update_forcing(self, params, windows, forcing, step):
        """Sparse teacher forcing has no adaptive part: the state is returned unchanged."""
        return forcing

    def observe(self, params, x0, n_steps, transient=0):
        """Observed free run of ``n_steps`` points from :math:`z_1=[x_0; Lx_0]` after
        ``transient`` steps (JAX, traceable); (n_steps, ..., N)."""
        N = x0.shape[-1]
        z = initial_state(params, x0)
        z = jax.lax.fori_loop(0, transient, lambda _, z: step(params, z, self.P), z)

        def body(z, _):
            return step(params, z, self.P), z[..., :N]

        return jax.lax.scan(body, z, None, length=n_steps, unroll=8)[1]

    def predict(self, params, x0, n):
        """Observation ``n`` steps after each ``x0`` (B, N): :math:`z=[x_0;Lx_0]`, n steps."""
        z = initial_state(params, x0)
        z = jax.lax.fori_loop(0, n, lambda _, z: step(params, z, self.P), z)
        return z[..., :x0.shape[-1]]

    def model(self, params) -> ALRNN:
        """:class:`ALRNN` holding ``params`` (numpy or JAX arrays)."""
        return ALRNN.from_params({k: np.asarray(v) for k, v in params.items()}, self.P)


@lru_cache(maxsize=32)
def make_train_block(family, batch_size, seq_len, batches_per_epoch, n_epochs, population=None):
    """A jitted function running ``n_epochs`` epochs of RAdam training in one call.

    Only the family (hashable: its sizes) and the shapes are compiled in; learning rates,
    noise, the forcing state and the random key are arguments, so trainings with different
    recipes share one compile. With an integer ``population`` the block is vectorised
    (``jax.vmap``) over a leading axis of that size on ``params``, ``opt_state``,
    ``forcing`` and ``key``: independent models with their own batches and forcing
    (``None``: one model, no leading axis).

    Each batch draws ``batch_size`` windows of ``seq_len + 1`` points with uniformly random
    starts, adds Gaussian noise of std ``noise`` (``docs/alrnn.md`` §2.2), updates the family's forcing
    state on the batch (:meth:`update_forcing`, e.g. the GTF :math:`\\alpha` estimate),
    and takes one RAdam step with the batch's loss. The batch's index in the training
    (``step0`` plus its index in the block) reaches :meth:`update_forcing` unbatched, so
    a schedule keyed on it ("every k batches") stays a real branch under ``jax.vmap``
    (a branch on a per-member counter would be evaluated on both sides for every batch).

    Returns
    -------
    block : callable
        ``block(params, opt_state, forcing, key, data, lrs, noise, step0=0) -> (params,
        opt_state, forcing, epoch_losses)``: ``key`` a JAX PRNG key, ``data`` (T, N), ``lrs``
        (n_epochs,) the learning rate of each epoch, ``step0`` the index of the block's first
        batch in the whole training; ``epoch_losses`` (n_epochs,) is the
        mean batch loss of each epoch (with a population: a leading axis on ``params``,
        ``opt_state``, ``forcing``, ``key`` and ``epoch_losses``).
    optimizer : optax.GradientTransformation
        ``optax.scale_by_radam()``; the update is ``-lr`` times its output, as ``optax.radam``.
    """
    opt = optax.scale_by_radam()
    B, T, bpe = batch_size, seq_len, batches_per_epoch
    loss_grad = jax.value_and_grad(family.loss)

    def block(params, opt_state, forcing, key, data, lrs, noise, step0=0):
        n_start = data.shape[0] - T

        def one_batch(carry, inp):
            params, opt_state, forcing = carry
            k, lr, step = inp
            k_start, k_noise = jax.random.split(k)
            starts = jax.random.randint(k_start, (B,), 0, n_start)
            windows = jax.vmap(lambda s: jax.lax.dynamic_slice_in_dim(data, s, T + 1))(starts)
            windows = windows + noise * jax.random.normal(k_noise, windows.shape)
            forcing = family.update_forcing(params, windows, forcing, step)
            loss, grads = loss_grad(params, windows, forcing)
            updates, opt_state = opt.update(grads, opt_state, params)
            params = jax.tree_util.tree_map(lambda p, u: p - lr * u, params, updates)
            return (params, opt_state, forcing), loss

        keys = jax.random.split(key, n_epochs * bpe)
        lr_steps = jnp.repeat(lrs, bpe)
        steps = step0 + jnp.arange(n_epochs * bpe, dtype=jnp.int32)
        (params, opt_state, forcing), losses = jax.lax.scan(
            one_batch, (params, opt_state, forcing), (keys, lr_steps, steps))
        return params, opt_state, forcing, losses.reshape(n_epochs, bpe).mean(axis=1)

    if population is not None:
        block = jax.vmap(block, in_axes=(0, 0, 0, 0, None, None, None, None), axis_size=population)
    return jax.jit(block), opt


@partial(jax.jit, static_argnames=("family", "n_steps", "transient"))
def observe_population(family, params, x0, n_steps, transient=0):
    """Observed free runs of every member of a population (one vectorised call).

    Parameters
    ----------
    family : ALRNNFamily or ShPLRNNFamily
    params : dict of arrays with a leading member axis S
    x0 : array (K, N)
        Start observations (the same for every member).
    n_steps, transient : int
        Points kept and leading steps dropped.

    Returns
    -------
    array (S, n_steps, K, N)
    """
    return jax.vmap(lambda p: family.observe(p, x0, n_steps, transient))(params)


@partial(jax.jit, static_argnames=("family", "n"))
def predict_population(family, params, x0, n):
    """``n``-step predictions of every member from each row of ``x0`` (B, N): (S, B, N)."""
    return jax.vmap(lambda p: family.predict(p, x0, n))(params)
