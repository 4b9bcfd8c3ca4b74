"""Long trajectories drawn in full: every point reaches the pixels of the view, at any zoom.

A 100 000-step attractor drawn as a Bokeh line sends every point to the browser and still
hides its density (the dense lobes are solid ink). Instead, Datashader rasterises the whole
trajectory on the server: each pixel counts the line segments crossing it,

.. math::

   A_{pq} = \\#\\{t : \\text{segment } (x_t, y_t) \\to (x_{t+1}, y_{t+1})
   \\text{ crosses pixel } (p, q)\\},

and the counts are coloured by histogram equalisation, so both the sparse excursions and
the dense core stay visible. Zooming re-aggregates the visible window at full resolution
(Bokeh's ``RangesUpdate`` event, answered in the session's thread), so nothing is ever
subsampled. Bednar et al., *Datashader* (HoloViz), https://datashader.org.

Long time series get the one-dimensional analogue (:func:`follow_zoom`): the min and max of
each of ~2 000 bins (:func:`apps.plots.decimate`, every peak kept), recomputed over the visible
window when the user zooms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from bokeh.events import RangesUpdate
from bokeh.models import ColumnDataSource, Range1d
from bokeh.plotting import figure

__all__ = ["BROWSER_IMAGES", "DRAWN_LIMIT", "SHADE_ABOVE", "follow_zoom", "phase_figures", "shade_plane",
           "warm_up"]

#: Trajectories longer than this (points) are datashaded; shorter ones stay Bokeh lines.
SHADE_ABOVE = 20_000
#: JavaScript for a page with these figures: ``[x, dw]`` of every image its Bokeh documents hold,
#: as the browser has them (the window the server last rasterised; for browser tests and
#: ``benchmarks/app.py``).
BROWSER_IMAGES = """() => { const out = [];
  for (const doc of Bokeh.documents) for (const m of doc.all_models) {
    const d = m.data; if (d === undefined || d === null) continue;
    const get = (k) => (d instanceof Map ? d.get(k) : d[k]);
    if (get("image") !== undefined && get("dw") !== undefined) out.push([get("x")[0], get("dw")[0]]); }
  return out; }"""
#: Coordinates beyond +-this (a diverged run) are drawn as gaps, like NaN and infinity: the
#: pixel transform of Datashader's line kernel overflows on them and the process crashes.
DRAWN_LIMIT = 1e150


def _drawable(values) -> np.ndarray:
    """``values`` as float64 with the points that cannot be drawn (see :data:`DRAWN_LIMIT`) NaN."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.abs(values) <= DRAWN_LIMIT, values, np.nan)  # (NaN compares False)


def _bounds(values: np.ndarray) -> tuple[float, float]:
    values = _drawable(values)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return -1.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    pad = 0.04 * (hi - lo) if hi > lo else 0.5
    return lo - pad, hi + pad


def shade_plane(x, y, x_range: tuple[float, float], y_range: tuple[float, float], width: int,
                height: int, colour: str) -> np.ndarray:
    """Rasterise the polyline ``(x_t, y_t)`` into ``height × width`` RGBA pixels.

    Parameters
    ----------
    x, y : array_like, shape (T,)
        The trajectory's two coordinates, in time order (points that are NaN, infinite or
        beyond :data:`DRAWN_LIMIT` break the line).
    x_range, y_range : tuple of float
        The data window the pixels cover.
    width, height : int
        Pixels.
    colour : str
        Hex colour of the densest pixels (empty pixels are transparent).

    Returns
    -------
    numpy.ndarray, shape (height, width), dtype uint32
        Packed RGBA pixels, row 0 at the bottom (Bokeh's ``image_rgba`` convention).
    """
    import datashader as ds
    import datashader.transfer_functions as tf
    import pandas as pd

    # an infinite or huge coordinate (a diverged free run) crashes Datashader's line kernel
    frame = pd.DataFrame({"x": _drawable(x), "y": _drawable(y)})
    canvas = ds.Canvas(plot_width=int(width), plot_height=int(height), x_range=x_range, y_range=y_range)
    counts = canvas.line(frame, "x", "y", agg=ds.count())
    if not np.any(counts.data):
        return np.zeros((int(height), int(width)), dtype=np.uint32)
    image = tf.shade(counts, cmap=["#d9d9d9", colour], how="eq_hist", min_alpha=90)
    return np.ascontiguousarray(image.data, dtype=np.uint32)


def phase_figures(panels: Sequence[tuple[str, np.ndarray, str]], plane: tuple[int, int] = (0, 2),
                  labels: Sequence[str] = ("x", "y", "z"), width: int = 420, height: int = 380) -> list:
    """Phase portraits of long trajectories, datashaded, sharing one zoom.

    Parameters
    ----------
    panels : sequence of (title, array, colour)
        One figure per trajectory (``array`` of shape (T, N >= 2)); all share their axes.
    plane : tuple of int
        The two variables drawn against each other (clipped to the arrays' width).
    labels : sequence of str
        Names of the variables (axis labels).
    width, height : int
        Size of each figure in pixels; the image has one pixel per screen pixel of the frame.

    Returns
    -------
    list of bokeh.plotting.figure
        One figure per panel. Zooming or panning any of them re-aggregates all of them over
        the new window.
    """
    arrays = [np.asarray(arr, dtype=float) for _, arr, _ in panels]
    n_cols = min(a.shape[1] for a in arrays)
    if n_cols < 2:
        raise ValueError("phase_figures needs arrays with at least 2 columns")
    i, j = (min(plane[0], n_cols - 1), min(plane[1], n_cols - 1))
    if i == j:
        i, j = 0, 1
    stacked_x = np.concatenate([a[:, i] for a in arrays])
    stacked_y = np.concatenate([a[:, j] for a in arrays])
    x0, x1 = _bounds(stacked_x)
    y0, y1 = _bounds(stacked_y)
    x_range, y_range = Range1d(x0, x1), Range1d(y0, y1)
    # pixels of the frame (the figure less its axes and title)
    px, py = max(50, width - 70), max(50, height - 80)
    figs, sources = [], []
    for (title, _, colour), arr in zip(panels, arrays):
        fig = figure(title=title, x_axis_label=labels[i] if i < len(labels) else f"dim {i}",
                     y_axis_label=labels[j] if j < len(labels) else f"dim {j}", width=width,
                     height=height, x_range=x_range, y_range=y_range,
                     tools="pan,wheel_zoom,box_zoom,reset,save", active_scroll="wheel_zoom")
        src = ColumnDataSource({"image": [shade_plane(arr[:, i], arr[:, j], (x0, x1), (y0, y1), px, py,
                                                      colour)],
                                "x": [x0], "y": [y0], "dw": [x1 - x0], "dh": [y1 - y0]})
        fig.image_rgba(image="image", x="x", y="y", dw="dw", dh="dh", source=src)
        figs.append(fig)
        sources.append((src, arr, colour))
    drawn: list[tuple] = [(x0, x1, y0, y1)]

    def redraw(event: RangesUpdate) -> None:
        window = (event.x0, event.x1, event.y0, event.y1)
        if None in window or window == drawn[0] or not np.all(np.isfinite(window)) \
                or not (window[1] > window[0] and window[3] > window[2]):
            return
        drawn[0] = window
        for src, arr, colour in sources:
            src.data = {"image": [shade_plane(arr[:, i], arr[:, j], window[:2], window[2:], px, py, colour)],
                        "x": [window[0]], "y": [window[2]], "dw": [window[1] - window[0]],
                        "dh": [window[3] - window[2]]}

    for fig in figs:
        fig.on_event(RangesUpdate, redraw)
    return figs


def follow_zoom(fig, full: Mapping[str, tuple], max_points: int) -> None:
    """Redraw a figure's lines from their full data, min/max-decimated over the visible window.

    Parameters
    ----------
    fig : bokeh.plotting.figure
        A figure whose line renderers were drawn, in order, from ``full`` decimated to
        ``max_points`` (e.g. by :func:`apps.plots.curves_figure`).
    full : mapping
        ``label -> (x, y)``: every point of each line (``x`` increasing).
    max_points : int
        Points per line after each redraw (:func:`apps.plots.decimate`).
    """
    from bokeh.models import Line

    from .plots import decimate

    lines = [r for r in fig.renderers if isinstance(r.glyph, Line)]
    data = [(np.asarray(x, dtype=float), np.asarray(y, dtype=float)) for x, y in full.values()]

    def redraw(event: RangesUpdate) -> None:
        if event.x0 is None or event.x1 is None or not event.x1 > event.x0:
            return
        for renderer, (x, y) in zip(lines, data):
            lo = max(0, int(np.searchsorted(x, event.x0)) - 1)  # one point beyond each edge
            hi = min(len(x), int(np.searchsorted(x, event.x1, side="right")) + 1)
            xs, ys = decimate(x[lo:hi], y[lo:hi], max_points)
            renderer.data_source.data = {"x": xs, "y": ys}

    fig.on_event(RangesUpdate, redraw)


def warm_up() -> None:
    """Compile Datashader's line aggregation once (about 1 s), so the first plot is quick."""
    t = np.linspace(0, 6.0, 200)
    shade_plane(np.cos(t), np.sin(t), (-1.0, 1.0), (-1.0, 1.0), 20, 20, "#1f77b4")
