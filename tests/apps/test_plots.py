"""Bokeh figures of the pages."""

import numpy as np
from bokeh.models import Whisker

from apps.plots import curves_figure, positive_only


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
