"""Many reservoirs at once: one sparse product per step for the whole batch.

Sweeps (over ``beta``, target rates, input scalings, seeds) simulate all their reservoirs
together. Copies of one network (other balances, other adaptation targets) share the
pattern of their links and run as one :class:`reservoirs.dynamics.PatternSystem`, each
link's values and states side by side; other batches are stacked block-diagonally so one
sparse mat-vec per step advances every network (:func:`run_batch`, :func:`adapt_batch`;
results equal running each reservoir alone up to rounding). A global-balance sweep of one reservoir
needs less: every copy has ``W_b = A^E - beta_b A^I`` with the same ``A^E, A^I``, so
:func:`run_balances` advances all copies with one sparse x dense product per step
(:class:`reservoirs.dynamics.SharedSystem`; equal to :func:`run_batch` on
:func:`with_balances` copies up to rounding).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from workbench.validation import check_array, check_int, check_positive

from .adaptation import AdaptationTrace, adapt_systems, check_targets
from .base import RateReservoir
from .dynamics import PatternSystem, SharedSystem, split_systems, stack_systems
from .network import EIReservoir

__all__ = ["adapt_batch", "run_balances", "run_batch", "with_balances"]


def _check_batch(reservoirs, cls=RateReservoir):
    items = list(reservoirs)
    if not items:
        raise ValueError("reservoirs must contain at least one reservoir")
    if not all(isinstance(r, cls) for r in items):
        raise ValueError(f"reservoirs must all be {cls.__name__} instances")
    sizes = {r.n_neurons for r in items}
    inputs = {r.n_inputs for r in items}
    if len(sizes) != 1 or len(inputs) != 1:
        raise ValueError(f"reservoirs must share n_neurons and n_inputs, got sizes {sorted(sizes)} "
                         f"and inputs {sorted(inputs)}")
    return items


def run_batch(reservoirs, u, washout=0) -> np.ndarray:
    """Run reservoirs of equal size on the same input, as one batch.

    Parameters
    ----------
    reservoirs : sequence of RateReservoir
        Equal ``n_neurons`` and ``n_inputs``; each continues from its current state.
    u : array_like, shape (T, n_inputs) or (T,)
    washout : int
        Leading steps dropped, in [0, T - 1].

    Returns
    -------
    ndarray, shape (B, T - washout, n)
        States of each reservoir; the reservoirs' states and :attr:`rates` are updated as
        by :meth:`RateReservoir.run`.
    """
    items = _check_batch(reservoirs)
    arr = items[0].check_input(u)
    washout = check_int(washout, "washout", 0, arr.shape[0] - 1)
    systems = [r._system for r in items]
    shared = PatternSystem.of(systems)
    if shared is not None:
        out = shared.run(arr, washout)
        shared.write_back(systems)
    else:
        stacked = stack_systems(systems)
        states = stacked.run(arr, washout)
        split_systems(stacked, systems)
        out = states.reshape(states.shape[0], len(items), -1).transpose(1, 0, 2)
    for r, s in zip(items, out):
        r._rates = s.mean(axis=0)
    return out


def adapt_batch(reservoirs, u, target_rates, learning_rate=1e-3, epochs=1,
                record_every=None, on_block=None) -> list[AdaptationTrace]:
    """Adapt many :class:`EIReservoir` at once (same rule as :meth:`EIReservoir.adapt`).

    Parameters
    ----------
    reservoirs : sequence of EIReservoir
        Equal size; their inhibitory weights change in place.
    u : array_like, shape (T, n_inputs) or (T,)
        Common driving input.
    target_rates : sequence
        One target per reservoir: a float or an array of shape ``(n,)``, in (0, 1).
    learning_rate, epochs, record_every
        As in :meth:`EIReservoir.adapt`.
    on_block : callable, optional
        Progress of the adaptation, as in :func:`reservoirs.adaptation.adapt_system` (one
        error per reservoir).

    Returns
    -------
    list of AdaptationTrace
        One per reservoir, in order.
    """
    items = _check_batch(reservoirs, EIReservoir)
    targets = list(target_rates)
    if len(targets) != len(items):
        raise ValueError(f"target_rates must have one entry per reservoir ({len(items)}), "
                         f"got {len(targets)}")
    n = items[0].n_neurons
    rho = np.concatenate([check_targets(t, n, f"target_rates[{i}]") for i, t in enumerate(targets)])
    arr = items[0].check_input(u)
    check_positive(learning_rate, "learning_rate")
    epochs = check_int(epochs, "epochs", 1)
    every = max(1, arr.shape[0] // 100) if record_every is None else \
        check_int(record_every, "record_every", 1)
    traces = adapt_systems([r._system for r in items], [r._inhibitory for r in items], arr, rho,
                           learning_rate, epochs, every, on_block=on_block)
    for r, tr in zip(items, traces):
        r._rates = tr.block_rates[-1].copy()
    return traces


def with_balances(reservoir: EIReservoir, balances) -> list[EIReservoir]:
    """Copies of ``reservoir`` with the global balance set to each of ``balances`` (> 0)."""
    out = []
    for b in np.atleast_1d(np.asarray(balances, dtype=float)):
        r = reservoir.copy()
        r.balance = float(b)
        out.append(r)
    return out


def run_balances(reservoir: EIReservoir, balances, u, washout=0) -> np.ndarray:
    """Run copies of ``reservoir`` at several global balances ``beta``, as one batch.

    Parameters
    ----------
    reservoir : EIReservoir
        The network (possibly adapted); it is not modified. Every copy starts from its
        current :attr:`~EIReservoir.state`.
    balances : array_like, shape (B,)
        ``beta_b`` > 0.
    u : array_like, shape (T, n_inputs) or (T,)
        Common input.
    washout : int
        Leading steps dropped, in [0, T - 1].

    Returns
    -------
    ndarray, shape (B, T - washout, n)
        ``out[b]`` equals ``with_balances(reservoir, balances)[b].run(u, washout)`` up to
        floating-point rounding (research note §1.1 update with ``beta = beta_b``).

    Notes
    -----
    Setting the balance of a reservoir at balance ``beta_0`` to ``beta_b`` scales every
    inhibitory link by ``beta_b / beta_0`` (:attr:`EIReservoir.balance`), so
    ``W_b = A^E - (beta_b / beta_0) A^I_0`` with ``A^I_0`` the current inhibitory magnitudes
    (adaptation included). The states of all copies form one ``(n, B)`` matrix ``R`` and

    .. math::

        [W_1 r_1, \\dots, W_B r_B] = [A^E,\\; A^I_0]
        \\begin{bmatrix} R \\\\ -R\\,\\mathrm{diag}(\\beta/\\beta_0) \\end{bmatrix},

    one CSR x dense product per step (:class:`reservoirs.dynamics.SharedSystem`). In
    ``"mean_shift"`` mode the sparse parts keep scales ``(1, -1)`` and copy ``b`` gets the
    rank-one term ``kappa_b 1 1_I^T`` with ``kappa_b = -(beta_b - 1) m_I / N_I``.
    """
    if not isinstance(reservoir, EIReservoir):
        raise ValueError(f"reservoir must be an EIReservoir, got {type(reservoir).__name__}")
    betas = check_array(balances, "balances", ndim=1, min_length=1)
    check_positive(betas, "balances")
    arr = reservoir.check_input(u)
    washout = check_int(washout, "washout", 0, arr.shape[0] - 1)
    system = reservoir._system
    parts = sp.hstack([reservoir.excitatory, reservoir.inhibitory], format="csr")
    parts.sort_indices()
    lowrank = None
    if reservoir.balance_mode == "mean_shift":
        scales = np.vstack([np.ones_like(betas), -np.ones_like(betas)])
        lowrank = (np.ones(reservoir.n_neurons), (~reservoir.cell_types).astype(float),
                   np.array([reservoir.shift_scale(b) for b in betas]))
    else:
        scales = np.vstack([np.ones_like(betas), -betas / reservoir.balance])
    shared = SharedSystem(parts=parts, scales=scales, input_weights=system.input_weights,
                          threshold=system.threshold, gain=system.gain, leak=system.leak,
                          activation=system.activation,
                          state=np.repeat(system.state[:, None], betas.size, axis=1),
                          lowrank=lowrank)
    return shared.run(arr, washout)
