import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit

from reservoirs import EIReservoir


def small(**kw):
    kw = {"n_neurons": 100, "in_degree": 20, "seed": 0, **kw}
    return EIReservoir(**kw)


def reference_run(res, u, r0):
    """Dense, step-by-step implementation of research note Eq. 1 with leak."""
    W = res.excitatory.toarray() - res.inhibitory.toarray()
    a, c, theta = res.leak_rate, res.gain, res.threshold
    r, out = r0.copy(), []
    for t in range(u.shape[0]):
        r = (1 - a) * r + a * expit(c * (W @ r + res.input_weights @ u[t] - theta))
        out.append(r)
    return np.array(out)


def test_dale_law_degree_and_balanced_means():
    res = EIReservoir(400, in_degree=50, seed=1)
    types = res.cell_types
    assert types.mean() == pytest.approx(0.8)
    W = res.weights
    assert np.all(np.diff(W.indptr) == 50)
    cols = W.tocoo()
    assert np.all(cols.data[types[cols.col]] > 0)
    assert np.all(cols.data[~types[cols.col]] < 0)
    mu_e = res.excitatory.data.mean()
    mu_i = res.inhibitory.data.mean()
    assert mu_e == pytest.approx(1.0 / (50 * 0.8), rel=0.05)
    assert mu_i / mu_e == pytest.approx(4.0, rel=0.05)
    # balanced: mean total E in-strength equals mean total I in-strength (= J = 1)
    assert res.excitatory.sum(axis=1).mean() == pytest.approx(1.0, rel=0.05)
    assert res.inhibitory.sum(axis=1).mean() == pytest.approx(1.0, rel=0.05)


def test_balance_scales_inhibition_only():
    res = small()
    e0, i0 = res.excitatory.toarray(), res.inhibitory.toarray()
    res.balance = 1.5
    assert res.balance == 1.5
    np.testing.assert_allclose(res.excitatory.toarray(), e0)
    np.testing.assert_allclose(res.inhibitory.toarray(), 1.5 * i0)
    with pytest.raises(ValueError, match="balance"):
        res.balance = 0.0


def test_run_matches_reference_equation_with_leak():
    res = small(leak_rate=0.7, threshold=0.1, n_inputs=2)
    u = np.random.default_rng(0).uniform(-1, 1, (50, 2))
    states = res.run(u)
    np.testing.assert_allclose(states, reference_run(res, u, np.full(100, 0.5)), atol=1e-12)


def test_run_washout_chaining_reset_and_state():
    res = small()
    u = np.random.default_rng(0).uniform(-1, 1, (300, 1))
    full = res.run(u)
    res.reset()
    part1 = res.run(u[:120])
    part2 = res.run(u[120:])
    np.testing.assert_allclose(np.vstack([part1, part2]), full)
    res.reset()
    np.testing.assert_allclose(res.run(u[:, 0], washout=100), full[100:])
    explicit = res.run(u[120:], state=part1[-1])
    np.testing.assert_allclose(explicit, part2)
    np.testing.assert_allclose(res.state, full[-1])
    np.testing.assert_allclose(res.rates, part2.mean(axis=0))


def test_iter_run_streams_the_same_states():
    res = small()
    u = np.random.default_rng(0).uniform(-1, 1, (250, 1))
    full = res.run(u, washout=30)
    res.reset()
    blocks = list(res.iter_run(u, washout=30, chunk_size=64))
    assert max(b.shape[0] for b in blocks) <= 64
    np.testing.assert_allclose(np.vstack(blocks), full)
    np.testing.assert_allclose(res.rates, full.mean(axis=0))


@pytest.mark.parametrize("bad, match", [
    (np.ones((10, 2)), "u must have shape"),
    (np.array([[np.nan]] * 5), "finite"),
    (np.ones((0, 1)), "at least 1"),
])
def test_run_rejects_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        small().run(bad)


def test_run_rejects_bad_washout_and_state():
    res = small()
    with pytest.raises(ValueError, match="washout"):
        res.run(np.zeros(10), washout=10)
    with pytest.raises(ValueError, match="state"):
        res.run(np.zeros(10), state=np.zeros(3))


@pytest.mark.parametrize("kw, match", [
    ({"n_neurons": 5}, "n_neurons"), ({"in_degree": 100}, "in_degree"),
    ({"gain": -1}, "gain"), ({"leak_rate": 0}, "leak_rate"),
    ({"excitatory_fraction": 1.0}, "excitatory_fraction"),
    ({"topology": "ring"}, "topology"), ({"input_fraction": 0}, "input_fraction"),
])
def test_constructor_validates(kw, match):
    with pytest.raises(ValueError, match=match):
        small(**kw)


@pytest.mark.parametrize("topology", ["small_world", "scale_free"])
def test_other_topologies(topology):
    res = small(topology=topology)
    assert abs(res.weights.nnz / 100 - 20) < 3
    assert res.run(np.zeros(5)).shape == (5, 100)


def test_from_graph_uses_types_and_weights():
    g = nx.DiGraph()
    g.add_node("a", type="E")
    g.add_node("b", type="I")
    g.add_node("c", type="E")
    g.add_edge("a", "b", weight=0.3)
    g.add_edge("b", "a", weight=-0.7)   # negative on an I edge: read as magnitude
    g.add_edge("c", "a", weight=0.2)
    g.add_edge("b", "c", weight=0.4)
    res = EIReservoir.from_graph(g, input_weights=[[1.0], [0.0], [0.5]], balance=2.0)
    W = res.weights.toarray()
    expected = np.array([[0, -1.4, 0.2], [0.3, 0, 0], [0, -0.8, 0]])
    np.testing.assert_allclose(W, expected)
    np.testing.assert_array_equal(res.cell_types, [True, False, True])


def test_from_graph_validates():
    g = nx.DiGraph()
    g.add_node(0, type="E")
    g.add_node(1, type="X")
    g.add_edge(0, 1)
    with pytest.raises(ValueError, match="type"):
        EIReservoir.from_graph(g)
    g.nodes[1]["type"] = "I"
    g.add_edge(1, 0)
    g.edges[0, 1]["weight"] = -1.0
    with pytest.raises(ValueError, match="weight"):
        EIReservoir.from_graph(g)
    with pytest.raises(ValueError, match="DiGraph"):
        EIReservoir.from_graph(nx.Graph())


def test_from_matrices_checks_dale_law():
    ae = sp.csr_matrix(np.array([[0, 0.5], [0, 0]]))
    ai = sp.csr_matrix(np.array([[0, 0.0], [0.0, 0.0]]))
    res = EIReservoir.from_matrices(ae, ai, np.ones(2))
    assert res.n_neurons == 2 and res.n_inputs == 1
    ai_bad = sp.csr_matrix(np.array([[0, 0.0], [0.0, 0.2]]))
    with pytest.raises(ValueError, match="Dale"):
        EIReservoir.from_matrices(ae, ai_bad, np.ones(2))
    with pytest.raises(ValueError, match="inhibitory"):
        EIReservoir.from_matrices(ae, -ai_bad, np.ones(2))


def test_ei_input_ratio_tracks_balance():
    res = EIReservoir(300, in_degree=50, seed=3, balance=1.3)
    ratio = res.ei_input_ratio(np.full(300, 0.5))
    assert np.nanmean(ratio) == pytest.approx(1.3, rel=0.1)
    with pytest.raises(ValueError, match="rates"):
        EIReservoir(50, in_degree=10, seed=0).ei_input_ratio()


def _column_stats(w, types):
    inh = w[:, ~types]
    return inh.var(axis=0), inh.mean(axis=0)


def test_mean_shift_keeps_inhibitory_variance_and_moves_the_mean():
    base = dict(n_neurons=120, in_degree=20, gain=4.0, coupling=8.0, seed=4)
    ref = EIReservoir(**base, balance_mode="mean_shift")
    w1 = ref.dense_weights()
    types = ref.cell_types
    a_i = ref.inhibitory.toarray()
    m_i = a_i.sum() / 120                          # mean total inhibitory in-strength
    for beta in (0.6, 1.0, 1.5, 2.0):
        res = EIReservoir(**base, balance=beta, balance_mode="mean_shift")
        w = res.dense_weights()
        # every inhibitory column is shifted by one constant: its variance over rows is
        # exactly that of beta = 1 (the bulk of the spectrum is unchanged)
        np.testing.assert_allclose(_column_stats(w, types)[0], _column_stats(w1, types)[0],
                                   rtol=1e-12, atol=1e-18)
        kappa = -(beta - 1) * m_i / (~types).sum()
        assert res.mean_shift == pytest.approx(kappa)
        np.testing.assert_allclose(w[:, ~types] - w1[:, ~types], kappa, atol=1e-15)
        # neuron-averaged inhibitory drive at uniform rates is beta m_I r (as multiplicative)
        assert -w[:, ~types].sum(axis=1).mean() == pytest.approx(beta * m_i)
        np.testing.assert_array_equal(res.inhibitory.toarray(), a_i)    # links untouched
    # multiplicative: the inhibitory variance grows as beta^2
    mult = EIReservoir(**base, balance=2.0)
    np.testing.assert_allclose(_column_stats(mult.dense_weights(), types)[0],
                               4 * _column_stats(w1, types)[0], rtol=1e-12)
    # the setter moves the shift, and the run follows the dense equation
    ref.balance = 1.5
    assert ref.mean_shift == pytest.approx(-0.5 * m_i / (~types).sum())


def test_fixed_split_gives_exact_in_degrees():
    res = EIReservoir(100, in_degree=20, ei_split="fixed", seed=6)
    assert res.ei_split == "fixed"
    k_e = np.diff(res.excitatory.indptr)
    k_i = np.diff(res.inhibitory.indptr)
    assert np.all(k_e == 16) and np.all(k_i == 4)
    assert np.all(res.weights.diagonal() == 0)               # no self-links
    rnd = EIReservoir(100, in_degree=20, seed=6)
    assert np.diff(rnd.inhibitory.indptr).std() > 0          # random split: spread
    assert np.all(np.diff(rnd.weights.indptr) == 20)


@pytest.mark.parametrize("kw, match", [
    (dict(balance_mode="additive"), "balance_mode"),
    (dict(ei_split="half"), "ei_split"),
    (dict(ei_split="fixed", topology="small_world"), "topology"),
    (dict(coupling=4.0, strength=1.0), "coupling"),
    (dict(coupling=-1.0), "coupling"),
])
def test_model_choices_validate(kw, match):
    with pytest.raises(ValueError, match=match):
        EIReservoir(40, in_degree=8, seed=0, **kw)


def test_coupling_sets_strength():
    a = EIReservoir(60, in_degree=10, gain=4.0, coupling=8.0, seed=1)
    b = EIReservoir(60, in_degree=10, gain=4.0, strength=2.0, seed=1)
    np.testing.assert_array_equal(a.weights.toarray(), b.weights.toarray())


def test_mean_shift_adapts_and_one_step_balances():
    res = EIReservoir(80, in_degree=15, gain=4.0, coupling=8.0, balance=1.5,
                      balance_mode="mean_shift", seed=2)
    u = np.random.default_rng(0).uniform(-1, 1, (2000, 1))
    trace = res.adapt(u, 0.4, learning_rate=5e-3)
    assert trace.rate_error() < 0.05
    fresh = EIReservoir(80, in_degree=15, gain=4.0, coupling=8.0, balance=1.5,
                        balance_mode="mean_shift", seed=2)
    omega = fresh.balance_one_step(0.4)
    # the design equation holds exactly at r = rho (mean-field shift included)
    rho = np.full(80, 0.4)
    fixed = 1 / (1 + np.exp(-4.0 * (fresh.dense_weights() @ rho)))
    reached = (omega > 0) & (fresh.inhibitory_strength() > 0)
    assert reached.sum() > 60
    np.testing.assert_allclose(fixed[reached], 0.4, atol=1e-12)
