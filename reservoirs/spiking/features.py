"""Readout features and rates computed from recorded spikes.

The reservoir records every spike (time, neuron); everything a readout or a figure needs
is derived here with NumPy, identically for every code-generation target:

* exponentially filtered spike trains sampled at the end of each input step,
* binned spike counts per input step,
* population rates in time bins and per-neuron mean rates.

Spike times are expressed in simulation ticks (integer multiples of ``dt``) relative to
the start of the segment, which avoids floating-point ambiguity at bin edges.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from workbench.validation import check_array, check_choice, check_int, check_positive

__all__ = ["FEATURE_KINDS", "binned_counts", "filtered_spike_trains", "neuron_rates",
           "population_rate", "step_features"]

#: Feature kinds accepted by :func:`step_features`.
FEATURE_KINDS = ("filtered", "counts")


def _check_spikes(ticks, neurons, n_neurons, n_ticks):
    ticks = check_array(ticks, "ticks", ndim=1, dtype=np.int64)
    neurons = check_array(neurons, "neurons", ndim=1, dtype=np.int64)
    if ticks.shape != neurons.shape:
        raise ValueError(f"ticks and neurons must have the same length, got {ticks.shape} "
                         f"and {neurons.shape}")
    if ticks.size and (ticks.min() < 0 or ticks.max() >= n_ticks):
        raise ValueError(f"ticks must lie in [0, {n_ticks}), got [{ticks.min()}, {ticks.max()}]")
    if neurons.size and (neurons.min() < 0 or neurons.max() >= n_neurons):
        raise ValueError(f"neurons must lie in [0, {n_neurons}), got "
                         f"[{neurons.min()}, {neurons.max()}]")
    return ticks, neurons


def binned_counts(ticks, neurons, n_neurons, n_steps, step_ticks):
    """Spike counts of each neuron in each input step.

    Parameters
    ----------
    ticks : array_like of int, shape (n_spikes,)
        Spike times in ticks from the start of the segment, in ``[0, n_steps*step_ticks)``.
    neurons : array_like of int, shape (n_spikes,)
        Index of the neuron that fired each spike, in ``[0, n_neurons)``.
    n_neurons : int
        Number of neurons (feature columns).
    n_steps : int
        Number of input steps (rows).
    step_ticks : int
        Ticks per input step.

    Returns
    -------
    numpy.ndarray, shape (n_steps, n_neurons)
        ``c[k, i] = #{spikes of i with k*step_ticks <= tick < (k+1)*step_ticks}``.
    """
    n_neurons = check_int(n_neurons, "n_neurons", 1)
    n_steps = check_int(n_steps, "n_steps", 0)
    step_ticks = check_int(step_ticks, "step_ticks", 1)
    ticks, neurons = _check_spikes(ticks, neurons, n_neurons, n_steps * step_ticks)
    counts = np.zeros((n_steps, n_neurons))
    np.add.at(counts, (ticks // step_ticks, neurons), 1.0)
    return counts


def filtered_spike_trains(ticks, neurons, n_neurons, n_steps, step_ticks, dt, tau, x0=None):
    """Exponentially filtered spike trains sampled at the end of each input step.

    Parameters
    ----------
    ticks, neurons, n_neurons, n_steps, step_ticks
        As in :func:`binned_counts`.
    dt : float
        Length of one tick (s).
    tau : float or array_like, shape (n_neurons,)
        Filter time constant (s), > 0: one for all neurons or one per neuron.
    x0 : array_like, shape (n_neurons,), optional
        Filter state at the start of the segment (zeros by default).

    Returns
    -------
    features : numpy.ndarray, shape (n_steps, n_neurons)
        ``x_i`` sampled at the end of each input step.
    x_end : numpy.ndarray, shape (n_neurons,)
        Filter state at the end of the segment (to continue the next segment).

    Notes
    -----
    The trace of neuron ``i`` is the spike train convolved with a causal exponential
    kernel,

    .. math:: x_i(t) = \\sum_{t_i^f \\le t} e^{-(t - t_i^f)/\\tau},

    i.e. :math:`\\dot x_i = -x_i/\\tau + \\sum_f \\delta(t - t_i^f)`. Sampled at the step
    ends :math:`t_k = (k+1)\\,T_{step}` it obeys the exact recursion

    .. math:: x(t_k) = e^{-T_{step}/\\tau}\\, x(t_{k-1})
              + \\sum_{t_{k-1} < t^f \\le t_k} e^{-(t_k - t^f)/\\tau},

    evaluated with :func:`scipy.signal.lfilter` (one ``tau``) or row by row (one
    :math:`\\tau_i` per neuron, each column with its own decay :math:`e^{-T_{step}/\\tau_i}`).
    A spike at exactly a step boundary belongs to the step that starts there.
    """
    n_neurons = check_int(n_neurons, "n_neurons", 1)
    n_steps = check_int(n_steps, "n_steps", 0)
    step_ticks = check_int(step_ticks, "step_ticks", 1)
    check_positive(dt, "dt")
    tau_i = _check_tau(tau, n_neurons)
    ticks, neurons = _check_spikes(ticks, neurons, n_neurons, n_steps * step_ticks)
    x0 = np.zeros(n_neurons) if x0 is None else check_array(x0, "x0", shape=(n_neurons,))
    k = ticks // step_ticks
    lag = ((k + 1) * step_ticks - ticks) * dt
    drive = np.zeros((n_steps, n_neurons))
    np.add.at(drive, (k, neurons), np.exp(-lag / tau_i[neurons]))
    if n_steps == 0:
        return drive, x0.copy()
    if np.ndim(tau) == 0:
        decay = float(np.exp(-step_ticks * dt / float(tau)))
        features, _ = lfilter([1.0], [1.0, -decay], drive, axis=0, zi=(decay * x0)[None, :])
        return features, features[-1].copy()
    decay = np.exp(-step_ticks * dt / tau_i)
    features = np.empty_like(drive)
    x = x0
    for row in range(n_steps):
        x = decay * x + drive[row]
        features[row] = x
    return features, features[-1].copy()


def _check_tau(tau, n_neurons):
    """``tau`` (scalar or one per neuron, all > 0) as an array of shape (n_neurons,)."""
    if np.ndim(tau) == 0:
        check_positive(tau, "tau")
        return np.full(n_neurons, float(tau))
    tau = check_array(tau, "tau", shape=(n_neurons,))
    if not np.all(tau > 0):
        raise ValueError(f"tau must be > 0 for every neuron, got min {tau.min()}")
    return tau


def step_features(kind, ticks, neurons, n_neurons, n_steps, step_ticks, dt, tau, x0=None):
    """Features of one segment: ``"filtered"`` traces or ``"counts"`` per step.

    Returns ``(features, state)`` where ``state`` is the filter state to carry over
    (zeros for ``"counts"``, which has no memory across steps).
    """
    check_choice(kind, "features", FEATURE_KINDS)
    if kind == "counts":
        return binned_counts(ticks, neurons, n_neurons, n_steps, step_ticks), np.zeros(n_neurons)
    return filtered_spike_trains(ticks, neurons, n_neurons, n_steps, step_ticks, dt, tau, x0)


def population_rate(ticks, n_neurons, n_ticks, bin_ticks, dt):
    """Population rate in consecutive bins.

    Parameters
    ----------
    ticks : array_like of int
        Spike ticks of the population, in ``[0, n_ticks)``.
    n_neurons : int
        Population size.
    n_ticks : int
        Segment length in ticks.
    bin_ticks : int
        Bin width in ticks.
    dt : float
        Tick length (s).

    Returns
    -------
    numpy.ndarray, shape (ceil(n_ticks / bin_ticks),)
        ``r_b = n_b / (N * width_b)`` in Hz, where the last bin may be shorter.
    """
    n_neurons = check_int(n_neurons, "n_neurons", 1)
    n_ticks = check_int(n_ticks, "n_ticks", 1)
    bin_ticks = check_int(bin_ticks, "bin_ticks", 1)
    check_positive(dt, "dt")
    ticks = check_array(ticks, "ticks", ndim=1, dtype=np.int64)
    n_bins = -(-n_ticks // bin_ticks)
    counts = np.bincount(ticks // bin_ticks, minlength=n_bins)[:n_bins].astype(float)
    widths = np.full(n_bins, bin_ticks, dtype=float)
    widths[-1] = n_ticks - (n_bins - 1) * bin_ticks
    return counts / (n_neurons * widths * dt)


def neuron_rates(neurons, n_neurons, duration):
    """Mean rate of each neuron over a segment: spike count / ``duration`` (Hz).

    Parameters
    ----------
    neurons : array_like of int
        Neuron index of each spike, in ``[0, n_neurons)``.
    n_neurons : int
        Number of neurons.
    duration : float
        Segment length (s), > 0.

    Returns
    -------
    numpy.ndarray, shape (n_neurons,)
    """
    n_neurons = check_int(n_neurons, "n_neurons", 1)
    check_positive(duration, "duration")
    neurons = check_array(neurons, "neurons", ndim=1, dtype=np.int64)
    return np.bincount(neurons, minlength=n_neurons)[:n_neurons] / duration
