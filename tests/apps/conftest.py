"""Fixtures of the app tests: a store, and headless Debian chromium for the browser tests."""

import shutil
import uuid
import warnings
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def store():
    """A fresh in-memory store."""
    from workbench.store import Store

    return Store(f"memory://apps-{uuid.uuid4().hex}")


@pytest.fixture(scope="session")
def registry():
    """The installed experiments (missing packages are left out with a warning)."""
    from workbench.registry import experiments

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return experiments()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's chromium (Playwright's own download is not available offline)."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run"]}


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can see whether the test failed."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture
def screenshot_on_failure(request, page):
    """Save a full-page screenshot to tests/apps/artifacts/ when the test fails."""
    yield page
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
