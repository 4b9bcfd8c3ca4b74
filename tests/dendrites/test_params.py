"""Tests of the SDR parameter groups."""

import pytest

from dendrites.params import MAX_UNION_WORK, SDRParams


def test_defaults_are_a_valid_configuration():
    SDRParams().validate()


@pytest.mark.parametrize("values, match", [
    (dict(n=100, a=200), "a must be in"),
    (dict(a=20, s=30), "s must be in"),
    (dict(s=10, theta=11), "theta must be in"),
    (dict(n=1000, a=900, v=200), "v must be in"),
    (dict(s=64, M=64), "M \\* s must be"),
])
def test_cross_parameter_rules(values, match):
    with pytest.raises(ValueError, match=match):
        SDRParams(**values).validate()


def test_bounds_keep_the_theory_cost_bounded():
    assert SDRParams.param["s"].bounds[1] * 16 <= MAX_UNION_WORK
    with pytest.raises(ValueError):
        SDRParams(s=1000)
    with pytest.raises(ValueError):
        SDRParams(M=10_000)
