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


def _watch_log(server):
    """Yield ``server``; then fail when it logged a traceback or an exception meanwhile."""
    start = server.mark()
    yield server
    import time

    time.sleep(0.5)  # let the server flush what the last action caused
    text = server.log(start)
    found = [word for word in FORBIDDEN_IN_LOG if word in text]
    assert not found, f"the server logged {found} during the test:\n{text[-4000:]}"


@pytest.fixture
def clean_log(live_server):
    """Fails the test when the server logged a traceback or an exception while it ran."""
    yield from _watch_log(live_server)


#: A benchmark model for the Benchmark page tests (the example's quadratic autoregression is
#: the other): x_{t+1} = x_t A fitted by least squares, and one whose training diverges.
BENCH_MODELS_SOURCE = '''
import numpy as np
from workbench.benchmark.protocol import TrainingDiverged


class Linear:
    """x_{t+1} = x_t A, A by least squares on the training series."""

    warmup = 1

    def __init__(self):
        self.n_parameters = 0

    def fit(self, train, seed, progress=None):
        rng = np.random.default_rng(seed)
        x = train + 1e-3 * rng.standard_normal(train.shape)  # seeds differ a little
        self.a = np.linalg.lstsq(x[:-1], x[1:], rcond=None)[0]
        self.n_parameters = int(self.a.size)
        return {"rows": len(train)}

    def _run(self, x0, n):
        out = [np.asarray(x0, dtype=float)]
        for _ in range(n - 1):
            out.append(out[-1] @ self.a)
        return np.stack(out, axis=1)

    def generate(self, warmup, n_steps):
        return self._run(warmup[-1:], n_steps)[0]

    def predict(self, windows, n):
        return self._run(windows[:, -1], n + 1)[:, 1:]


class Diverging(Linear):
    def fit(self, train, seed, progress=None):
        raise TrainingDiverged("loss became NaN at epoch 2")


def make_linear(dataset, quick):
    return Linear()


def make_diverging(dataset, quick):
    return Diverging()
'''

BENCH_ENTRY_POINTS = """[workbench.benchmark_models]
quadratic = benchmark_own_model:make
linear = app_bench_models:make_linear
diverging = app_bench_models:make_diverging
"""


def make_benchmark_store(root: Path):
    """A local store of real ``workbench benchmark`` runs (tiny models, tiny data).

    Full runs: models linear, quadratic and diverging × datasets ``lor`` (3-D Lorenz-63, split
    80/20) and ``rot`` (2-D rotation) × seeds 0, 1; quick runs: linear on ``lor``, seed 0. Then
    one run's metadata is damaged (``corrupt``) and the free run of quadratic's median seed
    on ``rot`` loses a chunk.

    Returns
    -------
    tuple
        ``(store path, result of the full benchmark)``.
    """
    import sys

    import numpy as np
    from dask.distributed import Client, LocalCluster

    from workbench.benchmark.models import reload
    from workbench.benchmark.runner import benchmark
    from workbench.store import Store
    from workbench.systems import lorenz63

    plugins = root / "plugins"
    info = plugins / "app_bench_models-0.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: app-bench-models\nVersion: 0.0\n")
    (info / "entry_points.txt").write_text(BENCH_ENTRY_POINTS)
    (plugins / "app_bench_models.py").write_text(BENCH_MODELS_SOURCE)
    data = root / "bench-data"
    data.mkdir()
    np.save(data / "lor.npy", lorenz63(1500, seed=5, noise=0.02))
    t = np.arange(900) * 0.3
    np.save(data / "rot_train.npy", np.stack([np.cos(t[:600]), np.sin(t[:600])], axis=1))
    np.save(data / "rot_test.npy", np.stack([np.cos(t[600:] + 1), np.sin(t[600:] + 1)], axis=1))
    specs = [f"lor={data / 'lor.npy'}", f"rot={data / 'rot_train.npy'}:{data / 'rot_test.npy'}"]
    path = root / "store.zarr"
    store = Store(str(path))
    added = [str(plugins), str(Path(__file__).resolve().parents[2] / "examples")]
    sys.path[:0] = added
    reload()
    try:
        with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            result = benchmark(["linear", "quadratic", "diverging"], seeds=2, data=specs, store=store,
                               client=client)
            benchmark(["linear"], seeds=1, data=specs[:1], quick=True, store=store, client=client)
    finally:
        for p in added:
            sys.path.remove(p)
        sys.modules.pop("app_bench_models", None)
        reload()
    with store.new_run("demo.victim", {"x": 1}) as run:
        run.metrics["m"] = 1.0
    (path / "runs" / run.id / "zarr.json").write_bytes(b"{not json")
    board = result.leaderboard
    victim = board[(board["model"] == "quadratic") & (board["dataset"] == "rot")].iloc[0]["median_run"]
    chunks = sorted((path / "runs" / victim / "generated" / "c").rglob("*"))
    next(c for c in chunks if c.is_file()).unlink()
    return path, result


@pytest.fixture(scope="session")
def benchmark_store(tmp_path_factory):
    """``(store path, full benchmark result)`` of :func:`make_benchmark_store` (made once)."""
    return make_benchmark_store(tmp_path_factory.mktemp("bench"))


@pytest.fixture(scope="module")
def benchmark_server(benchmark_store):
    """``workbench serve`` on the store of :func:`benchmark_store`."""
    server = LiveServer(benchmark_store[0].parent)
    yield server
    server.stop()


@pytest.fixture
def clean_benchmark_log(benchmark_server):
    """:func:`clean_log` for :func:`benchmark_server`."""
    yield from _watch_log(benchmark_server)


#: A balance map small enough for seconds: 3 β × 2 couplings, 2 seeds, two tasks.
TINY_MAP = dict(n_neurons=30, in_degree=6, balances=[0.5, 1.0, 1.5], couplings=[4.0, 8.0], input_scalings=[0.5],
                balance_modes=["multiplicative"], ei_splits=["fixed"], target_rates=[0.4], n_seeds=2, k_max=10,
                washout=30, task_steps=300, adapt_steps=100, batch_size=4, tasks=["mc", "narma"])


def make_map_store(path: Path) -> tuple:
    """A local store with real ``reservoirs.balance_map`` runs: the tiny map, a second map of
    one of its couplings (it reuses the stored units, so it holds the same cells) and a third
    (coupling 4 only) whose ``score`` array then loses a chunk.

    Returns
    -------
    tuple
        ``(store, full map id, coupling-8 map id, damaged map id)``.
    """
    from reservoirs.balance_map import BalanceMapExperiment
    from workbench.store import Store

    store = Store(str(path))
    full = BalanceMapExperiment(**TINY_MAP).run(store)
    part = BalanceMapExperiment(**{**TINY_MAP, "couplings": [8.0]}).run(store)
    damaged = BalanceMapExperiment(**{**TINY_MAP, "couplings": [4.0]}).run(store)
    chunk = next(c for c in sorted((path / "runs" / damaged / "score" / "c").rglob("*")) if c.is_file())
    chunk.unlink()
    return store, full, part, damaged


@pytest.fixture(scope="session")
def map_store(tmp_path_factory):
    """:func:`make_map_store` in a temporary folder (made once per session)."""
    pytest.importorskip("reservoirs.balance_map")
    return make_map_store(tmp_path_factory.mktemp("maps") / "store.zarr")


@pytest.fixture(scope="module")
def map_server(map_store):
    """``workbench serve`` on the store of :func:`map_store`."""
    server = LiveServer(map_store[0].local_path.parent)
    yield server
    server.stop()


@pytest.fixture
def clean_map_log(map_server):
    """:func:`clean_log` for :func:`map_server`."""
    yield from _watch_log(map_server)
