"""Shared test fixtures, and the CI guard against silently lost coverage.

Under ``CI=true`` a test that would skip because the shared reference data
(``$WORKBENCH_SHARED_DATA``) or chromium is missing fails instead, naming what is missing: CI must
not pass with those checks quietly left out. Every run ends with the number of skipped
tests and their reasons.
"""

import os
import uuid
from collections import Counter
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("WORKBENCH_SHARED_DATA", REPO.parent / "shared" / "data"))

#: Skip reasons that mean lost coverage: under CI=true these skips are turned into failures.
REQUIRED_IN_CI = ("shared/data", "WORKBENCH_SHARED_DATA", "reference data", "chromium")


def in_ci() -> bool:
    """Whether the suite runs in CI (``CI=true``, as CI services and ``.ci/run`` set it)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return reason.removeprefix("Skipped: ")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true, a skip for missing shared data or chromium is a failure."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and in_ci() and not hasattr(report, "wasxfail"):
        reason = _skip_reason(report)
        if any(word in reason for word in REQUIRED_IN_CI):
            need = ("chromium (apt-get install chromium)" if "chromium" in reason
                    else f"the shared reference data ({SHARED_DATA}, or set WORKBENCH_SHARED_DATA)")
            report.outcome = "failed"
            report.longrepr = f"CI=true but this test would skip: {reason}. CI must run it: provide {need}."


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Last lines of every run: how many tests were skipped, and why."""
    skipped = terminalreporter.stats.get("skipped", [])
    reasons = Counter(_skip_reason(r) for r in skipped)
    terminalreporter.write_sep("-", f"{len(skipped)} skipped tests")
    for reason, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])):
        terminalreporter.write_line(f"{n:4d} skipped: {reason}")


@pytest.fixture
def memory_store():
    """A fresh in-memory store (``memory://`` fsspec URL)."""
    from workbench.store import Store

    return Store(f"memory://test-{uuid.uuid4().hex}")


@pytest.fixture
def tmp_store(tmp_path):
    """A fresh store in a temporary directory."""
    from workbench.store import Store

    return Store(tmp_path / "store.zarr")


@pytest.fixture(scope="session")
def alrnn_reference_dir():
    """The AL-RNN authors' reference datasets; skip when $WORKBENCH_SHARED_DATA lacks them (fail in CI)."""
    path = SHARED_DATA / "alrnn-dsr"
    if not path.is_dir():
        if in_ci():
            pytest.fail(f"CI=true but the reference data folder {path} is absent (set "
                        f"WORKBENCH_SHARED_DATA to the folder that holds alrnn-dsr/)")
        pytest.skip(f"reference data folder {path} is absent")
    return path


@pytest.fixture
def fixture_run(memory_store):
    """Factory of complete runs holding given metrics and arrays (for claims and readers).

    ``fixture_run(kind, params=None, metrics=None, arrays=None)`` with ``arrays`` a mapping
    ``name -> (array, dims)``; returns the run's :class:`workbench.store.RunReader`.
    """

    def make(kind, params=None, metrics=None, arrays=None):
        with memory_store.new_run(kind, params or {}) as run:
            run.metrics.update(metrics or {})
            for name, (values, dims) in (arrays or {}).items():
                run.write(name, values, dims=dims)
        return memory_store.open(run.id)

    return make
