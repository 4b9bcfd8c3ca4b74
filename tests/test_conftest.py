"""The CI guard of ``tests/conftest.py``, run in real pytest processes on a probe file."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = '''
import pytest

@pytest.mark.skipif(True, reason="reference data $WORKBENCH_SHARED_DATA/alrnn-dsr not present")
def test_reference_data_mark():
    pass

def test_browser():
    pytest.skip("chromium is not installed (apt-get install chromium)")

def test_optional():
    pytest.skip("an optional extra is missing")

def test_fixture(alrnn_reference_dir):
    pass
'''


def _pytest(tmp_path, ci):
    (tmp_path / "test_probe.py").write_text(PROBE)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent), "CI": "true" if ci else "",
           "WORKBENCH_SHARED_DATA": str(tmp_path / "absent")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "conftest",
                           "-rs", "test_probe.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("ci", [False, True])
def test_missing_data_and_browser_skip_locally_and_fail_in_ci(tmp_path, ci):
    proc = _pytest(tmp_path, ci)
    out = proc.stdout
    if not ci:
        assert proc.returncode == 0, out
        assert "4 skipped tests" in out and "4 skipped in" in out
        assert "1 skipped: chromium is not installed" in out
    else:
        assert proc.returncode == 1, out
        assert "1 skipped tests" in out and "1 skipped: an optional extra is missing" in out
        assert "CI=true but this test would skip: chromium is not installed" in out
        assert "CI=true but this test would skip: reference data $WORKBENCH_SHARED_DATA/alrnn-dsr not present" in out
        assert "CI=true but the reference data folder" in out
        assert "1 failed, 1 skipped, 2 errors" in out


def _ci_run(tmp_path, with_chromium, shared_data):
    """Run a copy of .ci/run (inside tmp_path, so nothing of the checkout is touched) with a
    PATH holding only the shell tools it needs, and optionally a stand-in chromium."""
    ci = tmp_path / "repo" / ".ci"
    ci.mkdir(parents=True)
    script = ci / "run"
    script.write_text((Path(__file__).parents[1] / ".ci" / "run").read_text())
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "cat", "rm"):
        found = subprocess.run(["bash", "-c", f"command -v {tool}"], capture_output=True, text=True).stdout.strip()
        (bin_dir / tool).symlink_to(found)
    if with_chromium:
        (bin_dir / "chromium").write_text("#!/bin/sh\nexit 0\n")
        (bin_dir / "chromium").chmod(0o755)
    env = {"PATH": str(bin_dir), "WORKBENCH_SHARED_DATA": str(shared_data), "HOME": str(tmp_path)}
    return subprocess.run([str(bin_dir / "bash"), str(script)], env=env, capture_output=True, text=True,
                          timeout=60)


def test_ci_run_fails_without_chromium(tmp_path):
    (tmp_path / "data" / "alrnn-dsr").mkdir(parents=True)
    proc = _ci_run(tmp_path, with_chromium=False, shared_data=tmp_path / "data")
    assert proc.returncode == 1
    assert "error: chromium could not be installed" in proc.stderr


def test_ci_run_fails_without_the_shared_data(tmp_path):
    proc = _ci_run(tmp_path, with_chromium=True, shared_data=tmp_path / "absent")
    assert proc.returncode == 1
    assert f"error: the shared reference data {tmp_path / 'absent'}/alrnn-dsr is absent" in proc.stderr
