"""Tests of alrnn.figures: every figure is a matplotlib Figure with the expected panels."""

import networkx as nx
import numpy as np
from matplotlib.figure import Figure

from alrnn.figures import attractor_figure, p_sweep_figure, training_curves_figure, transition_graph_figure


def test_figures_build():
    rng = np.random.default_rng(0)
    fig = attractor_figure(rng.standard_normal((50, 3)), rng.standard_normal((40, 3)),
                           rng.integers(0, 3, 40), ["10", "01", "11"])
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert len(attractor_figure(rng.standard_normal((50, 2)), rng.standard_normal((40, 2)),
                                np.zeros(40, int), ["0"]).axes) == 2
    g = nx.DiGraph()
    g.add_node(1, label="1", rank=0, occupancy=0.9)
    g.add_node(0, label="0", rank=1, occupancy=0.1)
    g.add_edge(1, 1, weight=0.9, count=9)
    g.add_edge(1, 0, weight=0.1, count=1)
    g.add_edge(0, 1, weight=1.0, count=1)
    fig = transition_graph_figure(g)
    assert "1: 0.900" in fig.axes[0].get_title()
    hist = {"epoch": np.arange(1, 5), "loss": np.array([1.0, 0.5, 0.3, 0.2]),
            "eval_epoch": np.array([0, 2, 4]), "d_stsp": np.array([9.0, 3.0, 4.0]),
            "d_h": np.array([0.5, 0.2, 0.3]), "best_epoch": 2}
    assert len(training_curves_figure(hist).axes) == 3
    assert len(p_sweep_figure([0, 1, 2], [9, 1, 1.1], [0.3, 0.1, 0.1], [1, 2, 3], [1, 2, 2]).axes) == 3
