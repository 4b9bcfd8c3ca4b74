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


#: What must never appear in the server's log during a browser test.
FORBIDDEN_IN_LOG = ("Traceback", "UnsetValueError", "Exception")


class LiveServer:
    """``workbench serve`` in a process of its own; everything it prints is kept as its log.

    Parameters
    ----------
    root : Path
        Folder for the store (``store.zarr``) and the log (``server.log``).
    data_dir : Path, optional
        Passed as ``--data-dir``.
    """

    def __init__(self, root: Path, data_dir: Path | None = None):
        import os
        import socket
        import subprocess
        import sys
        import time
        import urllib.request

        with socket.socket() as sock:
            sock.bind(("localhost", 0))
            self.port = sock.getsockname()[1]
        self.store_path = root / "store.zarr"
        self.log_path = root / "server.log"
        exe = Path(sys.executable).with_name("workbench")
        cmd = [str(exe), "serve", "--store", str(self.store_path), "--port", str(self.port)]
        if data_dir is not None:
            cmd += ["--data-dir", str(data_dir)]
        env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, env=env)
        self.url = f"http://localhost:{self.port}/workbench"
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"workbench serve exited:\n{self.log()}")
            try:
                urllib.request.urlopen(f"http://localhost:{self.port}/", timeout=5)
                break
            except OSError:
                time.sleep(0.3)
        else:
            self.stop()
            raise RuntimeError(f"workbench serve did not answer in 120 s:\n{self.log()}")

    def log(self, since: int = 0) -> str:
        """The server's output from byte ``since`` on."""
        with open(self.log_path, "rb") as fh:
            fh.seek(since)
            return fh.read().decode("utf-8", "replace")

    def mark(self) -> int:
        """Current length of the log (for :meth:`log`)."""
        return self.log_path.stat().st_size

    def store(self):
        """The served store, opened in the test process."""
        from workbench.store import Store

        return Store(str(self.store_path))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except Exception:  # noqa: BLE001 - it did not stop: kill it
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The app served by a real ``workbench serve`` process (own store, a data folder)."""
    import numpy as np

    root = tmp_path_factory.mktemp("served")
    data = root / "data"
    data.mkdir()
    t = np.linspace(0, 60, 600)
    np.save(data / "sine.npy", np.stack([np.sin(t), np.cos(t)], axis=1))
    (root / "secret.csv").write_text("\n".join("1,2" for _ in range(60)))
    (data / "escape.csv").symlink_to(root / "secret.csv")
    server = LiveServer(root, data_dir=data)
    yield server
    server.stop()


@pytest.fixture
def clean_log(live_server):
    """Fails the test when the server logged a traceback or an exception while it ran."""
    start = live_server.mark()
    yield live_server
    import time

    time.sleep(0.5)  # let the server flush what the last action caused
    text = live_server.log(start)
    found = [word for word in FORBIDDEN_IN_LOG if word in text]
    assert not found, f"the server logged {found} during the test:\n{text[-4000:]}"
