"""Tests of reservoirs.spiking.activity: runaway and silence detection."""

import pytest

from reservoirs.spiking.activity import ReservoirActivityError, check_activity


@pytest.mark.parametrize("rate, stopped, ok, word", [
    (5.0, False, True, ""),
    (150.0, False, False, "runaway"),
    (0.01, False, False, "silent"),
    (5.0, True, False, "stopped early"),
])
def test_check_activity(rate, stopped, ok, word):
    report = check_activity(rate, 3.0, (0.1, 100.0), stopped)
    assert report.ok is ok
    assert word in report.reason
    assert report.as_dict()["rate_exc"] == rate


def test_error_is_a_value_error_carrying_the_report():
    report = check_activity(500.0, 3.0, (0.1, 100.0))
    err = ReservoirActivityError(report)
    assert isinstance(err, ValueError)
    assert err.report is report and "max_rate=100" in str(err)
