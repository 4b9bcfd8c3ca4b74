"""Tests of the ``workbench`` command."""

import errno
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


def _fill(disk: Path) -> None:
    """Write a filler file until the disk is full."""
    with open(disk / "filler", "wb", buffering=0) as fh:
        with pytest.raises(OSError) as info:
            while True:
                fh.write(b"\0" * 4096)
    assert info.value.errno == errno.ENOSPC


def test_full_disk_at_run_creation_is_one_line_and_writes_nothing(tiny_disk):
    store = Store(tiny_disk / "s.zarr").create()
    _fill(tiny_disk)
    script = Path(sys.executable).parent / "workbench"
    out = subprocess.run([str(script), "run", "systems.lorenz63", "--set", "n_steps=200",
                          "--store", store.path], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("error: cannot create a run")
    assert "No space left" in out.stderr
    assert store.run_ids() == []                               # nothing half-made stays behind
    (tiny_disk / "filler").unlink()                            # space again: the store works
    ok = subprocess.run([str(script), "run", "systems.lorenz63", "--set", "n_steps=200",
                         "--store", store.path], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert [r.status for r in Store(store.path).runs()] == ["complete"]


def test_run_left_behind_by_a_failed_creation_is_failed_exit_1(cli_store, monkeypatch):
    import zarr

    from workbench.store.backend import Backend

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zarr, "open_group", disk_full)           # after the run's metadata
    monkeypatch.setattr(Backend, "remove", lambda self, key: None)   # and it cannot be removed
    res = CliRunner().invoke(main, ["run", "test.ramp", "--store", cli_store])
    assert res.exit_code == 1, res.output
    lines = res.output.strip().splitlines()
    assert lines[-1].startswith("error: run ") and "No space left" in lines[-1]
    (rec,) = Store(cli_store).runs()
    assert rec.status == "failed" and "No space left" in rec.error
