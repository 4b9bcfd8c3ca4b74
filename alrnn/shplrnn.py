"""The clipped shallow PLRNN trained by generalized teacher forcing (GTF).

Hess, Monfared, Brenner & Durstewitz 2023, "Generalized Teacher Forcing for Learning
Chaotic Dynamics" (ICML), the Durstewitz lab's state of the art for dynamical-systems
reconstruction. Latent dimension ``M`` equal to the data dimension (identity observation
model, :math:`\\hat x_t = z_t`), hidden width ``H``:

.. math::

    z_{t+1} = A \\odot z_t + W_1\\,[\\mathrm{relu}(W_2 z_t + h_2) - \\mathrm{relu}(W_2 z_t)] + h_1,

:math:`A \\in \\mathbb R^M`, :math:`W_1 \\in \\mathbb R^{M\\times H}`,
:math:`W_2 \\in \\mathbb R^{H\\times M}`. The bracket is bounded by :math:`|h_2|`, so orbits stay
bounded when :math:`\\max|A| < 1`. With :math:`s_1 = \\mathbb 1[W_2 z > -h_2]`,
:math:`s_2 = \\mathbb 1[W_2 z > 0]` the map is affine in each region of constant
:math:`(s_1, s_2)`:

.. math::

    z_{t+1} = \\bigl(\\mathrm{diag}(A) + W_1 \\mathrm{diag}(s_1 - s_2) W_2\\bigr) z_t
              + W_1 (s_1 \\odot h_2) + h_1,

whose matrix is the Jacobian. Training (GTF): every step the state is pulled towards the
data before it is iterated, :math:`\\tilde z_t = (1-\\alpha) z_t + \\alpha x_t`, and the loss
is the MSE of the predictions :math:`F(\\tilde z_{t-1})` against :math:`x_t`; :math:`\\alpha`
is constant or follows the "product upper bound"
:math:`\\alpha = \\max(0, 1 - 1/\\mathcal N)`, :math:`\\mathcal N = \\max_b
(\\prod_t \\|J(x_{b,t})\\|_2)^{1/T}`, re-estimated every few batches and annealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from workbench.validation import (
    check_array,
    check_choice,
    check_int,
    check_range,
    check_seed,
)

from .recipe import TrainConfig

__all__ = [
    "ALPHA_METHODS",
    "ShPLRNN",
    "ShPLRNNFamily",
    "alpha_product_upper_bound",
    "gtf_loss",
    "init_params",
    "jacobian",
    "region_codes",
    "step",
    "train_shplrnn",
]

PARAM_NAMES = ("A", "W1", "W2", "h1", "h2")
ALPHA_METHODS = ("constant", "product_upper_bound")


def step(params, z):
    """One clipped shPLRNN step (Hess et al. 2023), ``z`` of shape (..., M).

    :math:`z' = A \\odot z + W_1[\\mathrm{relu}(W_2 z + h_2) - \\mathrm{relu}(W_2 z)] + h_1`.
    """
    u = z @ params["W2"].T
    return params["A"] * z + (jax.nn.relu(u + params["h2"]) - jax.nn.relu(u)) @ params["W1"].T + params["h1"]


def jacobian(params, z):
    """Jacobian :math:`\\mathrm{diag}(A) + W_1 \\mathrm{diag}(\\mathbb 1[W_2 z > -h_2] -
    \\mathbb 1[W_2 z > 0]) W_2` at ``z`` (..., M); returns (..., M, M)."""
    u = z @ params["W2"].T
    d = (u > -params["h2"]).astype(z.dtype) - (u > 0).astype(z.dtype)
    return jnp.diag(params["A"]) + (params["W1"] * d[..., None, :]) @ params["W2"]


def gtf_loss(params, windows, alpha, unroll=1):
    """GTF loss of a batch of windows (Hess et al. 2023, ``forcing.jl``/``tfrecur.jl``).

    .. math::

        z_1 = x_1,\\quad \\hat z_t = F(\\tilde z_{t-1}),\\quad
        \\tilde z_t = (1-\\alpha)\\hat z_t + \\alpha x_t,\\qquad
        \\mathcal L = \\frac{1}{B\\tilde T M}\\sum_{b,t=2}^{\\tilde T+1} \\|\\hat z_t - x_t\\|^2 .

    Gradients flow through the :math:`(1-\\alpha)` part; :math:`\\alpha = 1` is one-step
    teacher forcing (every prediction starts from data).

    Parameters
    ----------
    params : dict ``A, W1, W2, h1, h2``
    windows : array (B, T+1, M)
    alpha : scalar in [0, 1]
    unroll : int (static)
    """
    alpha = jax.lax.stop_gradient(alpha)
    xs = jnp.swapaxes(windows[:, 1:], 0, 1)

    def body(z, x):
        z = step(params, z)
        err = z - x
        return (1 - alpha) * z + alpha * x, jnp.sum(err * err)

    _, sq = jax.lax.scan(body, windows[:, 0], xs, unroll=unroll)
    return jnp.sum(sq) / (windows.shape[0] * xs.shape[0] * windows.shape[2])


def alpha_product_upper_bound(params, forcing_signals):
    """GTF :math:`\\alpha` by the "product upper bound" rule (``alpha_estimation.jl``).

    .. math::

        \\mathcal N = \\max_b \\Bigl(\\prod_{t} \\|J(\\hat z_{b,t})\\|_2\\Bigr)^{1/T},\\qquad
        \\alpha = \\max(0,\\ 1 - 1/\\mathcal N),

    the geometric mean of the Jacobian spectral norms along each forcing sequence, maximal
    over sequences: an upper bound on the growth rate of the product of Jacobians that
    backpropagation multiplies, damped by :math:`(1-\\alpha)` per step.

    Parameters
    ----------
    params : dict ``A, W1, W2, h1, h2``
    forcing_signals : array (B, T, M)

    Returns
    -------
    alpha, norm : scalars
    """
    norms = jnp.linalg.norm(jacobian(params, forcing_signals), ord=2, axis=(-2, -1))
    n = jnp.max(jnp.exp(jnp.mean(jnp.log(norms), axis=1)))
    return jnp.maximum(0.0, 1.0 - 1.0 / n), n


def init_params(M, H, seed=None):
    """Initialisation of the GTF code (``shallow_plrnn.jl``, ``initialization.jl``).

    ``A`` is the diagonal of :math:`K = R^\\top R/M + I` normalised by its largest eigenvalue
    (:math:`R \\sim \\mathcal N(0,1)^{M\\times M}`), :math:`h_1 = 0`; :math:`W_1`, :math:`W_2`,
    :math:`h_2` uniform in :math:`\\pm 1/\\sqrt{\\text{fan-in}}` (:math:`H` for :math:`W_1`,
    :math:`M` for :math:`W_2`, :math:`H` for :math:`h_2`).

    Returns
    -------
    dict of numpy float32 arrays ``A`` (M,), ``W1`` (M, H), ``W2`` (H, M), ``h1`` (M,), ``h2`` (H,)
    """
    M = check_int(M, "M", 1, None)
    H = check_int(H, "H", 1, None)
    rng = check_seed(seed)
    R = rng.standard_normal((M, M))
    K = R.T @ R / M + np.eye(M)
    A = np.diag(K / np.max(np.abs(np.linalg.eigvalsh(K)))).copy()
    W1 = rng.uniform(-1, 1, (M, H)) / np.sqrt(H)
    W2 = rng.uniform(-1, 1, (H, M)) / np.sqrt(M)
    h2 = rng.uniform(-1, 1, H) / np.sqrt(H)
    return {k: np.asarray(v, np.float32) for k, v in zip(PARAM_NAMES, (A, W1, W2, np.zeros(M), h2))}


def region_codes(params, Z):
    """Linear region of every state: the bits :math:`(s_1, s_2)` of the ``H`` hidden units.

    Parameters
    ----------
    params : dict of arrays
    Z : array (T, M)

    Returns
    -------
    numpy.ndarray (T,) int64
        Region id per state; ids number the distinct patterns by decreasing frequency
        (0 = most visited).
    """
    W2, h2 = (np.asarray(params[k], np.float64) for k in ("W2", "h2"))
    u = np.asarray(Z, np.float64) @ W2.T
    bits = np.concatenate([u > -h2, u > 0], axis=1)
    _, inverse, counts = np.unique(bits, axis=0, return_inverse=True, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inverse.reshape(-1)].astype(np.int64)


@partial(jax.jit, static_argnames=("n_steps",))
def _free_run(params, z1, n_steps):
    def body(z, _):
        return step(params, z), z
    return jax.lax.scan(body, z1, None, length=n_steps, unroll=8)[1]


@partial(jax.jit, static_argnames=("n",))
def _predict(params, x0, n):
    return jax.lax.fori_loop(0, n, lambda _, z: step(params, z), x0)


class ShPLRNN:
    """Clipped shallow PLRNN with identity observation model (Hess et al. 2023).

    Parameters
    ----------
    M : int
        Latent = observed dimension (>= 1).
    H : int
        Hidden width (>= 1).
    seed : int or numpy.random.Generator, optional
        Seed of :func:`init_params`.
    """

    def __init__(self, M, H, seed=None):
        self.params = {k: jnp.asarray(v) for k, v in init_params(M, H, seed).items()}
        self.M, self.H = int(M), int(H)

    @classmethod
    def from_params(cls, params):
        """Model from a dict ``A, W1, W2, h1, h2`` (shapes checked)."""
        A = check_array(params["A"], "A", ndim=1)
        M = A.shape[0]
        W1 = check_array(params["W1"], "W1", ndim=2, shape=(M, None))
        H = W1.shape[1]
        arrays = {"A": A, "W1": W1, "W2": check_array(params["W2"], "W2", shape=(H, M)),
                  "h1": check_array(params["h1"], "h1", shape=(M,)),
                  "h2": check_array(params["h2"], "h2", shape=(H,))}
        self = cls.__new__(cls)
        self.M, self.H = M, H
        self.params = {k: jnp.asarray(np.asarray(v, np.float32)) for k, v in arrays.items()}
        return self

    def to_arrays(self):
        """Parameters as numpy float32 arrays (copies)."""
        return {k: np.array(self.params[k]) for k in PARAM_NAMES}

    @property
    def N(self):
        """Observed dimension (= M, identity observation model)."""
        return self.M

    @property
    def n_parameters(self):
        """Trainable parameters: :math:`M + MH + HM + M + H`."""
        return 2 * self.M + 2 * self.M * self.H + self.H

    def __repr__(self):
        return f"ShPLRNN(M={self.M}, H={self.H})"

    def generate(self, x0, n_steps):
        """Free run of ``n_steps`` states from :math:`z_1 = x_0` ((N,) or (B, N)): ``(Z, X)``."""
        n_steps = check_int(n_steps, "n_steps", 1, None)
        x0 = check_array(x0, "x0", ndim=(1, 2), shape=(None,) * (np.ndim(x0) - 1) + (self.M,))
        Z = np.asarray(_free_run(self.params, jnp.asarray(x0, jnp.float32), n_steps))
        return Z, Z.copy()

    def predict_ahead(self, x0, n):
        """Observation ``n`` steps after each row of ``x0`` (B, M) (for PE(n))."""
        return np.asarray(_predict(self.params, jnp.asarray(x0, jnp.float32), int(n)))

    def jacobian(self, z):
        """:func:`jacobian` at ``z`` (..., M), float64 numpy."""
        p = {k: np.asarray(v, np.float64) for k, v in self.params.items()}
        return np.asarray(jacobian(p, np.asarray(z, np.float64)))

    def region_map(self, z):
        """Affine map ``(J, c)`` of the region holding ``z`` (M,): :math:`z \\mapsto Jz + c`."""
        p = {k: np.asarray(v, np.float64) for k, v in self.params.items()}
        u = p["W2"] @ np.asarray(z, np.float64)
        s1 = (u > -p["h2"]).astype(float)
        return self.jacobian(z), p["W1"] @ (s1 * p["h2"]) + p["h1"]

    def fixed_point(self, z):
        """Fixed point :math:`z^* = (I - J)^{-1} c` of the region holding ``z``.

        Returns
        -------
        z_star : numpy.ndarray (M,)
        real : bool
            :math:`z^*` lies in the same region (else it is virtual).
        spectral_radius : float
            :math:`\\rho(J)`.
        """
        J, c = self.region_map(z)
        z_star = np.linalg.solve(np.eye(self.M) - J, c)
        same = region_codes(self.params, np.stack([z, z_star]))
        return z_star, bool(same[0] == same[1]), float(np.max(np.abs(np.linalg.eigvals(J))))

    def analyze(self, Z, coverage=0.99):
        """Symbolic summary of a trajectory (the AL-RNN's analysis, note ``alrnn.md`` §5).

        Regions are :func:`region_codes` (ranked by visits); occupancy and the row-normalised
        transition matrix come from :mod:`alrnn.symbolic`; for each of the most visited
        regions holding ``coverage`` of the steps, the fixed point of its affine map
        (:meth:`fixed_point` at a visited state), real or virtual, and :math:`\\rho(J)`.

        Returns
        -------
        dict with ``codes`` (T,), ``occupancy``, ``transitions``, ``n_regions``,
        ``n_regions_covering``, ``fixed_points`` (list of ``(z*, real, rho)``).
        """
        from .symbolic import region_occupancy, transition_matrix

        Z = check_array(Z, "Z", ndim=2, shape=(None, self.M), min_length=2)
        check_range(coverage, "coverage", 0, 1, low_inclusive=False)
        codes = region_codes(self.params, Z)
        regions, occupancy = region_occupancy(codes)
        n_cover = int(np.searchsorted(np.cumsum(occupancy), coverage - 1e-12) + 1)
        first = {int(r): int(np.argmax(codes == r)) for r in regions[:n_cover]}
        return {"codes": codes, "occupancy": occupancy, "transitions": transition_matrix(codes, regions),
                "n_regions": len(regions), "n_regions_covering": n_cover,
                "fixed_points": [self.fixed_point(Z[first[int(r)]]) for r in regions[:n_cover]]}


@dataclass(frozen=True)
class ShPLRNNFamily:
    """The clipped shPLRNN with GTF as a family of :mod:`alrnn.block`.

    Parameters
    ----------
    M, H : int
        Latent (= observed) dimension and hidden width.
    alpha_method : {"constant", "product_upper_bound"}
        ``"constant"``: :math:`\\alpha` = ``config.alpha`` throughout. Otherwise every
        ``alpha_every`` batches :math:`\\hat\\alpha` = :func:`alpha_product_upper_bound` on the
        batch; :math:`\\alpha \\leftarrow \\hat\\alpha` when larger, else
        :math:`\\alpha \\leftarrow \\gamma\\alpha + (1-\\gamma)\\hat\\alpha` (GTF repo defaults
        :math:`\\gamma` = 0.999, every 5 batches, starting from ``config.alpha``).
    alpha_decay : float in [0, 1]
        :math:`\\gamma`.
    alpha_every : int
        Batches between estimates (>= 1).
    unroll : int
        ``lax.scan`` unroll factor (speed only).
    """

    M: int
    H: int
    alpha_method: str = "product_upper_bound"
    alpha_decay: float = 0.999
    alpha_every: int = 5
    unroll: int = 1

    name = "shplrnn"

    def __post_init__(self):
        check_int(self.M, "M", 1, None)
        check_int(self.H, "H", 1, None)
        check_choice(self.alpha_method, "alpha_method", ALPHA_METHODS)
        check_range(self.alpha_decay, "alpha_decay", 0, 1)
        check_int(self.alpha_every, "alpha_every", 1, None)

    def init_params(self, N, rng):
        if N != self.M:
            raise ValueError(f"M must equal the data dimension {N} (identity observation model), "
                             f"got {self.M}")
        return init_params(self.M, self.H, rng)

    def init_forcing(self, config: TrainConfig):
        return {"alpha": jnp.float32(config.alpha)}

    def loss(self, params, windows, forcing):
        return gtf_loss(params, windows, forcing["alpha"], self.unroll)

    def update_forcing(self, params, windows, forcing, step):
        """α re-estimated on every ``alpha_every``-th batch (``step`` counts batches from 0)."""
        if self.alpha_method == "constant":
            return forcing
        alpha = forcing["alpha"]

        def estimate(alpha):
            est, _ = alpha_product_upper_bound(jax.lax.stop_gradient(params), windows[:, 1:])
            return jnp.where(est > alpha, est, self.alpha_decay * alpha + (1 - self.alpha_decay) * est)

        alpha = jax.lax.cond((step + 1) % self.alpha_every == 0, estimate, lambda a: a, alpha)
        return {"alpha": alpha.astype(jnp.float32)}

    def observe(self, params, x0, n_steps, transient=0):
        z = jax.lax.fori_loop(0, transient, lambda _, z: step(params, z), x0)

        def body(z, _):
            return step(params, z), z

        return jax.lax.scan(body, z, None, length=n_steps, unroll=8)[1]

    def predict(self, params, x0, n):
        return jax.lax.fori_loop(0, n, lambda _, z: step(params, z), x0)

    def model(self, params) -> ShPLRNN:
        return ShPLRNN.from_params({k: np.asarray(v) for k, v in params.items()})


def train_shplrnn(data, M=None, H=50, config: TrainConfig | None = None, *, seeds=(0,),
                  alpha_method="product_upper_bound", alpha_decay=0.999, alpha_every=5,
                  eval_data=None, progress=None, should_stop=None, on_eval=None) -> list:
    """Train clipped shPLRNNs with GTF, one per seed, in one vectorised computation.

    The machinery is the AL-RNN's (:func:`alrnn.population.train_population`: RAdam,
    exponential learning-rate decay, random windows, training-data-only best checkpoint by
    D_stsp); only the family differs (:class:`ShPLRNNFamily`). ``config.tau`` is unused
    (GTF forces every step), ``config.alpha`` is the constant or initial :math:`\\alpha`.

    Parameters
    ----------
    data : array (T, N)
        Training series; ``M`` defaults to (and must equal) ``N``.
    H : int
        Hidden width.
    config : TrainConfig, optional
    seeds : sequence of int
    alpha_method, alpha_decay, alpha_every
        See :class:`ShPLRNNFamily`.
    eval_data, progress, should_stop, on_eval
        See :func:`alrnn.population.train_population`.

    Returns
    -------
    list of TrainResult or TrainingDiverged
    """
    from .population import train_population

    data = check_array(data, "data", ndim=2, min_length=2)
    M = data.shape[1] if M is None else M
    family = ShPLRNNFamily(M, H, alpha_method, alpha_decay, alpha_every, (config or TrainConfig()).unroll)
    return train_population(data, family, config or TrainConfig(), list(seeds), eval_data=eval_data,
                            progress=progress, should_stop=should_stop, on_eval=on_eval)
