"""End to end in Debian's headless chromium against a real ``workbench serve`` process.

Every test runs with ``clean_log``: it fails when the server printed a traceback or an
exception while the test clicked, so errors that never reach the browser console still fail.
"""

import io
import time

import numpy as np
import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect

pytestmark = [pytest.mark.ui, pytest.mark.slow]

LONG = 90_000  # ms
MC_TINY = {"N neurons": 20, "In degree": 4, "K max": 8, "N steps": 300, "Washout": 40}
MC_LONG = {"N neurons": 400, "In degree": 50, "K max": 100, "N steps": 100_000, "Washout": 200}
ALRNN_TINY = {"M": 6, "P": 2, "Epochs": 3, "Batches per epoch": 5, "Batch size": 4, "Seq len": 20, "Tau": 5,
              "Eval every": 1, "Eval steps": 200, "N train": 500, "N test": 500, "Symbolic steps": 500}
ALRNN_LONG = {**ALRNN_TINY, "Epochs": 100_000}
FIT_TINY = {k: v for k, v in ALRNN_TINY.items() if k not in ("N train", "N test")}


def open_app(page, server):
    page.goto(server.url)
    expect(page.get_by_text("Dendrites", exact=True).first).to_be_visible(timeout=LONG)
    expect(page.get_by_role("button", name="Run", exact=True)).to_be_visible(timeout=LONG)


def tab(page, title):
    page.get_by_text(title, exact=True).first.click()


def field(page, label):
    return page.get_by_label(label, exact=True).filter(visible=True).first


def set_values(page, values):
    for label, value in values.items():
        box = field(page, label)
        box.fill(str(value))
        box.press("Enter")
        expect(box).to_have_value(str(value))
    time.sleep(0.3)  # the last value reaches the server


def button(page, name):
    return page.get_by_role("button", name=name, exact=True).filter(visible=True).first


def newest(server, kind):
    runs = server.store().runs(kind=kind)
    return runs[0] if runs else None


def test_every_page_and_mode_renders(page, clean_log):
    server = clean_log
    open_app(page, server)
    button(page, "spiking").click()
    expect(page.get_by_text("reservoirs.spiking_memory_capacity").first).to_be_visible(timeout=LONG)
    expect(field(page, "V rest")).to_have_attribute("placeholder", "recipe default")
    button(page, "rate").click()
    expect(page.get_by_text("· reservoirs.memory_capacity").first).to_be_visible()

    tab(page, "Lorenz / Rössler")
    button(page, "rossler").click()
    expect(page.get_by_text("· alrnn.rossler").first).to_be_visible(timeout=LONG)
    button(page, "upload").click()
    expect(page.get_by_text("· alrnn.fit").first).to_be_visible(timeout=LONG)
    expect(page.get_by_label("Data", exact=True)).to_have_count(0)  # no server path field
    button(page, "Train AL-RNN").click()
    expect(page.get_by_text("no data yet: upload").first).to_be_visible()
    assert newest(server, "alrnn.fit") is None  # nothing ran on empty data

    tab(page, "Dendrites")
    expect(page.get_by_text("SDR parameters", exact=True)).to_be_visible()
    expect(page.locator(".bk-Canvas, canvas").first).to_be_visible(timeout=LONG)
    tab(page, "Runs")
    expect(button(page, "Refresh")).to_be_visible()


def test_memory_run_then_cancel_then_run_again(page, clean_log):
    server = clean_log
    open_app(page, server)
    set_values(page, MC_TINY)
    button(page, "Run").click()
    expect(page.get_by_text("Total memory capacity:")).to_be_visible(timeout=LONG)
    expect(page.get_by_text("Memory curve r_k^2 against delay k", exact=True)).to_be_visible()  # declared title
    assert newest(server, "reservoirs.memory_capacity").status == "complete"

    set_values(page, MC_LONG)
    button(page, "Run").click()
    expect(button(page, "Cancel")).to_be_enabled(timeout=LONG)
    button(page, "Cancel").click()
    expect(page.get_by_text("cancelled by the user").first).to_be_visible(timeout=LONG)
    expect(button(page, "Run")).to_be_enabled()
    expect(button(page, "Cancel")).to_be_disabled()
    run = newest(server, "reservoirs.memory_capacity")
    assert run.status == "failed" and "cancelled" in run.error

    set_values(page, MC_TINY)  # the controls work again
    button(page, "Run").click()
    expect(page.get_by_text("Status: complete").first).to_be_visible(timeout=LONG)


def _npy(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def test_uploads_data_folder_and_a_failing_training(page, clean_log):
    server = clean_log
    open_app(page, server)
    tab(page, "Lorenz / Rössler")
    upload = page.locator("input[type=file]").first
    upload.set_input_files(files=[{"name": "broken.csv", "mimeType": "text/csv", "buffer": b"a,b\n1,x\n"}])
    expect(page.get_by_text("cannot be read").first).to_be_visible(timeout=LONG)

    rows = "\n".join(f"{np.sin(i / 5):.6f},{np.cos(i / 7):.6f}" for i in range(80))
    upload.set_input_files(files=[{"name": "with header.csv", "mimeType": "text/csv",
                                   "buffer": f"x,y\n{rows}\n".encode()}])
    expect(page.get_by_text("Loaded with header.csv: 80 time points × 2 features.")).to_be_visible(timeout=LONG)

    picker = page.get_by_label("or pick from the data folder", exact=True)
    options = picker.locator("option").all_inner_texts()
    assert "sine.npy" in options and "escape.csv" not in options  # the symlink out is not offered
    picker.select_option("sine.npy")
    expect(page.get_by_text("Loaded sine.npy: 600 time points × 2 features.")).to_be_visible(timeout=LONG)

    # a constant series passes the upload checks but the training cannot z-score it: the job fails
    upload.set_input_files(files=[{"name": "flat.npy", "mimeType": "application/octet-stream",
                                   "buffer": _npy(np.ones((300, 2)))}])
    expect(page.get_by_text("Loaded flat.npy").first).to_be_visible(timeout=LONG)
    set_values(page, FIT_TINY)
    button(page, "Train AL-RNN").click()
    expect(page.get_by_text("must vary in every feature").first).to_be_visible(timeout=LONG)
    assert newest(server, "alrnn.fit").status == "failed"
    expect(button(page, "Train AL-RNN")).to_be_enabled()

    picker.select_option("sine.npy")  # the controls recover: train on good data
    expect(page.get_by_text("Loaded sine.npy").first).to_be_visible(timeout=LONG)
    button(page, "Train AL-RNN").click()
    expect(page.get_by_text("Fixed points", exact=True)).to_be_visible(timeout=3 * LONG)
    assert newest(server, "alrnn.fit").status == "complete"


def test_reload_reattaches_to_the_running_training(page, clean_log):
    server = clean_log
    open_app(page, server)
    tab(page, "Lorenz / Rössler")
    set_values(page, ALRNN_LONG)
    button(page, "Train AL-RNN").click()
    expect(page.get_by_text("Status: running — epoch").first).to_be_visible(timeout=3 * LONG)  # it reports
    page.reload()
    open_app(page, server)
    tab(page, "Lorenz / Rössler")
    cancel = button(page, "Cancel")
    expect(cancel).to_be_enabled(timeout=LONG)  # the same job, not a detached one
    expect(button(page, "Train AL-RNN")).to_be_disabled()
    cancel.click()
    expect(page.get_by_text("cancelled by the user").first).to_be_visible(timeout=LONG)
    run = newest(server, "alrnn.lorenz63")
    assert run.status == "failed" and "cancelled" in run.error
    assert len(server.store().runs(kind="alrnn.lorenz63", status="running")) == 0


def test_two_sessions_at_once(browser, clean_log):
    server = clean_log
    first, second = browser.new_context(), browser.new_context()
    try:
        a, b = first.new_page(), second.new_page()
        open_app(a, server)
        tab(a, "Lorenz / Rössler")
        set_values(a, ALRNN_LONG)
        button(a, "Train AL-RNN").click()
        expect(button(a, "Cancel")).to_be_enabled(timeout=LONG)
        open_app(b, server)
        set_values(b, MC_TINY)
        button(b, "Run").click()  # the other session's long training does not hold it back
        expect(b.get_by_text("Total memory capacity:")).to_be_visible(timeout=LONG)
        expect(button(a, "Cancel")).to_be_enabled()  # still training
        button(a, "Cancel").click()
        expect(a.get_by_text("cancelled by the user").first).to_be_visible(timeout=LONG)
    finally:
        first.close()
        second.close()


def test_runs_page_compare_rerun_export_delete(page, clean_log, registry):
    if "systems.lorenz63" not in registry:
        pytest.skip("workbench experiments are not installed")
    server = clean_log
    store = server.store()
    ids = [registry["systems.lorenz63"](n_steps=20_000, transient=10, seed=s).run(store) for s in (0, 1)]
    open_app(page, server)
    tab(page, "Runs")
    button(page, "Refresh").click()
    for run_id in ids:
        row = page.locator(".tabulator-row", has_text=run_id)
        expect(row).to_be_visible(timeout=LONG)
        row.locator("input[type=checkbox]").click()
    expect(page.get_by_text("Comparing 2 runs").first).to_be_visible(timeout=LONG)
    expect(page.locator(".tabulator-col-title", has_text="seed=1").first).to_be_visible()

    with page.expect_download(timeout=LONG) as download:
        button(page, "Export NetCDF").click()
    assert download.value.suggested_filename.endswith(".nc")

    before = set(store.run_ids())
    button(page, "Re-run").click()
    expect(page.get_by_text("Re-run finished as run").first).to_be_visible(timeout=LONG)
    assert len(set(store.run_ids()) - before) == 1

    target = ids[0]
    page.locator(".tabulator-row", has_text=ids[1]).locator("input[type=checkbox]").click()  # only ids[0] left
    expect(page.get_by_text("Comparing 2 runs")).to_have_count(0, timeout=LONG)
    button(page, "Delete…").click()
    expect(page.get_by_text(f"{target}").first).to_be_visible()
    assert target in store.run_ids()  # nothing happens before the confirmation
    button(page, "Refresh").click()  # a refresh between the question and the answer changes nothing
    button(page, "Yes, delete").click()
    expect(page.get_by_text("Deleted").first).to_be_visible(timeout=LONG)
    remaining = set(store.run_ids())
    assert target not in remaining and ids[1] in remaining


def test_dendrites_redraws_and_bounds_costly_parameters(page, clean_log):
    server = clean_log
    open_app(page, server)
    tab(page, "Dendrites")
    expect(page.locator("canvas").filter(visible=True).first).to_be_visible(timeout=LONG)
    set_values(page, {"s": 30})
    # within the declared bounds, but the exact theory would take about a minute: stopped at the limit
    set_values(page, {"n": 10_000_000, "a": 5_000_000, "v": 0, "s": 128, "θ": 64, "M": 16})
    expect(page.get_by_text("choose smaller a, s or M").first).to_be_visible(timeout=LONG)
    set_values(page, {"θ": 12, "s": 24, "a": 300, "n": 10_000})
    expect(page.get_by_text("choose smaller a, s or M")).to_be_hidden(timeout=LONG)
    button(page, "Monte-Carlo points").click()
    expect(button(page, "Monte-Carlo points")).to_be_enabled(timeout=LONG)
    assert server.proc.poll() is None


def test_attractors_rotatable_in_3d_beside_the_truth(page, clean_log):
    server = clean_log
    t = np.linspace(0, 40, 4_000)
    x = np.stack([np.sin(t), np.cos(t), np.sin(2 * t)], axis=1)
    with server.store().new_run("alrnn.lorenz63", {"M": 6}) as run:  # a stored AL-RNN result
        run.write("test", x, dims=("time", "dim"))
        run.write("generated", 1.05 * x, dims=("time", "dim"))
        run.write("regions", (np.arange(4_000) // 500) % 5, dims=("time",))
        run.metrics["d_stsp"] = 1.0
    open_app(page, server)
    tab(page, "Lorenz / Rössler")
    plot = page.locator(".js-plotly-plot").filter(visible=True).first
    expect(plot).to_be_visible(timeout=LONG)
    traces = plot.evaluate("el => el.data.map(d => [d.type, d.scene])")
    assert traces == [["scatter3d", "scene"], ["scatter3d", "scene2"]]  # true and generated, each rotatable
    expect(page.get_by_text("generated (colour: linear subregion)").first).to_be_visible()
