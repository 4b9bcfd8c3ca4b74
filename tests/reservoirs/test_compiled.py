"""The compiled time loops (reservoirs/_rate_kernel.c) against the numpy path."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from reservoirs import EchoStateNetwork, EIReservoir, compiled, run_balances
from reservoirs.dynamics import _row_scaled

pytestmark = pytest.mark.skipif(compiled.kernel() is None, reason="no working C compiler")


def _both_paths(monkeypatch, fn):
    """``fn()`` with the compiled kernel, then with WORKBENCH_NATIVE=0 (numpy path)."""
    fast = fn()
    monkeypatch.setenv("WORKBENCH_NATIVE", "0")
    slow = fn()
    monkeypatch.delenv("WORKBENCH_NATIVE")
    return fast, slow


@pytest.mark.parametrize("leak", [1.0, 0.3])
@pytest.mark.parametrize("n_inputs", [1, 3])
def test_rate_run_matches_numpy_path(monkeypatch, leak, n_inputs):
    res = EIReservoir(203, n_inputs, leak_rate=leak, seed=1)      # 203: a partial chunk of 8
    u = np.random.default_rng(0).uniform(-1, 1, (2500, n_inputs))

    def run():
        r = res.copy()
        states = r.run(u, washout=700, state=np.full(203, 0.5))   # washout across chunks
        return states, r.state

    (fast, end_fast), (slow, end_slow) = _both_paths(monkeypatch, run)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-13)
    np.testing.assert_allclose(end_fast, end_slow, rtol=0, atol=1e-13)


def test_saturated_sigmoid_is_exactly_zero_or_one(monkeypatch):
    """Beyond exp overflow the sigmoid is exactly 0, as numpy's 1 / (1 + inf); the clamped
    exp leaves no extra subnormal numbers (they would slow every later product)."""
    res = EIReservoir(64, gain=5e3, strength=5.0, seed=2)
    u = np.random.default_rng(1).uniform(-1, 1, (300, 1))
    fast, slow = _both_paths(monkeypatch, lambda: res.copy().run(u, state=np.zeros(64)))
    subnormal = lambda x: (x > 0) & (x < np.finfo(float).tiny)  # noqa: E731
    assert (fast == 0).any() and (fast == 1).any()
    assert not (subnormal(fast) & ~subnormal(slow)).any()
    np.testing.assert_array_equal(fast == 0, slow == 0)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-13)


def test_tanh_network_matches_numpy_path(monkeypatch):
    u = np.random.default_rng(2).normal(size=(800, 2))
    esn = lambda: EchoStateNetwork(150, 2, leak_rate=0.5, bias_scaling=0.2, seed=3)  # noqa: E731
    fast, slow = _both_paths(monkeypatch, lambda: esn().run(u))
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-13)


def test_uneven_in_degree_graph(monkeypatch):
    """Rows of very different lengths (a scale-free graph) pad the SELL chunks."""
    g = nx.scale_free_graph(120, seed=4)
    graph = nx.DiGraph()
    rng = np.random.default_rng(4)
    for i in g.nodes:
        graph.add_node(i, type="I" if i % 5 == 0 else "E")
    for a, b, *_ in g.edges:
        if a != b:
            graph.add_edge(a, b, weight=float(rng.uniform(0.1, 1.0)))
    res = EIReservoir.from_graph(graph, seed=4)
    u = np.random.default_rng(3).uniform(-1, 1, (500, 1))
    fast, slow = _both_paths(monkeypatch, lambda: res.copy().run(u))
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-13)


@pytest.mark.parametrize("n_betas", [1, 5, 8, 37])   # partial, whole and several 32-wide groups
def test_shared_run_matches_numpy_path(monkeypatch, n_betas):
    base = EIReservoir(90, gain=4.0, strength=2.0, leak_rate=0.7, seed=5)
    betas = np.linspace(0.5, 2.0, n_betas)
    u = np.random.default_rng(4).uniform(-0.8, 0.8, (1200, 1))
    fast, slow = _both_paths(monkeypatch, lambda: run_balances(base, betas, u, washout=150))
    assert fast.shape == (n_betas, 1050, 90)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-13)


def test_sell_layout_holds_the_matrix():
    rng = np.random.default_rng(6)
    m = sp.random(37, 37, density=0.2, format="lil", random_state=7)
    m[5] = 0                                      # an empty row
    m = m.tocsr()
    layout = compiled.SellLayout(m)
    values = layout.values(m.data)
    r = rng.normal(size=37)
    dense = np.zeros(37)
    for c in range(layout.off.size - 1):
        lo, hi = layout.off[c], layout.off[c + 1]
        for lane in range(compiled.LANES):
            row = c * compiled.LANES + lane
            if row < 37:
                sl = slice(lo + lane, hi, compiled.LANES)
                dense[row] = values[sl] @ r[layout.indices[sl]]
    np.testing.assert_allclose(dense, m @ r, rtol=1e-14, atol=1e-14)
    assert layout.matches(m)
    other = m.copy()
    other.indices = other.indices.copy()
    other.indices[0] = (other.indices[0] + 1) % 37
    assert not layout.matches(other)


def test_portable_build_equals_vector_build():
    """The loops compiled without AVX-512 compute the same sums as the gather/tile kernels."""
    portable = compiled.kernel(("-mno-avx512f",))
    native_lib = compiled.kernel()
    if portable is None:
        pytest.skip("compiler rejects -mno-avx512f")
    res = EIReservoir(77, 2, leak_rate=0.6, seed=8)
    w = res._system.weights
    scale = -res._system.gain
    data = _row_scaled(w, scale)
    layout = compiled.SellLayout(w)
    u = np.random.default_rng(5).uniform(-1, 1, (400, 2))
    win, bias = res._system.input_weights * scale[:, None], -scale * res._system.threshold
    outs = []
    for lib in (native_lib, portable):
        state, out = np.full(77, 0.3), np.empty((400, 77))
        compiled.run_rate(lib, layout, data, u, win, bias, res._system.leak, "sigmoid", state, out)
        outs.append(out)
    np.testing.assert_allclose(outs[0], outs[1], rtol=0, atol=1e-14)

    parts = sp.hstack([res.excitatory, res.inhibitory], format="csr")
    pdata = _row_scaled(parts, scale)
    scales = np.vstack([np.ones(11), -np.linspace(0.5, 2, 11)])
    shared = []
    for lib in (native_lib, portable):
        out = np.empty((11, 400, 77))
        compiled.run_shared(lib, parts, pdata, scales, u, win, bias, None, "sigmoid",
                            np.full((77, 11), 0.3), out)
        shared.append(out)
    np.testing.assert_allclose(shared[0], shared[1], rtol=0, atol=1e-14)

    w_b = np.column_stack([w.data, 0.7 * w.data])
    pattern = []
    for lib in (native_lib, portable):
        out = np.empty((2, 400, 77))
        compiled.run_pattern(lib, w, w_b.copy(), u, res._system.input_weights,
                             res._system.threshold, scale, res._system.leak, "sigmoid",
                             np.full((77, 2), 0.3), out)
        pattern.append(out)
    np.testing.assert_allclose(pattern[0], pattern[1], rtol=0, atol=1e-14)


@pytest.mark.parametrize("leak", [1.0, 0.4])
def test_mean_shift_rank_one_term_matches_numpy_path(monkeypatch, leak):
    res = EIReservoir(203, in_degree=20, gain=4.0, coupling=8.0, balance=1.6, leak_rate=leak,
                      balance_mode="mean_shift", seed=4)
    u = np.random.default_rng(5).uniform(-1, 1, (600, 1))
    fast, slow = _both_paths(monkeypatch, lambda: res.copy().run(u, washout=100))
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-13)
    betas = [0.5, 1.0, 1.3, 2.0, 2.5]
    fast, slow = _both_paths(monkeypatch, lambda: run_balances(res, betas, u))
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-13)
    w = res.dense_weights(2.0)                    # against the dense reference equation
    x, ref = res.state, []
    for t in range(600):
        x = (1 - leak) * x + leak / (1 + np.exp(-4.0 * (w @ x + res.input_weights @ u[t])))
        ref.append(x)
    np.testing.assert_allclose(fast[3], np.array(ref), rtol=0, atol=1e-12)


@pytest.mark.parametrize("mode", ["multiplicative", "mean_shift"])
@pytest.mark.parametrize("leak", [1.0, 0.6])
@pytest.mark.parametrize("n_copies", [1, 9, 37])     # partial 8-wide tile; two 32-wide tiles
def test_pattern_run_matches_numpy_path(monkeypatch, mode, leak, n_copies):
    """Copies of one network at other balances run as one PatternSystem (compiled) and as a
    block-diagonal stack (numpy path) to rounding; states and rates are written back."""
    from reservoirs import run_batch, with_balances
    from reservoirs.dynamics import PatternSystem

    base = EIReservoir(83, 2, in_degree=12, gain=4.0, coupling=8.0, leak_rate=leak,
                       balance_mode=mode, seed=6)
    betas = np.linspace(0.5, 1.6, n_copies)     # not chaotic: rounding stays rounding
    assert PatternSystem.of([n._system for n in with_balances(base, betas)]) is not None
    u = np.random.default_rng(3).uniform(-1, 1, (700, 2))

    def run():
        nets = with_balances(base, betas)
        states = run_batch(nets, u, washout=150)
        return states.copy(), np.array([n.state for n in nets]), np.array([n.rates for n in nets])

    fast, slow = _both_paths(monkeypatch, run)
    for f, s in zip(fast, slow):
        np.testing.assert_allclose(f, s, rtol=0, atol=1e-13)
    np.testing.assert_allclose(fast[1], fast[0][:, -1], rtol=0, atol=0)


@pytest.mark.parametrize("mode", ["multiplicative", "mean_shift"])
@pytest.mark.parametrize("n_copies", [11, 16])   # a padded last tile; whole tiles (in place)
def test_pattern_adaptation_matches_numpy_rule(monkeypatch, mode, n_copies):
    """The homeostatic rule inside the compiled loop changes the same links by the same
    amounts as the numpy rule after every step (weights, Dale's law, traces)."""
    from reservoirs import adapt_batch, with_balances

    base = EIReservoir(120, in_degree=15, gain=4.0, coupling=4.0, balance_mode=mode, seed=7)
    # inhibition-dominated copies: under-inhibited ones turn chaotic and amplify rounding
    betas = [1.2, 1.7, 2.4, 1.3, 2.0, 1.1, 1.5, 2.2, 1.8, 1.4, 1.9, 1.6, 2.1, 1.25, 2.3,
             1.45][:n_copies]
    targets = [np.full(120, 0.2 + 0.05 * i) for i in range(len(betas))]
    targets[3] = np.random.default_rng(1).uniform(0.1, 0.9, 120)    # heterogeneous
    u = np.random.default_rng(2).uniform(-1, 1, (900, 1))

    def adapt():
        nets = with_balances(base, betas)
        traces = adapt_batch(nets, u, targets, learning_rate=5e-3, epochs=2, record_every=70)
        return nets, traces

    (fast, tf), (slow, ts) = _both_paths(monkeypatch, adapt)
    clipped = 0
    for a, b, x, y in zip(fast, slow, tf, ts):
        np.testing.assert_allclose(a.weights.data, b.weights.data, rtol=0, atol=1e-10)
        np.testing.assert_allclose(a.state, b.state, rtol=0, atol=1e-10)
        for field in ("mean_rate", "block_rates", "inhibitory_gain", "steps"):
            np.testing.assert_allclose(getattr(x, field), getattr(y, field), rtol=0, atol=1e-10)
        w = a.weights
        inh = ~a.cell_types[w.indices]
        assert np.all(w.data[inh] <= 0) and np.all(w.data[~inh] == base.weights.data[~inh])
        clipped += int(np.sum(w.data[inh] == 0))
    assert clipped > 0          # the clipping branch ran
    assert not np.allclose(fast[0].weights.data, base.weights.data)


def test_pattern_system_only_for_copies_of_one_network():
    from reservoirs import with_balances
    from reservoirs.dynamics import PatternSystem

    a, b = EIReservoir(50, in_degree=8, seed=1), EIReservoir(50, in_degree=8, seed=2)
    assert PatternSystem.of([a._system, b._system]) is None            # other pattern
    c = a.copy()
    c._system.input_weights = c._system.input_weights * 2.0
    assert PatternSystem.of([a._system, c._system]) is None            # other input weights
    copies = with_balances(a, [0.5, 1.5])
    shared = PatternSystem.of([n._system for n in copies])
    assert shared is not None and shared.batch == 2 and shared.size == 50
    np.testing.assert_array_equal(shared.data[:, 1], copies[1].weights.data)
