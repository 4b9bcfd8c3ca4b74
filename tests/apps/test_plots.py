"""Bokeh figures of the pages."""

import numpy as np
import pytest
from bokeh.models import Whisker

from apps.plots import MARKER_LIMIT, curves_figure, decimate, positive_only


def test_positive_only_drops_what_a_log_axis_cannot_show():
    x, y = positive_only([1, 2, 3, 4], [0.5, 0.0, np.nan, 2.0])
    assert x.tolist() == [1, 4] and y.tolist() == [0.5, 2.0]


def test_curves_figure_draws_lines_and_points_with_whiskers():
    fig = curves_figure("t", "x", "y", {"a": ([1, 2, 3], [1e-3, 1e-2, 0.0])},
                        {"mc": ([1, 2], [1e-3, 0.02], [5e-4, 0.01], [2e-3, 0.03])}, y_log=True)
    assert fig.y_scale.__class__.__name__ == "LogScale"
    line = fig.renderers[0]
    assert list(line.data_source.data["y"]) == [1e-3, 1e-2]  # the zero is dropped
    assert any(isinstance(m, Whisker) for m in fig.center)
    assert len(fig.legend[0].items) == 2


def test_long_curves_are_lines_without_markers_and_legends_sit_outside():
    x = np.arange(20_000)
    fig = curves_figure("trajectory", "time", "x", {"x": (x, np.sin(x / 100)), "few": ([1, 2], [1, 2])})
    glyphs = [type(r.glyph).__name__ for r in fig.renderers]
    assert glyphs.count("Line") == 2 and glyphs.count("Scatter") == 1  # markers only on the short curve
    assert fig.legend[0] in fig.below and fig.legend[0] not in fig.center


def test_decimate_keeps_every_peak():
    rng = np.random.default_rng(0)
    y = rng.normal(size=100_003)
    y[77_777] = 50.0
    y[12_345] = -40.0
    x, d = decimate(np.arange(len(y)), y, 2_000)
    assert len(d) <= 2_000 and d.max() == 50.0 and d.min() == -40.0
    assert np.all(np.diff(x) > 0)
    assert decimate([1, 2], [3, 4], 10)[1].tolist() == [3, 4]
    assert MARKER_LIMIT < 2_000


def test_attractors_are_lines_side_by_side_with_linked_ranges():
    from apps.plots import attractor_figures

    t = np.linspace(0, 50, 20_000)
    true = np.stack([np.sin(t), np.cos(t), np.sin(2 * t)], axis=1)
    left, right, series = attractor_figures(true, true * 1.1)
    assert left.x_range is right.x_range and left.y_range is right.y_range
    assert [type(r.glyph).__name__ for r in left.renderers] == ["Line"]
    assert len(left.renderers[0].data_source.data["x"]) == 20_000  # every point, as one line
    assert len(series.legend[0].items) == 2


def test_redraw_curves_replaces_data_labels_and_title_when_drawn_alike():
    from apps.plots import redraw_curves

    fig = curves_figure("old", "x", "y", {"a": ([1, 2, 3], [1, 2, 3])},
                        {"mc": ([1, 2], [0.1, 0.2], [0.05, 0.1], [0.2, 0.3])}, y_log=True)
    whisker = fig.center[-1]
    assert redraw_curves(fig, "new", {"b": ([1, 2, 3], [3, 2, 0.0])},
                         {"mc2": ([1, 2], [0.3, 0.4], [0.2, 0.3], [0.4, 0.5])}, y_log=True)
    line, marker, points = (r.data_source.data for r in fig.renderers)
    assert list(line["y"]) == [3, 2] and list(marker["x"]) == [1, 2]  # y <= 0 dropped on a log axis
    assert list(points["high"]) == [0.4, 0.5] and whisker.source.data["low"].tolist() == [0.2, 0.3]
    assert [i.label.value for i in fig.legend[0].items] == ["b", "mc2"] and fig.title.text == "new"
    # a curve long enough to lose its markers is drawn differently: the caller draws a new figure
    assert not redraw_curves(fig, "n", {"a": (np.arange(100), np.arange(100))},
                             {"mc": ([1], [0.1], [0.0], [0.2])}, y_log=True)
    assert not redraw_curves(None, "n", {"a": ([1], [1])})


def test_attractors_longer_than_the_line_limit_are_datashaded_with_one_zoom():
    from apps.plots import attractor_figures
    from apps.shade import SHADE_ABOVE

    t = np.linspace(0, 500, SHADE_ABOVE + 1)
    true = np.stack([np.sin(t), np.cos(t), np.sin(2 * t)], axis=1)
    left, right, series = attractor_figures(true, true * 1.1)
    assert [type(r.glyph).__name__ for r in left.renderers + right.renderers] == ["ImageRGBA"] * 2
    assert left.x_range is right.x_range
    image = left.renderers[0].data_source.data["image"][0]
    assert image.dtype == np.uint32 and image.any()  # every point rasterised
    assert len(series.renderers[0].data_source.data["x"]) == 5_000  # the time series: its first 5 000 steps


def test_attractor_3d_side_by_side_coloured_by_region():
    from apps.plots import attractor_3d

    t = np.linspace(0, 20, 3_000)
    true = np.stack([np.sin(t), np.cos(t), t], axis=1)
    fig = attractor_3d(true, true[:2_000], regions=np.arange(2_000) % 4)
    left, right = fig["data"]
    assert left["scene"] == "scene" and right["scene"] == "scene2" and left["type"] == "scatter3d"
    assert len(left["x"]) == 3_000 and right["line"]["color"][:5] == [0, 1, 2, 3, 0]
    assert fig["layout"]["scene"]["domain"]["x"][1] < fig["layout"]["scene2"]["domain"]["x"][0]
    assert attractor_3d(true, true, regions=[1, 2])["data"][1]["line"]["color"] == "#d62728"  # length mismatch


def test_transition_graph_hover_names_region_occupancy_and_fixed_point():
    from bokeh.models import HoverTool

    from apps.plots import transition_graph_figure

    counts = np.array([[5, 3, 0], [2, 4, 1], [1, 0, 0]])
    fps = [{"region": "10", "spectral_radius": 0.8, "real": True, "stable": True}]
    fig = transition_graph_figure(counts, ["10", "11", "01"], [0.6, 0.3, 0.1], fps)
    nodes = next(r for r in fig.renderers if type(r.glyph).__name__ == "Scatter")
    data = nodes.data_source.data
    assert list(data["region"]) == ["10", "11", "01"] and data["fixed_point"][0].startswith("real, stable")
    assert data["fixed_point"][1] == "none" and data["size"][0] > data["size"][2]
    edges = next(r for r in fig.renderers if type(r.glyph).__name__ == "MultiLine")
    assert len(edges.data_source.data["xs"]) == 4  # off-diagonal transitions seen
    hover = next(t for t in fig.tools if isinstance(t, HoverTool))
    assert [name for name, _ in hover.tooltips] == ["region", "occupancy", "stays", "fixed point"]


def test_raster_and_population_rate_share_time():
    from apps.plots import raster_figure

    rng = np.random.default_rng(0)
    raster, rate = raster_figure(rng.uniform(0, 10, 600), rng.integers(0, 50, 600), rng.random(100),
                                 max_spikes=500)
    assert rate.x_range is raster.x_range and "first 500 of 600" in raster.title.text
    assert len(raster.renderers[0].data_source.data["x"]) == 500


def test_score_dots_one_per_seed_with_median_and_floor():
    from bokeh.models import Span

    from apps.plots import score_dots_figure

    points = {"b": ([0, 1, 2], [0.5, np.nan, 0.7], ["r0", "r1", "r2"]), "a": ([0], [2.0], ["r3"])}
    fig = score_dots_figure("D_stsp", points, floor=0.3)
    dots, medians = (r.data_source.data for r in fig.renderers)
    assert list(dots["model"]) == ["b", "b", "a"] and list(dots["run"]) == ["r0", "r2", "r3"]
    assert medians["value"] == [0.6, 2.0]
    assert list(fig.y_range.factors) == ["a", "b"]  # first model on top
    assert [s.location for s in fig.center if isinstance(s, Span)] == [0.3] and "0.3" in fig.title.text
    log = score_dots_figure("PE(n)", {"a": ([0, 1], [0.0, 1e-3], ["r0", "r1"])}, x_log=True)
    assert list(log.renderers[0].data_source.data["value"]) == [1e-3]  # a log axis cannot show 0


def test_trajectory_3d_draws_the_first_three_variables():
    from apps.plots import trajectory_3d

    arr = np.arange(50_000 * 4, dtype=float).reshape(50_000, 4)
    fig = trajectory_3d(arr, "free run", max_points=1000)
    (trace,) = fig["data"]
    assert trace["type"] == "scatter3d" and len(trace["x"]) == 1000 and trace["z"][1] == arr[50, 2]
    with pytest.raises(ValueError, match="shape"):
        trajectory_3d(arr[:, :2])


def test_small_figures_are_drawn_on_a_canvas_large_ones_with_webgl():
    from apps.plots import WEBGL_ABOVE

    small = curves_figure("s", "x", "y", {"a": ([1, 2, 3], [1, 2, 3])})
    large = curves_figure("l", "x", "y", {"a": (np.arange(WEBGL_ABOVE + 1), np.arange(WEBGL_ABOVE + 1))})
    assert small.output_backend == "canvas" and large.output_backend == "webgl"
