"""Local homeostatic E/I adaptation: the inhibitory rule, target rates, one-step balance.

Srinivasan, Plenz & Girvan 2025 ("Boosting Reservoir Computing with Brain-inspired Adaptive
Dynamics", arXiv 2504.12480) adapt each neuron's inhibitory inputs towards a target firing
rate (research note ``research/ei_reservoir.md`` §3):

.. math::

    A^I_{ij}(t+1) = A^I_{ij}(t) + \\delta\\,(r_i(t) - \\rho_i)
    \\quad \\text{for every inhibitory link } j \\to i,

with magnitudes clipped at ``>= 0`` (Dale's law), then frozen. The functions here act on the
arrays of a :class:`reservoirs.dynamics.RateSystem` (one network or a stacked batch), so the
single-network and batched paths share them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from workbench.validation import check_array, check_int, check_positive, check_range, check_seed

from .dynamics import PatternSystem, RateSystem, split_systems, stack_systems

__all__ = [
    "AdaptationTrace",
    "adapt_system",
    "adapt_systems",
    "check_targets",
    "heterogeneous_targets",
    "inhibitory_strength",
    "one_step_factors",
]

#: Beta-distributed targets are kept in [EPS, 1 - EPS] so that Sig^{-1}(rho) stays finite [A].
TARGET_EPS = 1e-3


@dataclass
class AdaptationTrace:
    """What happened during one adaptation run (for plots and convergence checks).

    Attributes
    ----------
    mean_rate : ndarray, shape (n_steps,)
        Population mean rate ``<r_i(t)>_i`` at every adaptation step.
    steps : ndarray, shape (n_blocks,)
        Number of steps done at the end of each recording block.
    block_rates : ndarray, shape (n_blocks, n)
        Per-neuron mean rate over each block.
    inhibitory_gain : ndarray, shape (n_blocks, n)
        Per-neuron total inhibitory in-strength ``sum_j A^I_ij`` at the end of each block,
        divided by its value before adaptation (1 = unchanged; NaN for neurons without
        inhibitory inputs).
    targets : ndarray, shape (n,)
        ``rho_i``.
    """

    mean_rate: np.ndarray
    steps: np.ndarray
    block_rates: np.ndarray
    inhibitory_gain: np.ndarray
    targets: np.ndarray

    def rate_error(self) -> float:
        """Mean ``|rbar_i - rho_i|`` over neurons in the last recorded block (claim T5)."""
        return float(np.mean(np.abs(self.block_rates[-1] - self.targets)))


def check_targets(target_rate, n, name="target_rate"):
    """Target rates broadcast to shape ``(n,)``; each must lie in the open interval (0, 1).

    Raises
    ------
    ValueError
        If a target is outside (0, 1), not finite, or the shape is neither scalar nor ``(n,)``.
    """
    rho = check_array(target_rate, name, ndim=(0, 1))
    if rho.ndim == 1 and rho.shape[0] != n:
        raise ValueError(f"{name} must be a scalar or have shape ({n},), got {rho.shape}")
    check_range(rho, name, 0, 1, low_inclusive=False, high_inclusive=False)
    return np.broadcast_to(rho, (n,)).astype(float)


def heterogeneous_targets(n, a, b, seed=None):
    """Heterogeneous target rates ``rho_i ~ Beta(a, b)``.

    Parameters
    ----------
    n : int
        Number of neurons, >= 1.
    a, b : float
        Beta shape parameters, > 0. The paper's values are unknown; the third-party code uses
        Beta(2, 2) [T]. With mean ``m`` and concentration ``kappa``: ``a = m kappa``,
        ``b = (1 - m) kappa`` [A].
    seed : int, Generator or None

    Returns
    -------
    ndarray, shape (n,)
        Samples clipped to ``[1e-3, 1 - 1e-3]`` so that ``Sig^{-1}(rho)`` is finite [A].

    Notes
    -----
    Research note §3.3 ([S]): heterogeneous targets drawn from a beta distribution mimic the
    broad distribution of cortical firing rates.
    """
    n = check_int(n, "n", 1)
    check_positive(a, "a")
    check_positive(b, "b")
    rng = check_seed(seed)
    return np.clip(rng.beta(a, b, size=n), TARGET_EPS, 1 - TARGET_EPS)


def _data_rows(matrix):
    """Row index of every stored entry of a CSR matrix."""
    return np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))


def inhibitory_strength(system: RateSystem, inhibitory: np.ndarray) -> np.ndarray:
    """Per-neuron total inhibitory magnitude ``sum_j A^I_ij`` (entries flagged ``inhibitory``)."""
    w = system.weights
    rows = _data_rows(w)[inhibitory]
    return np.bincount(rows, weights=-w.data[inhibitory], minlength=w.shape[0])


def adapt_system(system: RateSystem | PatternSystem, inhibitory: np.ndarray, u: np.ndarray,
                 targets: np.ndarray, learning_rate: float, epochs: int, record_every: int,
                 n_groups: int = 1,
                 on_block: Callable[[int, int, np.ndarray], None] | None = None) -> list[AdaptationTrace]:
    """Drive ``system`` with ``u`` while applying the inhibitory homeostatic rule.

    Parameters
    ----------
    system : RateSystem or PatternSystem
        One network, ``n_groups`` stacked networks of equal size, or ``n_groups`` networks of
        one pattern (the rule then runs inside the compiled loop); weights change in place.
    inhibitory : ndarray of bool
        Flags the entries of ``system.weights.data`` (of ``system.data``'s rows for a
        :class:`PatternSystem`) that are inhibitory (stored negative).
    u : ndarray, shape (T, d)
        Driving input, validated.
    targets : ndarray, shape (M,)
        ``rho_i`` in (0, 1), the networks' targets one after the other.
    learning_rate : float
        ``delta`` > 0 ([T]: 1e-3).
    epochs : int
        Passes over ``u``.
    record_every : int
        Steps per recording block of the trace.
    n_groups : int
        Number of networks; one trace is returned per network.
    on_block : callable, optional
        Called after every recording block as ``on_block(steps_done, total_steps, errors)``
        with ``errors[g]`` the mean ``|rbar_i - rho_i|`` of network ``g`` over that block
        (e.g. to show the adaptation converging while it runs).

    Returns
    -------
    list of AdaptationTrace

    Notes
    -----
    Every step, after ``r(t+1)`` is computed, each inhibitory magnitude into neuron ``i``
    changes by ``delta (r_i(t+1) - rho_i)`` (research note §3.1, [T] "Eq. 7"), and is clipped at
    0 so inhibitory links stay inhibitory (Dale's law, §3.2). Only existing links change; the
    sparsity pattern is fixed. The rate is the instantaneous neuron output, as reported.
    """
    total = u.shape[0] * epochs
    if isinstance(system, PatternSystem):
        n = system.size
        links = np.flatnonzero(inhibitory)
        rows = _data_rows(system.pattern)[links]
        rule = (links, rows, learning_rate, targets.reshape(n_groups, n).T)

        groups = rows[:, None] + n * np.arange(n_groups)    # entry g n + i: neuron i of net g

        def strength():
            return np.bincount(groups.ravel(), weights=-system.data[links].ravel(),
                               minlength=n * n_groups)

        def blocks():
            for block in system.blocks(u, record_every, rule):
                yield block.transpose(1, 0, 2).reshape(block.shape[1], -1)
    else:
        data = system.weights.data
        pos = np.flatnonzero(inhibitory)
        prow = _data_rows(system.weights)[pos]
        n = system.size // n_groups

        def strength():
            return inhibitory_strength(system, inhibitory)

        def hook(r):
            delta = r - targets
            delta *= learning_rate
            vals = data[pos]
            vals -= delta[prow]
            np.minimum(vals, 0.0, out=vals)
            data[pos] = vals

        def blocks():
            yield from system.blocks(u, record_every, hook)

    start = strength()
    mean_rate, steps, block_rates, gains = [], [], [], []
    done = 0
    with np.errstate(invalid="ignore", divide="ignore"):
        for _ in range(epochs):
            for block in blocks():
                done += block.shape[0]
                mean_rate.append(block.reshape(block.shape[0], n_groups, n).mean(axis=2))
                steps.append(done)
                block_rates.append(block.mean(axis=0))
                gains.append(strength() / start)
                if on_block is not None:
                    errors = np.abs(block_rates[-1] - targets).reshape(n_groups, n).mean(axis=1)
                    on_block(done, total, errors)
    rates = np.concatenate(mean_rate)
    block_rates = np.asarray(block_rates)
    gains = np.asarray(gains)
    return [AdaptationTrace(mean_rate=rates[:, g].copy(), steps=np.asarray(steps),
                            block_rates=block_rates[:, g * n:(g + 1) * n].copy(),
                            inhibitory_gain=gains[:, g * n:(g + 1) * n].copy(),
                            targets=targets[g * n:(g + 1) * n].copy())
            for g in range(n_groups)]


def adapt_systems(systems: list[RateSystem], inhibitory: list[np.ndarray], u: np.ndarray,
                  targets: np.ndarray, learning_rate: float, epochs: int, record_every: int,
                  on_block: Callable[[int, int, np.ndarray], None] | None = None
                  ) -> list[AdaptationTrace]:
    """Adapt networks of equal size side by side (:func:`adapt_system` on all of them at once).

    Copies of one network (same pattern, inputs and inhibitory links) run as one
    :class:`~reservoirs.dynamics.PatternSystem` with the rule inside the compiled loop;
    other batches (or without a C compiler) as one block-diagonal stack with the numpy rule.
    Weights and states are written back into ``systems``; ``inhibitory[k]`` flags the
    inhibitory entries of ``systems[k].weights.data``, ``targets`` has one ``rho_i`` per
    neuron of every network, in order.
    """
    shared = PatternSystem.of(systems)
    if shared is not None and all(np.array_equal(m, inhibitory[0]) for m in inhibitory):
        traces = adapt_system(shared, inhibitory[0], u, targets, learning_rate, epochs,
                              record_every, n_groups=len(systems), on_block=on_block)
        shared.write_back(systems)
        return traces
    if len(systems) == 1:
        return adapt_system(systems[0], inhibitory[0], u, targets, learning_rate, epochs,
                            record_every, on_block=on_block)
    stacked = stack_systems(systems)
    traces = adapt_system(stacked, np.concatenate(inhibitory), u, targets, learning_rate, epochs,
                          record_every, n_groups=len(systems), on_block=on_block)
    split_systems(stacked, systems)
    return traces


def one_step_factors(excitatory_input, inhibitory_input, input_drive, threshold, targets, gain):
    """Per-neuron inhibitory scale factors ``Omega_i`` of the one-step mean-field design.

    Parameters
    ----------
    excitatory_input : ndarray, shape (n,)
        ``sum_j A^E_ij rho_j``.
    inhibitory_input : ndarray, shape (n,)
        ``sum_j A^I_ij rho_j`` (current inhibitory magnitudes, global balance included).
    input_drive : ndarray, shape (n,)
        ``W^in_i <u>``.
    threshold : ndarray, shape (n,)
        ``theta_i``.
    targets : ndarray, shape (n,)
        ``rho_i`` in (0, 1).
    gain : ndarray or float
        ``c``.

    Returns
    -------
    ndarray, shape (n,)
        ``Omega_i >= 0``; 1 where a neuron has no inhibitory input (nothing to scale).

    Notes
    -----
    Research note §3.4 ([S], sign as derived there): setting ``r_j -> rho_j`` and
    ``u -> <u>`` in the update and assuming ``<Sig(x)> ~ Sig(<x>)``,

    .. math::

        \\Omega_i = \\frac{\\sum_j A^E_{ij}\\rho_j + W^{in}_i\\langle u\\rangle - \\theta_i
                          - \\mathrm{Sig}^{-1}(\\rho_i)}{\\sum_j A^I_{ij}\\rho_j},\\qquad
        \\mathrm{Sig}^{-1}(\\rho) = \\frac1c \\ln\\frac{\\rho}{1-\\rho},

    then ``A^I_ij <- Omega_i A^I_ij``. ``Omega_i < 0`` (target unreachable even without
    inhibition) is clipped to 0. The third-party code's sign is not used (research note §3.4).
    """
    logit = np.log(targets / (1.0 - targets)) / gain
    numerator = excitatory_input + input_drive - threshold - logit
    omega = np.ones_like(numerator)
    has_inh = inhibitory_input > 0
    omega[has_inh] = numerator[has_inh] / inhibitory_input[has_inh]
    return np.maximum(omega, 0.0)
