"""End-to-end tests of the dendrites experiments with an in-memory store (tiny sizes)."""

import itertools

import numpy as np
import pytest
from click.testing import CliRunner

from dendrites import experiments as ex
from workbench.store import Store

_count = itertools.count()
PNG = b"\x89PNG"


def store():
    return Store(f"memory://dendrites-test-{next(_count)}")


def run(cls, **params):
    st = store()
    run_id = cls(**params).run(st)
    rec = st.open(run_id)
    assert rec.status == "complete"
    for name in rec.figures:
        assert rec.figure(name)[:4] == PNG
    return rec


def test_kinds_are_registered_in_the_module():
    kinds = {cls.kind for cls in ex.EXPERIMENTS}
    assert kinds == {"dendrites.false_match_vs_n", "dendrites.false_match_vs_s", "dendrites.noise",
                     "dendrites.union", "dendrites.optimal_threshold", "dendrites.detector_capacity"}


def test_false_match_vs_n():
    rec = run(ex.FalseMatchVsN, actives=[64, 128], n_min=300, n_max=1100, n_step=200, n_samples=20_000, seed=1)
    assert rec.metrics["p_fp_n10000_a300"] == pytest.approx(8.37584522709849e-13, rel=1e-12)
    assert rec.metrics["p_fp_a64_n10000"] == pytest.approx(4.042e-21, rel=1e-3)
    assert rec["p_false_match"].shape == (2, 5)
    assert rec["p_false_match"][1, 1] == pytest.approx(7.36788e-3, rel=1e-5)
    assert rec["p_false_match_dense"][0] == pytest.approx(5.186e-3, rel=1e-3)
    assert 1 <= rec.metrics["simulated_points"] == len(rec["sim_estimate"])
    assert rec.metrics["simulated_within_ci"] >= rec.metrics["simulated_points"] - 1
    assert "false_match_vs_n" in rec.figures


def test_false_match_vs_s():
    rec = run(ex.FalseMatchVsS, s_values=[2, 4, 10, 24], actives=[32, 4000], ns=[2000, 16_000], n_samples=20_000)
    np.testing.assert_allclose(rec["p_false_match"][0], [3.1752e-2, 1.4591e-3, 1.8071e-7, 6.5970e-17], rtol=2e-4)
    assert rec.metrics["p_fp_a4000_n16000_s24"] == pytest.approx(7.1595e-3, rel=1e-4)
    assert rec.metrics["simulated_points"] >= 4


def test_noise():
    rec = run(ex.NoiseTolerance, noise_fractions=[0.25, 0.5], n_samples=20_000)
    np.testing.assert_array_equal(rec["v"], [32, 64])
    assert rec.metrics["p_fn_theta12_v64"] == pytest.approx(0.0716985160403564, rel=1e-12)
    np.testing.assert_allclose(rec["p_false_negative"][:, 1], [7.354e-4, 7.170e-2, 0.5825], rtol=1e-3)
    assert rec.metrics["simulated_within_ci"] >= rec.metrics["simulated_points"] - 1


def test_union():
    rec = run(ex.UnionCapacity, ns=[1000, 10_000], max_patterns=10, synapse_counts=[25], n_samples=5_000)
    assert rec.metrics["p_union_n10000_M10"] == pytest.approx(1.27080441383853e-4, rel=1e-12)
    assert rec.metrics["p_union_n1000_M1"] == pytest.approx(1.0014e-5, rel=1e-4)
    np.testing.assert_array_equal(rec["union_synapses"][1, [0, 1, 2, 4, 9]], [25, 50, 75, 124, 247])
    assert rec["p_false_match_exact"].shape == (2, 10)
    assert rec.metrics["simulated_points"] >= 3


def test_optimal_threshold():
    rec = run(ex.OptimalThreshold, n_samples=20_000)
    assert rec.metrics["optimal_theta"] == 10
    med = rec.metrics["median_by_theta"]
    assert float(med["10"] if "10" in med else med[10]) == pytest.approx(7.400e-11, rel=1e-3)
    assert rec["median"][0] == pytest.approx(1.816e-2, rel=1e-3)
    assert rec.metrics["simulated_points"] >= 2


def test_detector_capacity():
    rec = run(ex.DetectorCapacity, n=512, a=24, thetas=[6], s_values=[10, 14], n_segments=2,
              max_per_segment=6, n_detectors=6, n_test=300, target=0.02)
    assert rec["fp_simulated"].shape == rec["fp_theory"].shape == (2, 6)
    # FP grows with stored patterns (theory) and the simulation follows it loosely
    assert np.all(np.diff(rec["fp_theory"], axis=1) > 0)
    assert np.corrcoef(rec["fp_theory"].ravel(), rec["fp_simulated"].ravel())[0, 1] > 0.8
    # more synapses per pattern: fewer patterns before the target error rate
    assert rec["capacity_theory"][0] >= rec["capacity_theory"][1]
    assert np.all(rec["fn_simulated"] <= 1.0)


@pytest.mark.parametrize("cls, params, word", [
    (ex.FalseMatchVsN, {"theta": 30}, "theta"),
    (ex.FalseMatchVsN, {"n_max": 100}, "n_max"),
    (ex.FalseMatchVsS, {"actives": [32], "ns": [2000, 4000]}, "actives"),
    (ex.NoiseTolerance, {"thetas": [31]}, "thetas"),
    (ex.UnionCapacity, {"theta": 26}, "theta"),
    (ex.DetectorCapacity, {"s_values": [100]}, "s_values"),
])
def test_invalid_parameters_write_nothing(cls, params, word):
    st = store()
    with pytest.raises(ValueError, match=word):
        cls(**params).run(st)
    assert st.runs() == []


def test_from_config_rejects_out_of_bounds():
    with pytest.raises(ValueError, match="n_samples"):
        ex.FalseMatchVsN.from_config({"n_samples": "10"})


def test_cli_runs_an_experiment(tmp_path):
    from workbench.cli import main

    path = str(tmp_path / "wb.zarr")
    result = CliRunner().invoke(main, ["run", "dendrites.noise", "--set", "noise_fractions=[0.5]",
                                       "--set", "n_samples=2000", "--store", path])
    assert result.exit_code == 0, result.output
    assert "p_fn_theta12_v64" in result.output
    bad = CliRunner().invoke(main, ["run", "dendrites.noise", "--set", "thetas=[40]", "--store", path])
    assert bad.exit_code == 2
    assert len(Store(path).runs()) == 1
