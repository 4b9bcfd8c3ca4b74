"""The CI guard of ``tests/conftest.py``, run in real pytest processes on a probe file."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = '''
import pytest

@pytest.mark.skipif(True, reason="../shared/data/alrnn-dsr not present")
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
        assert "CI=true but this test would skip: ../shared/data/alrnn-dsr not present" in out
        assert "CI=true but the reference data folder" in out
        assert "1 failed, 1 skipped, 2 errors" in out
