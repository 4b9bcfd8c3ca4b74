"""Take screenshots of every page after real runs: ``python -m apps.screenshots [OUT_DIR] [BENCH_STORE]``.

Runs a small memory-capacity experiment, a balance sweep, a small balance map, a short AL-RNN
training, a reservoir forecast and a 100 000-step Lorenz-63 trajectory into a fresh store (a
temporary folder), serves the app and saves one PNG per page with headless chromium
(``/usr/bin/chromium``) into ``OUT_DIR`` (default ``docs/screenshots``), then the long
trajectory alone on the Runs page (its datashaded phase portrait), the Memory capacity page's
balance map view (a cell clicked) and a run with homeostatic adaptation (its live rate-error
curve). A benchmark takes
minutes per run, so none is run here: the complete ``benchmark.*`` runs of ``BENCH_STORE``
(e.g. one written by ``workbench benchmark --quick``; only read) are copied into the store;
without it the Benchmark page shows its empty-store message. Needs the ``test`` extra
(playwright).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
import urllib.request
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
    "systems.lorenz63": [dict(n_steps=100_000, transient=100)],
    "reservoirs.balance_map": [dict(n_neurons=100, in_degree=10, balances=[0.5, 0.75, 1.0, 1.25, 1.5, 2.0],
                                    couplings=[4.0, 8.0, 16.0], input_scalings=[0.5],
                                    balance_modes=["multiplicative"], ei_splits=["random"],
                                    target_rates=[0.3, 0.5], n_seeds=3, k_max=20, washout=100,
                                    task_steps=1000, adapt_steps=1000, tasks=["mc", "narma"])],
}
#: Tags of the memory-capacity runs by balance (shown in the Runs page's Tags column and notebook).
TAGS = {0.8: ["balance-scan", "beta-0.8"], 1.0: ["balance-scan", "beta-1.0"]}
#: File name of each page's screenshot, in :data:`apps.app.PAGES` order.
NAMES = ["memory", "dynamics", "dendrites", "runs", "benchmark"]
#: The memory-capacity run made in the browser, with homeostatic adaptation.
ADAPTED = {"N neurons": 100, "In degree": 10, "K max": 40, "N steps": 2000, "Washout": 100,
           "Adapt steps": 20_000, "Learning rate": 0.005}


def copy_benchmark_runs(source: str, store) -> int:
    """Copy the complete ``benchmark.*`` runs of the local store ``source`` (only read) into the
    local ``store`` (each run's folder as it is); returns how many."""
    from workbench.store import Store

    src = Store(source)
    src.require_exists()
    store.create()
    runs = [r for r in src.runs(status="complete") if r.kind.startswith("benchmark.")]
    for rec in runs:
        shutil.copytree(Path(src.local_path) / "runs" / rec.id, Path(store.local_path) / "runs" / rec.id)
    return len(runs)


def _field(page, label: str):
    """The visible form field labelled ``label``."""
    return page.get_by_label(label, exact=True).filter(visible=True).first


def _click_cell(page, col: float, row: float) -> None:
    """Click the heat map at fractions (``col``, ``row`` from the top) of its plotting area."""
    drag = page.locator(".js-plotly-plot .nsewdrag").filter(visible=True).first
    drag.wait_for(timeout=60_000)
    box = drag.bounding_box()
    x, y = box["x"] + box["width"] * col, box["y"] + box["height"] * row
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def main(out: str = "docs/screenshots", bench_store: str | None = None, port: int = 5123) -> None:
    """Fill a store with :data:`RUNS` (and the benchmark runs of ``bench_store``), serve the app
    and screenshot each page into ``out``."""
    from playwright.sync_api import sync_playwright

    from workbench.registry import experiments
    from workbench.store import Store

    from .app import PAGES, serve

    registry = experiments()
    tmp = tempfile.mkdtemp(prefix="screenshots-")
    store = Store(str(Path(tmp) / "store.zarr"))
    if bench_store:
        print("benchmark runs copied:", copy_benchmark_runs(bench_store, store), flush=True)
    for kind, configs in RUNS.items():
        for config in configs:
            if kind in registry:
                run_id = registry[kind](**config).run(store)
                print(kind, run_id, flush=True)
                if config.get("balance") in TAGS:  # the lab notebook of the runs compared
                    store.annotate(run_id, tags=TAGS[config["balance"]],
                                   note=f"Memory capacity at balance β = {config['balance']}: "
                                        "compared side by side on the Runs page.")
    server = serve(store.path, port=port, threaded=True, liveness=True)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://localhost:{port}/liveness", timeout=2)
            break
        except OSError:
            time.sleep(0.1)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--headless", "--no-sandbox", "--disable-gpu",
                                              "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1500, "height": 2000})
            page.goto(f"http://localhost:{port}/workbench")
            page.wait_for_load_state("networkidle")
            for title, name in zip(PAGES, NAMES):
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
                if name == "benchmark" and bench_store:  # the best model's row: its median seed's free run
                    page.get_by_text("data floor:").first.wait_for(timeout=60_000)
                    page.locator('.tabulator-cell[tabulator-field="model"]').filter(visible=True).first.click()
                    page.locator(".js-plotly-plot").filter(visible=True).first.wait_for(timeout=60_000)
                    time.sleep(3)
                page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
                print("saved", folder / f"{name}.png", flush=True)
                if name == "runs":  # one long trajectory alone: its datashaded phase portrait
                    for i in range(2):
                        rows.nth(i).locator("input[type=checkbox]").click()
                        time.sleep(1)
                    page.locator(".tabulator-row", has_text="systems.lorenz63").first \
                        .locator("input[type=checkbox]").click()
                    page.get_by_text("Plot array").first.wait_for(timeout=60_000)
                    time.sleep(3)
                    page.get_by_text("Plot array").first.evaluate("e => e.scrollIntoView({block: 'start'})")
                    time.sleep(1)
                    page.screenshot(path=str(folder / "runs_trajectory.png"), full_page=True)
                    print("saved", folder / "runs_trajectory.png", flush=True)
            # the Memory capacity page's other views
            page.get_by_text(PAGES[0], exact=True).first.click()
            page.get_by_text("Balance map", exact=True).first.click()
            page.get_by_text("Seed mean of").first.wait_for(timeout=60_000)
            _field(page, "Side by side").select_option("condition")
            time.sleep(3)
            _click_cell(page, 2.5 / 6, 0.5)  # first map (global), β = 1.0, coupling 8
            page.get_by_text("From run(s)").first.wait_for(timeout=60_000)
            time.sleep(2)
            page.screenshot(path=str(folder / "memory_balance_map.png"), full_page=True)
            print("saved", folder / "memory_balance_map.png", flush=True)
            page.get_by_text("Run & β sweep", exact=True).first.click()
            for label, value in ADAPTED.items():
                box = _field(page, label)
                box.fill(str(value))
                box.press("Enter")
            _field(page, "Adaptation").select_option("homogeneous")
            time.sleep(1)
            page.get_by_role("button", name="Run", exact=True).filter(visible=True).first.click()
            page.get_by_text("mean |rate − target|", exact=True).first.wait_for(timeout=120_000)
            page.get_by_text("complete — done").first.wait_for(timeout=300_000)
            time.sleep(3)
            page.screenshot(path=str(folder / "memory_adaptation.png"), full_page=True)
            print("saved", folder / "memory_adaptation.png", flush=True)
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
