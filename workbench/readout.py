"""Linear ridge readout with a cross-validated penalty, shared by every reservoir.

All penalties of the grid and all targets are solved from one eigendecomposition of the
(centred) state Gram matrix per training set, and validation errors are computed from
per-block sufficient statistics, so a grid search costs barely more than one fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import linalg
from scipy.linalg import lapack

from .validation import check_array, check_choice, check_int, check_positive, check_range

__all__ = ["DEFAULT_ALPHAS", "RidgeReadout"]

#: Default log grid of ridge penalties, 1e-8 ... 1e2.
DEFAULT_ALPHAS = np.logspace(-8, 2, 11)


@dataclass(frozen=True)
class _Moments:
    """Sufficient statistics of a block of rows: n, sums, cross products."""

    n: int
    sx: np.ndarray  # (p,)    sum of x
    sy: np.ndarray  # (m,)    sum of y
    xx: np.ndarray  # (p, p)  sum of x x^T
    xy: np.ndarray  # (p, m)  sum of x y^T
    yy: np.ndarray  # (m,)    sum of y^2 per target

    def __add__(self, other):
        return _Moments(self.n + other.n, self.sx + other.sx, self.sy + other.sy,
                        self.xx + other.xx, self.xy + other.xy, self.yy + other.yy)

    def __sub__(self, other):
        return _Moments(self.n - other.n, self.sx - other.sx, self.sy - other.sy,
                        self.xx - other.xx, self.xy - other.xy, self.yy - other.yy)

    @classmethod
    def of(cls, x, y):
        return cls(x.shape[0], x.sum(axis=0), y.sum(axis=0), x.T @ x, x.T @ y,
                   np.einsum("tm,tm->m", y, y))


@dataclass(frozen=True)
class _EigenSolution:
    """Ridge solutions for every penalty, W(a) = V diag(1/(s+a)) P, from one eigh."""

    s: np.ndarray   # (p,) eigenvalues of the centred Gram matrix (clipped at 0)
    v: np.ndarray   # (p, p) eigenvectors
    p: np.ndarray   # (p, m) V^T C, C the centred cross product
    mx: np.ndarray  # (p,) training mean of x (zeros without intercept)
    my: np.ndarray  # (m,) training mean of y

    def coef(self, alpha):
        """Coefficients (p, m); ``alpha`` scalar or one penalty per target (m,)."""
        alpha = np.asarray(alpha, dtype=float)
        return self.v @ (self.p / (self.s[:, None] + alpha))


def _centred(mom, fit_intercept):
    """Means, centred Gram matrix and centred cross product of the moments."""
    if fit_intercept:
        mx, my = mom.sx / mom.n, mom.sy / mom.n
        return mx, my, mom.xx - np.outer(mom.sx, mx), mom.xy - np.outer(mom.sx, my)
    return np.zeros_like(mom.sx), np.zeros_like(mom.sy), mom.xx, mom.xy


def _solve(mom, fit_intercept):
    """Centre the moments (when fitting an intercept) and diagonalise the Gram matrix.

    Eigen-directions whose eigenvalue is below rounding (``<= p * eps * s_max``) are
    numerically null: they carry no signal, so their component of the cross product (pure
    rounding noise) is dropped, which gives the minimum-norm solution when the penalty is
    tiny (as an SVD solver does).
    """
    mx, my, gram, cross = _centred(mom, fit_intercept)
    s, v = linalg.eigh(0.5 * (gram + gram.T), check_finite=False)
    null = s <= s.size * np.finfo(float).eps * max(s[-1], 0.0)
    s = np.where(null, 0.0, s)
    proj = v.T @ cross
    proj[null] = 0.0
    return _EigenSolution(s, v, proj, mx, my)


#: Largest rounding error of an algebraically centred Gram diagonal entry,
#: ``eps sqrt(n) sum_t x_tj^2``, relative to the centred entry plus the penalty; features
#: above it get their rows of the Gram matrix recomputed from centred data.
_CENTRING_TOLERANCE = 1e-8


def _centred_gram(x, mx, alpha):
    """``X_c^T X_c`` without copying ``X``: the raw ``X^T X - n m m^T``, with the rows of the
    features whose means are large against their spread recomputed from centred columns.

    The subtraction leaves a rounding error of about ``eps sqrt(n) sum_t x_tj^2`` on entry
    ``(j, j)``; where that exceeds :data:`_CENTRING_TOLERANCE` of the centred entry plus
    ``alpha``, row and column ``j`` are replaced by ``x_cj^T X - (sum_t x_cj) m^T`` with
    ``x_cj = x_j - m_j`` (and ``x_cj^T x_ck`` between two such features), which is as
    accurate as centring the data.
    """
    n = x.shape[0]
    gram = x.T @ x
    raw = np.diag(gram).copy()
    gram -= n * np.outer(mx, mx)
    error = np.finfo(float).eps * np.sqrt(n) * raw
    bad = np.flatnonzero(error > _CENTRING_TOLERANCE * (np.maximum(np.diag(gram), 0.0) + alpha))
    if bad.size:
        xb = x[:, bad] - mx[bad]
        rows = xb.T @ x - np.outer(xb.sum(axis=0), mx)
        gram[bad, :] = rows
        gram[:, bad] = rows.T
        gram[np.ix_(bad, bad)] = xb.T @ xb     # both sides centred: no offset left at all
    return gram


def _solve_fixed(x, y, fit_intercept, alpha):
    """Coefficients ``(p, m)``, x and y means for one fixed penalty.

    Cholesky solve of ``(X_c^T X_c + alpha I) W = X_c^T Y_c`` (LAPACK ``potrf``/``potrs``),
    about twice as fast as the eigendecomposition that serves a whole grid of penalties;
    falls back to it when the matrix is numerically not positive definite. ``X`` is never
    copied (:func:`_centred_gram`); ``Y`` is centred.
    """
    if fit_intercept:
        mx, my = x.mean(axis=0), y.mean(axis=0)
        yc = y - my
        gram = _centred_gram(x, mx, alpha)
        cross = x.T @ yc - np.outer(mx, yc.sum(axis=0))
    else:
        mx, my = np.zeros(x.shape[1]), np.zeros(y.shape[1])
        gram, cross = x.T @ x, x.T @ y
    gram[np.diag_indices_from(gram)] += alpha
    # gram is symmetric, so its transpose is the Fortran-ordered matrix LAPACK factors in place
    factor, info = lapack.dpotrf(gram.T, lower=False, clean=False, overwrite_a=True)
    if info != 0:
        sol = _solve(_Moments.of(x - mx, y - my), fit_intercept)
        return sol.coef(alpha), mx + sol.mx, my + sol.my
    coef, _ = lapack.dpotrs(factor, cross, lower=False)
    return coef, mx, my


def _validation_mse(sol, block, alphas):
    """Mean squared validation error (n_alphas, m) of ``sol`` on the rows in ``block``.

    With residual r = (y - m_y) - (x - m_x) W and W = V B, B = diag(1/(s+a)) P::

        sum_t r^2 = Cyy - 2 sum_i B_i (V^T Cxy)_i + sum_i B_i ((V^T Cxx V) B)_i

    where Cxx, Cxy, Cyy are the validation block's moments about the training means.
    """
    n, mx, my = block.n, sol.mx, sol.my
    cxx = (block.xx - np.outer(block.sx, mx) - np.outer(mx, block.sx) + n * np.outer(mx, mx))
    cxy = (block.xy - np.outer(block.sx, my) - np.outer(mx, block.sy) + n * np.outer(mx, my))
    cyy = block.yy - 2.0 * my * block.sy + n * my ** 2
    cxx_e = sol.v.T @ cxx @ sol.v
    cxy_e = sol.v.T @ cxy
    out = np.empty((len(alphas), cyy.shape[0]))
    for i, a in enumerate(alphas):
        b = sol.p / (sol.s[:, None] + a)
        sse = cyy - 2.0 * np.einsum("pm,pm->m", b, cxy_e) + np.einsum("pm,pm->m", b, cxx_e @ b)
        out[i] = np.clip(sse, 0.0, None) / n
    return out


def _block_bounds(n_rows, cv):
    """Row ranges of the validation blocks: k contiguous folds, or one trailing hold-out."""
    if isinstance(cv, (int, np.integer)):
        edges = np.linspace(0, n_rows, int(cv) + 1).round().astype(int)
        return list(zip(edges[:-1], edges[1:])), list(range(int(cv)))
    n_val = int(round(cv * n_rows))
    return [(0, n_rows - n_val), (n_rows - n_val, n_rows)], [1]


class RidgeReadout:
    r"""Ridge regression readout with intercept and a penalty chosen by validation.

    Solves, for every target column :math:`j`,

    .. math::

        \hat w_j, \hat b_j = \arg\min_{w, b} \sum_t \big(y_{tj} - x_t^\top w - b\big)^2
                              + \alpha_j \lVert w \rVert^2 ,

    i.e. :math:`W = (X_c^\top X_c + \alpha I)^{-1} X_c^\top Y_c` on centred data
    (Tikhonov / ridge regression; the readout of echo state networks, Jaeger 2001;
    Lukoševičius & Jaeger 2009, eq. 9). The intercept is not penalised.

    Parameters
    ----------
    alphas : array_like, optional
        Grid of penalties (all > 0) searched by validation. Default ``np.logspace(-8, 2, 11)``.
        Mutually exclusive with ``alpha``.
    alpha : float, optional
        A fixed penalty (> 0): no validation.
    fit_intercept : bool, default True
        Fit an unpenalised intercept (centre X and Y on the training rows).
    cv : int or float, default 5
        ``int k >= 2``: k contiguous (unshuffled, time-ordered) folds; the score of a
        penalty is the mean over folds of the validation MSE (as scikit-learn's
        ``RidgeCV(cv=KFold(k))``). ``float`` in (0, 1): hold-out validation on the last
        ``cv`` fraction of the rows.
    alpha_per_target : bool, default False
        Choose one penalty per target column (e.g. one per delay in memory capacity)
        instead of one penalty minimising the MSE averaged over targets.

    Attributes
    ----------
    alpha_ : float or ndarray of shape (n_targets,)
        Selected penalty (an array when ``alpha_per_target``).
    coef_ : ndarray of shape (n_features, n_targets)
    intercept_ : ndarray of shape (n_targets,)
    cv_mse_ : ndarray of shape (n_alphas, n_targets) or None
        Validation MSE of each penalty and target (None when ``alpha`` was fixed).
    alphas_ : ndarray
        The penalties considered.

    Notes
    -----
    One symmetric eigendecomposition :math:`X_c^\top X_c = V \operatorname{diag}(s) V^\top`
    per training set gives
    :math:`W(\alpha) = V \operatorname{diag}(1/(s+\alpha)) V^\top X_c^\top Y_c`
    for every penalty and target. Validation errors are evaluated from the sums,
    cross products and Gram matrices of contiguous row blocks (training moments are the
    total minus the held-out block), so the data are read once.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 4)); Y = X @ [1.0, -2.0, 0.5, 0.0] + 3.0
    >>> r = RidgeReadout().fit(X, Y)
    >>> np.allclose(r.predict(X), Y, atol=1e-4)
    True
    """

    def __init__(self, alphas: ArrayLike | None = None, *, alpha: float | None = None,
                 fit_intercept: bool = True, cv: float = 5,
                 alpha_per_target: bool = False) -> None:
        if alpha is not None and alphas is not None:
            raise ValueError("give either alpha (a fixed penalty) or alphas (a grid), not both")
        if alpha is not None:
            check_positive(alpha, "alpha")
            grid = np.array([float(alpha)])
        else:
            grid = check_array(DEFAULT_ALPHAS if alphas is None else alphas, "alphas", ndim=1,
                               min_length=1)
            check_positive(grid, "alphas")
        check_choice(fit_intercept, "fit_intercept", (True, False))
        check_choice(alpha_per_target, "alpha_per_target", (True, False))
        if isinstance(cv, (bool, np.bool_)):
            raise ValueError(f"cv must be an integer >= 2 or a fraction in (0, 1), got {cv!r}")
        if isinstance(cv, (int, np.integer)):
            cv = check_int(cv, "cv", 2, None)
        else:
            check_range(cv, "cv", 0.0, 1.0, low_inclusive=False, high_inclusive=False)
            cv = float(cv)
        self.alphas = grid
        self.alpha = None if alpha is None else float(alpha)
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.alpha_per_target = alpha_per_target

    # -- fitting --------------------------------------------------------------------------
    def fit(self, X: ArrayLike, Y: ArrayLike) -> RidgeReadout:
        """Fit the readout.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            States (e.g. reservoir states after washout).
        Y : array_like of shape (n_samples,) or (n_samples, n_targets)
            Targets.

        Returns
        -------
        RidgeReadout
            ``self``.
        """
        x: np.ndarray = check_array(X, "X", ndim=2, min_length=2)
        y: np.ndarray = check_array(Y, "Y", ndim=(1, 2))
        if y.shape[0] != x.shape[0]:
            raise ValueError(f"Y must have as many rows as X ({x.shape[0]}), got {y.shape[0]}")
        self._y_1d = y.ndim == 1
        y2 = y[:, None] if self._y_1d else y
        if self.alpha is not None:
            self.cv_mse_ = None
            alpha = self.alpha
            coef, x_mean, y_mean = _solve_fixed(x, y2, self.fit_intercept, alpha)
        else:
            x0 = x.mean(axis=0) if self.fit_intercept else np.zeros(x.shape[1])
            y0 = y2.mean(axis=0) if self.fit_intercept else np.zeros(y2.shape[1])
            xs, ys = x - x0, y2 - y0           # shift for numerical accuracy of the moments
            total, val_blocks = self._blocks(xs, ys)
            self.cv_mse_ = self._score(total, val_blocks)
            alpha = self._select(self.cv_mse_)
            sol = _solve(total, self.fit_intercept)
            coef, x_mean, y_mean = sol.coef(alpha), x0 + sol.mx, y0 + sol.my
        self.coef_ = coef
        self.intercept_ = y_mean - x_mean @ coef   # zero without intercept
        self.alpha_ = alpha if np.ndim(alpha) else float(alpha)
        self.alphas_ = self.alphas
        self.n_features_in_ = x.shape[1]
        return self

    def _blocks(self, xs, ys):
        """Total moments and the moments of each validation block."""
        n = xs.shape[0]
        bounds, val_idx = _block_bounds(n, self.cv)
        sizes = [b - a for a, b in bounds]
        if min(sizes[i] for i in val_idx) < 1 or n - max(sizes[i] for i in val_idx) < 2:
            raise ValueError(f"X has {n} rows: too few for cv={self.cv!r} "
                             "(each validation block needs >= 1 row, each training set >= 2)")
        moms = [_Moments.of(xs[a:b], ys[a:b]) for a, b in bounds]
        total = moms[0]
        for m in moms[1:]:
            total = total + m
        return total, [moms[i] for i in val_idx]

    def _score(self, total, val_blocks):
        """Mean over folds of the validation MSE, shape (n_alphas, n_targets)."""
        score = 0.0
        for block in val_blocks:
            sol = _solve(total - block, self.fit_intercept)
            score = score + _validation_mse(sol, block, self.alphas)
        return score / len(val_blocks)

    def _select(self, mse):
        if self.alpha_per_target:
            return self.alphas[np.argmin(mse, axis=0)]
        return float(self.alphas[np.argmin(mse.mean(axis=1))])

    # -- prediction -----------------------------------------------------------------------
    def predict(self, X: ArrayLike) -> np.ndarray:
        """Readout output :math:`\\hat Y = X W + b`.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
            1-D when the readout was fitted on a 1-D target.
        """
        if not hasattr(self, "coef_"):
            raise ValueError("RidgeReadout is not fitted: call fit(X, Y) first")
        x = check_array(X, "X", ndim=2, shape=(None, self.n_features_in_))
        out = x @ self.coef_ + self.intercept_
        return out[:, 0] if self._y_1d else out

    def __repr__(self):
        pen = (f"alpha={self.alpha}" if self.alpha is not None
               else f"alphas[{len(self.alphas)}]")
        return (f"RidgeReadout({pen}, fit_intercept={self.fit_intercept}, cv={self.cv!r}, "
                f"alpha_per_target={self.alpha_per_target})")
