"""The Runs page's lab notebook (tags and a note per run) in Debian's headless chromium against
a real ``workbench serve`` process; no server traceback allowed."""

import re

import numpy as np
import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect

from apps.shade import BROWSER_IMAGES

pytestmark = [pytest.mark.ui, pytest.mark.slow]

LONG = 90_000  # ms


def button(page, name):
    return page.get_by_role("button", name=name, exact=True).filter(visible=True).first


def field(page, label):
    return page.get_by_label(label, exact=True).filter(visible=True).first


def tags_cell(page, run_id):
    row = page.locator(".tabulator-row", has_text=run_id)
    return row.locator('.tabulator-cell[tabulator-field="tags"]')


def test_tag_a_run_filter_by_its_tag_and_reject_a_bad_tag(page, clean_log):
    server = clean_log
    store = server.store()
    ids = []
    for i in range(2):
        with store.new_run("demo.notebook", {"x": i}) as run:
            run.write("values", np.arange(10.0) * (i + 1), dims=("time",))
            run.metrics["score"] = float(i)
        ids.append(run.id)
    target, untagged = ids
    page.goto(server.url)
    page.get_by_text("Runs", exact=True).first.click()
    button(page, "Refresh").click()
    row = page.locator(".tabulator-row", has_text=target)
    expect(row).to_be_visible(timeout=LONG)
    row.locator("input[type=checkbox]").click()
    expect(page.get_by_text(f"Notebook of run {target}").first).to_be_visible(timeout=LONG)

    field(page, "Tags (comma-separated)").fill("baseline, fig3")
    field(page, "Note").fill("first try:\nlooks fine")
    button(page, "Save tags and note").click()
    expect(page.get_by_text(f"Saved tags and note of run {target}.").first).to_be_visible(timeout=LONG)
    expect(tags_cell(page, target)).to_have_text("baseline, fig3", timeout=LONG)
    saved = store.annotations([target])[target]
    assert saved["tags"] == ["baseline", "fig3"] and saved["note"] == "first try:\nlooks fine"

    tag = field(page, "Tag")
    expect(tag.locator("option")).to_have_text(["all", "baseline", "fig3"], timeout=LONG)
    tag.select_option("fig3")
    expect(page.locator(".tabulator-row", has_text=untagged)).to_have_count(0, timeout=LONG)
    expect(page.locator(".tabulator-row", has_text=target)).to_be_visible()

    field(page, "Tags (comma-separated)").fill("baseline, not allowed!")
    button(page, "Save tags and note").click()
    expect(page.get_by_text(re.compile(r"tag 'not allowed!' must be 1-64 characters")).first) \
        .to_be_visible(timeout=LONG)
    expect(page.get_by_text("Saved tags and note of run")).to_have_count(0)
    expect(tags_cell(page, target)).to_have_text("baseline, fig3")
    assert store.annotations([target])[target]["tags"] == ["baseline", "fig3"]  # nothing saved

    tag.select_option("all")
    expect(page.locator(".tabulator-row", has_text=untagged)).to_be_visible(timeout=LONG)




def test_a_long_trajectory_is_datashaded_and_re_aggregated_on_zoom(page, clean_log):
    server = clean_log
    t = np.linspace(0, 400 * np.pi, 30_000)
    with server.store().new_run("demo.long", {"n": 30_000}) as run:
        run.write("orbit", np.stack([np.cos(t), np.sin(t), np.cos(3 * t)], axis=1), dims=("time", "dim"))
    page.goto(server.url)
    page.get_by_text("Runs", exact=True).first.click()
    button(page, "Refresh").click()
    row = page.locator(".tabulator-row", has_text=run.id)
    expect(row).to_be_visible(timeout=LONG)
    row.locator("input[type=checkbox]").click()
    field(page, "Plot array").select_option("orbit")
    portrait = page.locator("canvas").filter(visible=True).last
    expect(portrait).to_be_visible(timeout=LONG)
    page.wait_for_function(f"() => ({BROWSER_IMAGES})().length === 1", timeout=LONG)
    ((x0, dw0),) = page.evaluate(BROWSER_IMAGES)
    assert x0 < -1 < 1 < x0 + dw0  # the whole orbit, padded
    portrait.scroll_into_view_if_needed()
    box = portrait.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(3):
        page.mouse.wheel(0, -300)
    # the server re-aggregates the visible window: the image now spans the zoomed range only
    page.wait_for_function(f"() => ({BROWSER_IMAGES})()[0][1] < {dw0 / 2}", timeout=LONG)
    ((x1, dw1),) = page.evaluate(BROWSER_IMAGES)
    assert x0 < x1 and x1 + dw1 < x0 + dw0
