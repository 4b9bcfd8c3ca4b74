"""``workbench benchmark`` in real subprocesses."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _run(args, plugins=None, timeout=240):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    if plugins is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(plugins), str(EXAMPLES), env.get("PYTHONPATH", "")])
    return subprocess.run([WORKBENCH, "benchmark", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


@pytest.mark.parametrize("args, message", [
    (["--models", "no_such_model"], "error: unknown model 'no_such_model'"),
    (["--models", "sindy", "--datasets", "mars"], "error: unknown dataset 'mars'"),
    (["--models", "sindy", "--data", "x=/no/such/file.npy"], "error: --data x: TRAIN file"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, args, message):
    store, out = tmp_path / "store.zarr", tmp_path / "out"
    proc = _run([*args, "--store", str(store), "--out", str(out)])
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(message), proc.stderr
    assert not store.exists() and not out.exists()


@pytest.mark.slow
def test_benchmark_command_writes_runs_and_report_then_resumes(tmp_path, plugins, rotation_files):
    store, out = tmp_path / "store.zarr", tmp_path / "out"
    args = ["--models", "rotation,quadratic", "--data", f"rot={rotation_files[0]}:{rotation_files[1]}",
            "--seeds", "2", "--store", str(store), "--out", str(out), "--workers", "1"]
    first = _run(args, plugins)
    assert first.returncode == 0, first.stderr
    assert "rot: dim 2" in first.stdout and "d_stsp bins (30 per dimension)" in first.stdout
    assert "4 runs: 4 complete (0 already in the store)" in first.stdout
    assert (out / "leaderboard.md").read_text().startswith("# Benchmark leaderboard — full")
    assert (out / "leaderboard.html").exists()
    second = _run(args, plugins)
    assert second.returncode == 0, second.stderr
    assert "4 runs: 4 complete (4 already in the store)" in second.stdout
    mtime = {p: p.stat().st_mtime_ns for p in store.rglob("*")}
    report = _run([*args[:-4], "--seeds", "3", "--store", str(store), "--out", str(out / "partial"),
                   "--report-only"], plugins)
    assert report.returncode == 0, report.stderr
    assert "6 planned runs: 4 complete, 0 failed, 2 not run (nothing was run now)" in report.stdout
    assert {p: p.stat().st_mtime_ns for p in store.rglob("*")} == mtime      # the store untouched


def test_report_only_needs_an_existing_store(tmp_path):
    proc = _run(["--models", "sindy", "--datasets", "lorenz63", "--report-only",
                 "--store", str(tmp_path / "none.zarr")])
    assert proc.returncode == 2 and proc.stderr.strip().startswith("error:"), proc.stderr
    assert not (tmp_path / "none.zarr").exists()
