"""Figures of the reservoir experiments (``matplotlib.figure.Figure``, never pyplot)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from workbench.figures import histogram_figure

__all__ = [
    "adaptation_trace_figure",
    "balance_sweep_figure",
    "ei_ratio_figure",
    "lorenz_figure",
    "mc_curve_figure",
    "method_grid_figure",
    "rates_histogram_figure",
]


def mc_curve_figure(delays, per_delay, title="Memory capacity"):
    """``MC_k`` against the delay ``k`` (one curve per row of ``per_delay`` if 2-D)."""
    fig = Figure(figsize=(5, 3.2))
    ax = fig.add_subplot()
    curves = np.atleast_2d(per_delay)
    for c in curves:
        ax.plot(delays, c)
    ax.set(xlabel="delay k", ylabel="MC_k", ylim=(0, 1.05),
           title=f"{title}: MC = {curves[0].sum():.2f}")
    fig.tight_layout()
    return fig


def rates_histogram_figure(rates, targets=None):
    """Histogram of per-neuron mean rates in [0, 1] (and of the targets when given)."""
    return histogram_figure(rates, targets, upper=1.0, label="mean rate", xlabel="rate r̄_i",
                            ylabel="neurons", title="Firing-rate distribution")


def ei_ratio_figure(ratios: dict):
    """Histograms of the per-neuron inhibitory/excitatory input ratio, one per label."""
    fig = Figure(figsize=(5, 3.2))
    ax = fig.add_subplot()
    finite = [r[np.isfinite(r)] for r in ratios.values()]
    hi = max(2.0, max(float(np.percentile(r, 99)) for r in finite if r.size))
    bins = np.linspace(0, hi, 41)
    for (label, _), r in zip(ratios.items(), finite):
        ax.hist(r, bins=bins, histtype="step", label=label)
    ax.axvline(1.0, color="k", lw=0.8, ls="--")
    ax.set(xlabel="I/E input ratio per neuron", ylabel="neurons", title="E/I input balance")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def balance_sweep_figure(balances, mc, narma):
    """MC and NARMA-10 NRMSE (mean ± s.e.m. over seeds) against the global balance."""
    fig = Figure(figsize=(8, 3.2))
    for k, (vals, label) in enumerate(((mc, "memory capacity"), (narma, "NARMA-10 NRMSE"))):
        ax = fig.add_subplot(1, 2, k + 1)
        mean = vals.mean(axis=0)
        sem = vals.std(axis=0) / np.sqrt(max(1, vals.shape[0]))
        ax.errorbar(balances, mean, yerr=sem, marker="o", ms=3)
        ax.axvline(1.0, color="k", lw=0.8, ls="--")
        ax.set(xlabel="global balance β", ylabel=label)
    fig.suptitle("Global E/I balance sweep")
    fig.tight_layout()
    return fig


def adaptation_trace_figure(trace):
    """Population rate during adaptation and each neuron's inhibitory gain per block."""
    fig = Figure(figsize=(8, 3.2))
    ax = fig.add_subplot(1, 2, 1)
    ax.plot(trace.mean_rate, lw=0.5)
    ax.axhline(float(np.mean(trace.targets)), color="k", ls="--", lw=0.8)
    ax.set(xlabel="adaptation step", ylabel="mean rate", title="Rates converge")
    ax = fig.add_subplot(1, 2, 2)
    gains = trace.inhibitory_gain
    ax.plot(trace.steps, gains[:, :: max(1, gains.shape[1] // 50)], lw=0.5, alpha=0.6)
    ax.set(xlabel="adaptation step", ylabel="Σ_j A^I_ij / initial",
           title="Inhibitory gain per neuron")
    fig.tight_layout()
    return fig


def method_grid_figure(rates, scalings, results: dict, ylabel, baseline=None):
    """One panel per input scaling: score against the target rate for each method.

    ``results[label]`` has shape ``(n_scalings, n_rates)``; ``baseline`` (n_scalings,) is
    drawn as a horizontal line (the best global balance).
    """
    fig = Figure(figsize=(3 * len(scalings), 3.2))
    for s, sig in enumerate(scalings):
        ax = fig.add_subplot(1, len(scalings), s + 1)
        for label, vals in results.items():
            ax.plot(rates, vals[s], marker="o", ms=3, label=label)
        if baseline is not None:
            ax.axhline(baseline[s], color="k", ls="--", lw=0.8, label="best global β")
        ax.set(xlabel="target rate ρ (mean)", title=f"σ_in = {sig:g}")
        if s == 0:
            ax.set_ylabel(ylabel)
            ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def lorenz_figure(true, generated):
    """x-z projection and x(t) of the true continuation and the closed-loop generation."""
    fig = Figure(figsize=(8, 3.2))
    ax = fig.add_subplot(1, 2, 1)
    ax.plot(true[:, 0], true[:, 2], lw=0.3, label="true")
    ax.plot(generated[:, 0], generated[:, 2], lw=0.3, label="generated")
    ax.set(xlabel="x", ylabel="z", title="Attractor (closed loop)")
    ax.legend(fontsize=8)
    ax = fig.add_subplot(1, 2, 2)
    n = min(1000, true.shape[0])
    ax.plot(true[:n, 0], lw=0.8, label="true")
    ax.plot(generated[:n, 0], lw=0.8, label="generated")
    ax.set(xlabel="step", ylabel="x")
    fig.tight_layout()
    return fig
