"""Tests of the ``workbench`` command."""

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import workbench.registry as registry
from workbench.cli import main, parse_assignments
from workbench.store import Store

from .test_experiment import Ramp


@pytest.fixture
def cli_store(tmp_path, monkeypatch):
    table = dict(registry.experiments())
    table[Ramp.kind] = Ramp
    monkeypatch.setattr(registry, "experiments", lambda: table)
    monkeypatch.setattr("workbench.cli.experiments", lambda: table)
    return str(tmp_path / "cli.zarr")


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_run_ls_show_gc(cli_store, tmp_path):
    config = tmp_path / "p.toml"
    config.write_text('n = 6\nscale = 2.0\n')
    res = invoke("run", "test.ramp", "--config", str(config), "--set", "mode=down", "--store", cli_store)
    assert res.exit_code == 0, res.output
    run_id = res.output.split()[0]
    assert "total = 30" in res.output
    rec = Store(cli_store).open(run_id)
    assert rec.params["n"] == 6 and rec.params["mode"] == "down"
    res = invoke("ls", "--store", cli_store)
    assert run_id in res.output and "complete" in res.output
    res = invoke("show", run_id, "--store", cli_store)
    assert "array  ramp (6,)" in res.output and '"mode": "down"' in res.output
    res = invoke("run", "test.ramp", "--set", "fail=true", "--store", cli_store)
    assert res.exit_code == 1 and "failed: RuntimeError: asked to fail" in res.output
    assert "failed" in invoke("ls", "--status", "failed", "--store", cli_store).output
    assert "removed 1 run(s)" in invoke("gc", "--store", cli_store).output


@pytest.mark.parametrize("args, message", [
    (["--set", "n=0"], "n"),
    (["--set", "bogus=1"], "unknown parameter 'bogus'"),
    (["--set", "novalue"], "key=value"),
    (["--config", "/nonexistent.toml"], "cannot be read"),
])
def test_bad_parameters_exit_2_and_write_nothing(cli_store, args, message):
    res = CliRunner().invoke(main, ["run", "test.ramp", *args, "--store", cli_store])
    assert res.exit_code == 2
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
    assert Store(cli_store).run_ids() == []


def test_unknown_experiment_and_run(cli_store):
    res = CliRunner().invoke(main, ["run", "nope", "--store", cli_store])
    assert res.exit_code == 2 and "unknown experiment 'nope'" in res.output
    Store(cli_store).create()
    res = CliRunner().invoke(main, ["show", "nope", "--store", cli_store])
    assert res.exit_code == 2 and res.output == f"error: no run 'nope' in store '{cli_store}'\n"


def test_experiments_lists_parameters(cli_store):
    res = invoke("experiments", "-v")
    assert "test.ramp" in res.output and "scale = 1.0" in res.output and "Slope." in res.output


def test_parse_assignments_keeps_equals_in_value():
    assert parse_assignments(["a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}


def test_installed_command_runs_a_registered_experiment(tmp_path):
    script = Path(sys.executable).parent / "workbench"
    assert script.exists(), "pip install -e . installs the workbench command beside python"
    exe = [str(script)]
    store = str(tmp_path / "s.zarr")
    out = subprocess.run([*exe, "run", "systems.lorenz63", "--set", "n_steps=2000", "--store", store],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    (rec,) = Store(store).runs()
    assert rec.status == "complete" and Store(store).open(rec.id)["trajectory"].shape == (2000, 3)
    bad = subprocess.run([*exe, "run", "systems.lorenz63", "--set", "dt=-1", "--store", store],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.strip().startswith("error:") and "dt" in bad.stderr
