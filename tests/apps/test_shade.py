"""Datashaded phase portraits: every point drawn, in the right pixels, re-aggregated on zoom."""

from __future__ import annotations

import numpy as np
from bokeh.events import RangesUpdate

from apps.shade import SHADE_ABOVE, phase_figures, shade_plane


def _alpha(image: np.ndarray) -> np.ndarray:
    return (image >> 24) & 0xFF


def test_a_segment_lights_exactly_its_pixels():
    # the segment y = 0.5 from x = 0.1 to 0.9 on a 10 x 10 canvas over [0, 1]^2: row 5, columns 1..9
    image = shade_plane([0.1, 0.9], [0.5, 0.5], (0.0, 1.0), (0.0, 1.0), 10, 10, "#ff0000")
    lit = _alpha(image) > 0
    assert image.shape == (10, 10) and image.dtype == np.uint32
    assert lit[5, 1:9].all() and lit.sum() == lit[5].sum()


def test_a_single_excursion_among_many_points_is_drawn():
    # 100 000 points in a small loop and one excursion at step 12 345: striding to 20 000 points
    # (every 5th) skips it, the aggregation of every segment does not
    t = np.linspace(0, 200 * np.pi, 100_000)
    x, y = 0.1 * np.cos(t), 0.1 * np.sin(t)
    x[12_346] = y[12_346] = 0.9
    image = shade_plane(x, y, (-1.0, 1.0), (-1.0, 1.0), 40, 40, "#000000")
    corner = _alpha(image)[30:, 30:]  # pixels of (x, y) > 0.5
    assert corner.any()
    strided = shade_plane(x[::5], y[::5], (-1.0, 1.0), (-1.0, 1.0), 40, 40, "#000000")
    assert not _alpha(strided)[30:, 30:].any()


def test_non_finite_points_are_gaps_not_a_crash():
    # a diverged free run: infinite values crashed Datashader's line kernel (a segfault that
    # would take the server down); NaN and infinite points now break the line
    x = np.linspace(0, 1, 30_000)
    y = x.copy()
    y[100:200] = np.inf
    y[300] = np.nan
    y[400] = -np.inf
    image = shade_plane(x, y, (-0.1, 1.1), (-0.1, 1.1), 40, 40, "#000000")
    assert _alpha(image).any()
    (fig,) = phase_figures([("diverged", np.stack([x, y, y], axis=1), "#000000")])
    assert fig.renderers[0].data_source.data["image"][0].any()


def test_a_run_that_diverged_to_huge_values_does_not_crash_the_process():
    # coordinates near the float64 limit overflowed Datashader's pixel transform: the process
    # died (segfault or LLVM abort, at the latest when it exited); run in a child to see it
    import subprocess
    import sys

    code = ("import numpy as np; from apps.shade import phase_figures; "
            "x = np.linspace(0, 1, 30000); y = x.copy(); y[-50:] = 1.7e308; y[-100:-50] = -1.7e308; "
            "(f,) = phase_figures([('t', np.stack([x, y, y], 1), '#000000')]); "
            "print(int(f.renderers[0].data_source.data['image'][0].any()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "1", out.stderr[-500:]


def test_empty_window_is_transparent():
    image = shade_plane([0.0, 1.0], [0.0, 1.0], (5.0, 6.0), (5.0, 6.0), 8, 8, "#000000")
    assert not _alpha(image).any()


def test_zoom_re_aggregates_every_figure_over_the_new_window():
    rng = np.random.default_rng(0)
    true = np.cumsum(rng.normal(size=(SHADE_ABOVE + 10, 3)), axis=0)
    generated = true[::-1].copy()
    figs = phase_figures([("true", true, "#1f77b4"), ("generated", generated, "#d62728")])
    assert len(figs) == 2 and figs[0].x_range is figs[1].x_range
    sources = [f.renderers[0].data_source for f in figs]
    x0, x1 = float(true[:, 0].min()), float(true[:, 0].max())
    assert sources[0].data["x"][0] < x0 and sources[0].data["x"][0] + sources[0].data["dw"][0] > x1
    window = dict(x0=x0, x1=(x0 + x1) / 2, y0=0.0, y1=1.0)
    figs[0]._trigger_event(RangesUpdate(figs[0], **window))
    for src in sources:
        assert src.data["x"] == [window["x0"]] and src.data["dw"] == [window["x1"] - window["x0"]]
        assert src.data["y"] == [0.0] and src.data["dh"] == [1.0]
    shown = sources[0].data["image"][0]
    expected = shade_plane(true[:, 0], true[:, 2], (window["x0"], window["x1"]), (0.0, 1.0),
                           shown.shape[1], shown.shape[0], "#1f77b4")
    np.testing.assert_array_equal(shown, expected)
