"""Reconstruction quality of an AL-RNN: D_stsp, D_H and PE(n) with ``workbench.metrics``.

Two protocols (``docs/alrnn.md`` §3.6):

* training-time (:func:`checkpoint_metrics`): free run from :math:`x_1` of the series, as long
  as the series, compared with it (used to select the best checkpoint by D_stsp), or free
  runs from several points of the series (robust to coexisting attractors);
* lab/test (:func:`evaluate`): free run of :math:`1.25\\,T` steps from the first test point,
  the first :math:`0.25\\,T` discarded, compared with the whole test series of length T.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from workbench import metrics
from workbench.validation import check_array, check_int, check_range

from .model import ALRNN, initial_state, step

__all__ = ["checkpoint_metrics", "evaluate", "generate_observations", "n_step_predictor",
           "population_checkpoint_metrics", "score_trajectory"]


@partial(jax.jit, static_argnames=("n", "P"))
def _predict_n(params, x0, n, P):
    z = initial_state(params, x0)
    z = jax.lax.fori_loop(0, n, lambda _, z: step(params, z, P), z)
    return z[..., :x0.shape[-1]]


def n_step_predictor(model):
    """``predict_fn(x0 (B, N), n) -> x_n (B, N)`` for :func:`workbench.metrics.prediction_error`.

    Each row starts at :math:`z = [x_t; L x_t]` and is iterated ``n`` steps freely
    (``docs/alrnn.md`` §3.4); a model other than :class:`ALRNN` (the shPLRNN) brings its own
    ``predict_ahead(x0, n)``.
    """
    if not isinstance(model, ALRNN):
        return model.predict_ahead

    def predict(x0, n):
        return np.asarray(_predict_n(model.params, jnp.asarray(x0, jnp.float32), int(n), model.P))
    return predict


def generate_observations(model: ALRNN, x0, n_steps, transient=0):
    """Observed free run of ``n_steps`` points after dropping ``transient`` steps.

    Parameters
    ----------
    model : ALRNN
    x0 : array (N,) or (B, N)
        Observation(s) the run starts from (:math:`z_1 = [x_0; L x_0]`); a batch gives
        ``B`` runs in one call.
    n_steps : int
        Points returned (>= 1).
    transient : int
        Leading steps discarded (>= 0).

    Returns
    -------
    numpy.ndarray (n_steps, N) or (n_steps, B, N), float64
    """
    n_steps = check_int(n_steps, "n_steps", 1, None)
    transient = check_int(transient, "transient", 0, None)
    Z, X = model.generate(x0, n_steps + transient)
    return X[transient:].astype(np.float64)


def score_trajectory(true, gen, model: ALRNN, *, pe_data=None, n_bins=30, smoothing=20.0,
                     pe_steps=20):
    """D_stsp, D_H of a generated series against the true one, and the model's PE(n).

    Parameters
    ----------
    true : array (T, N)
        Reference series.
    gen : array (T, N)
        Generated (observed) free run of the same length; a non-finite run gives NaN.
    model : ALRNN
        Model whose ``pe_steps``-step prediction error is measured on ``pe_data``.
    pe_data : array (T', N), optional
        Series of the prediction error (default ``true``).
    n_bins, smoothing, pe_steps
        See :func:`evaluate`.

    Returns
    -------
    dict with ``d_stsp`` (``docs/alrnn.md`` §3.1), ``d_h`` (§3.3) and ``pe`` (§3.4). The Monte-Carlo
    samples of the GMM variant of D_stsp (11 or more dimensions) are drawn with seed 0, so
    a score is reproducible.
    """
    true = check_array(true, "true", ndim=2, min_length=pe_steps + 2)
    gen = check_array(gen, "gen", ndim=2, shape=true.shape, finite=False)
    pe_data = true if pe_data is None else pe_data
    finite = bool(np.all(np.isfinite(gen)))
    d_stsp = metrics.state_space_divergence(true, gen, n_bins=n_bins, seed=0) if finite else float("nan")
    d_h = metrics.hellinger_distance(true, gen, smoothing=smoothing) if finite else float("nan")
    pe = metrics.prediction_error(n_step_predictor(model), pe_data, n=pe_steps)
    return {"d_stsp": float(d_stsp), "d_h": float(d_h), "pe": float(pe)}


def checkpoint_metrics(model: ALRNN, data, *, n_bins=30, smoothing=20.0, pe_steps=20, n_starts=1,
                       transient_fraction=0.25, pe_points=None):
    r"""Training-time metrics used to select the best checkpoint (``docs/alrnn.md`` §2.2 and §3.6).

    With ``n_starts = 1`` this is the AL-RNN repo's protocol: a free run of ``len(data)``
    steps from ``data[0]`` (no transient removed), compared with ``data``.

    With ``n_starts = K > 1`` the model runs freely from ``K`` points spread evenly over
    ``data`` (one batched run), each for :math:`\ell = \lfloor T/K \rfloor` steps after a
    transient of :math:`f\ell` steps, and

    .. math::

        D_{stsp} = \frac1K\sum_{k=1}^K \mathrm{KL}(\hat p_{data}\,\|\,\hat p_{gen,k}),\qquad
        D_H = H(x_{1:T}, \hat x),

    each of the ``K`` runs compared with the whole series (``docs/alrnn.md`` §3.1), and :math:`\hat x`
    the repo's free run of ``T`` steps from ``data[0]`` (§3.3). A model with coexisting
    attractors, whose free run from some starts settles on a fixed point or cycle, scores
    badly from those starts; a single start (the lab protocol's first test point, §3.6) may
    land in either basin, so selection on ``K`` starts picks checkpoints that reconstruct
    the attractor from everywhere. D_H is taken on the full length because its smoothing
    ``σ`` is counted in frequency bins: on runs of ``ℓ`` steps it would smooth ``K`` times
    wider and miss the fine spectral mismatch that a test series of length ``T`` shows.

    Parameters
    ----------
    model : ALRNN
    data : array (T, N)
        Series the free runs are compared with.
    n_bins, smoothing, pe_steps
        See :func:`evaluate`.
    n_starts : int
        Number of starting points ``K`` (>= 1, at most ``T // (pe_steps + 2)``).
    transient_fraction : float in [0, 10]
        ``f`` above (used only when ``n_starts > 1``).
    pe_points : int, optional
        Number of leading points of ``data`` the prediction error is measured on (default
        all); >= ``pe_steps + 2``.

    Returns
    -------
    dict with ``d_stsp``, ``d_h``, ``pe`` (NaN when a free run is not finite).
    """
    data = check_array(data, "data", ndim=2, min_length=pe_steps + 2)
    n_starts = check_int(n_starts, "n_starts", 1, len(data) // (pe_steps + 2))
    check_range(transient_fraction, "transient_fraction", 0, 10)
    pe_data = data if pe_points is None else data[:check_int(pe_points, "pe_points", pe_steps + 2, None)]
    if n_starts == 1:
        gen = generate_observations(model, data[0], len(data))
        return score_trajectory(data, gen, model, pe_data=pe_data, n_bins=n_bins,
                                smoothing=smoothing, pe_steps=pe_steps)
    length = len(data) // n_starts
    transient = int(round(transient_fraction * length))
    starts = np.arange(n_starts) * length
    runs = generate_observations(model, data[starts], length, transient=transient)   # (ℓ, K, N)
    full = generate_observations(model, data[0], len(data))
    pe = metrics.prediction_error(n_step_predictor(model), pe_data, n=pe_steps)
    d_stsp = (np.mean([metrics.state_space_divergence(data, runs[:, k], n_bins=n_bins, seed=0)
                       for k in range(n_starts)]) if np.all(np.isfinite(runs)) else np.nan)
    d_h = (metrics.hellinger_distance(data, full, smoothing=smoothing) if np.all(np.isfinite(full))
           else np.nan)
    return {"d_stsp": float(d_stsp), "d_h": float(d_h), "pe": float(pe)}


def evaluate(model: ALRNN, test, *, transient_fraction=0.25, n_bins=30, smoothing=20.0,
             pe_steps=20):
    """Lab/test protocol (``docs/alrnn.md`` §3.6): generate :math:`(1+f)T` steps from ``test[0]``, drop
    :math:`fT`, compare the rest with the whole test series.

    Parameters
    ----------
    model : ALRNN
    test : array (T, N)
        Test series (separate from the training series), ``T > pe_steps + 1``.
    transient_fraction : float in [0, 10]
        ``f`` above (0.25 in the lab code).
    n_bins : int
        Bins per dimension of :math:`D_{stsp}` (``docs/alrnn.md`` §3.1).
    smoothing : float
        Gaussian σ in frequency bins of :math:`D_H` (``docs/alrnn.md`` §3.3).
    pe_steps : int
        Horizon ``n`` of the prediction error :math:`PE(n)` (``docs/alrnn.md`` §3.4).

    Returns
    -------
    dict with ``d_stsp``, ``d_h``, ``pe``.
    """
    test = check_array(test, "test", ndim=2, min_length=pe_steps + 2)
    if test.shape[1] != model.N:
        raise ValueError(f"test must have {model.N} features (model N), got {test.shape[1]}")
    check_range(transient_fraction, "transient_fraction", 0, 10)
    T = len(test)
    gen = generate_observations(model, test[0], T, transient=int(round(transient_fraction * T)))
    return score_trajectory(test, gen, model, n_bins=n_bins, smoothing=smoothing,
                            pe_steps=pe_steps)


def population_checkpoint_metrics(family, params, data, *, n_bins=30, smoothing=20.0, pe_steps=20,
                                  n_starts=1, transient_fraction=0.25, pe_points=None):
    """:func:`checkpoint_metrics` of every member of a population, free runs in one batch.

    The free runs and the ``pe_steps``-step predictions of all members are one vectorised
    JAX call each (:func:`alrnn.block.observe_population`,
    :func:`alrnn.block.predict_population`); the divergences are then computed per member
    exactly as in :func:`checkpoint_metrics`.

    Parameters
    ----------
    family : ALRNNFamily or ShPLRNNFamily
    params : dict of arrays with a leading member axis S
    data : array (T, N)
    n_bins, smoothing, pe_steps, n_starts, transient_fraction, pe_points
        See :func:`checkpoint_metrics`.

    Returns
    -------
    list of dict
        ``d_stsp``, ``d_h``, ``pe`` per member (NaN when a free run is not finite).
    """
    from .block import observe_population, predict_population

    data = check_array(data, "data", ndim=2, min_length=pe_steps + 2)
    n_starts = check_int(n_starts, "n_starts", 1, len(data) // (pe_steps + 2))
    check_range(transient_fraction, "transient_fraction", 0, 10)
    pe_data = data if pe_points is None else data[:check_int(pe_points, "pe_points", pe_steps + 2, None)]
    d32 = jnp.asarray(data, jnp.float32)
    full = np.asarray(observe_population(family, params, d32[:1], len(data)), np.float64)[:, :, 0]
    if n_starts > 1:
        length = len(data) // n_starts
        starts = np.arange(n_starts) * length
        runs = np.asarray(observe_population(family, params, d32[starts], length,
                                             int(round(transient_fraction * length))), np.float64)
    else:
        runs = full[:, :, None]
    preds = np.asarray(predict_population(family, params, jnp.asarray(pe_data[:-pe_steps], jnp.float32),
                                          pe_steps), np.float64)
    ref = metrics.ReferenceScores(data, n_bins, smoothing)
    out = []
    for i in range(full.shape[0]):
        pe = metrics.prediction_error(lambda x0, n, _p=preds[i]: _p, pe_data, n=pe_steps)
        d_stsp = (np.mean([ref.d_stsp(runs[i, :, k]) for k in range(runs.shape[2])])
                  if np.all(np.isfinite(runs[i])) else np.nan)
        d_h = ref.d_h(full[i]) if np.all(np.isfinite(full[i])) else np.nan
        out.append({"d_stsp": float(d_stsp), "d_h": float(d_h), "pe": float(pe)})
    return out
