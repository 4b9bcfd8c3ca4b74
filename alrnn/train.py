"""Training of the AL-RNN by BPTT with sparse (identity) teacher forcing, in JAX.

Recipe of the authors' code (``docs/alrnn.md`` §2): for each window
:math:`x_{1:\\tilde T+1}` the state starts at :math:`z_1=[x_1; Lx_1]`, is iterated by the
AL-RNN, the prediction :math:`\\hat z_t` (taken before forcing) enters the MSE loss on the
``N`` observed units, and every :math:`\\tau` steps the observed units are replaced by the
data, :math:`z_{1:N} \\leftarrow x_t`, which cuts the gradient through them. Optionally the
forcing is generalised (GTF): :math:`z_{1:N} \\leftarrow \\alpha x_t + (1-\\alpha) z_{1:N}`.
RAdam with an exponential learning-rate decay per epoch, random windows with Gaussian noise,
and every ``eval_every`` epochs a free-run evaluation (D_stsp, D_H, PE) keeping the best
checkpoint by D_stsp (optionally preferring checkpoints with a low D_H,
:func:`checkpoint_key`).

The pieces live in :mod:`alrnn.recipe` (hyper-parameters, schedules, selection rule),
:mod:`alrnn.block` (the loss and the compiled block of epochs) and :mod:`alrnn.population`
(the loop over a population of seeds trained as one vectorised computation); this module
is the entry point: :func:`train` (one seed) and :func:`train_population` (many).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from workbench.validation import check_array

from .block import ALRNNFamily, make_train_block, window_loss
from .model import ALRNN, check_sizes
from .population import TrainingDiverged, TrainResult
from .population import train_population as _train_population
from .recipe import (
    AUTHORS_CONFIGS,
    FAST_CONFIGS,
    TrainConfig,
    checkpoint_key,
    forcing_weights,
    lr_schedule,
)

__all__ = [
    "AUTHORS_CONFIGS",
    "FAST_CONFIGS",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "checkpoint_key",
    "forcing_weights",
    "lr_schedule",
    "make_train_block",
    "train",
    "train_population",
    "window_loss",
]


def _family(data, M, P, config, model):
    data = check_array(data, "data", ndim=2, min_length=2)
    N = data.shape[1]
    if model is None:
        M, N, P = check_sizes(M, N, P, linear_readout=True)
        return data, ALRNNFamily(M, P, config.unroll), None
    if model.N != N:
        raise ValueError(f"data must have N = {model.N} features (model), got {N}")
    check_sizes(model.M, model.N, model.P, linear_readout=True)
    return data, ALRNNFamily(model.M, model.P, config.unroll), model.to_arrays()


def train_population(data, M=20, P=2, config: TrainConfig | None = None, *, seeds: Sequence[int] = (0,),
                     model: ALRNN | None = None, eval_data=None, progress: Callable | None = None,
                     should_stop: Callable[[], bool] | None = None,
                     on_eval: Callable[[int, Mapping, ALRNN], None] | None = None, threads: int = 1) -> list:
    """Train one AL-RNN per seed, all seeds in one vectorised JAX computation.

    Each seed's result is what :func:`train` with that seed returns (same initialisation,
    windows, noise and training-data-only checkpoint selection); see
    :func:`alrnn.population.train_population` for the arguments.

    Returns
    -------
    list of TrainResult or TrainingDiverged
        In the order of ``seeds``; a diverged seed's entry is the (unraised) exception.
    """
    config = config or TrainConfig()
    data, family, init = _family(data, M, P, config, model)
    seeds = list(seeds)
    return _train_population(data, family, config, seeds, init=None if init is None else [init] * len(seeds),
                             eval_data=eval_data, progress=progress, should_stop=should_stop, on_eval=on_eval,
                             threads=threads)


def train(data, M=20, P=2, config: TrainConfig | None = None, *, model: ALRNN | None = None,
          seed=0, eval_data=None, progress: Callable | None = None,
          should_stop: Callable[[], bool] | None = None,
          on_eval: Callable[[int, Mapping, ALRNN], None] | None = None) -> TrainResult:
    """Train an AL-RNN on one series by sparse teacher forcing (``docs/alrnn.md`` §2).

    Parameters
    ----------
    data : array (T, N)
        Training series (z-scored by the caller), finite, ``T >= seq_len + 1``.
    M, P : int
        Latent size and number of ReLU units (ignored when ``model`` is given);
        ``N <= M - P``, ``0 <= P <= M``.
    config : TrainConfig, optional
        Hyper-parameters; default the authors' Lorenz-63 recipe.
    model : ALRNN, optional
        Model to start from (copied); default a new one with the authors' initialisation.
    seed : int
        Seeds the initialisation, window sampling and noise (deterministic given the seed).
    eval_data : array (T', N), optional
        Series the free run is compared with at evaluations; default ``data``. Truncated to
        ``config.eval_steps`` points.
    progress : callable, optional
        ``progress(fraction, message, epoch=, loss=, d_stsp=, d_h=)`` after each block.
    should_stop : callable, optional
        Checked after each block; when it returns True training ends with status
        ``"stopped"`` and the best model so far.
    on_eval : callable, optional
        ``on_eval(epoch, record, model)`` after each evaluation; ``record`` holds ``loss``,
        ``d_stsp``, ``d_h``, ``pe`` and ``best`` (whether this checkpoint is the new best).

    Returns
    -------
    TrainResult

    Raises
    ------
    TrainingDiverged
        When the loss or a parameter becomes non-finite (every member of the population,
        with ``config.population > 1``); the exception keeps the loss curve and the last
        finite parameters. A diverged training is never returned as a result.

    Notes
    -----
    Evaluation (``checkpoint_metrics``) follows the AL-RNN repo's training-time protocol:
    free run from the first point of the evaluation series, as long as that series.
    """
    (result,) = train_population(data, M, P, config, seeds=[seed], model=model, eval_data=eval_data,
                                 progress=progress, should_stop=should_stop, on_eval=on_eval)
    if isinstance(result, TrainingDiverged):
        raise result
    return result
