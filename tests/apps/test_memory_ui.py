"""The Memory capacity page's live adaptation curve and balance map view in Debian's headless
chromium, against a real ``workbench serve`` process whose store holds real balance-map runs
(one of them damaged); no server traceback."""

import time

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect

pytestmark = [pytest.mark.ui, pytest.mark.slow]

LONG = 90_000  # ms


def test_pick_a_map_and_a_task_then_click_a_cell(page, clean_map_log, map_store):
    server = clean_map_log
    _, full, _, damaged = map_store
    page.goto(server.url)
    page.get_by_text("Balance map", exact=True).first.click()
    run = page.get_by_label("Map run", exact=True).filter(visible=True).first
    expect(run).to_have_value(damaged, timeout=LONG)  # the newest run is shown first: damaged
    expect(page.get_by_text("cannot be shown").first).to_be_visible(timeout=LONG)
    run.select_option(full)
    expect(page.get_by_text("Seed mean of").first).to_be_visible(timeout=LONG)
    page.get_by_label("Task", exact=True).filter(visible=True).first.select_option("narma")
    expect(page.get_by_text("NARMA-10 NRMSE (lower is better)").first).to_be_visible(timeout=LONG)
    drag = page.locator(".js-plotly-plot .nsewdrag").filter(visible=True).first
    expect(drag).to_be_visible(timeout=LONG)
    box = drag.bounding_box()
    # 3 balances (columns) × 2 couplings (rows, upwards): β = 1.5, coupling 8 is the top right cell
    page.mouse.move(box["x"] + box["width"] * 2.5 / 3, box["y"] + box["height"] * 0.25)
    page.mouse.click(box["x"] + box["width"] * 2.5 / 3, box["y"] + box["height"] * 0.25)
    expect(page.get_by_text("β = 1.5 · coupling cJ = 8").first).to_be_visible(timeout=LONG)
    expect(page.get_by_text("seed mean").first).to_be_visible()
    expect(page.locator(".tabulator-col-title", has_text="network seed").first).to_be_visible()
    assert full in page.get_by_text("From run(s)").first.inner_text()


def test_adaptation_rate_error_is_drawn_while_it_adapts(page, clean_map_log):
    server = clean_map_log
    page.goto(server.url)
    run = page.get_by_role("button", name="Run", exact=True).filter(visible=True).first
    expect(run).to_be_visible(timeout=LONG)
    values = {"N neurons": 20, "In degree": 4, "K max": 8, "N steps": 300, "Washout": 40, "Adapt steps": 20_000,
              "Learning rate": 0.01}
    for label, value in values.items():
        box = page.get_by_label(label, exact=True).filter(visible=True).first
        box.fill(str(value))
        box.press("Enter")
        expect(box).to_have_value(str(value))
    page.get_by_label("Adaptation", exact=True).filter(visible=True).first.select_option("homogeneous")
    time.sleep(0.3)  # the last value reaches the server
    run.click()
    # the live curve's legend (Bokeh draws titles and axes on the canvas)
    expect(page.get_by_text("mean |rate − target|", exact=True).first).to_be_visible(timeout=LONG)
    expect(page.get_by_text("Total memory capacity:").first).to_be_visible(timeout=LONG)
    runs = server.store().runs(kind="reservoirs.memory_capacity")
    assert runs and runs[0].status == "complete" and runs[0].params["adaptation"] == "homogeneous"
