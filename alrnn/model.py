"""The almost-linear RNN (AL-RNN) of Brenner, Hemmer, Monfared & Durstewitz (NeurIPS 2024).

The latent dynamics (``docs/alrnn.md`` §1.1) are

.. math::

    z_t = \\mathrm{diag}(A)\\, z_{t-1} + W\\, \\Phi^*(z_{t-1}) + h, \\qquad
    \\Phi^*(z) = (z_1, \\dots, z_{M-P}, \\max(0, z_{M-P+1}), \\dots, \\max(0, z_M))^\\top,

the first ``N`` latent units are the observations (identity readout, §1.2) and a trajectory
starts from :math:`z_1 = [x_1;\\ (L x_1)_{N+1:M}]` with a trainable ``L`` (M, N).

The pure functions (:func:`step`, :func:`free_run`, ...) act on a parameter dictionary
``{"A", "W", "h", "L"}`` of JAX arrays and are what the training code differentiates;
:class:`ALRNN` wraps them with validation and numpy in/out.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from workbench.validation import check_array, check_int, check_seed

__all__ = [
    "ALRNN",
    "check_sizes",
    "free_run",
    "free_run_from_observation",
    "init_params",
    "initial_state",
    "phi_star",
    "relu_mask",
    "step",
]

PARAM_NAMES = ("A", "W", "h", "L")


def check_sizes(M, N, P, *, linear_readout=False):
    """Validate the model sizes: ``M >= 1``, ``0 <= P <= M``, ``1 <= N <= M``.

    With ``linear_readout`` (required for training, ``docs/alrnn.md`` §9, rule 1: the observed units are
    the first ``N`` and must not be ReLU units) also ``N <= M - P``.

    Returns
    -------
    tuple of int
        ``(M, N, P)`` as Python ints.
    """
    M = check_int(M, "M", 1, None)
    P = check_int(P, "P", 0, M)
    if not linear_readout:
        return M, check_int(N, "N", 1, M), P
    if M - P < 1:
        raise ValueError(f"N must be in [1, M - P] = [1, {M - P}]: no linear unit is left for the "
                         f"observations with M={M}, P={P}")
    N = check_int(N, "N", 1, None)
    if N > M - P:
        raise ValueError(f"N must be in [1, M - P] = [1, {M - P}] (the observed units must be linear), "
                         f"got N={N} with M={M}, P={P}")
    return M, N, P


def relu_mask(M, P, dtype=jnp.float32):
    """Indicator of the ReLU units: zeros on the first ``M - P`` units, ones on the last ``P``."""
    return jnp.concatenate([jnp.zeros(M - P, dtype), jnp.ones(P, dtype)])


def phi_star(z, P):
    """The AL-RNN nonlinearity :math:`\\Phi^*`: ReLU on the last ``P`` units only.

    Parameters
    ----------
    z : array (..., M)
    P : int
        Number of ReLU units (``P = 0``: identity, ``P = M``: ReLU everywhere).

    Returns
    -------
    array (..., M)
        :math:`(z_1,\\dots,z_{M-P},\\max(0,z_{M-P+1}),\\dots,\\max(0,z_M))`, note eq. §1.1.
    """
    if P == 0:
        return z
    M = z.shape[-1]
    relu_unit = jnp.arange(M) >= M - P          # a select, not a concatenate: 2x faster in training
    return jnp.where(relu_unit & (z < 0), jnp.zeros((), z.dtype), z)


def step(params, z, P):
    """One AL-RNN step :math:`z_t = A \\odot z_{t-1} + W \\Phi^*(z_{t-1}) + h` (``docs/alrnn.md`` §1.1).

    ``z`` may carry leading batch dimensions: (..., M).
    """
    return params["A"] * z + phi_star(z, P) @ params["W"].T + params["h"]


def initial_state(params, x1):
    """Initial latent state :math:`z_1 = [x_1;\\ (L x_1)_{N+1:M}]` (``docs/alrnn.md`` §1.2).

    Parameters
    ----------
    params : dict with ``L`` of shape (M, N)
    x1 : array (..., N)

    Returns
    -------
    array (..., M)
    """
    N = x1.shape[-1]
    z = x1 @ params["L"].T
    return jnp.concatenate([x1, z[..., N:]], axis=-1)


@partial(jax.jit, static_argnames=("n_steps", "P"))
def free_run(params, z1, n_steps, P):
    """Iterate the AL-RNN freely from ``z1`` for ``n_steps`` states (``z1`` included).

    Parameters
    ----------
    params : dict of JAX arrays
    z1 : array (..., M)
    n_steps : int
        Number of returned states, the first being ``z1``.
    P : int

    Returns
    -------
    array (n_steps, ..., M)
    """
    def body(z, _):
        return step(params, z, P), z

    _, zs = jax.lax.scan(body, z1, None, length=n_steps, unroll=8)
    return zs


@partial(jax.jit, static_argnames=("n_steps", "P"))
def free_run_from_observation(params, x0, n_steps, P):
    """:func:`free_run` from :math:`z_1 = [x_0; L x_0]` (one compiled call); (n_steps, ..., M)."""
    return free_run(params, initial_state(params, x0), n_steps, P)


def init_params(M, N, P, seed=None):
    """The authors' initialisation (``docs/alrnn.md`` §1.3, ``src/models/initialization.jl``).

    .. math::

        R \\sim \\mathcal N(0,1)^{M\\times M},\\ K = R^\\top R / M + I,\\
        K \\leftarrow K / \\max|\\mathrm{eig}(K)|,\\ A = \\mathrm{diag}(K);\\quad
        W \\sim \\mathcal N(0, 0.01^2)^{M\\times M};\\quad h = 0;

    ``L`` rows ``N+1..M`` are Glorot-uniform (``Flux.glorot_uniform(M-N, N)``, limit
    :math:`\\sqrt{6/(M-N+N)}`); rows ``1..N`` are unused (overwritten by :math:`x_1`) and zero.

    Parameters
    ----------
    M, N, P : int
        Latent size, observed size, number of ReLU units.
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    dict of numpy float32 arrays ``A`` (M,), ``W`` (M, M), ``h`` (M,), ``L`` (M, N).
    """
    M, N, P = check_sizes(M, N, P)
    rng = check_seed(seed)
    R = rng.standard_normal((M, M))
    K = R.T @ R / M + np.eye(M)
    K /= np.max(np.abs(np.linalg.eigvalsh(K)))
    A = np.diag(K).copy()
    W = 0.01 * rng.standard_normal((M, M))
    h = np.zeros(M)
    L = np.zeros((M, N))
    if M > N:
        limit = np.sqrt(6.0 / ((M - N) + N))
        L[N:] = rng.uniform(-limit, limit, size=(M - N, N))
    return {k: np.asarray(v, np.float32) for k, v in zip(PARAM_NAMES, (A, W, h, L))}


class ALRNN:
    """Almost-linear RNN with identity readout (Brenner et al. 2024).

    Parameters
    ----------
    M : int
        Number of latent units (>= 1).
    N : int
        Number of observed units, read out as the first ``N`` latent units; ``1 <= N <= M``
        (training requires ``N <= M - P`` so that the observed units are linear).
    P : int
        Number of ReLU units (the last ``P``); ``0 <= P <= M``. ``P = 0`` is a linear model,
        ``P = M`` the full PLRNN.
    seed : int or numpy.random.Generator, optional
        Seed of the authors' initialisation (:func:`init_params`).

    Notes
    -----
    :math:`z_t = \\mathrm{diag}(A) z_{t-1} + W \\Phi^*(z_{t-1}) + h`,
    :math:`\\hat x_t = z_{1:N,t}`, :math:`z_1 = [x_1; L x_1]` (``docs/alrnn.md`` §1.1–1.2). In region
    :math:`\\Omega` (the sign pattern of the ReLU units) the map is affine,
    :math:`z_t = (\\mathrm{diag}(A) + W D_\\Omega) z_{t-1} + h`.
    """

    def __init__(self, M, N, P, seed=None):
        self.M, self.N, self.P = check_sizes(M, N, P)
        self.params = {k: jnp.asarray(v) for k, v in init_params(self.M, self.N, self.P, seed).items()}

    # -- conversion ---------------------------------------------------------------------
    @classmethod
    def from_arrays(cls, A, W, h, L=None, *, P, N=None):
        """Build a model from arrays (store checkpoints, other implementations).

        Parameters
        ----------
        A : array (M,)
            Diagonal of the linear part.
        W : array (M, M)
            Full connectivity acting on :math:`\\Phi^*(z)`.
        h : array (M,)
            Bias.
        L : array (M, N), optional
            Map of :math:`x_1` to the initial latent state (the transpose of the authors'
            PyTorch ``B``). Rows ``1..N`` are ignored. Required unless ``N`` is given, in
            which case it defaults to zeros.
        P : int
            Number of ReLU units, in [0, M].
        N : int, optional
            Number of observed units; taken from ``L`` when given.

        Returns
        -------
        ALRNN
        """
        A = check_array(A, "A", ndim=1)
        M = A.shape[0]
        W = check_array(W, "W", shape=(M, M))
        h = check_array(h, "h", shape=(M,))
        if L is None:
            if N is None:
                raise ValueError("N must be given when L is None (N in [1, M - P])")
            L = np.zeros((M, check_int(N, "N", 1, M)))
        L = check_array(L, "L", ndim=2, shape=(M, None))
        if N is not None and check_int(N, "N", 1, M) != L.shape[1]:
            raise ValueError(f"N must equal L.shape[1] = {L.shape[1]}, got {N}")
        self = cls.__new__(cls)
        self.M, self.N, self.P = check_sizes(M, L.shape[1], P)
        self.params = {k: jnp.asarray(np.asarray(v, np.float32))
                       for k, v in zip(PARAM_NAMES, (A, W, h, L))}
        return self

    @classmethod
    def from_params(cls, params: Mapping, P):
        """Build a model from a parameter dict ``{"A", "W", "h", "L"}``."""
        missing = [k for k in PARAM_NAMES if k not in params]
        if missing:
            raise ValueError(f"params is missing {missing}; needs {list(PARAM_NAMES)}")
        return cls.from_arrays(*(np.asarray(params[k]) for k in PARAM_NAMES), P=P)

    def to_arrays(self):
        """The parameters as numpy float32 arrays ``{"A", "W", "h", "L"}`` (copies)."""
        return {k: np.array(self.params[k]) for k in PARAM_NAMES}

    def copy(self):
        """An independent copy of the model."""
        return ALRNN.from_params(self.to_arrays(), self.P)

    def __repr__(self):
        return f"ALRNN(M={self.M}, N={self.N}, P={self.P})"

    # -- dynamics -------------------------------------------------------------------------
    def initial_state(self, x0):
        """:math:`z_1 = [x_0; L x_0]` for ``x0`` of shape (N,) or (B, N); returns numpy."""
        x0 = _check_last(x0, "x0", self.N)
        return np.asarray(initial_state(self.params, jnp.asarray(x0, jnp.float32)))

    def step(self, z):
        """One step of the latent map for ``z`` of shape (..., M); returns numpy."""
        z = _check_last(z, "z", self.M)
        return np.asarray(step(self.params, jnp.asarray(z, jnp.float32), self.P))

    def generate(self, x0, n_steps, *, z0=None):
        """Free run from an observation (or a latent state).

        Parameters
        ----------
        x0 : array (N,) or (B, N)
            First observation; the run starts at :math:`z_1 = [x_0; L x_0]`. Ignored when
            ``z0`` is given (pass ``None``).
        n_steps : int
            Number of time steps returned (>= 1), including the initial state.
        z0 : array (M,) or (B, M), optional
            Start from this latent state instead.

        Returns
        -------
        Z : numpy.ndarray (n_steps, M) or (n_steps, B, M)
            Latent trajectory, :math:`z_{t+1} = F_\\theta(z_t)`.
        X : numpy.ndarray (n_steps, N) or (n_steps, B, N)
            Observed trajectory :math:`\\hat x_t = z_{1:N,t}`.
        """
        n_steps = check_int(n_steps, "n_steps", 1, None)
        if z0 is None:
            x0 = jnp.asarray(_check_last(x0, "x0", self.N), jnp.float32)
            Z = np.asarray(free_run_from_observation(self.params, x0, n_steps, self.P))
        else:
            z1 = jnp.asarray(_check_last(z0, "z0", self.M), jnp.float32)
            Z = np.asarray(free_run(self.params, z1, n_steps, self.P))
        return Z, Z[..., :self.N].copy()

    def jacobian(self, z):
        """Jacobian :math:`J = \\mathrm{diag}(A) + W D_{\\Omega(z)}` at ``z`` (``docs/alrnn.md`` §1.1).

        Parameters
        ----------
        z : array (M,) or (..., M)

        Returns
        -------
        numpy.ndarray (M, M) or (..., M, M), float64
        """
        z = _check_last(z, "z", self.M)
        A, W = (np.asarray(self.params[k], np.float64) for k in ("A", "W"))
        d = np.ones(z.shape, np.float64)
        if self.P:
            d[..., self.M - self.P:] = z[..., self.M - self.P:] > 0
        return np.diag(A) + W * d[..., None, :]

    def region(self, z):
        """Sign pattern :math:`\\Omega(z) = \\mathbb 1[z_i > 0]` of the ``P`` ReLU units.

        Parameters
        ----------
        z : array (..., M)

        Returns
        -------
        numpy.ndarray of bool, shape (..., P)
        """
        z = _check_last(z, "z", self.M)
        return z[..., self.M - self.P:] > 0


def _check_last(x, name, size):
    x = check_array(x, name, min_ndim=1)
    if x.shape[-1] != size:
        raise ValueError(f"{name} must have last dimension {size}, got shape {x.shape}")
    return x
