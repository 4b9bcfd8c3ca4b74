"""The Benchmark tab in Debian's headless chromium against a real ``workbench serve`` process
whose store holds real benchmark runs (and a damaged one); no server traceback allowed."""

import re

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect

pytestmark = [pytest.mark.ui, pytest.mark.slow]

LONG = 90_000  # ms


def test_benchmark_tab_dataset_row_and_free_run(page, clean_benchmark_log):
    server = clean_benchmark_log
    page.goto(server.url)
    page.get_by_text("Benchmark", exact=True).first.click()
    expect(page.get_by_text("data floor: D_stsp").first).to_be_visible(timeout=LONG)
    expect(page.get_by_text("1 damaged run(s)").first).to_be_visible()
    dataset = page.get_by_label("Dataset", exact=True).filter(visible=True).first
    dataset.select_option("rot")
    expect(page.get_by_text(re.compile(r"^rot \(full runs\)")).first).to_be_visible(timeout=LONG)
    dataset.select_option("lor")
    expect(page.get_by_text(re.compile(r"^lor \(full runs\)")).first).to_be_visible(timeout=LONG)
    expect(page.locator(".bk-Canvas, canvas").filter(visible=True).first).to_be_visible()  # score dots
    cell = page.locator('.tabulator-cell[tabulator-field="model"]', has_text=re.compile(r"^linear$"))
    cell.filter(visible=True).first.click()
    expect(page.get_by_text("linear on lor").first).to_be_visible(timeout=LONG)
    plot = page.locator(".js-plotly-plot").filter(visible=True).first
    expect(plot).to_be_visible(timeout=LONG)
    assert plot.evaluate("el => el.data.map(d => d.type)") == ["scatter3d"]
    expect(page.get_by_text("-benchmark-linear-").first).to_be_visible()  # the cell's run ids
    page.get_by_role("button", name="quick", exact=True).click()
    expect(page.get_by_text(re.compile(r"^lor \(quick runs\)")).first).to_be_visible(timeout=LONG)
    page.get_by_role("button", name="Refresh", exact=True).filter(visible=True).first.click()
    expect(page.get_by_text(re.compile(r"^lor \(quick runs\)")).first).to_be_visible(timeout=LONG)
