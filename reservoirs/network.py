"""The E/I rate reservoir of Srinivasan, Plenz & Girvan 2025 (arXiv 2504.12480).

Discrete-time sigmoid rate neurons with Dale's law (research note ``research/ei_reservoir.md``
§1.1, [T] "Eq. 1"):

.. math::

    r_i(t+1) = (1-a) r_i(t) + a\\,\\mathrm{Sig}\\Big(c\\big(\\sum_j A^E_{ij} r_j(t)
               - \\beta \\sum_j A^I_{ij} r_j(t) + W^{in}_i u(t) - \\theta_i\\big)\\Big),
    \\qquad \\mathrm{Sig}(x) = \\frac{1}{1+e^{-x}},

with ``A^E, A^I >= 0`` link magnitudes typed by the presynaptic neuron, ``beta`` the global
inhibition-to-excitation balance (``beta = 1`` balanced, ``< 1`` excitation-dominated, ``> 1``
over-inhibited; §1.3, our reconstruction [A]) and leak ``a = 1`` (no leak) by default [A].
The model holds no store or GUI; it takes arrays and returns arrays.

Two ways of applying ``beta`` (``balance_mode``; the paper's is not known):

* ``"multiplicative"`` (default): ``W = A^E - beta A^I``. The spread of every inhibitory
  entry scales with ``beta`` too; inhibitory columns carry most of the variance of ``W``
  (80 % at 4:1 neurons and 1:4 strengths), which sets the bulk radius of its spectrum (Rajan
  & Abbott 2006), so raising ``beta`` also raises the effective coupling.
* ``"mean_shift"``: ``W = A^E - A^I + kappa 1 1_I^T``, ``kappa = -(beta - 1) m_I / N_I``
  with ``m_I = <sum_j A^I_ij>_i`` the mean total inhibitory in-strength at construction and
  ``1_I`` the indicator of the ``N_I`` inhibitory neurons. Every entry of an inhibitory column
  moves by the same constant: each column's variance (hence the bulk spectrum) stays exactly
  that of ``beta = 1``, while the neuron-averaged inhibitory drive at uniform rates ``r`` is
  ``beta m_I r`` exactly, as in the multiplicative mode. The kernels add this dense rank-one
  (mean-field) term as ``x_i += kappa sum_{j in I} r_j``; the sparse links stay those of
  ``beta = 1``. For ``beta < 1`` it removes mean inhibition (Dale's law then holds for the
  total inhibitory drive, not link by link).
"""

from __future__ import annotations

import copy

import numpy as np
import scipy.sparse as sp

from workbench.validation import (
    check_array,
    check_choice,
    check_int,
    check_positive,
    check_probability,
    check_range,
    check_seed,
)

from .adaptation import (
    AdaptationTrace,
    adapt_systems,
    check_targets,
    inhibitory_strength,
    one_step_factors,
)
from .base import RateReservoir
from .connectivity import (
    TOPOLOGIES,
    cell_types,
    dale_matrices,
    draw_magnitudes,
    fixed_split_edges,
    given_input_weights,
    graph_edges,
    graph_matrices,
    input_matrix,
    magnitude_matrices,
)
from .dynamics import RateSystem

__all__ = ["BALANCE_MODES", "EI_SPLITS", "EIReservoir"]

#: How the global balance ``beta`` acts (module docstring).
BALANCE_MODES = ("multiplicative", "mean_shift")
#: How each neuron's presynaptic partners split into E and I.
EI_SPLITS = ("random", "fixed")


def _check_dynamics(gain, leak_rate, initial_rate, balance):
    check_positive(gain, "gain")
    check_range(leak_rate, "leak_rate", 0, 1, low_inclusive=False)
    check_probability(initial_rate, "initial_rate")
    check_positive(balance, "balance")


class EIReservoir(RateReservoir):
    """Sigmoid rate reservoir with excitatory and inhibitory populations (Dale's law).

    Parameters
    ----------
    n_neurons : int
        ``n`` >= 10.
    n_inputs : int
        Input dimension ``d`` >= 1.
    in_degree : int
        ``k``, links into each neuron (default 50, [T]).
    excitatory_fraction : float
        ``f_E`` in (0, 1); 0.8 gives E:I = 4:1 ([S]).
    strength : float, optional
        ``J`` > 0, mean total excitatory in-strength; ``mu_E = J/(k f_E)``,
        ``mu_I = (f_E/f_I) mu_E`` ([T] uses J = 1; exposed as a hyperparameter [A]).
        Default 1, or ``coupling / gain`` when ``coupling`` is given (not both).
    coupling : float, optional
        ``c J`` > 0, the one knob of the recurrent coupling: the recurrent part of the sigmoid's
        argument is ``c J`` times a fixed random matrix, while the input part ``c W^in u``
        keeps its scale. Sets ``J = coupling / c``. (The Jacobian radius at the operating point
        is the other candidate knob; it depends on ``beta``, the input and the seed, so it is
        recorded per reservoir instead: :mod:`reservoirs.operating_point`.)
    balance_mode : {"multiplicative", "mean_shift"}
        How ``beta`` acts (module docstring); default ``"multiplicative"``.
    ei_split : {"random", "fixed"}
        ``"random"`` (default): each presynaptic partner is E with probability ``f_E``;
        ``"fixed"``: exactly ``round(f_E k)`` E and the rest I partners per neuron
        (:func:`reservoirs.connectivity.fixed_split_edges`; random topology only).
    weight_cv : float
        Coefficient of variation of link magnitudes, ``|N(mu, (cv mu)^2)|`` (issue 3: 0.2).
    balance : float
        ``beta`` > 0, global scale of inhibition (1 = balanced) [A].
    gain : float
        ``c`` > 0, sigmoid gain ([T]: 10).
    threshold : float or array_like
        ``theta_i`` ([T]: 0).
    leak_rate : float
        ``a`` in (0, 1]; 1 = no leak ([T]/[A]).
    input_fraction : float
        Share of neurons receiving input, in (0, 1] ([T]: 0.3).
    input_scaling : float
        ``sigma_in`` >= 0; input weights ``U(-sigma_in/2, sigma_in/2)`` ([T]: 0.5).
    topology : {"random", "small_world", "scale_free"}
        Graph generator (:func:`reservoirs.connectivity.graph_edges`).
    rewiring : float
        Watts-Strogatz rewiring probability for ``"small_world"``.
    initial_rate : float
        Initial (and reset) rate of every neuron, in [0, 1] [A].
    seed : int, Generator or None

    Notes
    -----
    Connectivity is stored as CSR; the signed matrix ``W = A^E - beta A^I`` is what the
    update uses. Build from your own graph with :meth:`from_graph` or from matrices with
    :meth:`from_matrices`.
    """

    def __init__(self, n_neurons=500, n_inputs=1, *, in_degree=50, excitatory_fraction=0.8,
                 strength=None, weight_cv=0.2, balance=1.0, gain=10.0, threshold=0.0,
                 leak_rate=1.0, input_fraction=0.3, input_scaling=0.5, topology="random",
                 rewiring=0.1, initial_rate=0.5, seed=None, coupling=None,
                 balance_mode="multiplicative", ei_split="random"):
        n = check_int(n_neurons, "n_neurons", 10)
        d = check_int(n_inputs, "n_inputs", 1)
        check_range(excitatory_fraction, "excitatory_fraction", 0, 1,
                    low_inclusive=False, high_inclusive=False)
        if coupling is not None:
            if strength is not None:
                raise ValueError("give either strength or coupling (= gain * strength), not both")
            check_positive(coupling, "coupling")
            check_positive(gain, "gain")
            strength = coupling / gain
        strength = 1.0 if strength is None else strength
        check_positive(strength, "strength")
        check_positive(weight_cv, "weight_cv", strict=False)
        check_choice(topology, "topology", TOPOLOGIES)
        check_choice(ei_split, "ei_split", EI_SPLITS)
        if ei_split == "fixed" and topology != "random":
            raise ValueError(f"ei_split='fixed' needs topology='random', got {topology!r}")
        rng = check_seed(seed)
        types = cell_types(n, excitatory_fraction, rng)
        if ei_split == "fixed":
            pre, post = fixed_split_edges(types, check_int(in_degree, "in_degree", 1, n - 1), rng)
        else:
            pre, post = graph_edges(n, in_degree, topology, rewiring=rewiring, rng=rng)
        mean_k = pre.shape[0] / n
        magnitudes = draw_magnitudes(pre, types, mean_k, strength, weight_cv, rng)
        a_e, a_i = dale_matrices(pre, post, types, magnitudes)
        win = input_matrix(n, d, input_fraction, input_scaling, rng)
        self._ei_split = ei_split
        self._setup(a_e, a_i, types, win, balance=balance, gain=gain, threshold=threshold,
                    leak_rate=leak_rate, initial_rate=initial_rate, balance_mode=balance_mode)

    # -- alternative constructors -------------------------------------------------------------
    @classmethod
    def from_matrices(cls, excitatory, inhibitory, input_weights, *, balance=1.0, gain=10.0,
                      threshold=0.0, leak_rate=1.0, initial_rate=0.5, cell_types=None,
                      balance_mode="multiplicative"):
        """Build a reservoir from magnitude matrices.

        Parameters
        ----------
        excitatory, inhibitory : sparse matrix or array_like, shape (n, n)
            ``A^E`` and ``A^I``, non-negative magnitudes, row = postsynaptic neuron. Dale's
            law: a presynaptic neuron (column) may have links in only one of them.
        input_weights : array_like, shape (n, d) or (n,)
            ``W^in``.
        balance, gain, threshold, leak_rate, initial_rate, balance_mode
            As in :class:`EIReservoir`. ``inhibitory`` is taken at ``beta = 1``.
        cell_types : array_like of bool, optional
            True for excitatory neurons; inferred from the columns when omitted (neurons with
            no outgoing links count as excitatory).

        Raises
        ------
        ValueError
            Negative magnitudes, mismatched shapes, a column in both matrices, or
            ``cell_types`` contradicting the links.
        """
        types, a_e, a_i = magnitude_matrices(excitatory, inhibitory, cell_types)
        win = given_input_weights(input_weights, a_e.shape[0])
        self = cls.__new__(cls)
        self._ei_split = "given"
        self._setup(a_e, a_i, types, win, balance=balance, gain=gain, threshold=threshold,
                    leak_rate=leak_rate, initial_rate=initial_rate, balance_mode=balance_mode)
        return self

    @classmethod
    def from_graph(cls, graph, *, n_inputs=1, input_weights=None, input_fraction=0.3,
                   input_scaling=0.5, strength=1.0, weight_cv=0.2, balance=1.0, gain=10.0,
                   threshold=0.0, leak_rate=1.0, initial_rate=0.5, seed=None):
        """Build a reservoir from a user's :class:`networkx.DiGraph`.

        Parameters
        ----------
        graph : networkx.DiGraph
            Node attribute ``type`` = ``"E"`` or ``"I"`` (required on every node); edge
            ``u -> v`` means neuron ``u`` projects onto ``v``. Edge attribute ``weight`` is the
            link magnitude (>= 0; a negative weight is accepted on an inhibitory neuron's edge
            and read as its magnitude). Edges without ``weight`` get a magnitude drawn as in
            :class:`EIReservoir` (``|N(mu, (cv mu)^2)|`` from ``strength``, the graph's mean
            in-degree and its E fraction).
        n_inputs, input_fraction, input_scaling : see :class:`EIReservoir`
        input_weights : array_like, shape (n, d), optional
            Explicit ``W^in`` (rows in ``graph.nodes`` order); overrides the random input.
        strength, weight_cv, balance, gain, threshold, leak_rate, initial_rate, seed
            As in :class:`EIReservoir`.

        Returns
        -------
        EIReservoir
            Neuron ``i`` is the ``i``-th node of ``list(graph.nodes)``.
        """
        rng = check_seed(seed)
        types, a_e, a_i = graph_matrices(graph, strength, weight_cv, rng)
        n = types.shape[0]
        if input_weights is None:
            win = input_matrix(n, check_int(n_inputs, "n_inputs", 1), input_fraction,
                               input_scaling, rng)
        else:
            win = given_input_weights(input_weights, n)
        self = cls.__new__(cls)
        self._ei_split = "given"
        self._setup(a_e, a_i, types, win, balance=balance, gain=gain, threshold=threshold,
                    leak_rate=leak_rate, initial_rate=initial_rate)
        return self

    def _setup(self, a_e, a_i, types, win, *, balance, gain, threshold, leak_rate,
               initial_rate, balance_mode="multiplicative"):
        _check_dynamics(gain, leak_rate, initial_rate, balance)
        check_choice(balance_mode, "balance_mode", BALANCE_MODES)
        n = a_e.shape[0]
        theta = check_array(threshold, "threshold", ndim=(0, 1))
        if theta.ndim == 1 and theta.shape[0] != n:
            raise ValueError(f"threshold must be a scalar or have shape ({n},), got {theta.shape}")
        self._mode = balance_mode
        scale = balance if balance_mode == "multiplicative" else 1.0
        w = (a_e - scale * a_i).tocsr()
        w.sum_duplicates()
        w.sort_indices()
        self._types = np.asarray(types, dtype=bool).copy()
        self._inhibitory = ~self._types[w.indices]
        self._balance = float(balance)
        self._initial = np.full(n, float(initial_rate))
        self._rates = None
        self._system = RateSystem(
            weights=w, input_weights=np.array(win, dtype=float),
            threshold=np.broadcast_to(theta, (n,)).astype(float),
            gain=np.full(n, float(gain)), leak=np.full(n, float(leak_rate)),
            activation="sigmoid", state=self._initial.copy())
        n_inh = int((~self._types).sum())
        #: m_I / N_I: the mean total inhibitory in-strength per inhibitory neuron at beta = 1.
        self._shift_unit = float(a_i.sum()) / n / max(n_inh, 1)
        if balance_mode == "mean_shift":
            self._system.lowrank = (np.full(n, self.mean_shift), (~self._types).astype(float), n)

    # -- model choices -------------------------------------------------------------------------
    @property
    def balance_mode(self) -> str:
        """``"multiplicative"`` or ``"mean_shift"`` (module docstring)."""
        return self._mode

    @property
    def ei_split(self) -> str:
        """``"random"``, ``"fixed"``, or ``"given"`` (built from matrices or a graph)."""
        return self._ei_split

    @property
    def mean_shift(self) -> float:
        """``kappa`` of the ``"mean_shift"`` mode (0 in ``"multiplicative"`` mode)."""
        return self.shift_scale(self._balance) if self._mode == "mean_shift" else 0.0

    def shift_scale(self, balance) -> float:
        """``kappa = -(beta - 1) m_I / N_I`` at ``beta = balance`` (module docstring)."""
        return -(float(balance) - 1.0) * self._shift_unit

    def dense_weights(self, balance=None) -> np.ndarray:
        """The full recurrent matrix ``W`` (dense), rank-one mean shift included; at
        ``balance`` instead of the current one when given."""
        w = self._system.weights.toarray()
        if balance is not None and self._mode == "multiplicative":
            w[:, ~self._types] *= float(balance) / self._balance
        if self._mode == "mean_shift":
            w[:, ~self._types] += self.shift_scale(self._balance if balance is None else balance)
        return w

    def _shift_input(self, rates):
        """``kappa sum_{j in I} r_j``: the mean-field term of the drive of every neuron."""
        return self.mean_shift * float(np.sum(rates[~self._types]))

    # -- parameters ----------------------------------------------------------------------------
    @property
    def balance(self) -> float:
        """Global inhibition scale ``beta``; setting it rescales every inhibitory link."""
        return self._balance

    @balance.setter
    def balance(self, value):
        check_positive(value, "balance")
        if self._mode == "multiplicative":
            self._system.weights.data[self._inhibitory] *= float(value) / self._balance
            self._balance = float(value)
        else:
            self._balance = float(value)
            self._system.lowrank[0][:] = self.mean_shift

    @property
    def gain(self) -> float:
        """Sigmoid gain ``c``."""
        return float(self._system.gain[0])

    @property
    def threshold(self) -> np.ndarray:
        """``theta_i`` (a copy)."""
        return self._system.threshold.copy()

    @property
    def leak_rate(self) -> float:
        """Leak ``a`` (1 = no leak)."""
        return float(self._system.leak[0])

    @property
    def cell_types(self) -> np.ndarray:
        """True for excitatory neurons, shape ``(n,)``."""
        return self._types.copy()

    def _part(self, mask, sign):
        w = self._system.weights
        part = sp.csr_matrix((sign * np.where(mask, w.data, 0.0), w.indices.copy(),
                              w.indptr.copy()), shape=w.shape)
        part.eliminate_zeros()
        return part

    @property
    def excitatory(self) -> sp.csr_matrix:
        """``A^E`` magnitudes (CSR copy)."""
        return self._part(~self._inhibitory, 1.0)

    @property
    def inhibitory(self) -> sp.csr_matrix:
        """Current inhibitory link magnitudes (CSR copy; includes adaptation): ``beta A^I``
        in ``"multiplicative"`` mode, ``A^I`` in ``"mean_shift"`` mode (whose rank-one term is
        :attr:`mean_shift`)."""
        return self._part(self._inhibitory, -1.0)

    def inhibitory_strength(self) -> np.ndarray:
        """Per-neuron total inhibitory magnitude ``sum_j beta A^I_ij``, shape ``(n,)``."""
        return inhibitory_strength(self._system, self._inhibitory)

    def ei_input_ratio(self, rates=None) -> np.ndarray:
        """Per-neuron ratio of inhibitory to excitatory recurrent input.

        Parameters
        ----------
        rates : array_like, shape (n,), optional
            Presynaptic rates ``rbar_j``; defaults to :attr:`rates` of the last run.

        Returns
        -------
        ndarray, shape (n,)
            ``sum_j beta A^I_ij rbar_j / sum_j A^E_ij rbar_j`` (1 = locally balanced; NaN when
            a neuron gets no excitatory input). In ``"mean_shift"`` mode the inhibitory input
            is ``sum_j A^I_ij rbar_j - kappa sum_{j in I} rbar_j``.
        """
        if rates is None:
            if self._rates is None:
                raise ValueError("rates must be given before the reservoir has been run")
            rates = self._rates
        rates = check_array(rates, "rates", shape=(self.n_neurons,))
        exc = self.excitatory @ rates
        inh = self.inhibitory @ rates - self._shift_input(rates)
        out = np.full(self.n_neurons, np.nan)
        np.divide(inh, exc, out=out, where=exc > 0)
        return out

    def copy(self) -> EIReservoir:
        """An independent deep copy (weights, state, rates)."""
        return copy.deepcopy(self)

    # -- homeostasis ---------------------------------------------------------------------------
    def adapt(self, u, target_rate, learning_rate=1e-3, epochs=1, record_every=None,
              state=None) -> AdaptationTrace:
        """Local homeostatic adaptation of inhibition towards target rates, then freeze.

        Parameters
        ----------
        u : array_like, shape (T, n_inputs) or (T,)
            Driving input (the task input or input with its statistics, research note §3.2).
        target_rate : float or array_like, shape (n,)
            ``rho`` (homogeneous) or ``rho_i`` (e.g. :func:`heterogeneous_targets`), in (0, 1).
        learning_rate : float
            ``delta`` > 0 (default 1e-3, [T]).
        epochs : int
            Passes over ``u``, >= 1.
        record_every : int, optional
            Steps per trace block (default: about 100 blocks per epoch).
        state : array_like, optional
            Start state; ``None`` continues from the current one.

        Returns
        -------
        AdaptationTrace
            Population mean rate per step, per-block per-neuron rates and inhibitory gains.

        Notes
        -----
        ``A^I_ij += delta (r_i - rho_i)`` on every inhibitory link into neuron ``i``,
        magnitudes clipped at ``>= 0`` (research note §3.1-3.2; :func:`adapt_system`). The
        weights stay as adapted afterwards (frozen: :meth:`run` never changes them).
        """
        arr, _ = self._prepare(u, 0, state)
        targets = check_targets(target_rate, self.n_neurons)
        check_positive(learning_rate, "learning_rate")
        epochs = check_int(epochs, "epochs", 1)
        every = max(1, arr.shape[0] // 100) if record_every is None else \
            check_int(record_every, "record_every", 1)
        trace = adapt_systems([self._system], [self._inhibitory], arr, targets, learning_rate,
                              epochs, every)[0]
        self._rates = trace.block_rates[-1].copy()
        return trace

    def balance_one_step(self, target_rate, u_mean=0.0) -> np.ndarray:
        """One-step mean-field design: scale each neuron's inhibition by ``Omega_i``.

        Parameters
        ----------
        target_rate : float or array_like, shape (n,)
            ``rho_i`` in (0, 1).
        u_mean : float or array_like, shape (n_inputs,)
            Mean input ``<u>``.

        Returns
        -------
        ndarray, shape (n,)
            The factors ``Omega_i`` applied (``A^I_ij <- Omega_i A^I_ij``).

        Notes
        -----
        ``Omega_i = (sum_j A^E_ij rho_j + W^in_i <u> - theta_i - Sig^{-1}(rho_i)) /
        sum_j A^I_ij rho_j`` with ``Sig^{-1}(rho) = ln(rho/(1-rho))/c``, clipped at 0
        (research note §3.4; :func:`one_step_factors`). In ``"mean_shift"`` mode the fixed
        mean-field term ``kappa sum_{j in I} rho_j`` joins the numerator.
        """
        targets = check_targets(target_rate, self.n_neurons)
        ubar = check_array(u_mean, "u_mean", ndim=(0, 1))
        ubar = np.broadcast_to(ubar, (self.n_inputs,)) if ubar.ndim == 0 else ubar
        if ubar.shape != (self.n_inputs,):
            raise ValueError(f"u_mean must be a scalar or have shape ({self.n_inputs},), "
                             f"got {ubar.shape}")
        omega = one_step_factors(self.excitatory @ targets + self._shift_input(targets),
                                 self.inhibitory @ targets,
                                 self._system.input_weights @ ubar, self._system.threshold,
                                 targets, self._system.gain)
        w = self._system.weights
        rows = np.repeat(np.arange(self.n_neurons), np.diff(w.indptr))
        w.data[self._inhibitory] *= omega[rows[self._inhibitory]]
        return omega
