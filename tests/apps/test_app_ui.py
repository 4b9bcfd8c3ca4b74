"""End to end in headless chromium: every page loads, runs complete from clicks, runs are listed."""

import time
import urllib.request
import uuid
import warnings

import pytest

pytest.importorskip("playwright")
from panel.tests.util import get_open_ports, wait_until  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from apps.app import PAGES, build_pages, create_app  # noqa: E402

pytestmark = pytest.mark.ui

MC_TINY = dict(n_neurons=20, in_degree=4, k_max=8, n_steps=300, washout=40)
ALRNN_TINY = dict(M=6, P=2, epochs=3, batches_per_epoch=5, batch_size=4, seq_len=20, tau=5, eval_every=1,
                  eval_steps=200, n_train=500, n_test=500, symbolic_steps=500)


class Server:
    """The app served in a thread; remembers each session's pages and document."""

    def __init__(self, registry):
        import panel as pn

        from workbench.store import Store

        self.store = Store(f"memory://apps-ui-{uuid.uuid4().hex}")
        self.sessions = []
        self.port = get_open_ports()[0]

        def session():
            pages = build_pages(self.store, registry)
            self.sessions.append((pages, pn.state.curdoc))
            return create_app(self.store, registry, pages=pages)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.thread = pn.serve({"workbench": session}, port=self.port, threaded=True, show=False,
                                   verbose=False, liveness=True)
        self.url = f"http://localhost:{self.port}/workbench"
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://localhost:{self.port}/liveness", timeout=2)
                break
            except OSError:
                time.sleep(0.1)

    def configure(self, runner, **values):
        """Set experiment parameters on the session's thread (as the widgets would)."""
        pages, doc = self.sessions[-1]
        doc.add_next_tick_callback(lambda: runner.configure(**values))
        wait_until(lambda: all(getattr(runner.experiment, k) == v for k, v in values.items()), timeout=10_000)

    def stop(self):
        self.thread.stop()


@pytest.fixture(scope="module")
def server(registry):
    srv = Server(registry)
    yield srv
    srv.stop()


def _open(page, server, console):
    page.on("console", lambda msg: console.append(msg) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: console.append(exc))
    page.goto(server.url)
    expect(page.get_by_text(PAGES[2], exact=True).first).to_be_visible(timeout=20_000)
    return server.sessions[-1][0]


def _tab(page, title):
    page.get_by_text(title, exact=True).first.click()


@pytest.mark.slow
def test_every_page_loads_without_console_errors(server, screenshot_on_failure):
    page = screenshot_on_failure
    console = []
    _open(page, server, console)
    markers = {PAGES[0]: "Reservoir", PAGES[1]: "System", PAGES[2]: "SDR parameters", PAGES[3]: "Refresh"}
    for title in PAGES:
        _tab(page, title)
        expect(page.get_by_text(markers[title], exact=True).first).to_be_visible(timeout=10_000)
        if title == PAGES[2]:  # the theory plots are drawn
            wait_until(lambda: page.locator("canvas").count() >= 3, page, timeout=10_000)
    assert console == []


@pytest.mark.slow
def test_memory_run_and_alrnn_training_from_clicks_are_listed(server, registry, screenshot_on_failure):
    if "reservoirs.memory_capacity" not in registry or "alrnn.lorenz63" not in registry:
        pytest.skip("reservoirs or alrnn experiments are not installed")
    page = screenshot_on_failure
    console = []
    pages = _open(page, server, console)

    memory = pages[PAGES[0]]
    server.configure(memory.state.runner, **MC_TINY)
    page.get_by_role("button", name="Run", exact=True).click()
    wait_until(lambda: memory.state.runner.job.status not in ("idle", "running"), page, timeout=60_000)
    expect(page.get_by_text("Total memory capacity:")).to_be_visible(timeout=10_000)
    expect(page.get_by_text("mc_curve", exact=True)).to_be_visible()
    assert memory.state.runner.job.status == "complete"
    assert page.locator("img").count() >= 3  # the run's stored figures

    _tab(page, PAGES[1])
    dynamics = pages[PAGES[1]]
    server.configure(dynamics.state.train, **ALRNN_TINY)
    page.get_by_role("button", name="Train AL-RNN").click()
    wait_until(lambda: dynamics.state.train.job.status not in ("idle", "running"), page, timeout=120_000)
    expect(page.get_by_text("Fixed points")).to_be_visible(timeout=10_000)
    expect(page.get_by_text("transition_graph", exact=True)).to_be_visible()
    assert dynamics.state.train.job.status == "complete"
    assert len(dynamics.state.train.job.scalars) >= 2  # live curve points arrived

    _tab(page, PAGES[3])
    cells = page.locator(".tabulator-cell")
    expect(cells.filter(has_text="reservoirs.memory_capacity").first).to_be_visible(timeout=10_000)
    expect(cells.filter(has_text="alrnn.lorenz63").first).to_be_visible()
    assert console == []
