"""Dynamical systems that generate ground-truth data for every package.

* :mod:`.flows`: Lorenz-63 and Rössler (vector fields, Jacobians, trajectories);
* :mod:`.integrate`: any user vector field, integrated with :func:`scipy.integrate.solve_ivp`
  (DOP853 by default) and sampled every ``dt`` through the solver's dense output;
* :mod:`.mackey_glass`: the Mackey-Glass delay differential equation (RK4 on a fine grid with a
  history buffer and cubic Hermite interpolation of the delayed state);
* :mod:`.narma`: the NARMA-10 recursion driven by i.i.d. uniform input.

Settings follow Brenner et al. 2024 (Lorenz-63, Rössler) and Srinivasan, Plenz & Girvan 2025
(Mackey-Glass τ=17, NARMA-10). All time series are ``(time, features)`` float64 arrays.
"""

from __future__ import annotations

from collections.abc import Callable

from .flows import lorenz63, lorenz63_jacobian, lorenz63_rhs, rossler, rossler_jacobian, rossler_rhs
from .integrate import _CHUNK, _METHODS, integrate  # noqa: F401  (private constants read by tests)
from .mackey_glass import mackey_glass
from .narma import narma10

__all__ = [
    "SYSTEMS",
    "integrate",
    "lorenz63",
    "lorenz63_jacobian",
    "lorenz63_rhs",
    "mackey_glass",
    "narma10",
    "rossler",
    "rossler_jacobian",
    "rossler_rhs",
]

#: Generators by name, for the CLI and the GUI.
SYSTEMS: dict[str, Callable] = {
    "lorenz63": lorenz63,
    "rossler": rossler,
    "mackey_glass": mackey_glass,
    "narma10": narma10,
}
