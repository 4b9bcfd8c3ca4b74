"""Take screenshots of every page after real runs: ``python -m apps.screenshots [OUT_DIR]``.

Runs a small memory-capacity experiment, a balance sweep, a short AL-RNN training and a
reservoir forecast into a fresh in-memory store, serves the app and saves one PNG per page
with headless chromium (``/usr/bin/chromium``) into ``OUT_DIR`` (default
``docs/screenshots``). Needs the ``test`` extra (playwright).
"""

from __future__ import annotations

import sys
import time
import urllib.request
import uuid
from pathlib import Path

__all__ = ["main"]

#: Small but real runs shown on the pages (seconds on 2 cores).
RUNS = {
    "reservoirs.memory_capacity": [dict(n_neurons=100, in_degree=10, k_max=40, n_steps=2000, washout=100,
                                        balance=b) for b in (0.8, 1.0)],
    "reservoirs.balance_sweep": [dict(n_neurons=100, in_degree=10, n_balances=6, n_seeds=1, k_max=40,
                                      mc_steps=1500, narma_steps=1500, washout=100)],
    "alrnn.lorenz63": [dict(M=12, P=2, epochs=30, eval_every=5, eval_steps=2000, n_train=5000, n_test=5000,
                            symbolic_steps=5000)],
    "reservoirs.lorenz_forecast": [dict(n_neurons=200, in_degree=10, data_steps=6200, n_train=4000,
                                        n_test=1000, n_generate=1000, washout=100)],
}


def main(out: str = "docs/screenshots", port: int = 5123) -> None:
    """Fill a store with :data:`RUNS`, serve the app and screenshot each page into ``out``."""
    from playwright.sync_api import sync_playwright

    from workbench.registry import experiments
    from workbench.store import Store

    from .app import PAGES, serve

    registry = experiments()
    store = Store(f"memory://screenshots-{uuid.uuid4().hex}")
    for kind, configs in RUNS.items():
        for config in configs:
            if kind in registry:
                print(kind, registry[kind](**config).run(store), flush=True)
    server = serve(store.path, port=port, threaded=True, liveness=True)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://localhost:{port}/liveness", timeout=2)
            break
        except OSError:
            time.sleep(0.1)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    names = ["memory", "dynamics", "dendrites", "runs"]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--headless", "--no-sandbox", "--disable-gpu",
                                              "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1500, "height": 2000})
            page.goto(f"http://localhost:{port}/workbench")
            page.wait_for_load_state("networkidle")
            for title, name in zip(PAGES, names):
                page.get_by_text(title, exact=True).first.click()
                time.sleep(3)
                if name == "dendrites":
                    page.get_by_text("Curves for").first.wait_for(timeout=60_000)
                if name == "runs":  # two memory-capacity runs compared (balance 0.8 vs 1.0)
                    rows = page.locator(".tabulator-row", has_text="reservoirs.memory_capacity")
                    for i in range(2):
                        rows.nth(i).locator("input[type=checkbox]").click()
                        time.sleep(2)
                    page.get_by_text("Comparing 2 runs").first.wait_for(timeout=60_000)
                    time.sleep(2)
                page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
                print("saved", folder / f"{name}.png", flush=True)
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main(*sys.argv[1:2])
