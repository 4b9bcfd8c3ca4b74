"""Tests of alrnn.train: teacher-forced loss, its gradient, the training loop."""

import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import enable_x64

from alrnn import population
from alrnn.block import ALRNNFamily
from alrnn.model import ALRNN
from alrnn.train import (
    AUTHORS_CONFIGS,
    TrainConfig,
    TrainingDiverged,
    TrainResult,
    checkpoint_key,
    forcing_weights,
    train,
    train_population,
    window_loss,
)


def _series(n=400, seed=0):
    """A noisy 2-D rotation (limit cycle): small, smooth, learnable."""
    t = np.arange(n) * 0.2
    rng = np.random.default_rng(seed)
    return np.stack([np.sin(t), np.cos(t)], axis=1) + 0.01 * rng.standard_normal((n, 2))


TINY = TrainConfig(epochs=4, batches_per_epoch=3, batch_size=4, seq_len=12, tau=4, start_lr=1e-2,
                   end_lr=1e-3, eval_every=2, eval_steps=None, n_bins=10, pe_steps=5)


def test_forcing_weights_follow_authors_schedule():
    # predictions k = 0..: forced where (k + 1) % tau == 0, i.e. t - 1 = k + 1 divisible by tau
    np.testing.assert_array_equal(forcing_weights(8, 3), [0, 0, 1, 0, 0, 1, 0, 0])
    np.testing.assert_allclose(forcing_weights(4, 2, alpha=0.5), [0, 0.5, 0, 0.5])
    with pytest.raises(ValueError, match="alpha"):
        forcing_weights(4, 2, alpha=0.0)


def _loss_reference(p, windows, tau, alpha, P):
    """Plain-numpy loop of the note's pseudo-code (section 2.1)."""
    B, T1, N = windows.shape
    M = len(p["A"])
    total = 0.0
    for b in range(B):
        x = windows[b]
        z = np.concatenate([x[0], (p["L"] @ x[0])[N:]])
        for t in range(1, T1):
            phi = z.copy()
            if P:
                phi[M - P:] = np.maximum(phi[M - P:], 0)
            z = p["A"] * z + p["W"] @ phi + p["h"]
            total += np.sum((z[:N] - x[t]) ** 2)
            if t % tau == 0:
                z[:N] = alpha * x[t] + (1 - alpha) * z[:N]
    return total / (B * (T1 - 1) * N)


@pytest.mark.parametrize("alpha", [1.0, 0.6])
def test_window_loss_matches_reference_loop(alpha):
    rng = np.random.default_rng(0)
    model = ALRNN(5, 2, 2, seed=1)
    p = {k: v.astype(np.float64) for k, v in model.to_arrays().items()}
    p["W"] = 0.3 * rng.standard_normal((5, 5))
    p["h"] = 0.1 * rng.standard_normal(5)
    windows = rng.standard_normal((3, 10, 2))
    with enable_x64():
        got = window_loss({k: jnp.asarray(v) for k, v in p.items()}, jnp.asarray(windows),
                          jnp.asarray(forcing_weights(9, 3) > 0) * alpha, 2)
        np.testing.assert_allclose(float(got), _loss_reference(p, windows, 3, alpha, 2), rtol=1e-10)


@pytest.mark.parametrize("P, alpha", [(2, 1.0), (0, 1.0), (5, 0.7)])
def test_gradient_matches_finite_differences(P, alpha):
    rng = np.random.default_rng(P)
    M, N = 5, 2
    with enable_x64():
        params = {"A": jnp.asarray(rng.uniform(0.3, 0.9, M)), "W": jnp.asarray(0.3 * rng.standard_normal((M, M))),
                  "h": jnp.asarray(0.2 * rng.standard_normal(M)), "L": jnp.asarray(rng.standard_normal((M, N)))}
        windows = jnp.asarray(rng.standard_normal((2, 9, N)))
        force = jnp.asarray(forcing_weights(8, 3) > 0) * alpha
        loss = jax.jit(lambda p: window_loss(p, windows, force, P))
        grad = jax.grad(loss)(params)
        eps = 1e-6
        for name in params:
            for _ in range(3):
                idx = tuple(rng.integers(0, s) for s in params[name].shape)
                if name == "L" and idx[0] < N:
                    idx = (N,) + idx[1:]  # rows < N of L are unused (gradient exactly 0)
                bump = jnp.zeros_like(params[name]).at[idx].set(eps)
                up = dict(params, **{name: params[name] + bump})
                down = dict(params, **{name: params[name] - bump})
                fd = (float(loss(up)) - float(loss(down))) / (2 * eps)
                assert abs(float(grad[name][idx]) - fd) < 1e-6 * max(1.0, abs(fd)), (name, idx)
        assert np.all(np.asarray(grad["L"][:N]) == 0)


@pytest.mark.parametrize("P, alpha, tau, unroll", [(2, 1.0, 3, 1), (0, 1.0, 1, 2), (4, 0.6, 2, 3)])
def test_hand_written_gradient_matches_autodiff(P, alpha, tau, unroll):
    """window_loss's custom VJP (backpropagation through time, parameter gradients as one
    contraction after the backward scan) equals autodiff of the plain scan, for the
    parameters, the windows and the forcing weights, also under vmap."""
    from alrnn.block import _window_loss_scan

    rng = np.random.default_rng(P + 10 * tau)
    M, N = 6, 2
    with enable_x64():
        params = {"A": jnp.asarray(rng.uniform(0.3, 0.9, M)), "W": jnp.asarray(0.4 * rng.standard_normal((M, M))),
                  "h": jnp.asarray(0.2 * rng.standard_normal(M)), "L": jnp.asarray(rng.standard_normal((M, N)))}
        windows = jnp.asarray(rng.standard_normal((3, 11, N)))
        force = jnp.asarray(forcing_weights(10, tau, alpha))

        def auto(p, w, f):
            return _window_loss_scan(P, 1, p, w, f, keep=False)

        def custom(p, w, f):
            return window_loss(p, w, f, P, unroll)

        want = jax.value_and_grad(auto, argnums=(0, 1, 2))(params, windows, force)
        got = jax.jit(jax.value_and_grad(custom, argnums=(0, 1, 2)))(params, windows, force)
        for a, b in zip(jax.tree_util.tree_leaves(want), jax.tree_util.tree_leaves(got)):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)
        stacked = jax.tree_util.tree_map(lambda x: jnp.stack([x, 0.8 * x]), params)
        w2 = jnp.stack([windows, windows[::-1]])
        want = jax.vmap(jax.grad(auto), (0, 0, None))(stacked, w2, force)
        got = jax.jit(jax.vmap(jax.grad(custom), (0, 0, None)))(stacked, w2, force)
        for a, b in zip(jax.tree_util.tree_leaves(want), jax.tree_util.tree_leaves(got)):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)


def test_forcing_cuts_gradient_to_one_step_regression():
    """tau = 1, alpha = 1, M = N: every prediction starts from data, so the loss (and its
    gradient) is the one-step regression loss; nothing flows through earlier states."""
    rng = np.random.default_rng(3)
    with enable_x64():
        p = {"A": jnp.asarray(rng.uniform(0, 1, 2)), "W": jnp.asarray(rng.standard_normal((2, 2))),
             "h": jnp.asarray(rng.standard_normal(2)), "L": jnp.zeros((2, 2))}
        x = jnp.asarray(rng.standard_normal((1, 6, 2)))
        force = jnp.ones(5)

        def one_step(p):
            pred = p["A"] * x[0, :-1] + x[0, :-1] @ p["W"].T + p["h"]
            return jnp.mean((pred - x[0, 1:]) ** 2)

        g1 = jax.grad(lambda q: window_loss(q, x, force, 0))(p)
        g2 = jax.grad(one_step)(p)
        for k in ("A", "W", "h"):
            np.testing.assert_allclose(g1[k], g2[k], rtol=1e-12)


def test_train_is_deterministic_and_learns():
    data = _series()
    r1 = train(data, 6, 1, TINY, seed=3)
    r2 = train(data, 6, 1, TINY, seed=3)
    r3 = train(data, 6, 1, TINY, seed=4)
    for k in ("A", "W", "h", "L"):
        np.testing.assert_array_equal(r1.last_model.to_arrays()[k], r2.last_model.to_arrays()[k])
    assert not np.array_equal(r1.last_model.to_arrays()["W"], r3.last_model.to_arrays()["W"])
    h = r1.history
    assert r1.status == "completed" and len(h["loss"]) == 4 and list(h["eval_epoch"]) == [0, 2, 4]
    assert h["loss"][-1] < h["loss"][0]
    assert r1.best_epoch in (0, 2, 4)
    i = list(h["eval_epoch"]).index(r1.best_epoch)
    assert r1.best_metrics["d_stsp"] == h["d_stsp"][i] == np.nanmin(h["d_stsp"])


def test_progress_on_eval_and_should_stop():
    data = _series()
    calls, evals = [], []
    res = train(data, 6, 1, TINY, seed=0, progress=lambda f, msg, **kw: calls.append((f, kw)),
                on_eval=lambda e, rec, m: evals.append((e, rec, m)), should_stop=lambda: True)
    assert res.status == "stopped" and len(res.history["loss"]) == 2
    assert calls[0][0] == pytest.approx(0.5)
    assert set(calls[0][1]) == {"epoch", "loss", "d_stsp", "d_h"}
    assert evals[0][0] == 2 and {"loss", "d_stsp", "d_h", "pe", "best"} <= set(evals[0][1])
    assert isinstance(evals[0][2], ALRNN)


def test_divergence_raises_with_loss_curve_and_last_finite_checkpoint():
    data = _series()
    cfg = TINY.replace(start_lr=1e30, end_lr=1e29)
    with pytest.raises(TrainingDiverged, match="diverged") as info:
        train(data, 6, 1, cfg, seed=0)
    exc = info.value
    assert isinstance(exc, RuntimeError) and exc.seed == 0 and exc.epoch == 0
    assert all(np.all(np.isfinite(v)) for v in exc.last_model.to_arrays().values())
    assert all(np.all(np.isfinite(v)) for v in exc.best_model.to_arrays().values())
    assert len(exc.history["loss"]) == cfg.eval_every and not np.all(np.isfinite(exc.history["loss"]))


def test_population_isolates_a_diverging_seed():
    """Seed 1 starts from exploding weights (its loss overflows): it alone is a failure."""
    data = _series()
    family = ALRNNFamily(6, 1)
    good = ALRNN(6, 2, 1, seed=0).to_arrays()
    bad = dict(good, W=np.full((6, 6), 1e6, np.float32), A=np.full(6, 1e6, np.float32))
    out = population.train_population(data, family, TINY, seeds=[0, 1], init=[good, bad])
    assert isinstance(out[0], TrainResult) and out[0].status == "completed" and out[0].seed == 0
    assert isinstance(out[1], TrainingDiverged) and out[1].seed == 1 and out[1].epoch == 0


@pytest.mark.slow
def test_population_matches_single_seed_training():
    data = _series()
    pop = train_population(data, 6, 1, TINY, seeds=[3, 4])
    for seed, res in zip((3, 4), pop):
        alone = train(data, 6, 1, TINY, seed=seed)
        assert res.seed == seed and res.best_epoch == alone.best_epoch
        for k in ("A", "W", "h", "L"):
            np.testing.assert_allclose(res.last_model.to_arrays()[k], alone.last_model.to_arrays()[k],
                                       rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(res.history["loss"], alone.history["loss"], rtol=1e-4)
    with pytest.raises(ValueError, match="seeds"):
        train_population(data, 6, 1, TINY, seeds=[])


def test_seeds_split_over_threads_give_the_same_models():
    data = _series()
    together = train_population(data, 6, 1, TINY, seeds=[3, 4, 5])
    seen = []
    split = train_population(data, 6, 1, TINY, seeds=[3, 4, 5], threads=2,
                             on_eval=lambda epoch, rec, model: seen.append(rec["seed"]))
    assert [r.seed for r in split] == [3, 4, 5] and set(seen) == {3, 4, 5}
    for a, b in zip(together, split):
        assert a.best_epoch == b.best_epoch
        np.testing.assert_allclose(a.last_model.to_arrays()["W"], b.last_model.to_arrays()["W"],
                                   rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="threads"):
        train_population(data, 6, 1, TINY, seeds=[3], threads=0)


def test_start_from_given_model():
    data = _series()
    model = ALRNN(6, 2, 1, seed=9)
    res = train(data, config=TINY.replace(epochs=2), model=model, seed=0)
    assert (res.model.M, res.model.P) == (6, 1)
    np.testing.assert_array_equal(model.to_arrays()["W"], ALRNN(6, 2, 1, seed=9).to_arrays()["W"])


@pytest.mark.parametrize("kwargs, match", [
    ({"data": np.full((50, 2), np.nan)}, "data must be finite"),
    ({"data": np.zeros((10, 2))}, "at least seq_len \\+ 1"),
    ({"M": 3, "P": 2}, "N must be in \\[1, M - P\\]"),
    ({"M": 4, "P": 5}, "P must be in"),
    ({"data": np.zeros(50)}, "data must have ndim"),
])
def test_bad_input_raises(kwargs, match):
    args = {"data": _series(60), "M": 6, "P": 1}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        train(args.pop("data"), config=TINY, **args)


def test_config_validation_and_presets():
    with pytest.raises(ValueError, match="tau must be in"):
        TrainConfig(tau=0)
    with pytest.raises(ValueError, match="alpha must be in"):
        TrainConfig(alpha=1.5)
    with pytest.raises(ValueError, match="start_lr must be in"):
        TrainConfig(start_lr=0)
    sizes, cfg = AUTHORS_CONFIGS["rossler"]
    assert sizes == {"M": 20, "P": 1} and (cfg.tau, cfg.seq_len, cfg.start_lr, cfg.epochs) == (8, 300, 5e-3, 3000)
    assert TrainConfig().replace(tau=4).tau == 4


def test_population_trains_members_and_keeps_best():
    data = _series()
    cfg = TINY.replace(population=3, explore_fraction=0.5, eval_starts=2)
    res = train(data, 6, 1, cfg, seed=3)
    h = res.history
    assert res.status == "completed" and len(h["loss"]) == 4 and len(h["member"]) == 3
    assert set(h["member"]) <= {0, 1, 2}
    # after the exploration phase (epochs 0-2) only the member holding the best checkpoint
    # of those evaluations is trained on
    early = np.where(np.isfinite(h["d_stsp"][:2]), h["d_stsp"][:2], np.inf)
    assert h["member"][-1] == h["member"][int(np.argmin(early))]
    assert res.best_metrics["d_stsp"] == np.nanmin(h["d_stsp"])
    again = train(data, 6, 1, cfg, seed=3)
    np.testing.assert_array_equal(again.model.to_arrays()["W"], res.model.to_arrays()["W"])
    with pytest.raises(ValueError, match="population"):
        TrainConfig(population=0)
    with pytest.raises(ValueError, match="explore_fraction"):
        TrainConfig(explore_fraction=1.5)


def test_population_goes_on_from_best_checkpoint(monkeypatch):
    # scripted D_stsp: 3 members at epochs 0 and 2, then the survivor at epoch 4; the best
    # checkpoint of the exploration phase is member 1 at epoch 2. With a vanishing learning
    # rate afterwards, the model trained on stays at that checkpoint.
    scripted = iter([5.0, 5.0, 5.0, 4.0, 1.0, 3.0, 2.0])
    monkeypatch.setattr(sys.modules["alrnn.population"], "population_checkpoint_metrics",
                        lambda family, params, data, **kw: [{"d_stsp": next(scripted), "d_h": 0.1, "pe": 0.0}
                                                            for _ in range(len(params["A"]))])
    cfg = TINY.replace(population=3, explore_fraction=0.5, eval_starts=2, start_lr=1e-2, end_lr=1e-12)
    seen = {}
    res = train(_series(), 6, 1, cfg, seed=3,
                on_eval=lambda epoch, rec, model: seen.setdefault(epoch, model.to_arrays()["W"]))
    assert res.best_epoch == 2 and list(res.history["member"]) == [0, 1, 1]
    np.testing.assert_allclose(res.last_model.to_arrays()["W"], seen[2], atol=1e-4)


def test_checkpoint_key_prefers_low_d_h_then_falls_back_to_d_stsp():
    nan = float("nan")
    ckpts = [{"d_stsp": 1.5, "d_h": 0.40}, {"d_stsp": 2.2, "d_h": 0.10}, {"d_stsp": 2.0, "d_h": 0.12},
             {"d_stsp": nan, "d_h": 0.05}, {"d_stsp": 1.0, "d_h": nan}]
    best = min(range(len(ckpts)), key=lambda i: checkpoint_key(ckpts[i], 0.12))
    assert best == 2                    # lowest D_stsp among D_H <= 0.12 (threshold inclusive)
    assert min(range(5), key=lambda i: checkpoint_key(ckpts[i], 0.11)) == 1
    assert min(range(5), key=lambda i: checkpoint_key(ckpts[i])) == 4      # D_stsp alone
    # nothing qualifies: minimum D_stsp; NaN D_stsp ranks last, NaN D_H never qualifies
    assert min(range(5), key=lambda i: checkpoint_key(ckpts[i], 0.01)) == 4
    assert checkpoint_key(ckpts[3], 0.2) == (0, np.inf)
    assert checkpoint_key(ckpts[4], 0.2) == (1, 1.0)
    with pytest.raises(ValueError, match="d_h_max"):
        checkpoint_key(ckpts[0], -0.1)
    with pytest.raises(ValueError, match="select_d_h_max"):
        TrainConfig(select_d_h_max=-1.0)


def test_checkpoint_key_with_targets_ranks_by_the_worse_relative_score():
    nan = float("nan")
    ckpts = [{"d_stsp": 2.0, "d_h": 0.45}, {"d_stsp": 2.7, "d_h": 0.20}, {"d_stsp": 2.4, "d_h": 0.33},
             {"d_stsp": nan, "d_h": 0.01}, {"d_stsp": 0.5, "d_h": nan}]
    keys = [checkpoint_key(c, targets=(2.5, 0.3)) for c in ckpts]
    # max(0.8, 1.5), max(1.08, 0.667), max(0.96, 1.1); a NaN in either score ranks last
    np.testing.assert_allclose([k[1] for k in keys[:3]], [1.5, 1.08, 1.1])
    assert keys[3] == keys[4] == (0, np.inf)
    assert min(range(5), key=keys.__getitem__) == 1          # the authors' rule would take 4, then 0
    assert min(range(3), key=lambda i: checkpoint_key(ckpts[i])) == 0
    for bad in ((2.5,), (0.0, 0.3), (2.5, -1.0), "2.5,0.3"):
        with pytest.raises(ValueError, match="select_targets"):
            TrainConfig(select_targets=bad)
    with pytest.raises(ValueError, match="set one"):
        TrainConfig(select_targets=(2.5, 0.3), select_d_h_max=0.2)


def test_train_selects_checkpoint_by_targets(monkeypatch):
    # epochs 0, 2, 4: epoch 2 has the lowest D_stsp but D_H far above its target; epoch 4
    # meets both targets best
    scripted = [(5.0, 0.5), (1.0, 0.6), (2.0, 0.2)]

    def fake_metrics(family, params, data, **kw):
        calls.append(1)
        d_stsp, d_h = scripted[len(calls) - 1]
        return [{"d_stsp": d_stsp, "d_h": d_h, "pe": 0.0}]

    monkeypatch.setattr(sys.modules["alrnn.population"], "population_checkpoint_metrics", fake_metrics)
    for targets, epoch in ((None, 2), ((2.5, 0.3), 4)):
        calls = []
        res = train(_series(), 6, 1, TINY.replace(select_targets=targets), seed=3)
        assert res.best_epoch == epoch


def test_train_selects_checkpoint_by_d_h_threshold(monkeypatch):
    # scripted training-time scores at epochs 0, 2, 4: the lowest D_stsp (epoch 2) has a high
    # D_H; with a threshold the best checkpoint is epoch 4, without it epoch 2
    scripted = [(5.0, 0.5), (1.0, 0.4), (2.0, 0.1)]

    def fake_metrics(family, params, data, **kw):
        d_stsp, d_h = scripted[len(calls)]
        calls.append(np.asarray(params["W"][0]))
        return [{"d_stsp": d_stsp, "d_h": d_h, "pe": 0.0}]

    monkeypatch.setattr(sys.modules["alrnn.population"], "population_checkpoint_metrics", fake_metrics)
    data = _series()
    for thr, epoch in ((None, 2), (0.2, 4), (0.05, 2)):     # 0.05: none qualifies, fallback
        calls = []
        res = train(data, 6, 1, TINY.replace(select_d_h_max=thr), seed=3)
        assert res.best_epoch == epoch
        assert res.best_metrics["d_stsp"] == scripted[epoch // 2][0]
        np.testing.assert_array_equal(res.model.to_arrays()["W"], calls[epoch // 2])


_INTERRUPTED = """
import sys
import numpy as np
from alrnn.train import TrainConfig, train
t = np.arange(2000) * 0.2
data = np.stack([np.sin(t), np.cos(t)], axis=1)
cfg = TrainConfig(epochs=100000, batches_per_epoch=20, batch_size=8, seq_len=50, tau=5, eval_every=1,
                  n_bins=10, pe_steps=5)
def progress(fraction, message, **kw):
    print("training", flush=True)
train(data, 6, 1, cfg, seed=0, progress=progress)
"""


@pytest.mark.slow
def test_sigint_during_training_exits_cleanly():
    """Ctrl-C while a real process trains: KeyboardInterrupt unwinds, no segfault, quickly."""
    import os
    import signal
    import subprocess

    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONFAULTHANDLER="1")
    proc = subprocess.Popen([sys.executable, "-c", _INTERRUPTED], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        for _ in range(2):                      # two finished blocks: compiled and running
            assert proc.stdout.readline().strip() == "training", proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)  # a hang guard, not a timing assertion
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode in (-signal.SIGINT, 1, 130), (proc.returncode, err[-2000:])
    assert "KeyboardInterrupt" in err and "Segmentation fault" not in err


@pytest.mark.slow
def test_diverging_run_is_failed_with_exit_1(tmp_path):
    """A real `workbench run` whose training diverges ends `failed`, exit 1, never analysed."""
    import subprocess
    from pathlib import Path

    from workbench.store import Store

    store = tmp_path / "s.zarr"
    cmd = [str(Path(sys.executable).parent / "workbench"), "run", "alrnn.lorenz63", "--store", str(store)]
    for s in ("start_lr=1e6", "end_lr=1e5", "epochs=20", "n_train=2000", "n_test=2000", "eval_steps=0",
              "population=1", "symbolic_steps=500"):
        cmd += ["--set", s]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 1, out.stderr[-2000:]
    assert "TrainingDiverged" in out.stderr
    (run,) = [Store(store).open(r.id) for r in Store(store).runs()]
    assert run.status == "failed" and "d_stsp" not in run.metrics
