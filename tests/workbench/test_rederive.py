"""The systems experiments' stored numbers re-derived from what the run stored.

A run of ``systems.lorenz63`` / ``systems.rossler`` stores a trajectory and its summary
metrics. Here every stored sample is re-integrated one step with SciPy's ``solve_ivp`` on a
right-hand side written out in this file (not :mod:`workbench.systems`), the summary
statistics are recomputed with NumPy, and the z-scored variant is checked against the raw
one of the same seed.
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from workbench.experiments import Lorenz63Experiment, RosslerExperiment


def lorenz_reference(t, x, sigma, rho, beta):
    """Lorenz (1963) eq. 25-27."""
    return [sigma * (x[1] - x[0]), x[0] * (rho - x[2]) - x[1], x[0] * x[1] - beta * x[2]]


def rossler_reference(t, x, a, b, c):
    """Rössler (1976): dx = -y - z, dy = x + a y, dz = b + z (x - c)."""
    return [-x[1] - x[2], x[0] + a * x[1], b + x[2] * (x[0] - c)]


CASES = [
    (Lorenz63Experiment, {"sigma": 10.0, "rho": 28.0, "beta": 8.0 / 3.0}, lorenz_reference, 0.01),
    (Lorenz63Experiment, {"sigma": 12.0, "rho": 35.0, "beta": 2.0}, lorenz_reference, 0.005),
    (RosslerExperiment, {"a": 0.2, "b": 0.2, "c": 5.7}, rossler_reference, 0.08),
    (RosslerExperiment, {"a": 0.1, "b": 0.1, "c": 14.0}, rossler_reference, 0.05),
]


@pytest.mark.parametrize("cls, system, field, dt", CASES, ids=["lorenz", "lorenz-other", "rossler", "rossler-other"])
def test_stored_trajectory_solves_the_ode_and_metrics_match_it(memory_store, cls, system, field, dt):
    exp = cls(n_steps=300, transient=50, zscore=False, dt=dt, seed=4, **system)
    run = memory_store.open(exp.run(memory_store))
    traj = run["trajectory"]
    assert traj.shape == (300, 3)
    args = tuple(system.values())
    # every 37th stored sample, integrated one dt with an independent solver, lands on the next
    for k in range(0, 299, 37):
        sol = solve_ivp(field, (0.0, dt), traj[k], method="LSODA", rtol=1e-12, atol=1e-12, args=args)
        # both solvers are accurate to ~1e-10 over one step; 1e-7 leaves room for the
        # amplification of that error along the stiffest direction, far below a wrong parameter
        # (a 1 % change of any parameter moves the next sample by > 1e-4)
        np.testing.assert_allclose(sol.y[:, -1], traj[k + 1], rtol=0, atol=1e-7)
    m = run.metrics
    for i, name in enumerate("xyz"):
        assert m[f"mean_{name}"] == pytest.approx(traj[:, i].mean(), rel=1e-12, abs=1e-12)
        assert m[f"std_{name}"] == pytest.approx(traj[:, i].std(), rel=1e-12)
        assert m[f"min_{name}"] == traj[:, i].min() and m[f"max_{name}"] == traj[:, i].max()
    assert run.params == exp.to_params()


def test_zscored_run_is_the_raw_run_standardised(memory_store):
    raw = memory_store.open(Lorenz63Experiment(n_steps=400, transient=50, zscore=False, seed=9).run(memory_store))
    std = memory_store.open(Lorenz63Experiment(n_steps=400, transient=50, zscore=True, seed=9).run(memory_store))
    x = raw["trajectory"]
    np.testing.assert_allclose(std["trajectory"], (x - x.mean(0)) / x.std(0), rtol=0, atol=1e-12)
    for name in "xyz":
        assert abs(std.metrics[f"mean_{name}"]) < 1e-12
        assert std.metrics[f"std_{name}"] == pytest.approx(1.0, rel=1e-12)


def test_dominant_frequency_of_a_periodic_rossler_orbit(memory_store):
    # Rössler at c = 2.5 (a = b = 0.2) is on a stable period-1 limit cycle; its period
    # measured from the stored x by upward zero crossings must match the stored metric
    run = memory_store.open(RosslerExperiment(n_steps=4000, transient=2000, zscore=False, dt=0.05,
                                              c=2.5, seed=1).run(memory_store))
    x = run["trajectory"][:, 0] - run["trajectory"][:, 0].mean()
    up = np.flatnonzero((x[:-1] < 0) & (x[1:] >= 0))
    frac = -x[up] / (x[up + 1] - x[up])                    # linear interpolation of each crossing
    period = np.diff((up + frac) * 0.05).mean()
    # the periodogram's resolution is 1 / (4000 * 0.05) = 0.005 per unit time
    assert run.metrics["dominant_frequency_x"] == pytest.approx(1 / period, abs=0.005)
