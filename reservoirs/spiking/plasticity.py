"""Homeostatic inhibitory plasticity: the iSTDP rule of Vogels et al. 2011.

Vogels, Sprekeler, Zenke, Clopath & Gerstner, "Inhibitory plasticity balances excitation
and inhibition in sensory pathways and memory networks", Science 334:1569 (2011), Eqs. in
the supplement; brian2 example ``examples/frompapers/Vogels_et_al_2011.py``.

Each inhibitory -> excitatory synapse keeps a presynaptic trace ``Apre`` and a
postsynaptic trace ``Apost`` (:math:`\\tau_{STDP}\\,\\dot x = -x`, +1 per spike) and a
weight factor ``w >= 0``:

.. math::

    \\text{presynaptic (inhibitory) spike:}\\quad w \\leftarrow w + \\eta\\,(x_{post} - \\alpha_i),
    \\qquad
    \\text{postsynaptic spike:}\\quad w \\leftarrow w + \\eta\\, x_{pre},

with :math:`\\alpha_i = 2\\,\\rho_i\\,\\tau_{STDP}` for the target rate :math:`\\rho_i` of the
postsynaptic neuron ``i`` (heterogeneous targets give a per-neuron :math:`\\alpha_i`), and
``w`` clipped to ``[0, w_max]``. For uncorrelated Poisson trains with rates
:math:`\\rho_{pre}, \\rho_{post}` the mean drift is
:math:`\\langle\\dot w\\rangle = 2\\eta\\tau_{STDP}\\,\\rho_{pre}(\\rho_{post} - \\rho_i)`, so
inhibition grows while the neuron fires above its target and shrinks below it: the spiking
analogue of the rate reservoir's local rule ``A^I_ij += delta (r_i - rho_i)``
(Srinivasan, Plenz & Girvan 2025).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from workbench.validation import check_choice, check_int, check_positive, check_seed

from .units import to_array, to_float

__all__ = ["InhibitorySTDP", "TARGET_DISTRIBUTIONS", "istdp_model", "target_rates"]

#: Distributions accepted by :func:`target_rates`.
TARGET_DISTRIBUTIONS = ("homogeneous", "lognormal", "beta")


def target_rates(n, mean, distribution="homogeneous", *, cv=0.5, rate_max=None, seed=None):
    """Per-neuron target rates ``rho_i`` (Hz) for homeostatic plasticity.

    Parameters
    ----------
    n : int
        Number of excitatory neurons (>= 1).
    mean : float or Quantity
        Mean target rate (Hz), > 0.
    distribution : {"homogeneous", "lognormal", "beta"}
        ``"homogeneous"``: every ``rho_i = mean``. ``"lognormal"``: ``rho_i`` log-normal
        with the given mean and coefficient of variation ``cv`` (the skewed cortical rate
        distribution, Buzsáki & Mizuseki 2014). ``"beta"``: the rate reservoir's choice
        scaled to Hz, ``rho_i = rate_max * Beta(m kappa, (1 - m) kappa)`` with
        ``m = mean / rate_max`` and ``kappa`` set so that the CV equals ``cv``.
    cv : float
        Coefficient of variation of the heterogeneous distributions (> 0).
    rate_max : float, optional
        Upper end of the ``"beta"`` distribution (Hz); defaults to ``4 * mean``.
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    numpy.ndarray, shape (n,)
        Target rates in Hz.

    Notes
    -----
    Log-normal: :math:`\\sigma^2 = \\ln(1 + cv^2)`, :math:`\\mu = \\ln(mean) - \\sigma^2/2`.
    Beta on ``[0, rate_max]`` with mean ``m``: variance ``m(1-m)/(kappa+1)``, so
    ``kappa = (1 - m) / (m cv^2) - 1`` (must be > 0).
    """
    n = check_int(n, "n", 1)
    mean = to_float(mean, "mean", "Hz", 0, None, low_inclusive=False)
    check_choice(distribution, "distribution", TARGET_DISTRIBUTIONS)
    check_positive(cv, "cv")
    rng = check_seed(seed)
    if distribution == "homogeneous":
        return np.full(n, mean)
    if distribution == "lognormal":
        sigma2 = np.log1p(cv ** 2)
        return rng.lognormal(np.log(mean) - sigma2 / 2, np.sqrt(sigma2), size=n)
    rate_max = 4 * mean if rate_max is None else to_float(rate_max, "rate_max", "Hz", mean, None,
                                                         low_inclusive=False)
    m = mean / rate_max
    kappa = (1 - m) / (m * cv ** 2) - 1
    if kappa <= 0:
        raise ValueError(f"cv must be < sqrt((1 - m)/m) = {np.sqrt((1 - m) / m):.3g} for a beta "
                         f"distribution with mean/rate_max = {m:.3g}, got {cv}")
    return rate_max * rng.beta(m * kappa, (1 - m) * kappa, size=n)


@dataclasses.dataclass(frozen=True, eq=False)
class InhibitorySTDP:
    """Parameters of the Vogels et al. 2011 rule on inhibitory -> excitatory synapses.

    Parameters
    ----------
    target_rate : float, array_like or Quantity
        Target rate ``rho_i`` (Hz): a scalar (homogeneous) or one value per excitatory
        neuron (heterogeneous; see :func:`target_rates`). Each value in (0, 500] Hz.
    eta : float
        Learning rate (dimensionless, in units of the weight factor ``w``), > 0.
        Vogels et al. use 1e-2 with weights in nS; here ``w`` starts at 1.
    tau : float or Quantity
        Trace time constant ``tau_STDP`` (ms), default 20 ms.
    w_max : float
        Upper clip of the weight factor ``w`` (> 0).

    Notes
    -----
    The rule and its fixed point are given in the module docstring. ``alpha_i`` is not
    stored: the synapse computes ``2 * target_rate_post * tau_stdp`` from the
    postsynaptic neuron's ``target_rate``.
    """

    target_rate: object = 5.0
    eta: float = 0.05
    tau: object = 20.0
    w_max: float = 100.0

    def __post_init__(self):
        scalar = np.ndim(self.target_rate) == 0
        rates = to_array(self.target_rate, "target_rate", "Hz", max(1, np.size(self.target_rate)),
                         0, 500, low_inclusive=False)
        object.__setattr__(self, "target_rate", float(rates[0]) if scalar else rates)
        check_positive(self.eta, "eta")
        object.__setattr__(self, "eta", float(self.eta))
        object.__setattr__(self, "tau", to_float(self.tau, "tau", "ms", 0, None,
                                                 low_inclusive=False))
        check_positive(self.w_max, "w_max")
        object.__setattr__(self, "w_max", float(self.w_max))

    def rates_for(self, n_exc: int) -> np.ndarray:
        """Target rates (Hz) of ``n_exc`` excitatory neurons; ValueError on a length mismatch."""
        return to_array(self.target_rate, "target_rate", "Hz", n_exc, 0, 500, low_inclusive=False)

    def alpha(self, n_exc: int) -> np.ndarray:
        """Depression offsets ``alpha_i = 2 rho_i tau_STDP`` (dimensionless)."""
        return 2.0 * self.rates_for(n_exc) * self.tau * 1e-3


def istdp_model(effect: str) -> dict:
    """brian2 ``Synapses`` arguments implementing the rule.

    Parameters
    ----------
    effect : str
        Statement run on a presynaptic spike after the weight update, e.g.
        ``"gi_post += w * w_inh"``.

    Returns
    -------
    dict
        ``model``, ``on_pre`` and ``on_post`` strings. The synapse needs ``eta``
        (shared, 0 freezes learning), ``tau_stdp`` and ``w_max`` in its namespace or as
        variables, and the target group needs ``target_rate`` (Hz).
    """
    model = """
    w : 1
    eta : 1 (shared)
    dApre/dt = -Apre / tau_stdp : 1 (event-driven)
    dApost/dt = -Apost / tau_stdp : 1 (event-driven)
    """
    on_pre = f"""
    Apre += 1
    w = clip(w + eta * (Apost - 2 * target_rate_post * tau_stdp), 0, w_max)
    {effect}
    """
    on_post = """
    Apost += 1
    w = clip(w + eta * Apre, 0, w_max)
    """
    return {"model": model, "on_pre": on_pre, "on_post": on_post}
