"""Scoring helpers shared by the rate-reservoir experiments (batched simulation)."""

from __future__ import annotations

__all__ = ["score_balances", "score_batch"]


def score_batch(reservoirs, task, batch_size):
    """Reset, run ``task.inputs`` through the reservoirs in batches, score each."""
    from ..batch import run_batch

    scores, rates = [], []
    for lo in range(0, len(reservoirs), batch_size):
        part = reservoirs[lo:lo + batch_size]
        for r in part:
            r.reset()
        for states in run_batch(part, task.inputs):
            scores.append(task.score(states))
        rates.extend(r.rates for r in part)
    return scores, rates


def score_balances(reservoir, balances, task, batch_size):
    """Score ``task`` on copies of ``reservoir`` at each global balance, in batches.

    Same result as :func:`score_batch` on ``with_balances(reservoir, balances)`` (up to
    rounding), with one shared sparse product per step (:func:`reservoirs.batch.run_balances`).
    The copies start from the reservoir's initial state; ``reservoir`` is not modified.
    """
    from ..batch import run_balances

    start = reservoir.state
    reservoir.reset()
    scores, rates = [], []
    try:
        for lo in range(0, len(balances), batch_size):
            for states in run_balances(reservoir, balances[lo:lo + batch_size], task.inputs):
                scores.append(task.score(states))
                rates.append(states.mean(axis=0))
    finally:
        reservoir.state = start
    return scores, rates
