"""Tests of the reproduction report machinery."""

import json

import pytest

import workbench.reproduce as rep
from workbench.reproduce import Claim, reproduce, write_report


def _std_claim(threshold):
    def evaluate(run):
        std = run.metrics["std_x"]
        return f"{std:.3f}", abs(std - 1.0) < threshold

    return Claim(id="test.zscore", paper="(test)", statement="z-scored Lorenz x has unit std",
                 paper_value="1", experiment="systems.lorenz63", evaluate=evaluate,
                 params={"n_steps": 3000}, quick_params={"n_steps": 1500}, figure="attractor")


def _shared_run_claim():
    return Claim(id="test.shared", paper="(test)", statement="same run, second claim", paper_value="—",
                 experiment="systems.lorenz63", evaluate=lambda run: (str(run["trajectory"].shape[0]), None),
                 params={"n_steps": 3000}, quick_params={"n_steps": 1500})


def test_reproduce_runs_each_point_once_and_writes_report(memory_store, tmp_path, monkeypatch):
    monkeypatch.setattr(rep, "claims", lambda: [_std_claim(1e-6), _shared_run_claim()])
    results = reproduce(memory_store, quick=True, workers=1)
    assert [r.verdict for r in results] == ["reproduced", "measured"]
    assert results[0].run_id == results[1].run_id  # one run serves both claims
    assert results[1].our_value == "1500"
    assert len(memory_store.runs(kind="systems.lorenz63")) == 1
    md, page = write_report(results, memory_store, tmp_path / "rep", command="workbench reproduce --quick")
    text = md.read_text()
    assert "| test.zscore |" in text and "**reproduced**" in text and "workbench reproduce --quick" in text
    assert (tmp_path / "rep" / "figures" / "test.zscore.png").read_bytes()[:4] == b"\x89PNG"
    assert "data:image/png;base64," in page.read_text()
    assert json.loads((tmp_path / "rep" / "results.json").read_text())[0]["verdict"] == "reproduced"
    # resume: nothing runs again
    again = reproduce(memory_store, quick=True, workers=1)
    assert again[0].run_id == results[0].run_id
    assert again[0].reused and not results[0].reused
    md2, _ = write_report(again, memory_store, tmp_path / "rep2", command="workbench reproduce --quick")
    assert "1 of 1 runs were already complete in the store" in md2.read_text()


def test_failed_evaluation_is_reported_not_raised(memory_store, monkeypatch):
    def broken(run):
        raise KeyError("missing_metric")

    claim = Claim(id="test.broken", paper="(test)", statement="x", paper_value="y",
                  experiment="systems.lorenz63", evaluate=broken, params={"n_steps": 1000})
    monkeypatch.setattr(rep, "claims", lambda: [claim])
    (res,) = reproduce(memory_store, workers=1)
    assert res.verdict == "failed" and "missing_metric" in res.error


def test_unknown_prefix_rejected(memory_store, monkeypatch):
    monkeypatch.setattr(rep, "claims", lambda: [_std_claim(1.0)])
    with pytest.raises(ValueError, match="no claims match"):
        reproduce(memory_store, only=["nothing"])


def test_claims_below_their_budget_are_shown_but_not_judged(memory_store, tmp_path, monkeypatch):
    import dataclasses

    full_only = dataclasses.replace(_std_claim(1e-6), min_budget="full")
    monkeypatch.setattr(rep, "claims", lambda: [full_only])
    (quick,) = reproduce(memory_store, quick=True, workers=1)
    assert quick.verdict == "not judged at this budget" and quick.run_id
    assert quick.our_value.startswith("1.0")      # the run is still made and shown
    md, _ = write_report([quick], memory_store, tmp_path / "q", command="workbench reproduce --quick")
    assert "1 not judged at this budget" in md.read_text()
    (full,) = reproduce(memory_store, quick=False, workers=1)
    assert full.verdict == "reproduced"
    with pytest.raises(ValueError, match="min_budget"):
        dataclasses.replace(full_only, min_budget="tiny")


@pytest.mark.parametrize("claim", rep.claims(), ids=lambda c: c.id)
def test_claim_parameters_validate_against_their_experiment(claim):
    """Every registered claim's (full and quick) parameters are accepted by its experiment unchanged."""
    from workbench.registry import get_experiment

    cls = get_experiment(claim.experiment)
    for params in (claim.params, claim.quick_params):
        if params is not None:
            exp = cls.from_config(dict(params))
            for name, value in params.items():
                assert exp.to_params()[name] == (list(value) if isinstance(value, tuple) else value)
