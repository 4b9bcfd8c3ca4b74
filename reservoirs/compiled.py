"""ctypes bindings of the compiled time loops in ``_rate_kernel.c``.

:mod:`reservoirs.dynamics` calls :func:`run_rate` and :func:`run_shared` when
:func:`kernel` returns a library (built on first use by :mod:`workbench.native`), and its
numpy path otherwise. Both compute the update of ``dynamics`` with the sign and gain of the
activation already folded into the weights and the drive; the sums of each row start from
the drive and run in the stored order of the CSR row, as scipy's kernels do, so the two paths
agree to rounding (exp and fused multiply-adds).
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from workbench import native

__all__ = ["LANES", "SellLayout", "kernel", "run_pattern", "run_rate", "run_shared"]

_SOURCE = Path(__file__).with_name("_rate_kernel.c")
_P, _I, _INT = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int
_SIGNATURES = {
    "rate_run": (None, [_I, _I, _I, _P, _P, _P, _I, _P, _P, _P, _P, _INT, _P, _P, _P,
                        _P, _P, _I, _P]),
    "shared_run": (None, [_I, _I, _I, _I, _I, _P, _P, _P, _P, _I, _P, _P, _P, _P, _INT, _P, _P,
                          _I, _I, _P, _P, _P, _P, _P, _P]),
    "pattern_run": (None, [_I, _I, _I, _I, _P, _P, _P, _I, _P, _P, _P, _P, _P, _INT, _P, _P,
                           _I, _I, _P, _P, _P, _P, _I, _P, _P, ctypes.c_double, _P]),
}
_ACTIVATION = {"sigmoid": 0, "tanh": 1}

#: Rows per chunk of the SELL layout (and width of a batch tile).
LANES = 8


def kernel(extra_flags: tuple[str, ...] = ()) -> ctypes.CDLL | None:
    """The compiled kernels, or ``None`` (disabled, or no working C compiler)."""
    return native.load(_SOURCE, _SIGNATURES, extra_flags=extra_flags)


def _ptr(a: np.ndarray, dtype) -> int:
    """Address of ``a``'s data after checking dtype and C-contiguity (ctypes checks nothing)."""
    if a.dtype != dtype or not a.flags.c_contiguous:
        raise TypeError(f"kernel argument must be a C-contiguous {np.dtype(dtype)} array, "
                        f"got {a.dtype} with strides {a.strides}")
    return a.ctypes.data


class SellLayout:
    """Sliced-ELLPACK pattern of a CSR matrix: 8 rows per chunk, their entries interleaved.

    Slot ``j`` of chunk ``c`` (rows ``8c .. 8c+7``) holds the ``j``-th entry of each of its
    rows at ``off[c] + 8 j + lane``; shorter rows are padded with weight 0 (column 0). With
    every row of a chunk in its own vector lane, one step gathers 8 inputs per instruction.

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix, shape (m, m)
        Gives the pattern (``indptr``, ``indices``); values come later (:meth:`values`).
    """

    def __init__(self, matrix: sp.csr_matrix):
        m = matrix.shape[0]
        lengths = np.diff(matrix.indptr)
        n_chunks = -(-m // LANES)
        padded = np.zeros(n_chunks * LANES, dtype=np.int64)
        padded[:m] = lengths
        width = padded.reshape(n_chunks, LANES).max(axis=1)
        self.off = np.zeros(n_chunks + 1, dtype=np.int64)
        np.cumsum(width * LANES, out=self.off[1:])
        rows = np.repeat(np.arange(m), lengths)
        slot = np.arange(matrix.nnz) - np.repeat(matrix.indptr[:-1], lengths)
        self._dest = self.off[rows // LANES] + slot * LANES + rows % LANES
        self.indices = np.zeros(self.off[-1], dtype=np.int32)
        self.indices[self._dest] = matrix.indices
        self._pattern = (matrix.shape, matrix.indptr.copy(), matrix.indices.copy())

    def matches(self, matrix: sp.csr_matrix) -> bool:
        """Whether ``matrix`` has exactly the pattern this layout was built from."""
        shape, indptr, indices = self._pattern
        return (matrix.shape == shape and np.array_equal(matrix.indptr, indptr)
                and np.array_equal(matrix.indices, indices))

    @classmethod
    def reuse(cls, cached: SellLayout | None, matrix: sp.csr_matrix) -> SellLayout:
        """``cached`` when it still matches ``matrix``, else a new layout."""
        return cached if cached is not None and cached.matches(matrix) else cls(matrix)

    def values(self, data: np.ndarray) -> np.ndarray:
        """``data`` (in the CSR entry order) placed into the layout."""
        out = np.zeros(self.off[-1])
        out[self._dest] = data
        return out


def run_rate(lib, layout, data, u, input_weights, bias, leak, activation, state, out=None,
             lowrank=None):
    """Advance one network ``u.shape[0]`` steps (``rate_run`` in the C source).

    Parameters
    ----------
    lib : ctypes.CDLL
        From :func:`kernel`.
    layout : SellLayout
        Pattern of ``W`` (m x m).
    data : ndarray, shape (nnz,)
        ``s c W`` in the CSR entry order (sign and gain folded into each row).
    u : ndarray, shape (L, d)
        Input.
    input_weights : ndarray, shape (m, d)
        Folded ``s c W^in``.
    bias : ndarray, shape (m,)
        Folded ``-s c theta``.
    leak : ndarray, shape (m,), or None
        Leak rates ``a`` (None: no leak).
    activation : {"sigmoid", "tanh"}
    state : ndarray, shape (m,)
        ``r(t)``; overwritten with the final state.
    out : ndarray, shape (L, m), optional
        Receives ``r(t+1)`` row by row; None discards the states.
    lowrank : (ndarray, ndarray, int), optional
        ``(p, q, group)``: folded ``s c p`` and ``q`` of shape ``(m,)``; every block of
        ``group`` neurons gets ``x_G += p_G (q_G . r_G)`` (one rank-one term per network of
        a stack).
    """
    m = state.shape[0]
    p = q = dots = None
    group = 1
    if lowrank is not None:
        p, q, group = np.ascontiguousarray(lowrank[0]), np.ascontiguousarray(lowrank[1]), \
            int(lowrank[2])
        dots = np.empty(m // group)
    values = layout.values(data)
    u, input_weights = np.ascontiguousarray(u), np.ascontiguousarray(input_weights)
    work = np.empty(2 * m) if out is None else None
    lib.rate_run(m, layout.off.size - 1, u.shape[0], _ptr(layout.off, np.int64),
                 _ptr(layout.indices, np.int32), _ptr(values, np.float64), u.shape[1],
                 _ptr(u, np.float64), _ptr(input_weights, np.float64), _ptr(bias, np.float64),
                 None if leak is None else _ptr(leak, np.float64), _ACTIVATION[activation],
                 _ptr(state, np.float64), None if out is None else _ptr(out, np.float64),
                 None if work is None else _ptr(work, np.float64),
                 None if p is None else _ptr(p, np.float64),
                 None if q is None else _ptr(q, np.float64), group,
                 None if dots is None else _ptr(dots, np.float64))


def run_shared(lib, parts, data, scales, u, input_weights, bias, leak, activation, state,
               out=None, lowrank=None):
    """Advance a batch of networks sharing ``[M_1 ... M_K]`` (``shared_run`` in the C source).

    Parameters
    ----------
    lib : ctypes.CDLL
    parts : scipy.sparse.csr_matrix, shape (n, K n)
        Pattern of the shared matrices side by side.
    data : ndarray, shape (nnz,)
        Values with the sign and gain folded into each row.
    scales : ndarray, shape (K, B)
    u, input_weights, bias, leak, activation
        As in :func:`run_rate` (the input is common to the batch).
    state : ndarray, shape (n, B)
        Column ``b`` = ``r_b(t)``.
    out : ndarray, shape (B, L, n), optional
        Receives ``r_b(t+1)`` (any strides whose last one is one element).
    lowrank : (ndarray, ndarray, ndarray), optional
        ``(p, q, s)``: folded ``s c p`` and ``q`` of shape ``(n,)``, ``s`` of shape ``(B,)``;
        network ``b`` gets ``W_b += s_b p q^T``.

    Returns
    -------
    ndarray, shape (n, B)
        The final states.
    """
    n, bsz = state.shape
    padded = -(-bsz // LANES) * LANES       # the kernel works on whole 8-wide tiles
    scales_p = np.zeros((scales.shape[0], padded))
    scales_p[:, :bsz] = scales
    state_p = np.zeros((n, padded))
    state_p[:, :bsz] = state
    indptr = np.ascontiguousarray(parts.indptr, dtype=np.int32)
    indices = np.ascontiguousarray(parts.indices, dtype=np.int32)
    u, input_weights = np.ascontiguousarray(u), np.ascontiguousarray(input_weights)
    z = np.empty(scales.shape[0] * n * padded)
    y = np.empty(n * padded)
    p = q = s_p = None
    if lowrank is not None:
        p, q = np.ascontiguousarray(lowrank[0]), np.ascontiguousarray(lowrank[1])
        s_p = np.zeros(padded)
        s_p[:bsz] = lowrank[2]
    dots = np.empty(padded)
    sb = st = 0
    if out is not None:
        if out.dtype != np.float64 or out.strides[2] != out.itemsize:
            raise TypeError("out must be float64 with unit stride along neurons")
        sb, st = out.strides[0] // out.itemsize, out.strides[1] // out.itemsize
    lib.shared_run(n, scales.shape[0], padded, bsz, u.shape[0], _ptr(indptr, np.int32),
                   _ptr(indices, np.int32), _ptr(np.ascontiguousarray(data), np.float64),
                   _ptr(scales_p, np.float64), u.shape[1], _ptr(u, np.float64),
                   _ptr(input_weights, np.float64), _ptr(bias, np.float64),
                   None if leak is None else _ptr(leak, np.float64), _ACTIVATION[activation],
                   _ptr(state_p, np.float64), None if out is None else out.ctypes.data, sb, st,
                   _ptr(z, np.float64), _ptr(y, np.float64),
                   None if p is None else _ptr(p, np.float64),
                   None if q is None else _ptr(q, np.float64),
                   None if s_p is None else _ptr(s_p, np.float64), _ptr(dots, np.float64))
    return state_p[:, :bsz].copy()


def _padded(a: np.ndarray, width: int) -> np.ndarray:
    """``a`` (rows x B) with zero columns appended up to ``width`` (C-contiguous float64);
    ``a`` itself when it already is (a batch of whole 8-wide tiles: no copy per call)."""
    if a.shape[1] == width and a.dtype == np.float64 and a.flags.c_contiguous:
        return a
    out = np.zeros((a.shape[0], width))
    out[:, :a.shape[1]] = a
    return out


def run_pattern(lib, matrix, data, u, input_weights, threshold, fold, leak, activation, state,
                out=None, lowrank=None, rule=None):
    """Advance ``B`` networks of one sparsity pattern (``pattern_run`` in the C source).

    Parameters
    ----------
    lib : ctypes.CDLL
    matrix : scipy.sparse.csr_matrix, shape (n, n)
        The common pattern (its values are not used).
    data : ndarray, shape (nnz, B)
        Unfolded values ``W_b`` of every link (column ``b`` in the CSR entry order); with a
        ``rule`` they are changed by it, and the adapted values are written back.
    u : ndarray, shape (L, d)
    input_weights : ndarray, shape (n, d)
        ``W^in`` (unfolded, shared).
    threshold : ndarray, shape (n,)
    fold : ndarray, shape (n,)
        ``s c_i``: the sign of the activation times the gain of each neuron.
    leak, activation
        As in :func:`run_rate`.
    state : ndarray, shape (n, B)
    out : ndarray, shape (B, L, n), optional
        Receives ``r_b(t+1)`` (unit stride along neurons).
    lowrank : (ndarray, ndarray), optional
        ``(P, Q)`` of shape ``(n, B)``: network ``b`` gets ``W_b + P[:, b] Q[:, b]^T``.
    rule : (ndarray, ndarray, float, ndarray), optional
        ``(links, rows, delta, targets)``: after every step each inhibitory link ``links[k]``
        (int64 entry positions) into neuron ``rows[k]`` becomes
        ``min(W - delta (r_i - targets[i, b]), 0)``; ``targets`` has shape ``(n, B)``.

    Returns
    -------
    ndarray, shape (n, B)
        The final states.
    """
    n, bsz = state.shape
    padded = -(-bsz // LANES) * LANES
    state_p = np.zeros((n, padded))         # the kernel updates it in place: never ``state``
    state_p[:, :bsz] = state
    values = _padded(data, padded)          # ``data`` itself for whole tiles (the rule then
                                            # changes it in place)
    indptr = np.ascontiguousarray(matrix.indptr, dtype=np.int32)
    indices = np.ascontiguousarray(matrix.indices, dtype=np.int32)
    u, input_weights = np.ascontiguousarray(u), np.ascontiguousarray(input_weights)
    bias = np.ascontiguousarray(-threshold, dtype=np.float64)
    y = np.empty(n * padded)
    dots = np.empty(padded)
    p = q = None
    if lowrank is not None:
        p, q = _padded(lowrank[0], padded), _padded(lowrank[1], padded)
    links = rows = targets = None
    n_links, delta = 0, 0.0
    if rule is not None:
        links = np.ascontiguousarray(rule[0], dtype=np.int64)
        rows = np.ascontiguousarray(rule[1], dtype=np.int32)
        n_links, delta = links.size, float(rule[2])
        targets = _padded(rule[3], padded)
    sb = st = 0
    if out is not None:
        if out.dtype != np.float64 or out.strides[2] != out.itemsize:
            raise TypeError("out must be float64 with unit stride along neurons")
        sb, st = out.strides[0] // out.itemsize, out.strides[1] // out.itemsize
    lib.pattern_run(n, padded, bsz, u.shape[0], _ptr(indptr, np.int32), _ptr(indices, np.int32),
                    _ptr(values, np.float64), u.shape[1], _ptr(u, np.float64),
                    _ptr(input_weights, np.float64), _ptr(bias, np.float64),
                    _ptr(np.ascontiguousarray(fold, dtype=np.float64), np.float64),
                    None if leak is None else _ptr(leak, np.float64), _ACTIVATION[activation],
                    _ptr(state_p, np.float64), None if out is None else out.ctypes.data, sb, st,
                    _ptr(y, np.float64), None if p is None else _ptr(p, np.float64),
                    None if q is None else _ptr(q, np.float64), _ptr(dots, np.float64),
                    n_links, None if links is None else _ptr(links, np.int64),
                    None if rows is None else _ptr(rows, np.int32), delta,
                    None if targets is None else _ptr(targets, np.float64))
    if rule is not None and values is not data:
        data[...] = values[:, :bsz]
    return state_p[:, :bsz].copy()
