"""The discrete-time rate-network update shared by every reservoir in this package.

One map advances every network here,

.. math::

    r(t+1) = (1-a)\\,r(t) + a\\,f\\big(c\\,(W r(t) + W^{in} u(t) - \\theta)\\big)

for a sparse (CSR) recurrent matrix ``W``. The E/I reservoir uses ``f`` = logistic sigmoid
(Srinivasan, Plenz & Girvan 2025, Eq. 1 as reconstructed in ``research/ei_reservoir.md`` §1.1);
the echo-state baseline uses ``f = tanh`` and ``c = 1`` (Jaeger 2001).

Three kernels implement it:

* :class:`RateSystem` - one network, or a batch of networks stacked block-diagonally
  (:func:`stack_systems`) so that one sparse mat-vec per step advances all of them;
* :class:`SharedSystem` - a batch of networks whose matrices are combinations
  ``W_b = sum_m s_{bm} M_m`` of a few shared sparse matrices (e.g. ``A^E - beta_b A^I`` in a
  balance sweep). The states are held as one ``(n, B)`` matrix and one sparse x dense product
  per step advances the whole batch, which reads each stored link once for all ``B`` networks;
* :class:`PatternSystem` - a batch of copies of one network whose links have their own values
  (adapted inhibition): one pattern, the ``B`` values and states of each link side by side,
  and optionally the homeostatic rule inside the same compiled loop.

Without a hook both run their whole time loop in compiled C (``_rate_kernel.c`` through
:mod:`reservoirs.compiled`, built on first use by :mod:`workbench.native`): one network as a
sliced-ELLPACK matrix whose rows share vector lanes, a batch as 8-wide rows of the state matrix.
Where no C compiler works (or ``WORKBENCH_NATIVE=0``) they call scipy's compiled CSR kernels
(``csr_matvec`` / ``csr_matvecs``) directly into preallocated rows, so a step allocates nothing;
the input drive ``W^{in} u(t) - theta`` is then formed once per block of steps with one matrix
product. The two paths agree to rounding (tested).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse import _sparsetools
from threadpoolctl import threadpool_limits

from . import compiled

__all__ = ["ACTIVATIONS", "PatternSystem", "RateSystem", "SharedSystem", "stack_systems",
           "split_systems"]

def _sigmoid_of_negated(y: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``Sig(-y) = 1 / (1 + exp(y))`` written into ``out`` (three in-place ufuncs).

    ``exp(y)`` overflows to ``inf`` for ``y > 709``, giving the exact limit 0; the kernels run
    under ``np.errstate(over="ignore")``.
    """
    np.exp(y, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def _sigmoid(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Logistic sigmoid ``Sig(x) = 1 / (1 + exp(-x))`` written into ``out``.

    In-place ufuncs on numpy's vectorised ``exp``: within one rounding of
    ``scipy.special.expit`` and about three times faster on the ``(n, B)`` state matrices of
    :class:`SharedSystem`.
    """
    np.negative(x, out=out)
    return _sigmoid_of_negated(out, out)


#: Elementwise activations ``f(x, out)`` writing into ``out``.
ACTIVATIONS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "sigmoid": _sigmoid,
    "tanh": lambda x, out: np.tanh(x, out=out),
}

#: ``f(x) = g(s x)``: the sign ``s`` and ``g`` of each activation. The kernels fold ``s c``
#: into the rows of ``W`` and into the drive, so a step is one sparse product plus ``g``.
_FOLDED: dict[str, tuple[float, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "sigmoid": (-1.0, _sigmoid_of_negated),
    "tanh": (1.0, lambda y, out: np.tanh(y, out=out)),
}


def _row_scaled(matrix: sp.csr_matrix, scale: np.ndarray) -> np.ndarray:
    """``data`` of ``diag(scale) @ matrix`` (same sparsity pattern and entry order)."""
    return matrix.data * np.repeat(scale, np.diff(matrix.indptr))


#: Default number of time steps simulated per block (bounds the input-drive buffer).
DEFAULT_CHUNK = 1000


def _input_drive(u, input_weights, threshold):
    """``W^{in} u(t) - theta`` for every step of ``u`` (shape ``(T, M)``), one product."""
    drive = u @ input_weights.T
    drive -= threshold
    return drive


def _segments(n_steps, washout, chunk_size):
    """``(start, stop, keep)`` step ranges: the washout part (``keep`` False), then blocks."""
    bounds = list(range(0, washout, chunk_size)) + [washout]
    bounds += list(range(washout + chunk_size, n_steps, chunk_size)) + [n_steps]
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if hi > lo:
            yield lo, hi, lo >= washout


@dataclass
class RateSystem:
    """Arrays of one (or a stacked batch of) discrete-time rate network(s).

    Parameters
    ----------
    weights : scipy.sparse.csr_matrix, shape (M, M)
        Signed recurrent matrix ``W`` (row = postsynaptic neuron). Modified in place by
        plasticity hooks.
    input_weights : ndarray, shape (M, d)
        ``W^{in}``.
    threshold : ndarray, shape (M,)
        ``theta`` (the ESN's bias enters as ``-theta``).
    gain : ndarray, shape (M,)
        ``c``, the slope of the activation.
    leak : ndarray, shape (M,)
        ``a`` in (0, 1]; ``a = 1`` means no leak.
    activation : {"sigmoid", "tanh"}
        ``f``.
    state : ndarray, shape (M,)
        Current ``r(t)``; advanced by :meth:`blocks` and :meth:`run`.
    lowrank : (ndarray, ndarray, int), optional
        ``(p, q, n)``: a rank-one term per network of ``n`` neurons, so that block ``G``
        (neurons ``g n .. (g+1) n - 1``) has ``W_G + p_G q_G^T`` (the mean-field inhibitory
        shift of :class:`reservoirs.EIReservoir` with ``balance_mode="mean_shift"``); ``p``
        and ``q`` have shape ``(M,)``. Never changed by plasticity hooks.
    """

    weights: sp.csr_matrix
    input_weights: np.ndarray
    threshold: np.ndarray
    gain: np.ndarray
    leak: np.ndarray
    activation: str
    state: np.ndarray
    lowrank: tuple | None = None
    _leaky: bool = field(init=False, repr=False)
    _layout: compiled.SellLayout | None = field(default=None, init=False, repr=False)

    def __post_init__(self):
        self._leaky = bool(np.any(self.leak != 1.0))

    @property
    def size(self) -> int:
        """Number of neurons ``M``."""
        return self.weights.shape[0]

    def _lowrank_term(self, r, scale=None):
        """``p_G (q_G . r_G)`` for every block ``G`` (times ``scale``), shape ``(M,)``."""
        p, q, n = self.lowrank
        dots = (q * r).reshape(-1, n).sum(axis=1)
        term = p * np.repeat(dots, n)
        return term if scale is None else term * scale

    def _advance(self, u, sink, hook=None):
        """Advance through ``u`` (shape ``(L, d)``), writing ``r(t+1)`` into ``sink[t]``.

        ``sink`` is an ``(L, M)`` array, or ``None`` to discard the states. Without a ``hook``
        the folded kernel runs (:meth:`_advance_folded`); with one, every step computes
        ``x = W r`` (scipy's ``csr_matvec`` into a zeroed row), ``x += drive``, ``x *= c``,
        ``x = f(x)``, leak, then ``hook(x)``, reading ``W`` afresh so the hook may change it.
        """
        if hook is None:
            self._advance_folded(u, sink)
            return
        act = ACTIVATIONS[self.activation]
        gain = None if np.all(self.gain == 1.0) else self.gain
        leak = self.leak if self._leaky else None
        keep = 1.0 - self.leak if self._leaky else None
        w = self.weights
        m = w.shape[0]
        matvec, indptr, indices, data = _sparsetools.csr_matvec, w.indptr, w.indices, w.data
        drive = _input_drive(u, self.input_weights, self.threshold)
        ping = np.zeros((2, m)) if sink is None else None
        r = self.state.copy()
        with np.errstate(over="ignore"):
            for t in range(drive.shape[0]):
                x = ping[t & 1] if sink is None else sink[t]
                x.fill(0.0)
                matvec(m, m, indptr, indices, data, r, x)
                x += drive[t]
                if self.lowrank is not None:
                    x += self._lowrank_term(r)
                if gain is not None:
                    x *= gain
                act(x, x)
                if leak is not None:
                    x *= leak
                    x += keep * r
                r = x
                hook(r)
        self.state = r.copy()

    def _advance_folded(self, u, sink):
        """:meth:`_advance` without a hook: the sign and gain folded into ``W`` and the drive.

        With ``f(x) = g(s x)`` (``s = -1``, ``g(y) = 1/(1 + e^y)`` for the sigmoid), row ``i``
        of ``W`` and of the drive are scaled by ``s c_i`` once per block; the drive is written
        into the output row and scipy's ``csr_matvec`` accumulates ``(s c W) r`` onto it, so a
        step is one sparse product and ``g`` (plus the leak). Equal to the unfolded update up
        to rounding; a stacked batch gives each network exactly the arithmetic it gets alone.
        The whole loop runs in :func:`reservoirs.compiled.run_rate` when the kernel is
        available (the drive is then formed inside the loop, never stored).
        """
        sign, g = _FOLDED[self.activation]
        scale = sign * self.gain
        w = self.weights
        m = w.shape[0]
        matvec, indptr, indices = _sparsetools.csr_matvec, w.indptr, w.indices
        data = _row_scaled(w, scale)
        leak = self.leak if self._leaky else None
        keep = 1.0 - self.leak if self._leaky else None
        lib = compiled.kernel()
        if lib is not None and (sink is None or sink.flags.c_contiguous):
            self._layout = compiled.SellLayout.reuse(self._layout, w)
            state = self.state.copy()
            lowrank = None if self.lowrank is None else \
                (scale * self.lowrank[0], self.lowrank[1], self.lowrank[2])
            compiled.run_rate(lib, self._layout, data, u, self.input_weights * scale[:, None],
                              -scale * self.threshold, leak, self.activation, state, sink,
                              lowrank)
            self.state = state
            return
        drive = _input_drive(u, self.input_weights, self.threshold)
        drive *= scale
        if sink is not None:
            sink[...] = drive
        r = self.state.copy()
        with np.errstate(over="ignore"):
            for t in range(drive.shape[0]):
                if sink is None:
                    x = drive[t]
                else:
                    x = sink[t]
                if self.lowrank is not None:
                    x += self._lowrank_term(r, scale)
                matvec(m, m, indptr, indices, data, r, x)
                g(x, x)
                if leak is not None:
                    x *= leak
                    x += keep * r
                r = x
        self.state = r.copy()

    def blocks(self, u: np.ndarray, chunk_size: int = DEFAULT_CHUNK,
               hook: Callable[[np.ndarray], None] | None = None) -> Iterator[np.ndarray]:
        """Advance the network through the input ``u`` and yield the states block by block.

        Parameters
        ----------
        u : ndarray, shape (T, d)
            Input, already validated.
        chunk_size : int
            Steps per yielded block; the input drive ``W^{in} u - theta`` is formed per block,
            so memory is ``O(chunk_size * M)`` whatever ``T`` is.
        hook : callable, optional
            ``hook(r)`` called after every step with the new state (plasticity rules). It may
            modify ``weights.data`` in place.

        Yields
        ------
        ndarray, shape (<= chunk_size, M)
            ``r(t+1)`` for the steps of the block (a fresh array each time).

        Notes
        -----
        Implements ``r(t+1) = (1-a) r(t) + a f(c (W r(t) + W^{in} u(t) - theta))``. BLAS is
        limited to one thread inside the loop (the per-step products are small, and threads
        only add contention).
        """
        with threadpool_limits(limits=1):
            for start in range(0, u.shape[0], chunk_size):
                seg = u[start:start + chunk_size]
                out = np.empty((seg.shape[0], self.size))
                self._advance(seg, out, hook)
                yield out

    def run(self, u: np.ndarray, washout: int = 0, chunk_size: int = DEFAULT_CHUNK,
            hook: Callable[[np.ndarray], None] | None = None) -> np.ndarray:
        """All states after ``washout`` as one array of shape ``(T - washout, M)``.

        Writes the states straight into the returned array (no per-block copies); the
        washout steps are computed without being stored.
        """
        out = np.empty((u.shape[0] - washout, self.size))
        with threadpool_limits(limits=1):
            for lo, hi, keep in _segments(u.shape[0], washout, chunk_size):
                self._advance(u[lo:hi], out[lo - washout:hi - washout] if keep else None, hook)
        return out


class _Batch:
    """What :class:`SharedSystem` and :class:`PatternSystem` share: ``B`` networks of ``n``
    neurons whose states are the columns of one ``(n, B)`` matrix ``state``, advanced by
    ``_advance(u, sink)``."""

    state: np.ndarray

    def _advance(self, u, sink):
        raise NotImplementedError

    @property
    def size(self) -> int:
        """Number of neurons ``n`` of each network."""
        return self.state.shape[0]

    @property
    def batch(self) -> int:
        """Number of networks ``B``."""
        return self.state.shape[1]

    def run(self, u: np.ndarray, washout: int = 0,
            chunk_size: int = DEFAULT_CHUNK) -> np.ndarray:
        """States after ``washout`` of every network, shape ``(B, T - washout, n)``.

        Parameters
        ----------
        u : ndarray, shape (T, d)
            Common input, already validated.
        washout : int
            Leading steps computed but not returned.
        chunk_size : int
            Steps per input-drive block (memory ``O(chunk_size * n)`` besides the output).
        """
        out = np.empty((self.batch, u.shape[0] - washout, self.size))
        with threadpool_limits(limits=1):
            for lo, hi, keep in _segments(u.shape[0], washout, chunk_size):
                self._advance(u[lo:hi], out[:, lo - washout:hi - washout] if keep else None)
        return out


@dataclass
class SharedSystem(_Batch):
    """``B`` rate networks whose recurrent matrices combine a few shared sparse matrices.

    Network ``b`` has ``W_b = sum_k scales[k, b] M_k``; all share ``W^{in}``, ``theta``, ``c``,
    ``a`` and ``f``, and receive the same input.

    Parameters
    ----------
    parts : scipy.sparse.csr_matrix, shape (n, K n)
        The shared matrices side by side, ``[M_1, ..., M_K]``.
    scales : ndarray, shape (K, B)
        ``s_{kb}``.
    input_weights, threshold, gain, leak, activation
        As in :class:`RateSystem` (shapes ``(n, d)`` and ``(n,)``).
    state : ndarray, shape (n, B)
        Column ``b`` is ``r_b(t)``.
    lowrank : (ndarray, ndarray, ndarray), optional
        ``(p, q, s)`` with ``p, q`` of shape ``(n,)`` and ``s`` of shape ``(B,)``: network ``b``
        has ``W_b + s_b p q^T`` (the mean-field inhibitory shift of ``balance_mode =
        "mean_shift"``).

    Notes
    -----
    With ``Z = [diag-scaled copies of R]`` = ``[R s_1; ...; R s_K]`` (``R`` the ``(n, B)`` state
    matrix, ``R s_k`` its columns scaled by ``scales[k]``),
    ``[W_1 r_1, ..., W_B r_B] = [M_1, ..., M_K] Z``: one CSR x dense product per step
    (scipy's ``csr_matvecs``) reads every stored link once for the whole batch. As in
    :meth:`RateSystem._advance_folded`, the sign of the activation and the gain are folded
    into the rows of ``[M_1, ..., M_K]`` and of the drive. The result equals running each
    network alone with ``W_b`` formed explicitly up to floating-point rounding (sums are
    grouped differently), not bit for bit.
    """

    parts: sp.csr_matrix
    scales: np.ndarray
    input_weights: np.ndarray
    threshold: np.ndarray
    gain: np.ndarray
    leak: np.ndarray
    activation: str
    state: np.ndarray
    lowrank: tuple | None = None

    def _advance(self, u, sink):
        """Advance through ``u`` (``(L, d)``), writing ``r_b(t+1)`` into ``sink[b, t]``.

        ``sink`` has shape ``(B, L, n)`` (any strides) or is ``None`` (states discarded).
        Runs in :func:`reservoirs.compiled.run_shared` when the kernel is available.
        """
        sign, g = _FOLDED[self.activation]
        scale = sign * self.gain
        n, bsz = self.size, self.batch
        n_parts = self.scales.shape[0]
        leaky = bool(np.any(self.leak != 1.0))
        leak, keep = self.leak[:, None], (1.0 - self.leak)[:, None]
        w = self.parts
        matvecs, indptr, indices = _sparsetools.csr_matvecs, w.indptr, w.indices
        data = _row_scaled(w, scale)
        lib = compiled.kernel()
        lowrank = None if self.lowrank is None else \
            (scale * self.lowrank[0], self.lowrank[1], np.asarray(self.lowrank[2], dtype=float))
        if lib is not None:
            self.state = compiled.run_shared(lib, w, data, self.scales, u,
                                             self.input_weights * scale[:, None],
                                             -scale * self.threshold,
                                             self.leak if leaky else None, self.activation,
                                             self.state, sink, lowrank)
            return
        drive = _input_drive(u, self.input_weights, self.threshold)
        drive *= scale
        z = np.empty((n_parts, n, bsz))
        zs = [z[k] for k in range(n_parts)]
        r = self.state.copy()
        for k in range(n_parts):
            np.multiply(r, self.scales[k], out=zs[k])
        zflat = z.reshape(-1)
        y = np.empty((n, bsz))
        yflat = y.reshape(-1)
        with np.errstate(over="ignore"):
            for t in range(drive.shape[0]):
                y[...] = drive[t][:, None]
                if lowrank is not None:
                    y += np.outer(lowrank[0], (lowrank[1] @ r) * lowrank[2])
                matvecs(n, n_parts * n, bsz, indptr, indices, data, zflat, yflat)
                g(y, y)
                if leaky:
                    y *= leak
                    y += keep * r
                if leaky or lowrank is not None:
                    r[...] = y
                for k in range(n_parts):
                    np.multiply(y, self.scales[k], out=zs[k])
                if sink is not None:
                    sink[:, t, :] = y.T
        self.state = y.copy()



@dataclass
class PatternSystem(_Batch):
    """``B`` rate networks with one sparsity pattern, each with its own recurrent values.

    Copies of one network that differ only in the values of their links (other global
    balances, adapted inhibition) share ``W^{in}``, ``theta``, ``c``, ``a``, ``f`` and the
    pattern of ``W``. Their states are held as one ``(n, B)`` matrix and every step reads each
    link's index once for the whole batch, with the ``B`` values and states of a link side by
    side in memory (:func:`reservoirs.compiled.run_pattern`), instead of gathering each
    network's inputs on its own as the block-diagonal stack of :func:`stack_systems` does.
    Only with the compiled kernel; :meth:`of` says whether a batch qualifies.

    Parameters
    ----------
    pattern : scipy.sparse.csr_matrix, shape (n, n)
        The common pattern (indices in the CSR order of every member).
    data : ndarray, shape (nnz, B)
        ``W_b`` of every link, column ``b`` for network ``b``.
    input_weights, threshold, gain, leak, activation
        As in :class:`RateSystem`, shared.
    state : ndarray, shape (n, B)
    lowrank : (ndarray, ndarray), optional
        ``(P, Q)`` of shape ``(n, B)``: network ``b`` has ``W_b + P[:, b] Q[:, b]^T``.

    Notes
    -----
    Each step computes, per network, ``x = W_b r + (W^{in} u(t) - theta) + p_b (q_b . r)``,
    then ``r(t+1) = (1-a) r + a f(c x)``: the update of :class:`RateSystem` in the order of its
    hooked numpy path, so results agree with running each network alone up to rounding. An
    optional homeostatic rule (:meth:`blocks`) runs inside the same compiled loop.
    """

    pattern: sp.csr_matrix
    data: np.ndarray
    input_weights: np.ndarray
    threshold: np.ndarray
    gain: np.ndarray
    leak: np.ndarray
    activation: str
    state: np.ndarray
    lowrank: tuple | None = None

    @classmethod
    def of(cls, systems: list[RateSystem]) -> PatternSystem | None:
        """The batch as one :class:`PatternSystem`, or ``None`` when it does not qualify.

        It qualifies when the compiled kernel is available and the systems are single
        networks (a rank-one term over the whole network, if any) that differ only in the
        values of ``W``, the rank-one term and the state.
        """
        if compiled.kernel() is None or not systems:
            return None
        first = systems[0]
        w0 = first.weights
        for s in systems:
            w = s.weights
            if (w.shape != w0.shape or s.activation != first.activation
                    or (s.lowrank is None) != (first.lowrank is None)
                    or (s.lowrank is not None and s.lowrank[2] != s.size)
                    or not all(np.array_equal(getattr(s, k), getattr(first, k))
                               for k in ("input_weights", "threshold", "gain", "leak"))
                    or not (s is first or (np.array_equal(w.indptr, w0.indptr)
                                           and np.array_equal(w.indices, w0.indices)))):
                return None
        lowrank = None
        if first.lowrank is not None:
            lowrank = (np.column_stack([s.lowrank[0] for s in systems]),
                       np.column_stack([s.lowrank[1] for s in systems]))
        return cls(pattern=w0, data=np.column_stack([s.weights.data for s in systems]),
                   input_weights=first.input_weights, threshold=first.threshold,
                   gain=first.gain, leak=first.leak, activation=first.activation,
                   state=np.column_stack([s.state for s in systems]), lowrank=lowrank)

    def _advance(self, u, sink, rule=None):
        sign, _ = _FOLDED[self.activation]
        leak = self.leak if np.any(self.leak != 1.0) else None
        self.state = compiled.run_pattern(compiled.kernel(), self.pattern, self.data, u,
                                          self.input_weights, self.threshold,
                                          sign * self.gain, leak, self.activation, self.state,
                                          sink, self.lowrank, rule)

    def blocks(self, u: np.ndarray, chunk_size: int = DEFAULT_CHUNK,
               rule: tuple | None = None) -> Iterator[np.ndarray]:
        """Advance through ``u`` (``(T, d)``) and yield the states block by block.

        Parameters
        ----------
        u : ndarray, shape (T, d)
        chunk_size : int
            Steps per yielded block.
        rule : (ndarray, ndarray, float, ndarray), optional
            The inhibitory homeostatic rule, applied after every step inside the compiled
            loop: ``(links, rows, delta, targets)`` as in
            :func:`reservoirs.compiled.run_pattern` (:func:`reservoirs.adaptation.adapt_system`
            builds it). :attr:`data` changes in place.

        Yields
        ------
        ndarray, shape (B, <= chunk_size, n)
            ``r_b(t+1)`` for the steps of the block.
        """
        with threadpool_limits(limits=1):
            for start in range(0, u.shape[0], chunk_size):
                seg = u[start:start + chunk_size]
                out = np.empty((self.batch, seg.shape[0], self.size))
                self._advance(seg, out, rule)
                yield out

    def write_back(self, systems: list[RateSystem]) -> None:
        """Copy each network's recurrent values and final state into ``systems`` (in place)."""
        for b, s in enumerate(systems):
            s.weights.data[:] = self.data[:, b]
            s.state = self.state[:, b].copy()


def _stack_csr(mats: list[sp.csr_matrix]) -> sp.csr_matrix:
    """Block-diagonal CSR matrix whose ``data`` is the concatenation of the blocks' ``data``.

    ``scipy.sparse.block_diag`` goes through COO and may reorder entries; this keeps the
    entry order so that the data of each block can be written back by slicing.
    """
    indptr = [np.zeros(1, dtype=np.int64)]
    indices, data = [], []
    nnz = row = 0
    for m in mats:
        indptr.append(m.indptr[1:].astype(np.int64) + nnz)
        indices.append(m.indices.astype(np.int64) + row)
        data.append(m.data)
        nnz += m.nnz
        row += m.shape[0]
    return sp.csr_matrix((np.concatenate(data), np.concatenate(indices), np.concatenate(indptr)),
                         shape=(row, row))
def stack_systems(systems: list[RateSystem]) -> RateSystem:
    """One block-diagonal :class:`RateSystem` holding ``systems`` side by side.

    All systems must share the activation and the input dimension; they receive the same
    input. Use :func:`split_systems` to write the (possibly adapted) weights and final
    states back.
    """
    if not systems:
        raise ValueError("systems must contain at least one network")
    acts = {s.activation for s in systems}
    dims = {s.input_weights.shape[1] for s in systems}
    if len(acts) != 1:
        raise ValueError(f"systems must share one activation, got {sorted(acts)}")
    if len(dims) != 1:
        raise ValueError(f"systems must share the input dimension, got {sorted(dims)}")
    lowrank = None
    if any(s.lowrank is not None for s in systems):
        sizes = {s.size for s in systems}
        if len(sizes) != 1:
            raise ValueError("systems with a rank-one term must all have the same size")
        n = sizes.pop()
        zero = np.zeros(n)
        lowrank = (np.concatenate([zero if s.lowrank is None else s.lowrank[0] for s in systems]),
                   np.concatenate([zero if s.lowrank is None else s.lowrank[1] for s in systems]),
                   n)
    return RateSystem(
        lowrank=lowrank,
        weights=_stack_csr([s.weights for s in systems]),
        input_weights=np.vstack([s.input_weights for s in systems]),
        threshold=np.concatenate([s.threshold for s in systems]),
        gain=np.concatenate([s.gain for s in systems]),
        leak=np.concatenate([s.leak for s in systems]),
        activation=acts.pop(),
        state=np.concatenate([s.state for s in systems]),
    )


def split_systems(stacked: RateSystem, systems: list[RateSystem]) -> None:
    """Copy the recurrent weights and states of ``stacked`` back into ``systems`` (in place)."""
    nnz = row = 0
    for s in systems:
        s.weights.data[:] = stacked.weights.data[nnz:nnz + s.weights.nnz]
        s.state = stacked.state[row:row + s.size].copy()
        nnz += s.weights.nnz
        row += s.size
