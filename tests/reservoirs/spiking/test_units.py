"""Tests of reservoirs.spiking.units: floats in documented units or brian2 quantities."""

import numpy as np
import pytest
from brian2 import Hz, ms, mV, second

from reservoirs.spiking.units import to_array, to_float


def test_plain_numbers_and_quantities_agree():
    assert to_float(20.0, "tau", "ms") == 20.0
    assert to_float(0.02 * second, "tau", "ms") == pytest.approx(20.0)
    assert to_float(-50 * mV, "v", "mV") == pytest.approx(-50.0)
    np.testing.assert_allclose(to_array(np.array([1.0, 2.0]) * Hz, "r", "Hz", 2), [1.0, 2.0])
    np.testing.assert_allclose(to_array(3.0, "r", "Hz", 4), [3.0] * 4)


@pytest.mark.parametrize("value, unit, message", [
    (5 * mV, "ms", "tau must be given in ms"),
    (5 * ms, "1", "tau must be given in 1"),
    ("fast", "ms", "tau must be a number"),
    (True, "ms", "tau must be a number"),
    ([1.0, 2.0], "ms", "tau must be a scalar"),
    (-1.0, "ms", r"tau \(ms\) must be in \(0"),
    (float("nan"), "ms", "finite"),
])
def test_bad_values_name_the_parameter(value, unit, message):
    with pytest.raises(ValueError, match=message):
        to_float(value, "tau", unit, 0, None, low_inclusive=False)


def test_array_shape_and_range_are_checked():
    with pytest.raises(ValueError, match=r"rates must be a scalar or have shape \(3,\)"):
        to_array([1.0, 2.0], "rates", "Hz", 3)
    with pytest.raises(ValueError, match=r"rates \(Hz\) must be in"):
        to_array([1.0, -2.0, 3.0], "rates", "Hz", 3, 0, None)
