"""Every registered experiment has a re-derivation test.

``tests/<package>/test_rederive.py`` (``tests/reservoirs/spiking/`` for the spiking
experiments) must name each experiment class its package registers, so an experiment added
without a test that recomputes its stored numbers fails here.
"""

import warnings
from pathlib import Path

import pytest

from workbench.registry import experiments

TESTS = Path(__file__).parent

with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)
    REGISTERED = experiments()


def _rederive_file(cls) -> Path:
    parts = cls.__module__.split(".")
    folder = TESTS / parts[0]
    if "spiking" in parts[1:]:
        folder = folder / "spiking"
    return folder / "test_rederive.py"


@pytest.mark.parametrize("kind", sorted(REGISTERED))
def test_registered_experiment_has_a_rederivation_test(kind):
    cls = REGISTERED[kind]
    path = _rederive_file(cls)
    assert path.is_file(), f"{kind}: no {path.relative_to(TESTS.parent)}"
    assert cls.__name__ in path.read_text(), f"{kind}: {cls.__name__} is not re-derived in {path.name}"


def test_every_package_registers_experiments():
    assert {k.split(".")[0] for k in REGISTERED} >= {"systems", "reservoirs", "dendrites", "alrnn"}
