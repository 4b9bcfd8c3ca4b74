"""A run's TOML and command: read back by the CLI's own parsing, they rebuild the same experiment."""

import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from apps.provenance import run_command, run_toml
from workbench.cli import parse_assignments

KIND = "systems.lorenz63"


@pytest.fixture
def reader(store, registry):
    if KIND not in registry:
        pytest.skip("workbench experiments are not installed")
    run_id = registry[KIND](n_steps=200, transient=10, seed=3).run(store)
    return store.open(run_id)


def test_toml_rebuilds_the_same_parameters(reader, registry):
    table = tomllib.loads(run_toml(reader))
    again = registry[KIND].from_config(table)
    assert again.to_params() == reader.params and again.seed == 3


def test_command_sets_what_differs_from_the_defaults(reader, registry):
    parts = shlex.split(run_command(reader, registry))
    assert parts[:3] == ["workbench", "run", KIND]
    values = parse_assignments(parts[4::2])
    assert values == {"n_steps": "200", "seed": "3", "transient": "10"}
    assert registry[KIND].from_config(values).to_params() == reader.params


@pytest.mark.slow
def test_the_cli_runs_the_toml(reader, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text(run_toml(reader))
    exe = Path(sys.executable).with_name("workbench")
    out = subprocess.run([str(exe), "run", KIND, "--config", str(config), "--store", str(tmp_path / "s.zarr")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
