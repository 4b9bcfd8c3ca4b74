"""Tests of alrnn.shplrnn: the clipped shPLRNN, its Jacobian, GTF and its alpha rule."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import enable_x64

from alrnn.recipe import TrainConfig
from alrnn.shplrnn import (
    ShPLRNN,
    ShPLRNNFamily,
    alpha_product_upper_bound,
    gtf_loss,
    init_params,
    jacobian,
    region_codes,
    step,
    train_shplrnn,
)
from alrnn.train import TrainingDiverged, TrainResult


def _params(M=3, H=5, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return {"A": rng.uniform(-0.9, 0.9, M), "W1": scale * rng.standard_normal((M, H)),
            "W2": scale * rng.standard_normal((H, M)), "h1": 0.3 * rng.standard_normal(M),
            "h2": rng.standard_normal(H)}


def test_step_is_the_clipped_equation():
    p = _params()
    z = np.random.default_rng(1).standard_normal((4, 3))
    u = z @ p["W2"].T
    want = p["A"] * z + (np.maximum(u + p["h2"], 0) - np.maximum(u, 0)) @ p["W1"].T + p["h1"]
    with enable_x64():
        np.testing.assert_allclose(step({k: jnp.asarray(v) for k, v in p.items()}, jnp.asarray(z)), want,
                                   rtol=1e-12)


def test_jacobian_matches_autodiff_and_finite_differences():
    p = _params(M=4, H=7, seed=2)
    rng = np.random.default_rng(3)
    with enable_x64():
        pj = {k: jnp.asarray(v) for k, v in p.items()}
        for _ in range(5):
            z = rng.standard_normal(4)
            J = np.asarray(jacobian(pj, jnp.asarray(z)))
            np.testing.assert_allclose(J, jax.jacobian(lambda x: step(pj, x))(jnp.asarray(z)), atol=1e-12)
            eps = 1e-7
            fd = np.stack([(np.asarray(step(pj, z + eps * e)) - np.asarray(step(pj, z - eps * e))) / (2 * eps)
                           for e in np.eye(4)], axis=1)
            np.testing.assert_allclose(J, fd, atol=1e-6)
            # the region's affine map reproduces the step
            model = ShPLRNN.from_params(p)
            Jr, c = model.region_map(z)
            np.testing.assert_allclose(Jr @ z + c, np.asarray(step(pj, z)), atol=1e-5)
        # batched
        Z = rng.standard_normal((6, 4))
        np.testing.assert_allclose(jacobian(pj, jnp.asarray(Z))[2], jacobian(pj, jnp.asarray(Z[2])), atol=1e-12)


def test_clipped_orbits_stay_bounded_when_max_abs_A_below_one():
    p = _params(M=3, H=20, seed=4, scale=5.0)      # strong weights
    a = np.max(np.abs(p["A"]))
    c = np.max(np.abs(p["W1"]) @ np.abs(p["h2"]) + np.abs(p["h1"]))
    z0 = 50.0 * np.random.default_rng(5).standard_normal((10, 3))
    model = ShPLRNN.from_params(p)
    Z, _ = model.generate(z0, 3000)
    bound = np.maximum(np.abs(z0).max(axis=1), c / (1 - a)) * (1 + 1e-4)
    assert np.all(np.abs(Z).max(axis=2) <= bound[None, :])
    # the limit set lies inside the ball of radius c / (1 - a)
    assert np.all(np.abs(Z[-100:]) <= c / (1 - a) * (1 + 1e-4))


def test_gtf_with_alpha_one_is_one_step_teacher_forcing():
    rng = np.random.default_rng(6)
    with enable_x64():
        p = {k: jnp.asarray(v) for k, v in _params(M=3, H=4, seed=7).items()}
        x = jnp.asarray(rng.standard_normal((2, 9, 3)))

        def one_step(q):
            return jnp.mean((step(q, x[:, :-1]) - x[:, 1:]) ** 2)

        np.testing.assert_allclose(gtf_loss(p, x, 1.0), one_step(p), rtol=1e-12)
        g1, g2 = jax.grad(lambda q: gtf_loss(q, x, 1.0))(p), jax.grad(one_step)(p)
        for k in p:
            np.testing.assert_allclose(g1[k], g2[k], rtol=1e-10, atol=1e-14)
        # alpha = 0 is the free run from x_1
        Z = [x[:, 0]]
        for _ in range(8):
            Z.append(step(p, Z[-1]))
        free = jnp.mean((jnp.stack(Z[1:], axis=1) - x[:, 1:]) ** 2)
        np.testing.assert_allclose(gtf_loss(p, x, 0.0), free, rtol=1e-12)


def test_alpha_product_upper_bound_against_hand_computation():
    p = {"A": np.array([0.5, -0.2]), "W1": np.array([[1.0, 2.0], [0.0, 1.0]]),
         "W2": np.array([[1.0, -1.0], [0.5, 2.0]]), "h1": np.zeros(2), "h2": np.array([1.0, -0.5])}
    X = np.array([[[0.2, 0.1], [-1.0, 0.3], [0.4, 0.4]],
                  [[2.0, 1.0], [0.1, -0.1], [-0.3, 0.2]]])
    norms = np.empty(X.shape[:2])
    for b in range(2):
        for t in range(3):
            u = p["W2"] @ X[b, t]
            d = (u > -p["h2"]).astype(float) - (u > 0).astype(float)
            J = np.diag(p["A"]) + p["W1"] @ np.diag(d) @ p["W2"]
            norms[b, t] = np.linalg.svd(J, compute_uv=False)[0]
    n = max(np.prod(norms[b]) ** (1 / 3) for b in range(2))
    with enable_x64():
        alpha, got_n = alpha_product_upper_bound({k: jnp.asarray(v) for k, v in p.items()}, jnp.asarray(X))
    np.testing.assert_allclose(got_n, n, rtol=1e-10)
    np.testing.assert_allclose(alpha, max(0.0, 1 - 1 / n), rtol=1e-10)
    # a contracting model needs no forcing
    small = dict(p, A=np.array([0.1, 0.1]), W1=0.01 * p["W1"])
    with enable_x64():
        assert float(alpha_product_upper_bound({k: jnp.asarray(v) for k, v in small.items()}, jnp.asarray(X))[0]) == 0


def test_alpha_annealing_rule():
    fam = ShPLRNNFamily(2, 3, alpha_every=2, alpha_decay=0.9)
    p = {k: jnp.asarray(v, jnp.float32) for k, v in _params(M=2, H=3, seed=8, scale=3.0).items()}
    w = jnp.asarray(np.random.default_rng(9).standard_normal((4, 6, 2)), jnp.float32)
    est = float(alpha_product_upper_bound(p, w[:, 1:])[0])
    assert 0 < est < 1
    f = fam.init_forcing(TrainConfig(alpha=0.1))
    f = fam.update_forcing(p, w, f, 0)                    # batch 1: no estimate
    assert float(f["alpha"]) == pytest.approx(0.1)
    f = fam.update_forcing(p, w, f, 1)                    # batch 2: estimate larger -> taken
    assert float(f["alpha"]) == pytest.approx(max(est, 0.9 * 0.1 + 0.1 * est), rel=1e-5)
    f = {"alpha": jnp.float32(0.99)}
    f = fam.update_forcing(p, w, f, 3)                    # batch 4: smaller estimate -> annealed towards it
    assert float(f["alpha"]) == pytest.approx(0.9 * 0.99 + 0.1 * est, rel=1e-5)
    assert float(fam.update_forcing(p, w, f, 4)["alpha"]) == float(f["alpha"])   # batch 5: none
    const = ShPLRNNFamily(2, 3, alpha_method="constant")
    assert float(const.update_forcing(p, w, const.init_forcing(TrainConfig(alpha=0.3)), 1)["alpha"]) == \
        pytest.approx(0.3)


def test_alpha_schedule_stays_a_branch_in_a_population():
    """Under vmap the every-k-batches estimate is a real branch (the step is unbatched):
    a population's compiled block holds a conditional, not both sides evaluated every batch."""
    import jax

    from alrnn.block import make_train_block

    fam = ShPLRNNFamily(2, 3, alpha_every=5)
    block, _ = make_train_block(fam, 4, 6, 5, 1, population=2)
    p = {k: jnp.stack([jnp.asarray(v, jnp.float32)] * 2) for k, v in _params(M=2, H=3, seed=8).items()}
    opt = jax.vmap(_opt_init())(p)
    forcing = {"alpha": jnp.zeros(2, jnp.float32)}
    keys = jax.random.split(jax.random.PRNGKey(0), 2)
    data = jnp.asarray(np.random.default_rng(1).standard_normal((50, 2)), jnp.float32)
    args = (p, opt, forcing, keys, data, jnp.ones(1, jnp.float32) * 1e-3, 0.0, 0)
    hlo = block.lower(*args).as_text()
    assert "stablehlo.case" in hlo or "mhlo.case" in hlo or "conditional" in hlo
    out = block(*args)
    assert out[2]["alpha"].shape == (2,) and np.all(np.asarray(out[2]["alpha"]) > 0)


def _opt_init():
    import optax

    return optax.scale_by_radam().init


def _lorenz_segment(n=1500):
    from workbench.systems import lorenz63

    return lorenz63(n, transient=500, seed=0)


@pytest.mark.slow
def test_training_reduces_loss_on_a_lorenz_segment():
    data = _lorenz_segment()
    cfg = TrainConfig(epochs=6, batches_per_epoch=10, batch_size=8, seq_len=30, start_lr=3e-2,
                      end_lr=6e-3, noise=0.0, eval_every=3, n_bins=10, pe_steps=5, alpha=0.3)
    # constant alpha: the loss is one fixed objective
    out = train_shplrnn(data, H=16, config=cfg, seeds=[0, 1], alpha_method="constant")
    for res, seed in zip(out, (0, 1)):
        assert isinstance(res, TrainResult) and res.seed == seed
        h = res.history
        assert h["loss"][-1] < 0.6 * h["loss"][0]
        assert np.all(h["alpha"] == np.float32(0.3))
        assert isinstance(res.model, ShPLRNN) and res.model.n_parameters == 2 * 3 + 2 * 3 * 16 + 16
    assert not np.allclose(out[0].last_model.to_arrays()["W1"], out[1].last_model.to_arrays()["W1"])
    # estimated alpha: recorded at every evaluation, within [0, 1], moving from its start
    (res,) = train_shplrnn(data, H=16, config=cfg.replace(alpha=1.0), alpha_method="product_upper_bound")
    a = res.history["alpha"]
    assert len(a) == 3 and np.all((a >= 0) & (a <= 1)) and a[-1] != a[0]


def test_diverging_training_raises_and_bad_input():
    data = _lorenz_segment(400)
    cfg = TrainConfig(epochs=2, batches_per_epoch=3, batch_size=4, seq_len=20, start_lr=1e30, end_lr=1e29,
                      eval_every=1, n_bins=10, pe_steps=5)
    (res,) = train_shplrnn(data, H=8, config=cfg, alpha_method="constant")
    assert isinstance(res, TrainingDiverged)
    assert all(np.all(np.isfinite(v)) for v in res.last_model.to_arrays().values())
    with pytest.raises(ValueError, match="M must equal the data dimension 3"):
        train_shplrnn(data, M=4, H=8, config=cfg)
    with pytest.raises(ValueError, match="alpha_method must be one of"):
        ShPLRNNFamily(3, 8, alpha_method="magic")


def test_region_codes_and_fixed_point():
    p = _params(M=3, H=6, seed=10)
    model = ShPLRNN.from_params(p)
    Z, _ = model.generate(np.array([0.5, -0.5, 0.2]), 500)
    codes = region_codes(p, Z)
    assert codes.shape == (500,) and codes.min() == 0
    counts = np.bincount(codes)
    assert np.all(np.diff(counts) <= 0)                     # ids by decreasing frequency
    z_star, real, rho = model.fixed_point(Z[-1])
    J, c = model.region_map(Z[-1])
    np.testing.assert_allclose(J @ z_star + c, z_star, atol=1e-8)
    if real:
        np.testing.assert_allclose(np.asarray(step(model.params, jnp.asarray(z_star, jnp.float32))), z_star,
                                   atol=1e-4)
    assert rho >= 0
    p0 = init_params(3, 6, seed=0)
    assert p0["W1"].shape == (3, 6) and np.all(np.abs(p0["W1"]) <= 1 / np.sqrt(6))
    assert np.all((p0["A"] > 0) & (p0["A"] <= 1)) and np.all(p0["h1"] == 0)


def test_symbolic_summary_of_a_trajectory():
    p = _params(M=3, H=4, seed=11)
    model = ShPLRNN.from_params(p)
    Z, _ = model.generate(np.array([0.3, -0.2, 0.1]), 400)
    an = model.analyze(Z)
    assert an["codes"].shape == (400,) and an["n_regions"] == len(an["occupancy"])
    assert an["occupancy"].sum() == pytest.approx(1.0) and np.all(np.diff(an["occupancy"]) <= 0)
    T = an["transitions"]
    assert T.shape == (an["n_regions"],) * 2 and np.allclose(T.sum(axis=1)[T.sum(axis=1) > 0], 1.0)
    assert 1 <= an["n_regions_covering"] <= an["n_regions"] and len(an["fixed_points"]) == an["n_regions_covering"]
    for z_star, real, rho in an["fixed_points"]:
        assert z_star.shape == (3,) and isinstance(real, bool) and rho >= 0
    with pytest.raises(ValueError, match="coverage"):
        model.analyze(Z, coverage=0.0)
