"""Tests of workbench.metrics on cases with known answers."""

import numpy as np
import pytest

from workbench import metrics as M
from workbench.systems import lorenz63, lorenz63_jacobian

LORENZ_LAMBDA = 0.9056  # largest Lyapunov exponent of Lorenz-63 per time unit


@pytest.fixture(scope="module")
def lorenz_raw():
    """12 000 steps (120 time units) of Lorenz-63 at dt = 0.01, not z-scored."""
    return lorenz63(12_000, 0.01, zscore=False, transient=500)


# ---------------------------------------------------------------------------------------
# D_stsp
# ---------------------------------------------------------------------------------------
def _dense_reference_kl(true, gen, n_bins, alpha=1e-5):
    """The Julia definition written the slow, obvious way (histogramdd over all cells)."""
    sd = true.std(axis=0, ddof=1)
    edges = [np.linspace(lo, hi, n_bins + 1)
             for lo, hi in zip(true.min(0) - 0.1 * sd, true.max(0) + 0.1 * sd)]
    ht, _ = np.histogramdd(true, bins=edges)
    hg, _ = np.histogramdd(gen[np.all((gen >= [e[0] for e in edges])
                                      & (gen < [e[-1] for e in edges]), axis=1)], bins=edges)
    p = (ht + alpha) / (ht.sum() + alpha * ht.size)
    q = (hg + alpha) / (hg.sum() + alpha * hg.size)
    return float(np.sum(p * np.log(p / q)))


def test_dstsp_identical_series_is_zero():
    x = np.random.default_rng(0).normal(size=(5000, 3))
    assert M.state_space_divergence(x, x) == pytest.approx(0.0, abs=1e-12)
    # 8 dimensions x 30 bins = 6.6e11 cells: only the sparse path can hold them
    y = np.random.default_rng(1).normal(size=(3000, 8))
    assert M.state_space_divergence(y, y) == pytest.approx(0.0, abs=1e-12)
    # ... where the alpha * K pseudo-counts (6.6e6) swamp 3000 points: nearly uniform
    # smoothed histograms, a small divergence even for shifted data (hence GMM for N >= 11)
    assert 0.0 < M.state_space_divergence(y, y + 0.5) < 0.1


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("n_dim, n_bins", [(1, 30), (2, 7), (3, 30), (4, 5)])
def test_dstsp_matches_dense_histogram_definition(n_dim, n_bins, sparse, monkeypatch):
    if sparse:      # enumerate occupied cells only (used above 2**22 cells)
        monkeypatch.setattr(M.attractor, "_DENSE_MAX_CELLS", 0)
    rng = np.random.default_rng(n_dim)
    true = rng.normal(size=(4000, n_dim))
    gen = 1.3 * rng.normal(size=(3000, n_dim)) + 0.4      # partly outside the box
    ours = M.state_space_divergence(true, gen, n_bins)
    assert ours == pytest.approx(_dense_reference_kl(true, gen, n_bins), rel=1e-9)


def test_dstsp_disjoint_supports_is_large_and_empty_is_nan():
    rng = np.random.default_rng(1)
    side = rng.integers(0, 2, size=5000)
    true = np.column_stack([rng.uniform(0.0, 0.3, 5000) + 0.7 * side, rng.uniform(0, 1, 5000)])
    gap = np.column_stack([rng.uniform(0.4, 0.6, 5000), rng.uniform(0, 1, 5000)])
    # inside the box, but only in cells the true data never visits: p log(p / q) with
    # q ~ alpha / n_gen for every true cell gives about log(n_gen / (alpha * cells)) > 10
    assert M.state_space_divergence(true, gap) > 10.0
    assert M.state_space_divergence(true, gap) > 100 * M.state_space_divergence(true, true[::-1])
    # entirely outside the box: empty generated histogram -> NaN (lab convention)
    assert np.isnan(M.state_space_divergence(true, true + 5.0))
    # NaN/inf generated points (a diverged model) count as outside the box
    diverged = np.full((100, 2), np.nan)
    diverged[:50] = np.inf
    assert np.isnan(M.state_space_divergence(true, diverged))


def test_dstsp_reproduces_measured_rossler_halves(alrnn_reference_dir):
    """Rössler reference data of Brenner et al. 2024, first vs second half: D_stsp 0.10, D_H 0.052."""
    x = np.load(alrnn_reference_dir / "rossler.npy").astype(float)
    a, b = x[:50_000], x[50_000:]
    assert M.state_space_divergence(a, b) == pytest.approx(0.10, abs=0.01)
    assert M.hellinger_distance(a, b) == pytest.approx(0.052, abs=0.003)


def test_dstsp_gmm_version():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(800, 12))
    same = M.state_space_divergence(x, x, seed=0)          # N >= 11 -> GMM
    assert same == pytest.approx(0.0, abs=1e-12)
    near = M.state_space_divergence(x, rng.normal(size=(800, 12)), seed=0)
    far = M.state_space_divergence(x, rng.normal(size=(800, 12)) + 1.5, seed=0)
    assert 0.0 < near < far
    # point masses -> single Gaussians: KL(N(0, s I) || N(m, s I)) = |m|^2 / (2 s) = 2;
    # Monte-Carlo std of the estimate is |m| / sqrt(s * n_samples) = 0.03
    origin = np.zeros((2, 2))
    shifted = np.ones((2, 2))
    kl = M.state_space_divergence(origin, shifted, method="gmm", sigma2=0.5, n_samples=4000,
                                  seed=1)
    assert kl == pytest.approx(2.0, abs=0.15)
    # reproducible with a seed
    assert M.state_space_divergence(x, x + 0.1, seed=3) == M.state_space_divergence(
        x, x + 0.1, seed=3)


def test_dstsp_gmm_drops_underflowing_samples():
    x = np.arange(10.0)[:, None]
    far = np.full((10, 1), 1e6)                                # density underflows everywhere
    assert np.isnan(M.state_space_divergence(x, far, method="gmm", sigma2=1.0, seed=0))


# ---------------------------------------------------------------------------------------
# D_H
# ---------------------------------------------------------------------------------------
def _sine(cycles, n=2048, phase=0.0):
    t = np.arange(n)
    return np.sin(2 * np.pi * cycles * t / n + phase)


def test_dh_identical_and_same_frequency_is_zero():
    x = np.column_stack([_sine(37), _sine(300)])
    assert M.hellinger_distance(x, x) == pytest.approx(0.0, abs=1e-7)
    shifted = np.column_stack([_sine(37, phase=1.0), 3.0 * _sine(300, phase=2.0) + 5.0])
    assert M.hellinger_distance(x, shifted) == pytest.approx(0.0, abs=1e-7)


def test_dh_far_apart_sines_near_one():
    assert M.hellinger_distance(_sine(40), _sine(700)) == pytest.approx(1.0, abs=1e-6)


def test_dh_two_smoothed_lines_have_gaussian_overlap():
    # peaks d bins apart smoothed by sigma: H = sqrt(1 - exp(-d^2 / (8 sigma^2)))
    d, sigma = 20, 10.0
    expected = np.sqrt(1 - np.exp(-d ** 2 / (8 * sigma ** 2)))
    got = M.hellinger_distance(_sine(300), _sine(300 + d), smoothing=sigma)
    assert got == pytest.approx(expected, abs=2e-3)


def test_dh_per_dimension_and_collapsed_model():
    x = np.column_stack([_sine(40), _sine(500)])
    g = np.column_stack([_sine(40), _sine(50)])
    per = M.hellinger_distance(x, g, per_dimension=True)
    assert per.shape == (2,) and per[0] < 1e-7 and per[1] > 0.9
    assert M.hellinger_distance(x, g) == pytest.approx(per.mean())
    collapsed = np.column_stack([_sine(40), np.zeros(2048)])
    assert np.isnan(M.hellinger_distance(x, collapsed))


# ---------------------------------------------------------------------------------------
# prediction error, NRMSE
# ---------------------------------------------------------------------------------------
def test_prediction_error_exact_and_persistence_predictors():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    a = 0.99 * q
    x = np.empty((300, 3))
    x[0] = rng.normal(size=3)
    for t in range(299):
        x[t + 1] = a @ x[t]

    def exact(x0, n):
        return x0 @ np.linalg.matrix_power(a, n).T

    assert M.prediction_error(exact, x, n=20) == pytest.approx(0.0, abs=1e-24)
    persistence = M.prediction_error(lambda x0, n: x0, x, n=5)
    assert persistence == pytest.approx(np.mean((x[:-5] - x[5:]) ** 2), rel=1e-12)


def test_prediction_error_rejects_bad_input():
    x = np.zeros((10, 2))
    with pytest.raises(ValueError, match="n=10"):
        M.prediction_error(lambda x0, n: x0, x, n=10)
    with pytest.raises(ValueError, match="n must be in"):
        M.prediction_error(lambda x0, n: x0, x, n=0)
    with pytest.raises(ValueError, match="predict_fn"):
        M.prediction_error(lambda x0, n: x0[:, :1], x, n=2)
    with pytest.raises(ValueError, match="predict_fn"):
        M.prediction_error("not callable", x, n=2)
    with pytest.raises(ValueError, match="data"):
        M.prediction_error(lambda x0, n: x0, np.full((10, 2), np.inf), n=2)


def test_nrmse_known_values():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(500, 2)) * [1.0, 10.0]
    assert M.nrmse(y, y) == 0.0
    assert M.nrmse(y, np.broadcast_to(y.mean(0), y.shape)) == pytest.approx(1.0)
    off = y + 0.5 * y.std(axis=0)                 # a constant offset of half a std
    np.testing.assert_allclose(M.nrmse(off, y, per_dimension=True), [0.5, 0.5])
    assert M.nrmse(y[:, 0], 2.0 * y[:, 0]) == pytest.approx(
        np.sqrt(np.mean(y[:, 0] ** 2) / y[:, 0].var()))
    with pytest.raises(ValueError, match="y_pred"):
        M.nrmse(y, y[:-1])
    with pytest.raises(ValueError, match="variance"):
        M.nrmse(np.ones(10), np.zeros(10))


# ---------------------------------------------------------------------------------------
# Lyapunov exponents
# ---------------------------------------------------------------------------------------
def test_qr_spectrum_of_linear_and_logistic_maps():
    jac = np.broadcast_to(np.array([[2.0, 1.0], [0.0, 0.5]]), (200, 2, 2))
    traj = np.zeros((200, 2))
    np.testing.assert_allclose(M.lyapunov_spectrum(traj, jac), [np.log(2), np.log(0.5)],
                               atol=1e-9)
    # logistic map r = 4: lambda = ln 2 per step (0.1 time units per step -> 10 ln 2)
    x = np.empty(10_000)
    x[0] = 0.1234
    for t in range(x.size - 1):
        x[t + 1] = 4.0 * x[t] * (1.0 - x[t])
    lam = M.max_lyapunov(x[:, None], jacobian=lambda s: (4.0 - 8.0 * s)[:, :, None],
                         transient=100, renorm_every=20)
    assert lam == pytest.approx(np.log(2), abs=0.03)
    lam_dt = M.max_lyapunov(x[:, None], 0.1, jacobian=(4.0 - 8.0 * x)[:, None, None],
                            renorm_every=20)
    assert lam_dt == pytest.approx(10 * np.log(2), abs=0.3)


def test_qr_lorenz_lambda_max(lorenz_raw):
    spec = M.lyapunov_spectrum(lorenz_raw, lorenz63_jacobian, 0.01, flow=True, transient=100,
                               renorm_every=10)
    assert spec[0] == pytest.approx(LORENZ_LAMBDA, abs=0.05)
    assert spec[1] == pytest.approx(0.0, abs=0.03)
    # the exponents of a flow sum to the divergence of the field: -(sigma + 1 + beta)
    assert spec.sum() == pytest.approx(-(10 + 1 + 8 / 3), abs=1e-3)
    assert M.max_lyapunov(lorenz_raw, 0.01, jacobian=lorenz63_jacobian, flow=True,
                          transient=100, renorm_every=10) == pytest.approx(spec[0])
    # re-orthonormalising every step or every 10 steps gives the same exponents
    part = lorenz_raw[:2000]
    every = M.lyapunov_spectrum(part, lorenz63_jacobian(part), 0.01, flow=True)
    blocked = M.lyapunov_spectrum(part, lorenz63_jacobian(part), 0.01, flow=True,
                                  renorm_every=10)
    np.testing.assert_allclose(blocked, every, rtol=1e-8)


def test_rosenstein_lorenz_within_loose_band(lorenz_raw):
    x = lorenz_raw[:5000]
    lam = M.max_lyapunov(x, 0.01)                           # no Jacobian -> Rosenstein
    assert 0.65 < lam < 1.15
    times, log_div = M.rosenstein_divergence(x, 0.01, horizon=50, min_separation=100)
    assert times.shape == log_div.shape == (50,)
    assert np.all(np.diff(log_div[5:]) > 0)                # neighbours separate


def test_rosenstein_on_scalar_series_with_delay_embedding(lorenz_raw):
    lam = M.rosenstein_lyapunov(lorenz_raw[:5000, 0], 0.01, embedding_dim=3, lag=10)
    assert 0.6 < lam < 1.1


def test_lyapunov_rejects_bad_input():
    traj = np.zeros((50, 2))
    with pytest.raises(ValueError, match="jacobian"):
        M.lyapunov_spectrum(traj, np.zeros((50, 3, 3)))
    with pytest.raises(ValueError, match="jacobian"):
        M.lyapunov_spectrum(traj, lambda s: np.zeros((2, 2)))
    with pytest.raises(ValueError, match="dt"):
        M.lyapunov_spectrum(traj, np.zeros((50, 2, 2)), dt=0.0)
    with pytest.raises(ValueError, match="n_exponents"):
        M.lyapunov_spectrum(traj, np.zeros((50, 2, 2)), n_exponents=3)
    with pytest.raises(ValueError, match="transient"):
        M.lyapunov_spectrum(traj, np.zeros((50, 2, 2)), transient=50)
    with pytest.raises(ValueError, match="trajectory"):
        M.max_lyapunov(np.full((50, 2), np.nan), jacobian=np.zeros((50, 2, 2)))
    with pytest.raises(ValueError, match="horizon"):
        M.rosenstein_lyapunov(np.random.default_rng(0).normal(size=(100, 2)), horizon=1000,
                              min_separation=5)


# ---------------------------------------------------------------------------------------
# memory capacity
# ---------------------------------------------------------------------------------------
def _delay_line(u, n, first_delay):
    states = np.zeros((u.size, n))
    for j in range(n):
        k = j + first_delay
        states[k:, j] = u[:u.size - k]
    return states


def test_memory_capacity_of_a_delay_line():
    n = 8
    u = np.random.default_rng(0).uniform(-1, 1, 3000)
    mc = M.memory_capacity(u, _delay_line(u, n, 1), k_max=2 * n, washout=20)  # u(t-1..t-n)
    assert isinstance(mc, M.MemoryCapacity)
    np.testing.assert_array_equal(mc.delays, np.arange(1, 2 * n + 1))
    np.testing.assert_allclose(mc.per_delay[:n], 1.0, atol=1e-9)
    assert np.all(mc.per_delay[n:] < 0.02)
    assert mc.total == pytest.approx(n, abs=0.1)
    # states u(t)..u(t-n+1): delays 0..n-1 are stored; Jaeger's sum from k=1 gets n-1
    current = _delay_line(u, n, 0)
    assert M.memory_capacity(u, current, 2 * n, k_min=0).total == pytest.approx(n, abs=0.1)
    assert M.memory_capacity(u, current, 2 * n).total == pytest.approx(n - 1, abs=0.1)


def test_memory_capacity_of_an_orthogonal_linear_reservoir_is_at_most_n():
    rng = np.random.default_rng(1)
    n, steps = 10, 40_000
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    w, w_in = 0.9 * q, rng.normal(size=n)
    u = rng.uniform(-1, 1, steps)
    x = np.zeros((steps, n))
    for t in range(1, steps):
        x[t] = w @ x[t - 1] + w_in * u[t]
    # population MC of a linear network is exactly n (Jaeger 2002); the estimate on 20 000
    # held-out steps scatters by about 0.1 across seeds
    mc = M.memory_capacity(u, x, k_max=6 * n, k_min=0, washout=100, train_fraction=0.5)
    assert n - 0.3 < mc.total <= n + 0.2
    assert mc.per_delay[-20:].sum() < 0.05                   # memory fades with rho = 0.9
    fixed = M.memory_capacity(u, x, k_max=6 * n, k_min=0, washout=100, train_fraction=0.5,
                              alpha=1e-6)
    assert fixed.total == pytest.approx(mc.total, abs=0.05)


def test_memory_capacity_is_zero_for_states_without_input():
    rng = np.random.default_rng(2)
    u = rng.uniform(-1, 1, 2000)
    noise = rng.normal(size=(2000, 5))
    mc = M.memory_capacity(u, noise, k_max=10, alpha=1.0)
    assert mc.total < 0.1


def test_memory_capacity_rejects_bad_input():
    u = np.zeros(500)
    s = np.zeros((500, 4))
    with pytest.raises(ValueError, match="states"):
        M.memory_capacity(u, s[:-1], 5)
    with pytest.raises(ValueError, match="inputs"):
        M.memory_capacity(np.zeros((500, 2)), s, 5)
    with pytest.raises(ValueError, match="k_max"):
        M.memory_capacity(u, s, 0)
    with pytest.raises(ValueError, match="train_fraction"):
        M.memory_capacity(u, s, 5, train_fraction=1.0)
    with pytest.raises(ValueError, match="washout"):
        M.memory_capacity(u, s, 5, washout=-1)
    with pytest.raises(ValueError, match="too few"):
        M.memory_capacity(u, s, 5, washout=495)
    with pytest.raises(ValueError, match="alpha"):
        M.memory_capacity(u, s, 5, alpha=1.0, alphas=[1.0])


# ---------------------------------------------------------------------------------------
# boundary validation of the spectral/state-space metrics
# ---------------------------------------------------------------------------------------
def test_dstsp_and_dh_reject_bad_input():
    x = np.random.default_rng(0).normal(size=(100, 3))
    with pytest.raises(ValueError, match="gen"):
        M.state_space_divergence(x, x[:, :2])
    with pytest.raises(ValueError, match="true"):
        M.state_space_divergence(np.full((100, 3), np.nan), x)
    with pytest.raises(ValueError, match="true"):
        M.state_space_divergence(np.ones((100, 3)), x)
    with pytest.raises(ValueError, match="n_bins"):
        M.state_space_divergence(x, x, n_bins=0)
    with pytest.raises(ValueError, match="method"):
        M.state_space_divergence(x, x, method="kde")
    with pytest.raises(ValueError, match="sigma2"):
        M.state_space_divergence(x, x, method="gmm", sigma2=0.0)
    with pytest.raises(ValueError, match="n_bins"):
        M.state_space_divergence(x[:, :1].repeat(20, axis=1), x[:, :1].repeat(20, axis=1),
                                 method="bins", n_bins=30)
    with pytest.raises(ValueError, match="gen"):
        M.hellinger_distance(x, x[:50])
    with pytest.raises(ValueError, match="smoothing"):
        M.hellinger_distance(x, x, smoothing=-1.0)
    with pytest.raises(ValueError, match="true"):
        M.hellinger_distance(np.ones((100, 3)), x)
