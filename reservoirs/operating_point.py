"""Where a reservoir operates: Jacobian radius, population rate, rate entropy, E/I ratio.

Srinivasan, Plenz & Girvan 2025 ("Boosting Reservoir Computing with Brain-inspired Adaptive
Dynamics", arXiv 2504.12480) relate performance to the E/I balance of each neuron and to the
entropy of the firing rates. Reading a map of performance over the balance ``beta``, the
coupling and the input scaling needs these quantities recorded for every reservoir, so that
a cell of the map can be placed by where the network actually operates rather than by its
construction parameters alone.

For the rate update ``r(t+1) = F(r(t), u(t))``,

.. math::

    F(r, u) = (1-a)\\,r + a\\,\\mathrm{Sig}\\big(c\\,(W r + W^{in} u - \\theta)\\big),

the *operating point* is the time average ``(rbar, ubar)`` of the states and inputs over a
run, and the Jacobian there is

.. math::

    D F(\\bar r) = (1-a) I + a\\,\\mathrm{diag}\\big(c\\,s(1-s)\\big)\\,W,\\qquad
    s = \\mathrm{Sig}\\big(c\\,(W\\bar r + W^{in}\\bar u - \\theta)\\big),

whose spectral radius ``rho(DF)`` measures how strongly perturbations are propagated near
the operating point (``< 1`` contracting, ``~ 1`` the edge of stability).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import lapack

from workbench.validation import check_array, check_int

from .network import EIReservoir

__all__ = [
    "OperatingPoint",
    "ei_ratio",
    "jacobian",
    "measure",
    "rate_entropy",
    "spectral_radius",
]


def jacobian(weights, rates, drive, gain, leak=1.0) -> np.ndarray:
    """Jacobian of the rate map at ``rates``.

    Parameters
    ----------
    weights : ndarray, shape (n, n)
        Dense recurrent matrix ``W`` (row = postsynaptic neuron).
    rates : ndarray, shape (n,)
        Operating point ``rbar``.
    drive : ndarray, shape (n,)
        ``W^in ubar - theta``.
    gain : float or ndarray, shape (n,)
        Sigmoid gain ``c``.
    leak : float or ndarray, shape (n,)
        ``a`` in (0, 1].

    Returns
    -------
    ndarray, shape (n, n)
        ``(1 - a) I + a diag(c s (1 - s)) W`` with ``s = Sig(c (W rbar + drive))``
        (module docstring).
    """
    w = check_array(weights, "weights", ndim=2)
    n = w.shape[0]
    r = check_array(rates, "rates", shape=(n,))
    c = np.broadcast_to(np.asarray(gain, dtype=float), (n,))
    a = np.broadcast_to(np.asarray(leak, dtype=float), (n,))
    s = 1.0 / (1.0 + np.exp(-c * (w @ r + drive)))
    jac = (a * c * s * (1.0 - s))[:, None] * w
    jac[np.diag_indices(n)] += 1.0 - a
    return jac


def spectral_radius(matrix) -> float:
    """Largest eigenvalue modulus ``max_k |lambda_k|`` of a dense square matrix.

    The eigenvalues come from LAPACK ``sgeev`` in single precision (no eigenvectors): at
    ``n = 300`` it takes about 60 % of the double-precision time, and the modulus stays
    within about ``1e-6`` relative of it for the Jacobians of this module (a perturbation
    of ``eps_32 ||J||`` moves a well-conditioned eigenvalue by as much), far below the
    resolution at which a map of operating points is read.
    """
    m = check_array(matrix, "matrix", ndim=2)
    if m.shape[0] != m.shape[1]:
        raise ValueError(f"matrix must be square, got shape {m.shape}")
    wr, wi, *_, info = lapack.sgeev(m.astype(np.float32), compute_vl=0, compute_vr=0,
                                    overwrite_a=1)
    if info != 0:       # QR iteration did not converge: the double-precision driver
        return float(np.abs(np.linalg.eigvals(m)).max())
    return float(np.hypot(wr.astype(float), wi.astype(float)).max())


def rate_entropy(states, n_bins: int = 20) -> float:
    """Shannon entropy (bits) of the distribution of rates over neurons and time.

    Parameters
    ----------
    states : array_like, shape (T, n)
        Rates ``r_i(t)`` in [0, 1].
    n_bins : int
        Equal bins on [0, 1], >= 2.

    Returns
    -------
    float
        ``H(r) = -sum_b p_b log2 p_b`` with ``p_b`` the share of all ``r_i(t)`` in bin ``b``;
        0 when every rate sits in one bin, ``log2(n_bins)`` for rates spread uniformly. The
        paper reports the entropy of the rates as a correlate of performance (Srinivasan,
        Plenz & Girvan 2025); the binning is ours [A].
    """
    x = check_array(states, "states", ndim=(1, 2))
    n_bins = check_int(n_bins, "n_bins", 2)
    bins = (x * n_bins).astype(np.int32)      # in place from here: no further copies
    np.clip(bins, 0, n_bins - 1, out=bins)
    counts = np.bincount(bins.ravel(), minlength=n_bins)
    p = counts[counts > 0] / x.size
    return float(-(p * np.log2(p)).sum())


def ei_ratio(weights, excitatory, rates) -> np.ndarray:
    """Per-neuron ratio of inhibitory to excitatory recurrent input at ``rates``.

    Parameters
    ----------
    weights : ndarray, shape (n, n)
        Dense signed ``W``; column ``j`` is excitatory when ``excitatory[j]``.
    excitatory : ndarray of bool, shape (n,)
    rates : ndarray, shape (n,)

    Returns
    -------
    ndarray, shape (n,)
        ``-sum_{j in I} W_ij rbar_j / sum_{j in E} W_ij rbar_j`` (1 = locally balanced;
        NaN without excitatory input).
    """
    exc = weights[:, excitatory] @ rates[excitatory]
    inh = -(weights[:, ~excitatory] @ rates[~excitatory])
    out = np.full(exc.shape, np.nan)
    np.divide(inh, exc, out=out, where=exc > 0)
    return out


@dataclass(frozen=True)
class OperatingPoint:
    """What :func:`measure` records for one reservoir.

    Attributes
    ----------
    radius : float
        Spectral radius of the Jacobian at the time-averaged operating point.
    population_rate : float
        ``<rbar_i>_i``.
    entropy : float
        :func:`rate_entropy` of the states (bits).
    ei_ratio : ndarray, shape (n,)
        Per-neuron inhibitory / excitatory input at ``rbar`` (:func:`ei_ratio`).
    """

    radius: float
    population_rate: float
    entropy: float
    ei_ratio: np.ndarray


def measure(reservoir: EIReservoir, states, u, balance: float | None = None,
            n_bins: int = 20) -> OperatingPoint:
    """Operating point of an :class:`EIReservoir` from one of its runs.

    Parameters
    ----------
    reservoir : EIReservoir
        The network (its current weights, adaptation included).
    states : array_like, shape (T, n)
        States of the run (washout removed).
    u : array_like, shape (T, n_inputs) or (T,)
        The inputs that produced them (``ubar`` is their mean).
    balance : float, optional
        Evaluate the network at this global balance instead of its own (for the copies of
        :func:`reservoirs.batch.run_balances`).
    n_bins : int
        Bins of the rate entropy.

    Returns
    -------
    OperatingPoint
    """
    x = check_array(states, "states", ndim=2)
    if x.shape[1] != reservoir.n_neurons:
        raise ValueError(f"states must have {reservoir.n_neurons} columns, got {x.shape[1]}")
    arr = check_array(u, "u", ndim=(1, 2))
    arr = arr[:, None] if arr.ndim == 1 else arr
    w = reservoir.dense_weights(balance)
    rbar = x.mean(axis=0)
    drive = reservoir.input_weights @ arr.mean(axis=0) - reservoir.threshold
    jac = jacobian(w, rbar, drive, reservoir.gain, reservoir.leak_rate)
    return OperatingPoint(radius=spectral_radius(jac), population_rate=float(rbar.mean()),
                          entropy=rate_entropy(x, n_bins),
                          ei_ratio=ei_ratio(w, reservoir.cell_types, rbar))
