"""Figure helpers shared by the science packages (``matplotlib.figure.Figure``, never pyplot)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

__all__ = ["histogram_figure"]


def histogram_figure(values: ArrayLike, targets: ArrayLike | None = None, *, xlabel: str,
                     ylabel: str, title: str, upper: float | None = None, n_bins: int = 40,
                     label: str = "measured", target_label: str = "target") -> Figure:
    """Histogram of per-neuron values, with the distribution of their targets as an outline.

    Parameters
    ----------
    values : array_like, shape (n,)
        The measured values (e.g. mean firing rates), one per neuron.
    targets : array_like, shape (m,), optional
        Target values drawn as a black step histogram on the same bins.
    xlabel, ylabel, title : str
        Axis labels and title.
    upper : float, optional
        Upper edge of the bins (the lower edge is 0). Default: 1.05 times the 99.5th
        percentile of values and targets together, at least 1.05.
    n_bins : int, default 40
        Number of equal bins in ``[0, upper]``.
    label, target_label : str
        Legend entries (the legend is drawn only with targets).

    Returns
    -------
    matplotlib.figure.Figure
    """
    measured = np.asarray(values, dtype=float)
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    if upper is None:
        pooled = measured if targets is None else np.concatenate([measured, np.asarray(targets)])
        upper = max(1.0, float(np.percentile(pooled, 99.5))) * 1.05
    bins: list[float] = np.linspace(0.0, upper, n_bins + 1).tolist()
    fig = Figure(figsize=(5, 3.2))
    ax = fig.add_subplot()
    ax.hist(measured, bins=bins, alpha=0.7, label=label)
    if targets is not None:
        ax.hist(np.asarray(targets, dtype=float), bins=bins, histtype="step", color="k",
                label=target_label)
        ax.legend(fontsize=8)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    fig.tight_layout()
    return fig
