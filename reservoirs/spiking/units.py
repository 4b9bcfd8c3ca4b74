"""Reading physical parameters given as plain floats or brian2 quantities.

Every public parameter of the spiking reservoir accepts either a plain float, read in the
unit its docstring names (ms, mV, Hz, nS), or a brian2 `Quantity` of the right dimension.
Wrong dimensions and out-of-range values raise :class:`ValueError` naming the parameter.
"""

from __future__ import annotations

import numbers

import numpy as np
from brian2 import Hz, Quantity, ms, mV, nS
from brian2.units.fundamentalunits import get_dimensions, have_same_dimensions

from workbench.validation import check_range

__all__ = ["UNITS", "to_array", "to_float"]

#: Unit names accepted by :func:`to_float` and :func:`to_array`, with their brian2 unit.
UNITS = {"ms": ms, "mV": mV, "Hz": Hz, "nS": nS, "1": 1.0}


def _strip_unit(value, name, unit_name):
    """Return ``value`` as a float array expressed in ``unit_name``."""
    unit = UNITS[unit_name]
    if isinstance(value, Quantity):
        if not have_same_dimensions(value, unit):
            raise ValueError(f"{name} must be given in {unit_name} (a plain number is read as "
                             f"{unit_name}), got a quantity of dimension {get_dimensions(value)}")
        return np.asarray(value / unit, dtype=float)
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number in {unit_name}, got {value!r}")
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in {unit_name}, got {value!r}") from None


def to_float(value, name, unit_name, low=None, high=None, *, low_inclusive=True,
             high_inclusive=True):
    """Read a scalar parameter given as a float in ``unit_name`` or as a brian2 quantity.

    Parameters
    ----------
    value : float or brian2.Quantity
        The value; a plain number is read in ``unit_name``.
    name : str
        Parameter name used in error messages.
    unit_name : {"ms", "mV", "Hz", "nS", "1"}
        The unit plain numbers are expressed in (``"1"``: dimensionless).
    low, high : float, optional
        Allowed interval, in ``unit_name``; ``None`` leaves that end open.
    low_inclusive, high_inclusive : bool
        Whether the interval ends are allowed.

    Returns
    -------
    float
        The value in ``unit_name``.

    Raises
    ------
    ValueError
        Wrong dimension, not a scalar, not finite, or outside the interval.
    """
    arr = _strip_unit(value, name, unit_name)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a scalar in {unit_name}, got shape {arr.shape}")
    check_range(float(arr), f"{name} ({unit_name})", low, high, low_inclusive=low_inclusive,
                high_inclusive=high_inclusive)
    return float(arr)


def to_array(value, name, unit_name, size, low=None, high=None, *, low_inclusive=True,
             high_inclusive=True):
    """Read a per-neuron parameter: a scalar (broadcast) or an array of length ``size``.

    Parameters
    ----------
    value : float, array_like or brian2.Quantity
        Scalar or 1-D values; plain numbers are read in ``unit_name``.
    name : str
        Parameter name used in error messages.
    unit_name : {"ms", "mV", "Hz", "nS", "1"}
        Unit of plain numbers.
    size : int
        Required length.
    low, high, low_inclusive, high_inclusive
        Allowed interval, as in :func:`to_float`.

    Returns
    -------
    numpy.ndarray, shape (size,)
        Values in ``unit_name``.
    """
    if not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    arr = _strip_unit(value, name, unit_name)
    if arr.ndim == 0:
        arr = np.full(size, float(arr))
    if arr.shape != (size,):
        raise ValueError(f"{name} must be a scalar or have shape ({size},), got {arr.shape}")
    check_range(arr, f"{name} ({unit_name})", low, high, low_inclusive=low_inclusive,
                high_inclusive=high_inclusive)
    return arr
