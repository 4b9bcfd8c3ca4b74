"""Figures of the spiking-reservoir experiments (``matplotlib.figure.Figure``, never pyplot)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from workbench.figures import histogram_figure

from .monitors import Segment

__all__ = ["balance_figure", "raster_figure", "rates_figure", "weights_figure"]


def raster_figure(segment: Segment, max_time=1.0, bin_width=5e-3):
    """Spike raster (E blue, I red) over the first ``max_time`` s and the population rates."""
    fig = Figure(figsize=(7, 4.5))
    ax, ax_rate = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    t = segment.spike_times
    shown = t < max_time
    exc = segment.spike_neurons < segment.n_exc
    ax.scatter(t[shown & exc], segment.spike_neurons[shown & exc], s=0.5, c="tab:blue",
               marker="|", linewidths=0.5)
    ax.scatter(t[shown & ~exc], segment.spike_neurons[shown & ~exc], s=0.5, c="tab:red",
               marker="|", linewidths=0.5)
    ax.set(ylabel="neuron", title=f"Raster ({segment.activity.rate_exc:.1f} Hz E, "
                                  f"{segment.activity.rate_inh:.1f} Hz I)")
    for population, color in (("exc", "tab:blue"), ("inh", "tab:red")):
        times, rates = segment.population_rate(bin_width, population)
        keep = times < max_time
        ax_rate.plot(times[keep], rates[keep], color=color, lw=0.8, label=population)
    ax_rate.set(xlabel="time (s)", ylabel="rate (Hz)")
    ax_rate.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig


def rates_figure(rates, targets=None):
    """Histogram of per-neuron E rates (Hz), with the iSTDP targets when given."""
    return histogram_figure(rates, targets, xlabel="rate (Hz)", ylabel="E neurons",
                            title="Excitatory firing rates")


def weights_figure(times, weights):
    """Recorded inhibitory weight factors ``w`` over adaptation time (thin lines + mean)."""
    fig = Figure(figsize=(5, 3.2))
    ax = fig.add_subplot()
    ax.plot(times, weights, color="0.6", lw=0.5)
    ax.plot(times, weights.mean(axis=1), color="k", lw=1.5, label="mean")
    ax.set(xlabel="adaptation time (s)", ylabel="w (I→E)", title="iSTDP weights")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def balance_figure(g_values, mc, conditions, balanced_g=None):
    """MC against the inhibitory strength ``g``, one curve per condition (NaN = flagged)."""
    fig = Figure(figsize=(5.5, 3.5))
    ax = fig.add_subplot()
    for label, row in zip(conditions, np.atleast_2d(mc)):
        ax.plot(g_values, row, marker="o", label=label)
    if balanced_g is not None:
        ax.axvline(balanced_g, color="k", ls="--", lw=0.8, label="mean-input balance")
    ax.set(xlabel="inhibitory strength g = w_inh / w_exc", ylabel="memory capacity",
           title="Spiking reservoir: MC vs balance")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
