"""Symbolic dynamics of an AL-RNN: linear subregions, their graph, fixed points and cycles.

The ``P`` ReLU units cut latent space into at most :math:`2^P` convex subregions; in region
:math:`\\Omega` (sign pattern of the ReLU units) the AL-RNN is the affine map

.. math:: z \\mapsto W_\\Omega z + h,\\qquad W_\\Omega = \\mathrm{diag}(A) + W D_\\Omega,\\quad
          D_\\Omega = \\mathrm{diag}(1_{M-P}, \\Omega)

(``docs/alrnn.md`` §1.1, §5). A trajectory becomes a symbol sequence (its region at
every step, §5.1); fixed points :math:`z^*_\\Omega = (I - W_\\Omega)^{-1} h` and k-cycles are
solved per region word and are *real* when they lie in the regions that define them,
*virtual* otherwise (§5.2, ``calc_FP`` in the authors' ``evaluate.jl``; cycle search after
SCYFI, Eisenmann et al. 2023).

Region codes are integers: bit ``j`` (most significant first) is unit ``M-P+1+j`` being
positive, so ``region_label(code, P)`` reads like the sign pattern, e.g. ``"10"``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from workbench.validation import check_array, check_int, check_probability, check_seed

from .model import ALRNN

__all__ = [
    "Cycle",
    "FixedPoint",
    "SymbolicAnalysis",
    "analyze",
    "find_cycles",
    "fixed_point",
    "fixed_points",
    "region_bits",
    "region_label",
    "region_matrix",
    "region_occupancy",
    "symbol_sequence",
    "transition_graph",
    "transition_matrix",
]


# -- symbols -------------------------------------------------------------------------------
def region_bits(code, P):
    """Sign pattern :math:`\\Omega \\in \\{0,1\\}^P` of region ``code`` (most significant first)."""
    P = check_int(P, "P", 0, None)
    code = check_int(code, "code", 0, 2 ** P - 1)
    return np.array([(code >> (P - 1 - j)) & 1 for j in range(P)], dtype=bool)


def region_label(code, P):
    """Region ``code`` as a bit string, e.g. ``"10"`` (``""`` for ``P = 0``)."""
    return "".join("1" if b else "0" for b in region_bits(code, P))


def _codes_from_bits(bits):
    P = bits.shape[-1]
    weights = (1 << np.arange(P - 1, -1, -1)).astype(np.int64)
    return bits.astype(np.int64) @ weights if P else np.zeros(bits.shape[:-1], np.int64)


def symbol_sequence(model: ALRNN, Z):
    """Region code of every state of a latent trajectory (``docs/alrnn.md`` §5.1).

    Parameters
    ----------
    model : ALRNN
    Z : array (T, M)
        Latent trajectory.

    Returns
    -------
    numpy.ndarray (T,) int64
        :math:`\\sum_j \\mathbb 1[z_{M-P+j} > 0]\\, 2^{P-j}` (``j = 1..P``).
    """
    Z = check_array(Z, "Z", ndim=2, shape=(None, model.M), finite=False)
    return _codes_from_bits(model.region(Z))


def region_occupancy(codes):
    """Regions visited by a symbol sequence, most visited first.

    Parameters
    ----------
    codes : array of int (T,)

    Returns
    -------
    regions : numpy.ndarray of int
        Region codes ordered by decreasing frequency (rank 0 = most visited, the authors'
        relabelling by frequency).
    fractions : numpy.ndarray of float
        Fraction of time steps spent in each region.
    """
    codes = check_array(codes, "codes", ndim=1, dtype=np.int64, min_length=1)
    regions, counts = np.unique(codes, return_counts=True)
    order = np.lexsort((regions, -counts))
    return regions[order], counts[order] / len(codes)


def transition_matrix(codes, regions=None):
    """Row-normalised transition probabilities between regions (``docs/alrnn.md`` §5.1).

    :math:`T_{ij} = \\#\\{t: \\Omega_t = r_i, \\Omega_{t+1} = r_j\\} / \\#\\{t: \\Omega_t = r_i\\}`
    (rows without outgoing transition stay zero).

    Parameters
    ----------
    codes : array of int (T,)
    regions : array of int, optional
        Row/column order; default :func:`region_occupancy` order.

    Returns
    -------
    numpy.ndarray (K, K)
    """
    codes = check_array(codes, "codes", ndim=1, dtype=np.int64, min_length=2)
    if regions is None:
        regions, _ = region_occupancy(codes)
    regions = np.asarray(regions, np.int64)
    idx = _rank_codes(codes, regions)
    counts = np.zeros((len(regions), len(regions)))
    np.add.at(counts, (idx[:-1], idx[1:]), 1)
    rows = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)


def _rank_codes(codes, regions):
    """Position of each code in ``regions`` (ValueError when a code is missing)."""
    uniq, inverse = np.unique(codes, return_inverse=True)
    position = {int(r): i for i, r in enumerate(regions)}
    missing = sorted(int(u) for u in uniq if int(u) not in position)
    if missing:
        raise ValueError(f"regions must contain every code of the sequence; missing {missing}")
    return np.array([position[int(u)] for u in uniq], dtype=np.int64)[inverse]


def transition_graph(codes, P):
    """Symbolic transition graph as a :class:`networkx.DiGraph` (``docs/alrnn.md`` §5.1).

    Nodes are the visited region codes with attributes ``label`` (bit string), ``rank``
    (0 = most visited) and ``occupancy``; an edge ``i -> j`` exists when the transition was
    observed, with ``weight`` = transition probability :math:`T_{ij}` and ``count``.
    """
    codes = check_array(codes, "codes", ndim=1, dtype=np.int64, min_length=2)
    regions, fractions = region_occupancy(codes)
    T = transition_matrix(codes, regions)
    n_from = np.array([np.sum(codes[:-1] == r) for r in regions])
    g = nx.DiGraph()
    for rank, (r, f) in enumerate(zip(regions, fractions)):
        g.add_node(int(r), label=region_label(int(r), P), rank=rank, occupancy=float(f))
    for i, j in zip(*np.nonzero(T)):
        g.add_edge(int(regions[i]), int(regions[j]), weight=float(T[i, j]),
                   count=int(round(T[i, j] * n_from[i])))
    return g


# -- fixed points and cycles ---------------------------------------------------------------
def region_matrix(model: ALRNN, code):
    """:math:`W_\\Omega = \\mathrm{diag}(A) + W D_\\Omega` of region ``code`` (float64)."""
    code = check_int(code, "code", 0, 2 ** model.P - 1)
    p = model.to_arrays()
    d = np.ones(model.M)
    d[model.M - model.P:] = region_bits(code, model.P)
    return np.diag(p["A"].astype(np.float64)) + p["W"].astype(np.float64) * d[None, :]


@dataclass
class FixedPoint:
    """Fixed point of the affine map of one region.

    Attributes
    ----------
    region : int
        Region code :math:`\\Omega`.
    z : numpy.ndarray (M,)
        :math:`z^*_\\Omega = (I - W_\\Omega)^{-1} h` (NaN when :math:`I - W_\\Omega` is singular).
    eigenvalues : numpy.ndarray (M,) complex
        Eigenvalues of :math:`W_\\Omega` (the Jacobian in the region).
    spectral_radius : float
    stable : bool
        :math:`\\rho(W_\\Omega) < 1`.
    real : bool
        :math:`z^*` lies in its own region (otherwise it is virtual).
    """

    region: int
    z: np.ndarray
    eigenvalues: np.ndarray
    spectral_radius: float
    stable: bool
    real: bool

    @property
    def kind(self):
        """``"real"`` or ``"virtual"``."""
        return "real" if self.real else "virtual"


@dataclass
class Cycle:
    """A k-cycle :math:`z_1 \\to \\dots \\to z_k \\to z_1` of the AL-RNN.

    Attributes
    ----------
    word : tuple of int
        Region code of each point (canonical rotation).
    points : numpy.ndarray (k, M)
    eigenvalues : numpy.ndarray (M,)
        Eigenvalues of the monodromy matrix :math:`W_{\\Omega_k}\\cdots W_{\\Omega_1}`.
    spectral_radius : float
    stable : bool
    """

    word: tuple
    points: np.ndarray
    eigenvalues: np.ndarray
    spectral_radius: float
    stable: bool

    @property
    def period(self):
        """Length k of the cycle."""
        return len(self.word)


def _code_of(model, z):
    return int(_codes_from_bits(model.region(z)))


def fixed_point(model: ALRNN, code):
    """Fixed point of region ``code``: :math:`z^* = (I - \\mathrm{diag}(A) - W D_\\Omega)^{-1} h`.

    Parameters
    ----------
    model : ALRNN
    code : int in [0, 2**P - 1]

    Returns
    -------
    FixedPoint
        With the eigenvalues of :math:`W_\\Omega`, stability :math:`\\rho(W_\\Omega) < 1` and
        whether :math:`z^*` is real (sign pattern of its ReLU units equals :math:`\\Omega`)
        (``docs/alrnn.md`` §5.2, ``calc_FP``).
    """
    Wo = region_matrix(model, code)
    h = model.to_arrays()["h"].astype(np.float64)
    try:
        z = np.linalg.solve(np.eye(model.M) - Wo, h)
        real = _code_of(model, z) == int(code)
    except np.linalg.LinAlgError:
        z, real = np.full(model.M, np.nan), False
    eig = np.linalg.eigvals(Wo)
    rho = float(np.max(np.abs(eig)))
    return FixedPoint(int(code), z, eig, rho, rho < 1, bool(real))


def fixed_points(model: ALRNN, regions=None):
    """:func:`fixed_point` of each region in ``regions`` (default all :math:`2^P`, P <= 12)."""
    if regions is None:
        if model.P > 12:
            raise ValueError(f"regions must be given when P > 12 (2**P regions), got P={model.P}")
        regions = range(2 ** model.P)
    return [fixed_point(model, int(r)) for r in regions]


def _canonical(word):
    k = len(word)
    return min(tuple(word[i:] + word[:i]) for i in range(k))


def _is_primitive(word):
    k = len(word)
    return all(tuple(word[:d]) * (k // d) != tuple(word) for d in range(1, k) if k % d == 0)


def _solve_word(mats, h, word):
    """Candidate cycle of a region word: :math:`z_1 = (I - \\Pi)^{-1} c`, then the orbit."""
    M = len(h)
    prod, c = np.eye(M), np.zeros(M)
    for r in word:
        prod, c = mats[r] @ prod, mats[r] @ c + h
    try:
        z = np.linalg.solve(np.eye(M) - prod, c)
    except np.linalg.LinAlgError:
        return None, prod
    points = [z]
    for r in word[:-1]:
        points.append(mats[r] @ points[-1] + h)
    return np.array(points), prod


def find_cycles(model: ALRNN, k, regions=None, *, max_words=2000, n_starts=200, max_iter=20,
                seed=0):
    """Real k-cycles of the AL-RNN (SCYFI-style search, ``docs/alrnn.md`` §5.2).

    For a region word :math:`(\\Omega_1,\\dots,\\Omega_k)` the candidate cycle solves
    :math:`z_1 = W_{\\Omega_k}\\cdots W_{\\Omega_1} z_1 + c`,
    :math:`c = \\sum_{j} W_{\\Omega_k}\\cdots W_{\\Omega_{j+1}} h`; it is a real cycle when every
    :math:`z_j` lies in :math:`\\Omega_j`. All primitive words over ``regions`` are tried when
    there are at most ``max_words`` of them; otherwise, as in SCYFI, ``n_starts`` random words
    are refined by replacing the word with the regions its candidate actually visits, up to
    ``max_iter`` times.

    Parameters
    ----------
    model : ALRNN
    k : int in [1, 50]
        Period.
    regions : sequence of int, optional
        Region codes the words are built from (default all :math:`2^P`, P <= 12).
    max_words : int
        Exhaustive enumeration limit.
    n_starts, max_iter : int
        Heuristic search budget.
    seed : int
        Seed of the random initial words.

    Returns
    -------
    list of Cycle
        Distinct real cycles of minimal period ``k``.
    """
    k = check_int(k, "k", 1, 50)
    check_int(max_words, "max_words", 1, None)
    check_int(n_starts, "n_starts", 1, None)
    check_int(max_iter, "max_iter", 1, None)
    if regions is None:
        if model.P > 12:
            raise ValueError(f"regions must be given when P > 12, got P={model.P}")
        regions = list(range(2 ** model.P))
    regions = sorted({check_int(r, "regions", 0, 2 ** model.P - 1) for r in regions})
    rng = check_seed(seed)
    h = model.to_arrays()["h"].astype(np.float64)
    mats = {}

    def mat(r):
        if r not in mats:
            mats[r] = region_matrix(model, r)
        return mats[r]

    found = {}

    def try_word(word):
        for r in word:
            mat(r)
        points, prod = _solve_word(mats, h, word)
        if points is None or not np.all(np.isfinite(points)):
            return None
        visited = tuple(_code_of(model, p) for p in points)
        if visited == tuple(word) and _is_primitive(word):
            key = _canonical(list(word))
            if key not in found:
                shift = next(i for i in range(k) if tuple(word[i:] + word[:i]) == key)
                eig = np.linalg.eigvals(prod)
                rho = float(np.max(np.abs(eig)))
                found[key] = Cycle(key, np.roll(points, -shift, axis=0), eig, rho, rho < 1)
        return visited

    if len(regions) ** k <= max_words:
        for word in itertools.product(regions, repeat=k):
            if _is_primitive(word) and _canonical(list(word)) == word:
                try_word(word)
    else:
        for _ in range(n_starts):
            word = tuple(int(r) for r in rng.choice(regions, size=k))
            for _ in range(max_iter):
                visited = try_word(word)
                if visited is None or visited == word:
                    break
                word = visited
    return [found[key] for key in sorted(found)]


# -- everything at once --------------------------------------------------------------------
@dataclass
class SymbolicAnalysis:
    """Result of :func:`analyze`.

    Attributes
    ----------
    P : int
        Number of ReLU units of the model.
    codes : numpy.ndarray (T,)
        Region code of each state of the trajectory.
    ranks : numpy.ndarray (T,)
        Codes relabelled by frequency (0 = most visited region).
    regions : numpy.ndarray (K,)
        Visited region codes, most visited first.
    labels : list of str
        Bit strings of ``regions``.
    occupancy : numpy.ndarray (K,)
        Fraction of time steps in each region.
    transitions : numpy.ndarray (K, K)
        Row-normalised transition matrix in ``regions`` order.
    graph : networkx.DiGraph
        :func:`transition_graph`.
    fixed_points : list of FixedPoint
        One per visited region, in ``regions`` order.
    cycles : dict of int -> list of Cycle
        Real k-cycles over the visited regions, for k = 2..max_period.
    topological_entropy : float
        :math:`\\log \\rho(\\mathrm{Adj})` of the 0/1 adjacency of the graph (``docs/alrnn.md`` §5.3).
    """

    P: int
    codes: np.ndarray
    ranks: np.ndarray
    regions: np.ndarray
    labels: list
    occupancy: np.ndarray
    transitions: np.ndarray
    graph: nx.DiGraph
    fixed_points: list
    cycles: dict = field(default_factory=dict)
    topological_entropy: float = 0.0

    @property
    def n_regions(self):
        """Number of visited regions."""
        return len(self.regions)

    def n_regions_covering(self, fraction=0.99):
        """Fewest most-visited regions that together hold at least ``fraction`` of the steps."""
        check_probability(fraction, "fraction")
        return int(np.searchsorted(np.cumsum(self.occupancy), fraction - 1e-12) + 1)

    def summary(self):
        """JSON-friendly dict of the main numbers."""
        return {
            "n_regions": int(self.n_regions),
            "n_regions_99": self.n_regions_covering(0.99),
            "regions": [str(x) for x in self.labels],
            "occupancy": [float(x) for x in self.occupancy],
            "fixed_points": [{"region": region_label(fp.region, self.P), "z": fp.z.tolist(),
                              "spectral_radius": fp.spectral_radius, "real": fp.real,
                              "stable": fp.stable} for fp in self.fixed_points],
            "n_cycles": {int(k): len(v) for k, v in self.cycles.items()},
            "topological_entropy": float(self.topological_entropy),
        }


def analyze(model: ALRNN, trajectory=None, *, x0=None, n_steps=100_000, max_period=3,
            max_words=2000):
    """Symbolic analysis of an AL-RNN along one trajectory (``docs/alrnn.md`` §5).

    Parameters
    ----------
    model : ALRNN
    trajectory : array (T, M), optional
        Latent trajectory; default a free run of ``n_steps`` from ``x0``.
    x0 : array (N,), optional
        Start observation of the free run (required when ``trajectory`` is None).
    n_steps : int
        Length of the free run (>= 2).
    max_period : int in [1, 10]
        Cycles of period 2..max_period are searched (1 = fixed points only).
    max_words : int
        Exhaustive-search limit of :func:`find_cycles`.

    Returns
    -------
    SymbolicAnalysis
    """
    max_period = check_int(max_period, "max_period", 1, 10)
    if trajectory is None:
        if x0 is None:
            raise ValueError("x0 must be given (shape (N,)) when trajectory is None")
        trajectory, _ = model.generate(x0, check_int(n_steps, "n_steps", 2, None))
    Z = check_array(trajectory, "trajectory", ndim=2, shape=(None, model.M), min_length=2)
    codes = symbol_sequence(model, Z)
    regions, occupancy = region_occupancy(codes)
    T = transition_matrix(codes, regions)
    adj = (T > 0).astype(float)
    entropy = float(np.log(max(np.max(np.abs(np.linalg.eigvals(adj))), 1e-300))) if len(adj) else 0.0
    cycles = {k: find_cycles(model, k, regions, max_words=max_words) for k in range(2, max_period + 1)}
    return SymbolicAnalysis(
        P=model.P,
        codes=codes,
        ranks=_rank_codes(codes, regions),
        regions=regions,
        labels=[region_label(int(r), model.P) for r in regions],
        occupancy=occupancy,
        transitions=T,
        graph=transition_graph(codes, model.P),
        fixed_points=[fixed_point(model, int(r)) for r in regions],
        cycles=cycles,
        topological_entropy=max(entropy, 0.0),
    )
