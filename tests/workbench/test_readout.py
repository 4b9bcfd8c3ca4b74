"""Tests of workbench.readout.RidgeReadout (scikit-learn as the reference)."""

import numpy as np
import pytest
from sklearn.linear_model import Ridge, RidgeCV
from sklearn.model_selection import KFold

from workbench.readout import DEFAULT_ALPHAS, RidgeReadout


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 6)) + 5.0            # offset: the intercept matters
    W = rng.normal(size=(6, 3))
    Y = X @ W + 2.0 + rng.normal(size=(240, 3)) * np.array([0.1, 1.0, 5.0])
    return X, Y


@pytest.mark.parametrize("alpha", [1e-6, 0.3, 50.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_fixed_alpha_matches_sklearn_ridge(data, alpha, fit_intercept):
    X, Y = data
    ours = RidgeReadout(alpha=alpha, fit_intercept=fit_intercept).fit(X, Y)
    ref = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, Y)
    np.testing.assert_allclose(ours.coef_, ref.coef_.T, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, np.broadcast_to(ref.intercept_, (3,)),
                               rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-9, atol=1e-8)
    assert ours.alpha_ == alpha and ours.cv_mse_ is None


@pytest.mark.parametrize("offset", [0.5, 1e3, 1e7])
def test_fixed_alpha_accurate_with_large_offsets(offset):
    """Small offsets centre the moments algebraically, large ones centre a copy of the data;
    both stay as accurate as scikit-learn (which centres the data)."""
    rng = np.random.default_rng(1)
    X = offset + 0.1 * rng.normal(size=(500, 5))
    Y = (X - offset) @ rng.normal(size=(5, 2)) + rng.normal(size=(500, 2)) * 0.01
    ours = RidgeReadout(alpha=1e-6).fit(X, Y)
    ref = Ridge(alpha=1e-6).fit(X, Y)
    np.testing.assert_allclose(ours.coef_, ref.coef_.T, rtol=1e-7, atol=1e-9)
    # predictions X W + b cancel ~offset-sized terms: compare at that rounding level
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-15 * offset * 100)


def test_fixed_alpha_falls_back_when_not_positive_definite():
    """Duplicated columns and a penalty below rounding: Cholesky fails, and the eigen solver
    returns the minimum-norm least-squares solution."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(300, 3))
    X = np.hstack([x, x, x])
    Y = x @ [1.0, 2.0, 3.0]
    ours = RidgeReadout(alpha=1e-30).fit(X, Y)
    np.testing.assert_allclose(ours.predict(X), Y, atol=1e-9)
    np.testing.assert_allclose(ours.coef_[:, 0], np.tile([1.0, 2.0, 3.0], 3) / 3, atol=1e-9)


def test_kfold_selection_matches_sklearn_ridgecv(data):
    X, Y = data
    alphas = np.logspace(-3, 4, 15)
    ours = RidgeReadout(alphas, cv=5).fit(X, Y)
    ref = RidgeCV(alphas=alphas, cv=KFold(5), scoring="neg_mean_squared_error").fit(X, Y)
    assert ours.alpha_ == pytest.approx(ref.alpha_)
    np.testing.assert_allclose(ours.coef_, ref.coef_.T, rtol=1e-8, atol=1e-10)
    assert ours.cv_mse_.shape == (15, 3)


def test_cv_mse_equals_explicit_fold_refits(data):
    X, Y = data
    alphas = np.array([1e-4, 1.0, 1e3])
    ours = RidgeReadout(alphas, cv=4).fit(X, Y)
    edges = np.linspace(0, len(X), 5).round().astype(int)
    for i, a in enumerate(alphas):
        fold_mse = []
        for lo, hi in zip(edges[:-1], edges[1:]):
            train = np.r_[0:lo, hi:len(X)]
            pred = Ridge(alpha=a).fit(X[train], Y[train]).predict(X[lo:hi])
            fold_mse.append(np.mean((pred - Y[lo:hi]) ** 2, axis=0))
        np.testing.assert_allclose(ours.cv_mse_[i], np.mean(fold_mse, axis=0), rtol=1e-7)


def test_holdout_per_target_selection(data):
    X, Y = data
    alphas = np.logspace(-4, 4, 9)
    ours = RidgeReadout(alphas, cv=0.25, alpha_per_target=True).fit(X, Y)
    n_val = 60
    mse = np.array([np.mean((Ridge(alpha=a).fit(X[:-n_val], Y[:-n_val]).predict(X[-n_val:])
                             - Y[-n_val:]) ** 2, axis=0) for a in alphas])
    np.testing.assert_allclose(ours.cv_mse_, mse, rtol=1e-7)
    np.testing.assert_array_equal(ours.alpha_, alphas[np.argmin(mse, axis=0)])
    # final coefficients: refit on all rows, each target with its own penalty
    for j, a in enumerate(ours.alpha_):
        ref = Ridge(alpha=a).fit(X, Y[:, j])
        np.testing.assert_allclose(ours.coef_[:, j], ref.coef_, rtol=1e-7, atol=1e-10)


def test_noisier_target_gets_larger_penalty():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 30))
    w = rng.normal(size=30) * 0.2
    Y = np.column_stack([X @ w, X @ w + rng.normal(size=120) * 20.0])
    r = RidgeReadout(np.logspace(-6, 4, 11), cv=5, alpha_per_target=True).fit(X, Y)
    assert r.alpha_[1] > r.alpha_[0]


def test_exact_linear_map_recovered_and_1d_target():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 3.0
    r = RidgeReadout().fit(X, y)
    np.testing.assert_array_equal(r.alphas_, DEFAULT_ALPHAS)
    assert r.alpha_ <= 1e-4          # a noise-free map prefers the smallest penalties
    assert r.coef_.shape == (4, 1) and r.intercept_.shape == (1,)
    pred = r.predict(X)
    assert pred.shape == (200,)
    np.testing.assert_allclose(pred, y, atol=1e-6)
    np.testing.assert_allclose(r.intercept_, [3.0], atol=1e-6)


@pytest.mark.parametrize("kwargs, word", [
    ({"alpha": 1.0, "alphas": [1.0, 2.0]}, "alpha"),
    ({"alpha": -1.0}, "alpha"),
    ({"alphas": [1.0, 0.0]}, "alphas"),
    ({"alphas": []}, "alphas"),
    ({"cv": 1}, "cv"),
    ({"cv": 1.5}, "cv"),
    ({"cv": True}, "cv"),
    ({"fit_intercept": "yes"}, "fit_intercept"),
])
def test_bad_constructor_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        RidgeReadout(**kwargs)


def test_bad_fit_and_predict_inputs():
    X = np.ones((20, 3)) + np.arange(20)[:, None]
    with pytest.raises(ValueError, match="X"):
        RidgeReadout().fit(np.full((20, 3), np.nan), np.zeros(20))
    with pytest.raises(ValueError, match="Y"):
        RidgeReadout().fit(X, np.zeros(19))
    with pytest.raises(ValueError, match="cv"):
        RidgeReadout(cv=5).fit(X[:4], np.zeros(4))
    with pytest.raises(ValueError, match="not fitted"):
        RidgeReadout().predict(X)
    r = RidgeReadout(alpha=1.0).fit(X, np.arange(20.0))
    with pytest.raises(ValueError, match="X"):
        r.predict(np.ones((5, 4)))
