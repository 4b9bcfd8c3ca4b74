"""Builders for E/I connectivity: graph topology, Dale's-law weights, input links.

Follows the construction of Srinivasan, Plenz & Girvan 2025 as reconstructed in
``research/ei_reservoir.md`` §1.2 and §1.4: E:I neurons 4:1, fixed in-degree ``k``,
weights ``|N(mu, (cv mu)^2)|`` with ``mu_E = J/(k f_E)`` and ``mu_I = (f_E/f_I) mu_E``
(``= 4 mu_E`` at 4:1), so that the mean excitatory and inhibitory input cancel at ``beta = 1``.
Matrices are row = postsynaptic, column = presynaptic, stored as ``scipy.sparse`` CSR.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

from workbench.validation import (
    check_array,
    check_choice,
    check_int,
    check_positive,
    check_probability,
    check_range,
)

__all__ = [
    "TOPOLOGIES",
    "cell_types",
    "dale_matrices",
    "draw_magnitudes",
    "fixed_split_edges",
    "given_input_weights",
    "graph_edges",
    "graph_matrices",
    "input_matrix",
    "magnitude_matrices",
    "mean_weights",
]

#: Topologies accepted by :func:`graph_edges`.
TOPOLOGIES = ("random", "small_world", "scale_free")


def cell_types(n_neurons, excitatory_fraction, rng):
    """Random assignment of ``round(f_E n)`` excitatory neurons.

    Parameters
    ----------
    n_neurons : int
    excitatory_fraction : float
        ``f_E`` in (0, 1); 0.8 gives the paper's 4:1 ratio ([S] in the research note).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of bool, shape (n_neurons,)
        True for excitatory neurons.
    """
    n_exc = int(round(excitatory_fraction * n_neurons))
    if not 0 < n_exc < n_neurons:
        raise ValueError(f"excitatory_fraction must leave at least one E and one I neuron among "
                         f"{n_neurons}, got {excitatory_fraction}")
    types = np.zeros(n_neurons, dtype=bool)
    types[rng.permutation(n_neurons)[:n_exc]] = True
    return types


def _fixed_indegree_edges(n, k, rng):
    """``k`` distinct presynaptic partners per neuron, no self-links [A]."""
    pre = np.empty((n, k), dtype=np.int64)
    for i in range(n):
        choice = rng.choice(n - 1, size=k, replace=False)
        pre[i] = choice + (choice >= i)
    return pre.ravel(), np.repeat(np.arange(n, dtype=np.int64), k)


def fixed_split_edges(types, in_degree, rng):
    """Exactly ``k_E`` excitatory and ``k_I`` inhibitory presynaptic partners per neuron.

    Parameters
    ----------
    types : ndarray of bool, shape (n,)
        True for excitatory neurons.
    in_degree : int
        ``k``; split as ``k_E = round(f_E k)``, ``k_I = k - k_E`` with ``f_E`` the excitatory
        share of ``types``.
    rng : numpy.random.Generator

    Returns
    -------
    pre, post : ndarray of int
        ``k`` links into every neuron, no self-links, no duplicates.

    Notes
    -----
    With :func:`graph_edges` (``"random"``) each presynaptic partner is excitatory with
    probability ``f_E``, so the inhibitory in-degree is binomial, ``k_I ~ B(k, f_I)``: at
    ``k = 50``, ``f_I = 0.2`` its coefficient of variation is ``sqrt(f_E / (k f_I)) = 0.28``.
    Fixing the split removes this spread of the per-neuron E/I balance (an option of ours [A]:
    the paper's construction is not known in this detail).
    """
    types = np.asarray(types, dtype=bool)
    n = types.shape[0]
    k = check_int(in_degree, "in_degree", 1, n - 1)
    k_e = int(round(types.mean() * k))
    k_i = k - k_e
    exc, inh = np.flatnonzero(types), np.flatnonzero(~types)
    if k_e > exc.size - 1 or k_i > inh.size - 1:
        raise ValueError(f"in_degree {k} split as {k_e} E + {k_i} I needs more than "
                         f"{exc.size} excitatory and {inh.size} inhibitory neurons")
    pre = np.empty((n, k), dtype=np.int64)
    for i in range(n):
        pool_e = exc[exc != i] if types[i] else exc
        pool_i = inh if types[i] else inh[inh != i]
        pre[i, :k_e] = rng.choice(pool_e, size=k_e, replace=False)
        pre[i, k_e:] = rng.choice(pool_i, size=k_i, replace=False)
    return pre.ravel(), np.repeat(np.arange(n, dtype=np.int64), k)


def _undirected_edges(graph):
    """Both directions of every edge of an undirected networkx graph."""
    e = np.asarray(list(graph.edges()), dtype=np.int64).reshape(-1, 2)
    return np.concatenate([e[:, 0], e[:, 1]]), np.concatenate([e[:, 1], e[:, 0]])


def graph_edges(n_neurons, in_degree, topology="random", *, rewiring=0.1, rng=None):
    """Directed links ``pre -> post`` of the recurrent graph.

    Parameters
    ----------
    n_neurons : int
        Number of neurons, >= 2.
    in_degree : int
        ``k``: links into each neuron (mean in-degree for the non-random topologies),
        in [1, n_neurons - 1].
    topology : {"random", "small_world", "scale_free"}
        ``"random"``: exactly ``k`` distinct random presynaptic partners per neuron (the
        paper's fixed in-degree, [T]). ``"small_world"``: ``networkx.watts_strogatz_graph``
        with ``k`` neighbours and rewiring probability ``rewiring``, each undirected edge used in
        both directions. ``"scale_free"``: ``networkx.barabasi_albert_graph`` with ``m = k/2``,
        both directions. The last two are options of ours [A], not the paper's.
    rewiring : float
        Watts-Strogatz rewiring probability in [0, 1].
    rng : numpy.random.Generator

    Returns
    -------
    pre, post : ndarray of int
        Presynaptic and postsynaptic index of each link.
    """
    n = check_int(n_neurons, "n_neurons", 2)
    k = check_int(in_degree, "in_degree", 1, n - 1)
    check_choice(topology, "topology", TOPOLOGIES)
    check_probability(rewiring, "rewiring")
    rng = rng if rng is not None else np.random.default_rng()
    if topology == "random":
        return _fixed_indegree_edges(n, k, rng)
    seed = int(rng.integers(2**31))
    if topology == "small_world":
        k_even = max(2, 2 * (k // 2))
        return _undirected_edges(nx.watts_strogatz_graph(n, k_even, rewiring, seed=seed))
    m = max(1, min(k // 2, n - 1))
    return _undirected_edges(nx.barabasi_albert_graph(n, m, seed=seed))


def mean_weights(in_degree, excitatory_fraction, strength=1.0):
    """Mean link magnitudes ``(mu_E, mu_I)`` of the balanced construction.

    Parameters
    ----------
    in_degree : float
        ``k``.
    excitatory_fraction : float
        ``f_E``.
    strength : float
        ``J``, the total mean excitatory in-strength per neuron [A] (the research note exposes
        it as the recurrent-strength hyperparameter; [T] uses ``J = 1``).

    Returns
    -------
    (float, float)

    Notes
    -----
    ``mu_E = J / (k f_E)`` and ``mu_I = (f_E / f_I) mu_E`` ([T], research note §1.2), so
    ``k f_E mu_E = k f_I mu_I = J``: balanced at ``beta = 1``; 1:4 link strengths at 4:1 neurons.
    """
    f_e = excitatory_fraction
    mu_e = strength / (in_degree * f_e)
    return mu_e, mu_e * f_e / (1.0 - f_e)


def dale_matrices(pre, post, types, magnitudes):
    """Excitatory and inhibitory magnitude matrices ``A^E, A^I >= 0`` from typed links.

    Parameters
    ----------
    pre, post : ndarray of int
        Link endpoints (``pre -> post``).
    types : ndarray of bool
        True for excitatory neurons; a link's sign follows its presynaptic neuron (Dale's law).
    magnitudes : ndarray
        Non-negative link strengths.

    Returns
    -------
    A_E, A_I : scipy.sparse.csr_matrix
        Row = postsynaptic neuron, column = presynaptic; duplicate links are summed.
    """
    n = types.shape[0]
    exc = types[pre]

    def build(mask):
        m = sp.csr_matrix((magnitudes[mask], (post[mask], pre[mask])), shape=(n, n))
        m.sum_duplicates()
        m.sort_indices()
        return m

    return build(exc), build(~exc)


def draw_magnitudes(pre, types, in_degree, strength, weight_cv, rng):
    """Link magnitudes ``|N(mu, (cv mu)^2)|`` with ``mu`` by presynaptic type (issue 3 / [T])."""
    f_e = float(types.mean())
    mu_e, mu_i = mean_weights(in_degree, f_e, strength)
    mu = np.where(types[pre], mu_e, mu_i)
    return np.abs(rng.normal(mu, weight_cv * mu))


def input_matrix(n_neurons, n_inputs, input_fraction, input_scaling, rng):
    """Input weights: a fraction of neurons receive every input dimension.

    Parameters
    ----------
    n_neurons, n_inputs : int
    input_fraction : float
        ``f_in`` in (0, 1]: share of neurons that receive input ([T]: 0.3).
    input_scaling : float
        ``sigma_in`` >= 0; weights are ``U(-sigma_in/2, sigma_in/2)`` ([T], research note §1.4).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (n_neurons, n_inputs)
        Zero rows for the neurons without input.
    """
    check_range(input_fraction, "input_fraction", 0, 1, low_inclusive=False)
    check_positive(input_scaling, "input_scaling", strict=False)
    n_in = max(1, int(round(input_fraction * n_neurons)))
    win = np.zeros((n_neurons, n_inputs))
    rows = rng.permutation(n_neurons)[:n_in]
    win[rows] = rng.uniform(-input_scaling / 2, input_scaling / 2, size=(n_in, n_inputs))
    return win


def graph_matrices(graph, strength, weight_cv, rng):
    """Cell types and ``A^E, A^I`` from a typed :class:`networkx.DiGraph`.

    Parameters
    ----------
    graph : networkx.DiGraph
        Node attribute ``type`` = ``"E"`` or ``"I"`` on every node; edge ``u -> v`` means ``u``
        projects onto ``v``; optional edge attribute ``weight`` (a magnitude; a negative
        weight is accepted on an inhibitory neuron's edge and read as its magnitude).
    strength, weight_cv : float
        Magnitudes of edges without ``weight`` are drawn as :func:`draw_magnitudes`.
    rng : numpy.random.Generator

    Returns
    -------
    types : ndarray of bool, shape (n,)
        In ``list(graph.nodes)`` order.
    A_E, A_I : scipy.sparse.csr_matrix
    """
    if not isinstance(graph, nx.DiGraph):
        raise ValueError(f"graph must be a networkx.DiGraph, got {type(graph).__name__}")
    nodes = list(graph.nodes)
    n = len(nodes)
    if n < 2 or graph.number_of_edges() == 0:
        raise ValueError("graph must have at least 2 nodes and 1 edge")
    index = {node: i for i, node in enumerate(nodes)}
    kinds = [graph.nodes[v].get("type") for v in nodes]
    bad = [v for v, t in zip(nodes, kinds) if t not in ("E", "I")]
    if bad:
        raise ValueError(f"graph node attribute 'type' must be 'E' or 'I'; node {bad[0]!r} "
                         f"has {graph.nodes[bad[0]].get('type')!r}")
    types = np.array([t == "E" for t in kinds])
    edges = list(graph.edges(data="weight"))
    pre = np.array([index[a] for a, _, _ in edges], dtype=np.int64)
    post = np.array([index[b] for _, b, _ in edges], dtype=np.int64)
    given = np.array([np.nan if w is None else float(w) for _, _, w in edges])
    drawn = draw_magnitudes(pre, types, pre.shape[0] / n, strength, weight_cv, rng)
    magnitudes = np.where(np.isnan(given), drawn, given)
    neg = (magnitudes < 0) & types[pre]
    if np.any(neg) or not np.all(np.isfinite(magnitudes)):
        k = int(np.flatnonzero(neg | ~np.isfinite(magnitudes))[0])
        raise ValueError(f"edge weight must be a finite magnitude >= 0 on excitatory edges; "
                         f"edge {edges[k][0]!r}->{edges[k][1]!r} has {edges[k][2]!r}")
    magnitudes = np.abs(magnitudes)
    a_e, a_i = dale_matrices(pre, post, types, magnitudes)
    return types, a_e, a_i


def _check_magnitudes(matrix, name):
    m = sp.csr_matrix(matrix, dtype=float) if sp.issparse(matrix) else \
        sp.csr_matrix(check_array(matrix, name, ndim=2))
    if m.shape[0] != m.shape[1]:
        raise ValueError(f"{name} must be square, got {m.shape}")
    if m.nnz and (not np.all(np.isfinite(m.data)) or m.data.min() < 0):
        raise ValueError(f"{name} must hold finite magnitudes >= 0")
    return m


def magnitude_matrices(excitatory, inhibitory, cell_types=None):
    """Checked ``A^E, A^I`` and the cell types of user-given magnitude matrices.

    Parameters
    ----------
    excitatory, inhibitory : sparse matrix or array_like, shape (n, n)
        Non-negative magnitudes, row = postsynaptic neuron. Dale's law: a presynaptic neuron
        (column) may have links in only one of them.
    cell_types : array_like of bool, shape (n,), optional
        True for excitatory neurons; inferred from the columns when omitted (neurons with no
        outgoing links count as excitatory).

    Returns
    -------
    types : ndarray of bool, shape (n,)
    A_E, A_I : scipy.sparse.csr_matrix

    Raises
    ------
    ValueError
        Negative or non-finite magnitudes, mismatched shapes, a column in both matrices, or
        ``cell_types`` contradicting the links.
    """
    a_e = _check_magnitudes(excitatory, "excitatory")
    a_i = _check_magnitudes(inhibitory, "inhibitory")
    n = a_e.shape[0]
    if a_i.shape != (n, n):
        raise ValueError(f"inhibitory must have shape ({n}, {n}), got {a_i.shape}")
    has_e = np.diff(a_e.tocsc().indptr) > 0
    has_i = np.diff(a_i.tocsc().indptr) > 0
    if np.any(has_e & has_i):
        j = int(np.flatnonzero(has_e & has_i)[0])
        raise ValueError(f"Dale's law: neuron {j} has both excitatory and inhibitory outgoing "
                         "links (excitatory and inhibitory must use disjoint columns)")
    if cell_types is None:
        types = ~has_i
    else:
        types = check_array(cell_types, "cell_types", shape=(n,), dtype=bool)
        if np.any(has_e & ~types) or np.any(has_i & types):
            raise ValueError("cell_types contradicts the columns of excitatory/inhibitory")
    return types, a_e, a_i


def given_input_weights(input_weights, n_neurons):
    """A user-given ``W^in`` as an ``(n_neurons, d)`` array (a vector is one input column).

    Raises
    ------
    ValueError
        Not 1-D/2-D, not finite, or not ``n_neurons`` rows.
    """
    win = check_array(input_weights, "input_weights", ndim=(1, 2))
    win = win[:, None] if win.ndim == 1 else win
    if win.shape[0] != n_neurons:
        raise ValueError(f"input_weights must have {n_neurons} rows, got {win.shape}")
    return win
