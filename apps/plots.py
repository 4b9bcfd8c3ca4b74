"""Bokeh figures the pages draw from arrays (curves on linear or log axes, error bars).

Pure functions: data in, a new :class:`bokeh.plotting.figure` out, so the pages can rebuild a
plot on every update and the tests can inspect what was drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from bokeh.core.properties import value
from bokeh.models import ColumnDataSource, HoverTool, Line, Span, Whisker
from bokeh.palettes import Category10_10
from bokeh.plotting import figure

from .shade import SHADE_ABOVE, phase_figures

__all__ = ["MARKER_LIMIT", "Series", "WEBGL_ABOVE", "attractor_3d", "attractor_figures", "curves_figure",
           "decimate", "positive_only", "raster_figure", "redraw_curves", "score_dots_figure",
           "trajectory_3d", "transition_graph_figure"]

#: Curves with at most this many points get a marker on each point; longer ones are lines.
MARKER_LIMIT = 60

#: Figures with more points than this are drawn with WebGL; smaller ones on a canvas, which
#: redraws them sooner (no GL context to set up, e.g. in a browser without a GPU).
WEBGL_ABOVE = 5_000

#: ``label -> (x, y)`` or ``label -> (x, y, low, high)`` (with an error band as whiskers).
Series = Mapping[str, Sequence]


def positive_only(x, y):
    """Drop the points a log axis cannot show (non-finite or ``y <= 0``)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y) & (y > 0)
    return x[keep], y[keep]


def decimate(x, y, max_points: int):
    """At most ``max_points`` points that keep a long curve's envelope: min and max per bin.

    Parameters
    ----------
    x, y : array_like
        The curve (``x`` increasing).
    max_points : int
        Points returned at most (an even number of bins' min and max).

    Returns
    -------
    tuple of numpy.ndarray
        The curve itself when it is short enough; else, per bin of consecutive points, its
        lowest and highest point in their original order, so every peak of the full curve
        is drawn.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if len(y) <= max_points:
        return x, y
    edges = np.unique(np.linspace(0, len(y), max(1, max_points // 2) + 1).astype(np.int64))
    starts = edges[:-1]
    bin_of = np.repeat(np.arange(len(starts)), np.diff(edges))

    def first(where):  # per bin, the first index where `where` holds (else the bin's start)
        idx = np.flatnonzero(where)
        bins, pos = np.unique(bin_of[idx], return_index=True)
        out = starts.copy()
        out[bins] = idx[pos]
        return out

    lowest = first(y == np.fmin.reduceat(y, starts)[bin_of])  # NaNs ignored; all-NaN bins keep their start
    highest = first(y == np.fmax.reduceat(y, starts)[bin_of])
    keep = np.unique(np.concatenate([lowest, highest]))
    return x[keep], y[keep]


def _layers(lines: Series | None, points: Series | None, y_log: bool) -> list[tuple[str, str, dict]]:
    """What :func:`curves_figure` draws, as data: ``(layer, label, columns)`` per renderer, in order.

    ``layer`` is ``"line"``, ``"marker"`` (the markers of the line before it, for curves of at
    most :data:`MARKER_LIMIT` points) or ``"points"`` (scatter with whiskers from ``low`` to
    ``high``).
    """
    out = []
    for label, (x, y) in (lines or {}).items():
        x, y = (positive_only(x, y) if y_log else (np.asarray(x, float), np.asarray(y, float)))
        out.append(("line", str(label), {"x": x, "y": y}))
        if len(x) <= MARKER_LIMIT:
            out.append(("marker", str(label), {"x": x, "y": y}))
    for label, (x, y, low, high) in (points or {}).items():
        x, y, low, high = (np.asarray(v, dtype=float) for v in (x, y, low, high))
        keep = np.isfinite(x) & np.isfinite(y)
        if y_log:
            keep &= y > 0
            low = np.where(low > 0, low, y)
        out.append(("points", str(label), {"x": x[keep], "y": y[keep], "low": low[keep], "high": high[keep]}))
    return out


def _drawn_layer(renderer) -> str:
    if isinstance(renderer.glyph, Line):
        return "line"
    return "points" if "low" in renderer.data_source.data else "marker"


def curves_figure(title: str, x_label: str, y_label: str, lines: Series | None = None,
                  points: Series | None = None, *, x_log: bool = False, y_log: bool = False,
                  height: int = 320, width: int = 520):
    """Lines and (optionally) points with error bars on one Bokeh figure.

    Parameters
    ----------
    title, x_label, y_label : str
        Text of the figure.
    lines : mapping, optional
        ``label -> (x, y)``: one line per entry, in palette order (with a marker on each
        point when it has at most :data:`MARKER_LIMIT` points).
    points : mapping, optional
        ``label -> (x, y, low, high)``: scatter points with whiskers from ``low`` to
        ``high`` (e.g. Monte-Carlo estimates and their confidence interval).
    x_log, y_log : bool
        Logarithmic axes (non-positive values are dropped on a log y axis).
    height, width : int
        Size in pixels.

    Returns
    -------
    bokeh.plotting.figure
        Its data can later be replaced without rebuilding it (:func:`redraw_curves`).
    """
    layers = _layers(lines, points, y_log)
    big = sum(len(data["x"]) for _, _, data in layers) > WEBGL_ABOVE
    fig = figure(title=title, x_axis_label=x_label, y_axis_label=y_label, height=height, width=width,
                 x_axis_type="log" if x_log else "linear", y_axis_type="log" if y_log else "linear",
                 tools="pan,wheel_zoom,box_zoom,reset,save,hover",
                 output_backend="webgl" if big else "canvas")
    colours = iter(Category10_10 * 10)
    colour = None
    for layer, label, data in layers:
        src = ColumnDataSource(data)
        if layer == "line":
            colour = next(colours)
            fig.line("x", "y", source=src, legend_label=label, color=colour,
                     line_width=2 if len(data["x"]) <= 5000 else 1)
        elif layer == "marker":
            fig.scatter("x", "y", source=src, legend_label=label, color=colour, size=4)
        else:
            colour = next(colours)
            fig.scatter("x", "y", source=src, legend_label=label, color=colour, size=8, marker="diamond")
            fig.add_layout(Whisker(source=src, base="x", lower="low", upper="high", line_color=colour))
    if fig.legend:
        legend = fig.legend[0]
        legend.click_policy = "hide"
        legend.label_text_font_size = "8pt"
        legend.orientation = "horizontal"
        legend.location = "top_left"
        fig.add_layout(legend, "below")  # below the axes: never over a curve
    return fig


def redraw_curves(fig, title: str, lines: Series | None = None, points: Series | None = None, *,
                  y_log: bool = False) -> bool:
    """Put new curves into a figure made by :func:`curves_figure`, when they are drawn alike.

    Sending new data to a figure already in the browser is much cheaper than building and
    sending a new figure. "Alike" means the same layers (lines, markers, points) in the same
    order; labels, data and title may all change.

    Returns
    -------
    bool
        Whether ``fig`` was updated (otherwise the caller draws a new figure).
    """
    layers = _layers(lines, points, y_log)
    if fig is None or [_drawn_layer(r) for r in fig.renderers] != [layer for layer, _, _ in layers]:
        return False
    labels = list(dict.fromkeys(label for _, label, _ in layers))
    items = fig.legend[0].items if fig.legend else []
    if len(items) != len(labels):
        return False
    for renderer, (_, _, data) in zip(fig.renderers, layers):
        renderer.data_source.data = data
    for item, label in zip(items, labels):
        item.label = value(label)
    fig.title.text = title
    return True


def attractor_figures(true, generated, labels=("x", "y", "z"), plane=(0, 2), width: int = 420,
                      height: int = 380, max_points: int = SHADE_ABOVE):
    """True and generated trajectories side by side, as lines, with linked axes.

    Parameters
    ----------
    true, generated : array_like, shape (T, N)
        Ground truth and the model's free run (``N >= 2``).
    labels : sequence of str
        Names of the state variables.
    plane : tuple of int
        The two variables drawn against each other (default x–z, the Lorenz butterfly).
    width, height : int
        Size of each phase-plane figure in pixels.
    max_points : int
        Points drawn at most per trajectory as a line (evenly strided beyond that); used only up
        to :data:`apps.shade.SHADE_ABOVE` points, above which every point is datashaded
        (:func:`apps.shade.phase_figures`).

    Returns
    -------
    list of bokeh.plotting.figure
        Two phase-plane figures sharing their ranges, and one time series of the first
        variable (true and generated overlaid) whose zoom is independent.
    """
    i, j = plane
    panels = [(f"true attractor ({labels[i]}–{labels[j]} plane)", true, "#1f77b4"),
              (f"generated attractor ({labels[i]}–{labels[j]} plane)", generated, "#d62728")]
    if max(len(true), len(generated)) > SHADE_ABOVE:  # drawn in full: datashaded, re-aggregated on zoom
        figs = phase_figures(panels, plane=plane, labels=labels, width=width, height=height)
    else:
        figs = []
        for title, arr, colour in panels:
            arr = np.asarray(arr, dtype=float)
            stride = max(1, int(np.ceil(len(arr) / max_points)))
            arr = arr[::stride]
            linked = {"x_range": figs[0].x_range, "y_range": figs[0].y_range} if figs else {}
            fig = figure(title=title, x_axis_label=labels[i], y_axis_label=labels[j], width=width,
                         height=height, output_backend="webgl", tools="pan,wheel_zoom,box_zoom,reset,save",
                         **linked)
            fig.line(arr[:, i], arr[:, j], color=colour, line_width=1, alpha=0.8)
            figs.append(fig)
    n = min(len(true), len(generated), 5_000)
    series = curves_figure(f"{labels[0]} over time: true vs generated", "time step", labels[0],
                           {"true": (np.arange(n), np.asarray(true, float)[:n, 0]),
                            "generated": (np.arange(n), np.asarray(generated, float)[:n, 0])},
                           width=2 * width, height=260)
    return figs + [series]


def attractor_3d(true, generated, regions=None, labels=("x", "y", "z"), max_points: int = 20_000,
                 height: int = 460) -> dict:
    """Rotatable 3-D attractors, true and generated side by side, as a Plotly figure dict.

    Parameters
    ----------
    true, generated : array_like, shape (T, N >= 3)
        Ground truth and the model's free run; the first three variables are drawn.
    regions : array_like of int, shape (T_generated,), optional
        Linear subregion of each generated point (AL-RNN); colours the generated line.
    labels : sequence of str
        Names of the three variables.
    max_points : int
        Points per trajectory at most (evenly strided beyond that).
    height : int
        Figure height in pixels.

    Returns
    -------
    dict
        ``{"data": [...], "layout": {...}}`` for :class:`panel.pane.Plotly`: two 3-D scenes
        whose cameras rotate independently.
    """
    data = []
    for scene, title, arr, colour in (("scene", "true", true, "#1f77b4"),
                                      ("scene2", "generated", generated, None)):
        arr = np.asarray(arr, dtype=float)
        stride = max(1, int(np.ceil(len(arr) / max_points)))
        pts = arr[::stride, :3]
        line = {"width": 2, "color": colour}
        name = title
        if colour is None:
            if regions is not None and len(regions) == len(arr):
                line = {"width": 2, "color": np.asarray(regions)[::stride].tolist(), "colorscale": "Turbo"}
                name = "generated (colour: linear subregion)"
            else:
                line = {"width": 2, "color": "#d62728"}
        data.append({"type": "scatter3d", "mode": "lines", "name": name, "scene": scene,
                     "x": pts[:, 0].tolist(), "y": pts[:, 1].tolist(), "z": pts[:, 2].tolist(), "line": line})
    axes = {f"{a}axis": {"title": {"text": lab}} for a, lab in zip("xyz", labels)}
    layout = {"height": height, "margin": {"l": 0, "r": 0, "t": 30, "b": 0}, "showlegend": True,
              "legend": {"orientation": "h", "y": -0.02},
              "scene": {"domain": {"x": [0.0, 0.49]}, **axes},
              "scene2": {"domain": {"x": [0.51, 1.0]}, **axes},
              "annotations": [{"text": "true", "x": 0.22, "y": 1.0, "xref": "paper", "yref": "paper",
                               "showarrow": False},
                              {"text": "generated", "x": 0.78, "y": 1.0, "xref": "paper", "yref": "paper",
                               "showarrow": False}]}
    return {"data": data, "layout": layout}


def trajectory_3d(arr, title: str = "", labels=("dim 0", "dim 1", "dim 2"), max_points: int = 20_000,
                  height: int = 460) -> dict:
    """One rotatable 3-D trajectory (its first three variables) as a Plotly figure dict.

    Parameters
    ----------
    arr : array_like, shape (T, N >= 3)
        The trajectory (e.g. a model's free run).
    title : str
        Figure title.
    labels : sequence of str
        Names of the three variables.
    max_points : int
        Points drawn at most (evenly strided beyond that).
    height : int
        Figure height in pixels.

    Returns
    -------
    dict
        ``{"data": [...], "layout": {...}}`` for :class:`panel.pane.Plotly`.
    """
    arr = np.asarray(arr, dtype=float)
    if arr.ndim != 2 or arr.shape[1] < 3:
        raise ValueError(f"trajectory_3d needs a (time, >= 3) array, got shape {arr.shape}")
    stride = max(1, int(np.ceil(len(arr) / max_points)))
    pts = arr[::stride, :3]
    data = [{"type": "scatter3d", "mode": "lines", "name": "free run", "x": pts[:, 0].tolist(),
             "y": pts[:, 1].tolist(), "z": pts[:, 2].tolist(), "line": {"width": 2, "color": "#d62728"}}]
    axes = {f"{a}axis": {"title": {"text": lab}} for a, lab in zip("xyz", labels)}
    layout = {"height": height, "margin": {"l": 0, "r": 0, "t": 40, "b": 0}, "showlegend": False,
              "title": {"text": title, "font": {"size": 14}}, "scene": axes}
    return {"data": data, "layout": layout}


def score_dots_figure(title: str, points: Mapping[str, Sequence], floor: float | None = None, *,
                      x_log: bool = False, width: int = 380, height: int | None = None):
    """One dot per seed per model (rows: models, first on top), a bar at each model's median
    and the data floor as a dashed vertical line.

    Parameters
    ----------
    title : str
        The score's name (the floor's value is added to it).
    points : mapping
        ``model -> (seeds, values, run_ids)``, in the order the rows are drawn from the top.
    floor : float, optional
        The data floor of the score (drawn when finite).
    x_log : bool
        Logarithmic score axis (non-positive values are left out).
    width, height : int
        Size in pixels (height default: from the number of models).

    Returns
    -------
    bokeh.plotting.figure
    """
    models = [str(m) for m in points]
    if floor is not None and np.isfinite(floor):
        title = f"{title} (dashed: data floor {floor:.3g})"
    fig = figure(title=title, y_range=list(reversed(models)), x_axis_label=title.split(" (")[0],
                 width=width, height=height or 90 + 36 * max(len(models), 1),
                 x_axis_type="log" if x_log else "linear", tools="pan,wheel_zoom,box_zoom,reset,save")
    rows: dict[str, list] = {"model": [], "seed": [], "value": [], "run": []}
    medians: dict[str, list] = {"model": [], "value": []}
    for model, (seeds, values, runs) in points.items():
        values = np.asarray(values, dtype=float)
        keep = np.isfinite(values) & ((values > 0) if x_log else True)
        rows["model"] += [str(model)] * int(keep.sum())
        rows["seed"] += [int(s) for s in np.asarray(seeds)[keep]]
        rows["value"] += values[keep].tolist()
        rows["run"] += [str(r) for r in np.asarray(runs)[keep]]
        if keep.any():
            medians["model"].append(str(model))
            medians["value"].append(float(np.median(values[keep])))
    dots = fig.scatter("value", "model", source=ColumnDataSource(rows), size=8, alpha=0.6, color="#1f77b4")
    fig.scatter("value", "model", source=ColumnDataSource(medians), marker="dash", angle=np.pi / 2, size=22,
                line_width=2, color="black")
    fig.add_tools(HoverTool(renderers=[dots], tooltips=[("model", "@model"), ("seed", "@seed"),
                                                        ("score", "@value{0.000}"), ("run", "@run")]))
    if floor is not None and np.isfinite(floor) and (floor > 0 or not x_log):
        fig.add_layout(Span(location=float(floor), dimension="height", line_dash="dashed", line_color="grey",
                            line_width=2))
    fig.title.text_font_size = "10pt"
    return fig


def transition_graph_figure(transitions, labels=None, occupancy=None, fixed_points=None, width: int = 460,
                            height: int = 420):
    """The symbolic code's transition graph: regions as nodes, observed transitions as edges.

    Parameters
    ----------
    transitions : array_like, shape (R, R)
        Transition counts between regions (ranked by occupancy, most visited first).
    labels : sequence of str, optional
        Sign pattern of each region (its bit string).
    occupancy : sequence of float, optional
        Share of the free run in each region (node size).
    fixed_points : sequence of dict, optional
        ``{"region": label, "spectral_radius": r, "real": bool, "stable": bool}`` per fixed point.
    width, height : int
        Size in pixels.

    Returns
    -------
    bokeh.plotting.figure
        Nodes on a circle (size ~ occupancy, ring = a real fixed point, green if stable);
        hovering a node shows its region, occupancy and fixed point.
    """
    from bokeh.models import HoverTool

    counts = np.asarray(transitions, dtype=float)
    n = counts.shape[0]
    labels = [str(x) for x in (labels or range(n))][:n] + [str(i) for i in range(len(labels or []), n)]
    if occupancy is None or len(occupancy) < n:
        occupancy = np.full(n, 1.0 / max(n, 1))
    occ = np.asarray(occupancy, dtype=float)[:n]
    fps = {fp.get("region"): fp for fp in (fixed_points or [])}
    angle = 2 * np.pi * np.arange(n) / max(n, 1)
    xs, ys = np.cos(angle), np.sin(angle)
    fig = figure(title="Transition graph of the linear subregions", width=width, height=height,
                 x_range=(-1.4, 1.4), y_range=(-1.4, 1.4), tools="pan,wheel_zoom,reset,save",
                 toolbar_location="right")
    fig.axis.visible = False
    fig.grid.visible = False
    total = counts.sum(axis=1, keepdims=True)
    prob = np.divide(counts, total, out=np.zeros_like(counts), where=total > 0)
    ex, ey, ew = [], [], []
    for i in range(n):
        for j in range(n):
            if i != j and counts[i, j] > 0:
                ex.append([xs[i], xs[j]])
                ey.append([ys[i], ys[j]])
                ew.append(0.5 + 4 * prob[i, j])
    if ex:
        fig.multi_line(ex, ey, line_width=ew, line_alpha=0.45, line_color="#555555")
    fp_text, colours = [], []
    for lab in labels:
        fp = fps.get(lab)
        if fp is None:
            fp_text.append("none")
            colours.append("#1f77b4")
        else:
            kind = "stable" if fp.get("stable") else "unstable"
            real = "real" if fp.get("real") else "virtual"
            fp_text.append(f"{real}, {kind} (spectral radius {fp.get('spectral_radius', float('nan')):.3g})")
            colours.append("#2ca02c" if fp.get("stable") and fp.get("real") else "#d62728" if fp.get("real")
                           else "#1f77b4")
    source = ColumnDataSource({"x": xs, "y": ys, "size": 10 + 40 * np.sqrt(occ / max(occ.max(), 1e-12)),
                               "region": labels, "occupancy": occ, "stay": np.diag(prob),
                               "fixed_point": fp_text, "colour": colours})
    nodes = fig.scatter("x", "y", size="size", source=source, fill_color="colour", line_color="black",
                        fill_alpha=0.85)
    fig.add_tools(HoverTool(renderers=[nodes], tooltips=[("region", "@region"),
                                                         ("occupancy", "@occupancy{0.000}"),
                                                         ("stays", "@stay{0.00}"),
                                                         ("fixed point", "@fixed_point")]))
    return fig


def raster_figure(spike_times, spike_neurons, rate=None, rate_time=None, max_spikes: int = 50_000,
                  width: int = 700):
    """Spike raster with the population rate below it, sharing the time axis.

    Parameters
    ----------
    spike_times, spike_neurons : array_like, shape (S,)
        Time and neuron index of each spike.
    rate : array_like, optional
        Population rate at times ``rate_time`` (default its index).
    max_spikes : int
        Spikes drawn at most (the first ones in time, so the raster stays readable).
    width : int
        Width in pixels.

    Returns
    -------
    list of bokeh.plotting.figure
        The raster and, when ``rate`` is given, the population rate.
    """
    t = np.asarray(spike_times, dtype=float)
    n = np.asarray(spike_neurons, dtype=float)
    order = np.argsort(t, kind="stable")[:max_spikes]
    shown = f"first {max_spikes:,} of {len(t):,} spikes" if len(t) > max_spikes else f"{len(t):,} spikes"
    raster = figure(title=f"Spike raster ({shown})", x_axis_label="time", y_axis_label="neuron", width=width,
                    height=300, output_backend="webgl", tools="xpan,xwheel_zoom,box_zoom,reset,save")
    raster.scatter(t[order], n[order], size=2, marker="square", color="black", alpha=0.6)
    figs = [raster]
    if rate is not None:
        r = np.asarray(rate, dtype=float)
        if rate_time is None or len(rate_time) != len(r):
            rt = np.arange(len(r), dtype=float)
        else:
            rt = np.asarray(rate_time)
        pop = figure(title="Population rate", x_axis_label="time", y_axis_label="rate", width=width,
                     height=200, x_range=raster.x_range, output_backend="webgl",
                     tools="xpan,xwheel_zoom,box_zoom,reset,save")
        pop.line(*decimate(rt, r, 20_000), color="#1f77b4", line_width=1)
        figs.append(pop)
    return figs
