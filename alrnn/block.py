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

from .model import ALRNN, init_params, initial_state, phi_star, step
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

    The gradient is hand-written backpropagation through time (:func:`jax.custom_vjp`, same
    value as autodiff up to float rounding): the backward scan carries only the adjoint
    :math:`\\partial\\mathcal L/\\partial z_t` (one small product with :math:`W` per step) and
    the parameter gradients are contractions over all steps and windows after it, e.g.
    :math:`\\partial\\mathcal L/\\partial W = \\sum_{t,b}\\delta_{t,b}\\Phi^*(z_{t-1,b})^\\top` as
    one matrix product. Autodiff of the scan accumulates those sums step by step (a
    batched matrix product and two reductions per step); with the Lorenz-63 shapes
    (M=20, 16 windows of 200 steps) one model's training step went from 0.79 to 0.56 ms
    (``benchmarks/alrnn.py``, same session). The forward scan takes ``W.T`` once before
    the loop: XLA:CPU left that transpose inside it (one copy of every member's ``W`` per
    step; profiled on a 20-member population: forward scan 4.0 -> 3.1 ms per batch).

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
    return _window_loss(P, unroll, params, windows, force)


def _window_loss_scan(P, unroll, params, windows, force, keep):
    """Forward pass of :func:`window_loss`; ``keep``: also the states before each step and
    the prediction errors, (T, B, M) and (T, B, N)."""
    N = windows.shape[-1]
    z = initial_state(params, windows[:, 0])
    xs = jnp.swapaxes(windows[:, 1:], 0, 1)

    # alrnn.model.step with W.T taken once (XLA:CPU left the transpose inside the scan)
    A, W_t, h = params["A"], params["W"].T, params["h"]

    def body(z, inp):
        x, f = inp
        z_pred = A * z + phi_star(z, P) @ W_t + h
        err = z_pred[:, :N] - x
        z_next = jnp.concatenate([z_pred[:, :N] + f * (x - z_pred[:, :N]), z_pred[:, N:]], axis=1)
        return z_next, ((jnp.sum(err * err), z, err) if keep else jnp.sum(err * err))

    _, out = jax.lax.scan(body, z, (xs, force), unroll=unroll)
    sq = out[0] if keep else out
    loss = jnp.sum(sq) / (windows.shape[0] * xs.shape[0] * N)
    return (loss, out[1], out[2]) if keep else loss


@partial(jax.custom_vjp, nondiff_argnums=(0, 1))
def _window_loss(P, unroll, params, windows, force):
    return _window_loss_scan(P, unroll, params, windows, force, keep=False)


def _window_loss_fwd(P, unroll, params, windows, force):
    loss, zs, errs = _window_loss_scan(P, unroll, params, windows, force, keep=True)
    return loss, (params, windows, force, zs, errs)


def _window_loss_bwd(P, unroll, res, ct):
    """Backpropagation through time of :func:`window_loss` (see its notes).

    With :math:`\\hat z_t = A\\odot z_{t-1} + W\\Phi^*(z_{t-1}) + h`, :math:`e_t = \\hat z_{t,1:N} - x_t`
    and :math:`g_t = \\partial\\mathcal L/\\partial z_t` (the forced state), the adjoint of the
    prediction is :math:`\\delta_t = [(1-f_t) g_{t,1:N} + c\\,e_t;\\ g_{t,N+1:M}]`,
    :math:`c = 2\\bar{\\mathcal L}/(B\\tilde T N)`, and
    :math:`g_{t-1} = A\\odot\\delta_t + (\\delta_t W)\\odot\\Phi^{*\\prime}(z_{t-1})`.
    """
    params, windows, force, zs, errs = res
    B, T1, N = windows.shape
    M = zs.shape[-1]
    c = ct * 2 / (B * (T1 - 1) * N)
    relu_unit = jnp.arange(M) >= M - P
    A, W = params["A"], params["W"]

    def delta_of(g, err, f):
        return jnp.concatenate([(1 - f) * g[..., :N] + c * err, g[..., N:]], axis=-1)

    def body(g, inp):
        z, err, f = inp
        delta = delta_of(g, err, f)
        d_phi = delta @ W
        if P:
            d_phi = jnp.where(relu_unit & (z < 0), jnp.zeros((), d_phi.dtype), d_phi)
        return A * delta + d_phi, g

    g1, gs = jax.lax.scan(body, jnp.zeros_like(zs[0]), (zs, errs, force), reverse=True, unroll=unroll)
    f = force[:, None, None]
    deltas = delta_of(gs, errs, f).reshape(-1, M)        # recomputed outside the scan
    x1 = windows[:, 0]
    grads = {
        "A": jnp.sum(deltas * zs.reshape(-1, M), axis=0),
        "W": deltas.T @ phi_star(zs, P).reshape(-1, M),
        "h": jnp.sum(deltas, axis=0),
        "L": jnp.concatenate([jnp.zeros((N, N), W.dtype), g1[:, N:].T @ x1], axis=0),
    }
    d_x1 = g1[:, :N] + g1[:, N:] @ params["L"][N:]
    d_xs = f * gs[..., :N] - c * errs
    d_windows = jnp.concatenate([d_x1[:, None], jnp.swapaxes(d_xs, 0, 1)], axis=1)
    d_force = -jnp.sum(gs[..., :N] * errs, axis=(1, 2))
    return {k: grads[k].astype(v.dtype) for k, v in params.items()}, d_windows, d_force.astype(force.dtype)


_window_loss.defvjp(_window_loss_fwd, _window_loss_bwd)


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
