"""Writing AL-RNN parameters into a run: best checkpoints, one per seed, and what a diverged
training leaves for inspection.

The parameters are those of the AL-RNN map of Brenner et al. 2024,
:math:`z_t = A z_{t-1} + W\\Phi^*(z_{t-1}) + h`, with the initial state
:math:`z_1 = [x_1; (L x_1)_{N+1:M}]` (``docs/alrnn.md`` §1.1-1.2): ``A`` (diagonal), ``W``,
``h`` and ``L``.
"""

from __future__ import annotations

import numpy as np

from workbench.outputs import write_coordinate

__all__ = ["write_checkpoint", "write_checkpoints", "write_divergence"]

_CHECKPOINT_DIMS = {"A": ("latent",), "W": ("latent", "latent_source"), "h": ("latent",),
                    "L": ("latent", "dim")}


def write_checkpoint(run, model, prefix=""):
    """Write ``model``'s ``A``, ``W``, ``h``, ``L`` (names prefixed by ``prefix``) and ``latent``."""
    arrays = model.to_arrays()
    for name, dims in _CHECKPOINT_DIMS.items():
        run.write(prefix + name, arrays[name], dims=dims)
    write_coordinate(run, "latent", np.arange(arrays["A"].shape[0]))


def write_checkpoints(run, models, seeds, prefix=""):
    """Write the parameters of one model per seed, stacked along a leading ``seed`` dimension."""
    arrays = [m.to_arrays() for m in models]
    for name, dims in _CHECKPOINT_DIMS.items():
        run.write(prefix + name, np.stack([a[name] for a in arrays]), dims=("seed", *dims))
    write_coordinate(run, "seed", np.asarray(seeds, np.int64))
    write_coordinate(run, "latent", np.arange(arrays[0]["A"].shape[0]))


def write_divergence(run, errors):
    """Keep what diverged trainings leave for inspection in their (failed) run.

    For each :class:`~alrnn.train.TrainingDiverged` the loss of every epoch up to the
    divergence is logged (``epoch_loss``, or ``loss_seed<s>`` for several seeds; NaN where it went
    non-finite) and the last finite parameters are written as ``last_A``, ``last_W``,
    ``last_h``, ``last_L`` (with a leading ``seed`` dimension for several seeds). No score
    of the diverged model is computed: it is never analysed as a result.
    """
    several = len(errors) > 1
    for exc in errors:
        name = f"loss_seed{exc.seed}" if several else "epoch_loss"
        for epoch, loss in zip(exc.history["epoch"], exc.history["loss"]):
            run.log(int(epoch), **{name: float(loss)})
    if several:
        write_checkpoints(run, [e.last_model for e in errors], [e.seed for e in errors], prefix="last_")
    else:
        write_checkpoint(run, errors[0].last_model, prefix="last_")
    run.flush()
