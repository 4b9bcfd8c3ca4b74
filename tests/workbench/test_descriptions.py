"""Every registered experiment's description quotes its declared defaults (never stale ones)."""

import re

import pytest

from workbench.registry import experiments

#: ``name=value`` or ``name = value`` quoted in a description (value: a number).
QUOTE = re.compile(r"\b([A-Za-z_]\w*)\s?=\s?(-?\d+(?:\.\d+)?(?:e-?\d+)?)(?![\w/.])")


def _effective(exp, name):
    value = getattr(exp, name)
    if value is None and hasattr(exp, "effective"):
        return exp.effective(name)
    return value


@pytest.mark.parametrize("kind", sorted(experiments()))
def test_description_quotes_declared_defaults(kind):
    cls = experiments()[kind]
    text = " ".join((cls.__doc__ or "").split())
    exp = cls()
    checked = 0
    for name, quoted in QUOTE.findall(text):
        if name not in cls.param or name == "name":
            continue
        declared = _effective(exp, name)
        assert declared is not None and float(quoted) == pytest.approx(float(declared)), \
            f"{kind}: description says {name}={quoted}, the default is {declared!r}"
        checked += 1
    assert text, f"{kind} has no description"


def test_quotes_are_found():
    """The pattern reads the quotes the descriptions use (so the test above can fail)."""
    assert QUOTE.findall("(M=20, P=2; the preset: tau=12, windows") == [("M", "20"), ("P", "2"), ("tau", "12")]
    assert QUOTE.findall("σ = 10, dt = 0.01, a = b = 0.2") == [("dt", "0.01"), ("b", "0.2")]
