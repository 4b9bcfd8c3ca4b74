"""App responsiveness in headless chromium: first render of each page, a Dendrites widget change.

Serves the app with ``workbench serve`` (its own process, a fresh store holding one
100 000-step Lorenz-63 trajectory) and, as the peer, a one-pane Panel app served by the same
``panel`` in another process. Measured with Debian's chromium through Playwright:

- ``first load``: navigation until the Memory page's form is usable (Run button visible),
  against the peer's navigation until its one pane is visible (ratio = app / peer);
- each tab: click until its page is usable;
- Dendrites: typing a new ``s`` until the curves for it are drawn (the page's "Curves for ..."
  line), which includes the bounded child-process computation; four changes in a row, the
  first one on a fresh page reported apart (the browser's first redraw of a figure is slower);
- Runs: selecting the 100 000-point run until its datashaded phase portrait is in the page
  (the image of all its points, :mod:`apps.shade`).

Every "until" is polled from Python as fast as Playwright answers (a few ms per check), not with
``expect(...)``: ``expect`` re-checks after 0, 20, 50, 100, 100, 500, 500 ... ms, which rounds
a 300 ms redraw up to about 800 ms.

Run: ``python benchmarks/app.py [--repeats 5]``. Medians of the repeats (interleaved with the
peer); the numbers depend on the machine's load.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

# run as a script, this folder comes first on sys.path and its alrnn.py would hide the package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

PEER = """
import panel as pn
pn.serve({"peer": lambda: pn.pane.Markdown("peer page")}, port=int(__import__("sys").argv[1]),
         show=False, address="localhost")
"""
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]


def _wait_http(url: str, timeout: float = 180) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout} s")




def _until(check, timeout: float = 120) -> None:
    """Poll ``check()`` until it is true (each check is one round trip to the browser)."""
    deadline = time.perf_counter() + timeout
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError("the page did not get there in time")


def _visible(locator):
    return lambda: locator.is_visible()


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main(repeats: int = 5) -> None:
    from playwright.sync_api import expect, sync_playwright  # expect: only outside the timings

    from apps.shade import BROWSER_IMAGES
    from workbench.registry import experiments
    from workbench.store import Store

    root = Path(tempfile.mkdtemp(prefix="bench-app-"))
    store = Store(str(root / "store.zarr"))
    run_id = experiments()["systems.lorenz63"](n_steps=100_000, transient=100).run(store)
    app_port, peer_port = _free_port(), _free_port()
    exe = Path(sys.executable).with_name("workbench")
    log = open(root / "server.log", "wb")
    serve_cmd = [str(exe), "serve", "--store", str(root / "store.zarr"), "--port", str(app_port)]
    procs = [subprocess.Popen(serve_cmd, stdout=log, stderr=subprocess.STDOUT),
             subprocess.Popen([sys.executable, "-c", PEER, str(peer_port)], stdout=log,
                              stderr=subprocess.STDOUT)]
    results: dict[str, list[float]] = {}
    try:
        _wait_http(f"http://localhost:{app_port}/workbench")
        _wait_http(f"http://localhost:{peer_port}/peer")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for i in range(repeats + 1):  # the first round warms both servers up and is not counted
                times = {}
                peer = browser.new_context().new_page()
                times["peer: first render"] = _timed(lambda peer=peer: (
                    peer.goto(f"http://localhost:{peer_port}/peer"),
                    _until(_visible(peer.get_by_text("peer page")))))
                peer.context.close()

                page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                times["Memory capacity: first render"] = _timed(lambda page=page: (
                    page.goto(f"http://localhost:{app_port}/workbench"),
                    _until(_visible(page.get_by_role("button", name="Run", exact=True)))))
                for title, check in (
                        ("Lorenz / Rössler",
                         lambda page=page: page.get_by_role("button", name="Train AL-RNN")),
                        ("Dendrites",
                         lambda page=page: page.get_by_text("Curves for").filter(visible=True).first),
                        ("Runs", lambda page=page: page.get_by_role("button", name="Refresh"))):
                    times[f"{title}: tab shown"] = _timed(lambda page=page, title=title, check=check: (
                        page.get_by_text(title, exact=True).first.click(),
                        _until(_visible(check()))))
                page.get_by_text("Dendrites", exact=True).first.click()
                box = page.get_by_label("s", exact=True).filter(visible=True).first
                expect(box).to_be_visible(timeout=120_000)  # the page is back (not timed)
                expect(page.get_by_text("Curves for").filter(visible=True).first).to_be_visible()
                for k, what in enumerate(("first", "2nd", "3rd", "4th")):
                    value = 25 + 4 * i + k
                    times[f"Dendrites: {what} widget change redrawn"] = _timed(
                        lambda page=page, box=box, value=value: (
                            box.fill(str(value)), box.press("Enter"),
                            _until(_visible(page.get_by_text(f"s={value}").first))))
                page.get_by_text("Runs", exact=True).first.click()
                row = page.locator(".tabulator-row", has_text=run_id)
                expect(row).to_be_visible(timeout=120_000)
                times["Runs: 100 000-point trajectory drawn"] = _timed(lambda page=page, row=row: (
                    row.locator("input[type=checkbox]").click(),
                    _until(lambda: len(page.evaluate(BROWSER_IMAGES)) == 1)))
                page.context.close()
                if i:
                    for k, v in times.items():
                        results.setdefault(k, []).append(v)
            browser.close()
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(20)
        log.close()
    peer = statistics.median(results.pop("peer: first render"))
    print(f"median of {repeats} rounds (seconds); peer = one-pane Panel app, first render {peer:.3f} s")
    print(f"{'measurement':42s} {'median':>8s} {'min':>8s} {'max':>8s} {'x peer':>8s}")
    for name, values in results.items():
        med = statistics.median(values)
        print(f"{name:42s} {med:8.3f} {min(values):8.3f} {max(values):8.3f} {med / peer:8.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    main(parser.parse_args().repeats)
