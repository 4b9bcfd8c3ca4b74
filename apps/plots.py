"""Bokeh figures the pages draw from arrays (curves on linear or log axes, error bars).

Pure functions: data in, a new :class:`bokeh.plotting.figure` out, so the pages can rebuild a
plot on every update and the tests can inspect what was drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from bokeh.models import ColumnDataSource, Whisker
from bokeh.palettes import Category10_10
from bokeh.plotting import figure

__all__ = ["Series", "curves_figure", "positive_only"]

#: ``label -> (x, y)`` or ``label -> (x, y, low, high)`` (with an error band as whiskers).
Series = Mapping[str, Sequence]


def positive_only(x, y):
    """Drop the points a log axis cannot show (non-finite or ``y <= 0``)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y) & (y > 0)
    return x[keep], y[keep]


def curves_figure(title: str, x_label: str, y_label: str, lines: Series | None = None,
                  points: Series | None = None, *, x_log: bool = False, y_log: bool = False,
                  height: int = 320, width: int = 520):
    """Lines and (optionally) points with error bars on one Bokeh figure.

    Parameters
    ----------
    title, x_label, y_label : str
        Text of the figure.
    lines : mapping, optional
        ``label -> (x, y)``: one line with markers per entry, in palette order.
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
    """
    fig = figure(title=title, x_axis_label=x_label, y_axis_label=y_label, height=height, width=width,
                 x_axis_type="log" if x_log else "linear", y_axis_type="log" if y_log else "linear",
                 tools="pan,wheel_zoom,box_zoom,reset,save,hover")
    colours = iter(Category10_10 * 10)
    for label, (x, y) in (lines or {}).items():
        x, y = (positive_only(x, y) if y_log else (np.asarray(x, float), np.asarray(y, float)))
        colour = next(colours)
        fig.line(x, y, legend_label=str(label), color=colour, line_width=2)
        fig.scatter(x, y, legend_label=str(label), color=colour, size=4)
    for label, (x, y, low, high) in (points or {}).items():
        x, y, low, high = (np.asarray(v, dtype=float) for v in (x, y, low, high))
        keep = np.isfinite(x) & np.isfinite(y)
        if y_log:
            keep &= y > 0
            low = np.where(low > 0, low, y)
        colour = next(colours)
        src = ColumnDataSource({"x": x[keep], "y": y[keep], "low": low[keep], "high": high[keep]})
        fig.scatter("x", "y", source=src, legend_label=str(label), color=colour, size=8, marker="diamond")
        fig.add_layout(Whisker(source=src, base="x", lower="low", upper="high", line_color=colour))
    if fig.legend:
        fig.legend.location = "top_right"
        fig.legend.click_policy = "hide"
        fig.legend.label_text_font_size = "8pt"
    return fig
