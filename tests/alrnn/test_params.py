"""Tests of the AL-RNN parameter groups: one declaration mirroring TrainConfig, presets."""

import dataclasses

import pytest

from alrnn.params import PRESETS, TRAIN_FIELDS, DataParams, ModelParams, TrainingParams, preset_config
from alrnn.train import AUTHORS_CONFIGS, FAST_CONFIGS, TrainConfig


def test_training_fields_are_train_config_fields():
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    assert set(TRAIN_FIELDS) <= fields
    assert set(TRAIN_FIELDS) == {n for n in TrainingParams.param if n not in ("name", "preset")}


def test_presets_are_the_train_module_presets():
    assert PRESETS == list(FAST_CONFIGS) + [f"authors_{k}" for k in AUTHORS_CONFIGS]
    assert preset_config("lorenz63") == FAST_CONFIGS["lorenz63"][1]
    assert preset_config("authors_ecg") == AUTHORS_CONFIGS["ecg"][1]
    with pytest.raises(ValueError, match="preset"):
        preset_config("nope")


def test_fast_lorenz_preset_uses_tau_12():
    assert TrainingParams().effective("tau") == 12


def test_unset_fields_come_from_the_preset_and_set_ones_win():
    group = TrainingParams(preset="rossler", epochs=7, eval_steps=0)
    config = preset_config("rossler").replace(**group.train_overrides())
    assert config.epochs == 7 and config.eval_steps is None and config.tau == 8


@pytest.mark.parametrize("name, low", [("tau", 1), ("seq_len", 2), ("epochs", 1), ("batch_size", 1)])
def test_bounds_match_train_config(name, low):
    with pytest.raises(ValueError):
        TrainingParams(**{name: low - 1})
    with pytest.raises(ValueError):
        TrainConfig(**{name: low - 1})


def test_memory_estimate_catches_absurd_sizes():
    class Exp(ModelParams, TrainingParams, DataParams):
        pass

    assert sum(Exp(batch_size=10**9).memory_estimate().values()) > 1e13
    assert sum(Exp().memory_estimate().values()) < 1e9
