"""Parameter groups of the AL-RNN experiments, declared once.

* :class:`ModelParams`: the AL-RNN's size (``M`` latent units);
* :class:`TrainingParams`: the training recipe, one parameter per field of
  :class:`alrnn.train.TrainConfig` that a user tunes, each ``None`` by default, meaning the
  value of the chosen ``preset`` (:data:`alrnn.train.FAST_CONFIGS` or, prefixed
  ``authors_``, :data:`alrnn.train.AUTHORS_CONFIGS`). One ``preset`` selector replaces
  per-system copies of the recipe;
* :class:`RecipeFields`: the per-field overrides alone (:class:`TrainingParams` adds ``preset``);
* :class:`ReluParams`: ``P`` ReLU units and the length of the symbolic free run;
* :class:`SeriesFileParams` (a data file and its split) and :class:`DataParams` (adds the
  generated series): the series trained on and tested against.

The groups do not import JAX: :mod:`alrnn.train` is imported when a configuration is built,
so the registry and the command line read these declarations at once.
"""

from __future__ import annotations

from typing import Any

import param

from workbench.experiment import ParamGroup

__all__ = ["DataParams", "ModelParams", "PRESETS", "RecipeFields", "ReluParams", "SeriesFileParams",
           "TRAIN_FIELDS", "TrainingParams", "preset_config"]

#: Names of the training presets: the shortened recipes of :data:`alrnn.train.FAST_CONFIGS`
#: and the authors' settings of :data:`alrnn.train.AUTHORS_CONFIGS` (``authors_<system>``).
PRESETS = ["lorenz63", "rossler", "authors_lorenz63", "authors_rossler", "authors_ecg", "authors_fmri"]

_F32 = 4


def preset_config(name: str):
    """The :class:`alrnn.train.TrainConfig` of preset ``name`` (imports JAX)."""
    from .train import AUTHORS_CONFIGS, FAST_CONFIGS

    table = {**{k: v[1] for k, v in FAST_CONFIGS.items()},
             **{f"authors_{k}": v[1] for k, v in AUTHORS_CONFIGS.items()}}
    if name not in table:
        raise ValueError(f"preset must be one of {sorted(table)}, got {name!r}")
    return table[name]


def _opt_int(low, doc):
    return param.Integer(None, bounds=(low, None), allow_None=True, doc=doc + " Default: the preset's.")


def _opt_num(low, high, doc, low_inclusive=True, high_inclusive=True):
    return param.Number(None, bounds=(low, high), inclusive_bounds=(low_inclusive, high_inclusive),
                        allow_None=True, doc=doc + " Default: the preset's.")


class ModelParams(ParamGroup):
    """Size of the AL-RNN (Brenner et al. 2024, eq. 2: M latent units, the last P ReLU)."""

    # Latent units (the dendrites' ``M`` counts patterns on a union segment).
    M = param.Integer(20, bounds=(1, 4096), doc="Number of latent units M.")


class RecipeFields(ParamGroup):
    """Per-field overrides of a training recipe (:class:`alrnn.train.TrainConfig`).

    Every field left at ``None`` takes the value of the recipe the experiment starts from
    (:class:`TrainingParams`' ``preset``, or another experiment's own setting).
    """

    tau = _opt_int(1, "Teacher-forcing interval tau (steps).")
    seq_len = _opt_int(2, "Training window length (steps).")
    epochs = _opt_int(1, "Training epochs.")
    batches_per_epoch = _opt_int(1, "Optimiser steps per epoch.")
    # Training windows per optimiser step (the reservoirs' ``batch_size`` counts reservoirs).
    batch_size = _opt_int(1, "Windows per batch.")
    start_lr = _opt_num(0, None, "Initial RAdam learning rate.", low_inclusive=False)
    end_lr = _opt_num(0, None, "Final learning rate (exponential decay per epoch).", low_inclusive=False)
    # Training noise (std added to windows); the flows' ``noise`` is observation noise.
    noise = _opt_num(0, None, "Std of the Gaussian noise added to training windows.")
    alpha = _opt_num(0, 1, "Forcing strength (1: identity teacher forcing).", low_inclusive=False)
    eval_every = _opt_int(1, "Epochs between checkpoint evaluations.")
    eval_starts = _opt_int(1, "Starting points of the training-time free runs scoring checkpoints.")
    population = _opt_int(1, "Initialisations trained side by side (then the best checkpoint goes on).")
    explore_fraction = _opt_num(0, 1, "Share of the epochs all population members are trained.")
    eval_steps = _opt_int(0, "Length of the training-time free run used to pick the best checkpoint "
                             "(0: the whole training series).")

    def train_overrides(self) -> dict[str, Any]:
        """The fields set explicitly (``eval_steps=0`` becomes ``None``: the whole series)."""
        values = {k: getattr(self, k) for k in TRAIN_FIELDS if getattr(self, k) is not None}
        if "eval_steps" in values:
            values["eval_steps"] = values["eval_steps"] or None
        return values

    def memory_estimate(self) -> dict[str, float]:
        # Activations and gradients of one vectorised step: population x batch x window x M,
        # a few float32 copies; parameters M^2 (W) per member. Unset fields use an upper
        # bound of the presets without importing JAX.
        out = super().memory_estimate()
        M = float(getattr(self, "M", None) or 20)
        batch = float(self.batch_size or 16)
        window = float(self.seq_len or 300)
        pop = float(self.population or 8)
        out["batch_size*seq_len*M"] = 8 * _F32 * pop * batch * (window + 1) * M
        out["M"] = 12 * _F32 * pop * M * M
        return out


class TrainingParams(RecipeFields):
    """The training recipe of :func:`alrnn.train.train`: a preset and per-field overrides.

    Every field left at ``None`` takes the preset's value; ``preset=None`` is the system's
    shortened recipe (``FAST_CONFIGS``; Lorenz-63 for a data file).
    """

    # The alrnn.regions_over_seeds ``preset`` is another quantity: one of the authors'
    # release settings (ecg, fmri, ...) that fixes the model sizes as well as the recipe.
    preset = param.Selector(default=None, objects=[None, *PRESETS], allow_None=True,
                            doc="Training recipe the unset fields come from (None: the system's).")

    def preset_name(self) -> str:
        """The preset in force (``preset`` or the experiment's system)."""
        if self.preset is not None:
            return self.preset
        system = getattr(self, "system_key", lambda: None)()
        return system if system in PRESETS else "lorenz63"

    def effective(self, name: str) -> Any:
        """The value of training field ``name`` in force (set, else the preset's)."""
        value = getattr(self, name)
        if value is not None:
            return value
        return getattr(preset_config(self.preset_name()), name)


class ReluParams(ParamGroup):
    """The piecewise-linear part of the AL-RNN and the free run its subregions are counted on."""

    P = param.Integer(2, bounds=(0, None), doc="Number of ReLU units P (the last P latent units).")
    symbolic_steps = param.Integer(100_000, bounds=(2, None),
                                   doc="Length of the free run of the symbolic analysis.")


#: The :class:`TrainingParams` that are :class:`alrnn.train.TrainConfig` fields.
TRAIN_FIELDS = ("tau", "seq_len", "epochs", "batches_per_epoch", "batch_size", "start_lr", "end_lr",
                "noise", "alpha", "eval_every", "eval_starts", "population", "explore_fraction",
                "eval_steps")


class SeriesFileParams(ParamGroup):
    """A ``(time, features)`` series file and its split into a training and a test part."""

    data = param.String("", doc="Path of a (time, features) .npy/.csv file; empty: generate the "
                               "system's trajectories (where the experiment has one).")
    train_fraction = param.Number(0.8, bounds=(0, 1), inclusive_bounds=(False, False),
                                  doc="Share of a data file used for training (rest: test).")


class DataParams(SeriesFileParams):
    """The series: generated trajectories of the system or a ``(time, features)`` file."""

    # Lengths of the generated series (the reservoir forecast's ``n_train``/``n_test`` count
    # teacher-forced steps of one stored trajectory, another quantity).
    n_train = param.Integer(100_000, bounds=(100, None), doc="Generated training length (steps).")
    n_test = param.Integer(100_000, bounds=(100, None), doc="Generated test length (steps).")
    # Sampling interval of a data file; the flows' ``dt`` is their integration step.
    dt = param.Number(None, bounds=(0, None), inclusive_bounds=(False, True), allow_None=True,
                      doc="Sampling interval of a data file (Lyapunov exponent per unit time); "
                          "default 1 (per step). Generated data use the system's dt.")

    def memory_estimate(self) -> dict[str, float]:
        # Generated series (float64, 3 dims, raw and z-scored) and the free runs on them.
        out = super().memory_estimate()
        if not self.data:
            out["n_train"] = 8 * 3 * 4 * float(self.n_train)
            out["n_test*M"] = 8 * (3 * 4 + float(getattr(self, "M", 20)) * 2) * 1.25 * float(self.n_test)
        return out
