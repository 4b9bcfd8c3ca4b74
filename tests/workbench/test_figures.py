"""Tests of workbench.figures: the shared histogram helper."""

import numpy as np
import pytest

from workbench.figures import histogram_figure


def _bars(fig):
    return [p for p in fig.axes[0].patches if p.get_height() > 0 or p.get_width() > 0]


def test_histogram_counts_every_value_in_range_and_outlines_targets():
    values = np.array([0.05, 0.15, 0.15, 0.95])
    fig = histogram_figure(values, [0.5, 0.5], upper=1.0, n_bins=10, xlabel="x", ylabel="y",
                           title="t")
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches[:10]]
    assert heights == [1, 2, 0, 0, 0, 0, 0, 0, 0, 1]
    assert len(ax.patches) == 11                     # ten bars and one outline of the targets
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["measured", "target"]
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("t", "x", "y")


def test_default_upper_edge_covers_values_and_targets():
    fig = histogram_figure(np.full(50, 10.0), np.full(50, 30.0), n_bins=4, xlabel="", ylabel="",
                           title="")
    right = max(p.get_x() + p.get_width() for p in fig.axes[0].patches[:4])
    assert right == pytest.approx(30.0 * 1.05)
    assert fig.axes[0].get_legend() is not None
    assert histogram_figure([0.1, 0.2], xlabel="", ylabel="", title="").axes[0].get_legend() is None


def test_rejects_no_bins():
    with pytest.raises(ValueError, match="n_bins"):
        histogram_figure([1.0], n_bins=0, xlabel="", ylabel="", title="")
