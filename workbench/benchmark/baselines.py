"""Classic baselines behind the benchmark protocol: SINDy.

``sindy`` (registered in the ``workbench.benchmark_models`` group): sparse identification
of nonlinear dynamics (Brunton, Proctor & Kutz 2016, PNAS 113:3932) with ``pysindy``:

.. math:: \\dot x = \\Xi\\, \\Theta(x)

with :math:`\\Theta` the monomials of degree ≤ 2 (degree 1 above 5 dimensions, where the
quadratic library outgrows the data), :math:`\\Xi` found by sequentially thresholded least
squares (STLSQ), derivatives from ``SmoothedFiniteDifference`` (Savitzky-Golay smoothing) when
the training data are noisy and fourth-order central differences otherwise (second order
is too crude for Rössler at dt = 0.08: the identified field then has a limit cycle).
Without a known sampling interval (``dt`` None: ECG, fMRI) the discrete-time form
:math:`x_{t+1} = \\Xi\\, \\Theta(x_t)` is fitted instead. The STLSQ threshold is
chosen on a validation split of the training data (the last 20 %, by the D_stsp of a free run
over it); the model is then refitted on all training rows. Generation integrates the
identified field with classical RK4 (``substeps`` steps per sample), vectorised over batches.
"""

from __future__ import annotations

import time

import numpy as np

from workbench.metrics import state_space_divergence

from .protocol import DatasetInfo, TrainingDiverged

__all__ = ["SindyModel", "make_sindy"]


class SindyModel:
    """SINDy with a polynomial library and STLSQ (see the module docstring).

    Parameters
    ----------
    dt : float or None
        Sampling interval (continuous time) or None (discrete-time map).
    degree : int
        Polynomial degree of the library.
    thresholds : sequence of float
        STLSQ thresholds tried on the validation split.
    smooth : bool
        Smoothed finite differences (noisy data) instead of plain ones.
    max_rows : int
        At most this many training rows are used.
    substeps : int
        RK4 steps per sample in generation.
    """

    warmup = 1

    def __init__(self, dt, degree=2, thresholds=(0.02, 0.05, 0.1, 0.2), smooth=True,
                 max_rows=100_000, substeps=2):
        self.dt = dt
        self.degree = int(degree)
        self.thresholds = tuple(float(t) for t in thresholds)
        self.smooth = bool(smooth)
        self.max_rows = int(max_rows)
        self.substeps = int(substeps)
        self.n_parameters = 0
        self._coef = None
        self._powers = None

    def _fit_once(self, x, threshold):
        import pysindy as ps

        optimizer = ps.STLSQ(threshold=threshold)
        library = ps.PolynomialLibrary(degree=self.degree)
        if self.dt is None:
            model = ps.DiscreteSINDy(optimizer=optimizer, feature_library=library)
            model.fit(x, t=1)
        else:
            diff = ps.SmoothedFiniteDifference() if self.smooth else ps.FiniteDifference(order=4)
            model = ps.SINDy(optimizer=optimizer, feature_library=library,
                             differentiation_method=diff)
            model.fit(x, t=float(self.dt))
        coef = np.asarray(model.coefficients(), dtype=float)
        if not np.all(np.isfinite(coef)):
            raise TrainingDiverged(f"SINDy coefficients are not finite (threshold {threshold:g})")
        return coef, np.asarray(model.feature_library.powers_, dtype=int)

    def fit(self, train, seed, progress=None):
        """Choose the STLSQ threshold on the last 20 % of ``train``, refit on all of it.

        ``seed`` is unused: STLSQ is deterministic.
        """
        start = time.perf_counter()
        x = np.asarray(train, dtype=float)[:self.max_rows]
        cut = int(0.8 * x.shape[0])
        val = x[cut:cut + 5000]
        scores = {}
        for i, threshold in enumerate(self.thresholds):
            if progress:
                progress(i / (len(self.thresholds) + 1), f"threshold {threshold:g}")
            self._coef, self._powers = self._fit_once(x[:cut], threshold)
            gen = self.generate(val[:1], val.shape[0])
            score = state_space_divergence(val, gen) if np.all(np.isfinite(gen)) else np.inf
            scores[f"{threshold:g}"] = float(score) if np.isfinite(score) else float("inf")
        best = min(self.thresholds, key=lambda t: scores[f"{t:g}"])
        self._coef, self._powers = self._fit_once(x, best)
        self.n_parameters = int(np.count_nonzero(self._coef))
        return {"threshold": best, "validation_d_stsp": scores, "rows": int(x.shape[0]),
                "library_size": int(self._coef.size), "active_terms": self.n_parameters,
                "discrete_time": self.dt is None, "seconds": time.perf_counter() - start}

    # -- the identified model -------------------------------------------------------------
    def _field(self, x):
        """:math:`\\Xi\\,\\Theta(x)` for a batch ``x`` (B, d)."""
        theta = np.prod(x[:, None, :] ** self._powers[None, :, :], axis=2)
        return theta @ self._coef.T

    def _step(self, x):
        if self.dt is None:
            return self._field(x)
        h = float(self.dt) / self.substeps
        for _ in range(self.substeps):
            k1 = self._field(x)
            k2 = self._field(x + 0.5 * h * k1)
            k3 = self._field(x + 0.5 * h * k2)
            k4 = self._field(x + h * k3)
            x = x + (h / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
        return x

    def _run(self, x0, n_steps):
        """Rows 0 .. n_steps-1 of free runs from the batch ``x0`` (B, d); NaN once diverged."""
        out = np.full((x0.shape[0], n_steps, x0.shape[1]), np.nan)
        x = np.array(x0, dtype=float)
        out[:, 0] = x
        alive = np.ones(x.shape[0], dtype=bool)
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(1, n_steps):
                x = self._step(x)
                alive &= np.all(np.isfinite(x), axis=1) & (np.abs(x).max(axis=1) < 1e6)
                if not alive.any():
                    break
                x[~alive] = 0.0
                out[alive, t] = x[alive]
        return out

    def generate(self, warmup, n_steps):
        """Free run from ``warmup[-1]`` (row 0 is that point)."""
        return self._run(np.asarray(warmup, dtype=float)[-1:], int(n_steps))[0]

    def predict(self, windows, n):
        """n steps from the last point of every window."""
        return self._run(np.asarray(windows, dtype=float)[:, -1], int(n) + 1)[:, 1:]


def make_sindy(dataset: DatasetInfo, quick: bool) -> SindyModel:
    """SINDy for ``dataset``: degree 2 up to 5-D, else 1; quick: 20 000 rows, 3 thresholds."""
    degree = 2 if dataset.dim <= 5 else 1
    substeps = 1 if dataset.dt is None else (2 if dataset.dt <= 0.02 else 4)
    thresholds = (0.01, 0.05, 0.1) if quick else (0.005, 0.01, 0.02, 0.05, 0.1, 0.2)
    return SindyModel(dataset.dt, degree=degree, thresholds=thresholds, smooth=dataset.noisy,
                      max_rows=20_000 if quick else 100_000, substeps=substeps)
