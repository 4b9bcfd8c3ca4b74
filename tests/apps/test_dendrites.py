"""Dendrites page state: theory curves against the paper's numbers, Monte-Carlo on demand."""

from fractions import Fraction
from math import comb

import numpy as np
import pytest

from apps.dendrites import DendritesPage, DendritesState


def test_theta_curves_match_the_paper_example():
    state = DendritesState(n=10_000, a=300, s=24, theta=12, M=10, v=100)
    curves = state.theta_curves()
    theta, p = curves["false match"]
    # Ahmad & Hawkins (2016) eq. §2.4: n=10^4, a=300, s=24, θ=12 -> 8.3758e-13 (note §2.4)
    assert p[theta == 12][0] == pytest.approx(8.3758452270e-13, rel=1e-9)
    assert np.all(np.diff(p) < 0)  # fewer false matches for higher thresholds
    theta_fn, fn = curves["false negative (v=100)"]
    # eq. §2.5 with exact rationals: P_FN = sum_{b > s - theta} C(s, b) C(a - s, v - b) / C(a, v)
    exact = [Fraction(sum(comb(24, b) * comb(300 - 24, 100 - b) for b in range(24 - int(t) + 1, 25)),
                      comb(300, 100)) for t in theta_fn]
    np.testing.assert_allclose(fn, [float(x) for x in exact], rtol=1e-12)
    assert np.all(np.diff(fn) > 0)  # noise hurts more for high thresholds


def test_cross_parameter_checks_name_the_parameter():
    state = DendritesState(n=100, a=20, s=10, theta=5)
    state.theta = 11
    with pytest.raises(ValueError, match=r"theta must be in \[1, s=10\]"):
        state.theta_curves()
    state.param.update(theta=5, a=200)
    with pytest.raises(ValueError, match="a must be in"):
        state.validate()
    with pytest.raises(ValueError):
        state.n = 0  # param bounds


def test_union_and_n_curves():
    state = DendritesState(n=2000, a=40, s=20, theta=10, M=5, v=5)
    union = state.union_curves()
    M, p = union["exact union-size mixture"]
    assert M[0] == 1 and np.all(np.diff(p) >= 0)  # more patterns, more false matches
    versus_n = state.n_curves()
    n, p = versus_n["a = 40"]
    assert n[0] >= 40 and np.all(np.diff(p) <= 0)


def test_monte_carlo_points_agree_with_theory():
    state = DendritesState(n=400, a=40, s=12, theta=4, M=3, v=10, n_samples=20_000, seed=1)
    seen = []
    estimates = state.simulate(progress=lambda f, m="": seen.append(f))
    assert seen[-1] == 1.0
    state.set_monte_carlo(estimates)
    points = state.theta_points()
    theta, est, low, high = points["false match (Monte-Carlo)"]
    _, exact = state.theta_curves()["false match"]
    hits = (low <= exact) & (exact <= high)
    assert hits.mean() >= 0.8  # 95 % intervals: almost all cover the exact value
    state.a = 41  # a new parameter set drops stale estimates
    assert state.monte_carlo is None and state.theta_points() == {}


def test_page_shows_message_for_inconsistent_parameters():
    page = DendritesPage()
    assert page.theory.wait(60)
    assert len(page._plots.objects) == 3 and not page._error.visible
    page.state.theta = page.state.s + 1
    assert page._error.visible and "theta must be in" in page._error.object


def test_union_size_is_bounded_by_the_declaration():
    state = DendritesState()
    with pytest.raises(ValueError, match="M"):
        state.M = 600  # the exact union recursion is never asked for M >= 600


def test_costly_theory_runs_out_of_process_and_stops_at_its_limit(monkeypatch):
    import apps.dendrites as page_module

    monkeypatch.setattr(page_module, "THEORY_SECONDS", 1.0)
    page = DendritesPage()
    assert page.theory.wait(60)
    page.state.param.update(n=10_000_000, a=5_000_000, s=128, theta=64, M=16, v=0)  # within the bounds
    assert page.theory.wait(60)
    assert page.theory.status == "failed" and "limit" in page.theory.error
    assert page._error.visible and "choose smaller" in page._error.object
    page.state.param.update(s=24, theta=12, a=300, n=10_000)  # back to cheap values: the page recovers
    assert page.theory.wait(60) and page.theory.status == "complete"
    assert not page._error.visible
