"""Tests of alrnn.seed_experiments: subregions over seeds on a data file (and the claims)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from alrnn.claims import CLAIMS
from alrnn.seed_experiments import RegionsOverSeeds


def _file(tmp_path, n=400, name="series.npy"):
    t = np.arange(n) * 0.2
    x = np.stack([np.sin(t), np.cos(t), np.sin(2 * t)], axis=1)
    x += 0.01 * np.random.default_rng(0).standard_normal(x.shape)
    path = tmp_path / name
    np.save(path, x)
    return path


@pytest.mark.slow
def test_regions_over_seeds_reports_every_seed(tmp_store, tmp_path):
    exp = RegionsOverSeeds(data=str(_file(tmp_path)), preset="fmri", M=6, P=1, epochs=2, n_seeds=3,
                           symbolic_steps=300, eval_steps=0, seed=4)
    run = tmp_store.open(exp.run(tmp_store))
    m = run.metrics
    assert run.status == "complete" and m["seeds"] == [4, 5, 6] and m["diverged_seeds"] == []
    assert len(m["n_regions_99"]) == 3 and all(1 <= c <= 2 for c in m["n_regions_99"])
    assert m["n_regions_99_mean"] == pytest.approx(np.mean(m["n_regions_99"]))
    assert m["n_regions_99_sem"] == pytest.approx(np.std(m["n_regions_99"], ddof=1) / np.sqrt(3))
    assert run["d_stsp"].shape == (3,) and (m["M"], m["P"]) == (6, 1)
    # the claim's evaluation reads these metrics
    claim = next(c for c in CLAIMS if c.id == "alrnn.fmri_regions")
    text, verdict = claim.evaluate(run)
    assert "over 3 seeds" in text and verdict is (m["n_regions_99_median"] == 4)


@pytest.mark.slow
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path):
    store = tmp_path / "s.zarr"
    for sets, word in ((["data="], "data"), (["data=" + str(_file(tmp_path, 60, "short.npy"))], "rows"),
                       (["data=" + str(_file(tmp_path)), "M=3", "P=1"], "M - P")):
        cmd = [str(Path(sys.executable).parent / "workbench"), "run", "alrnn.regions_over_seeds", "--store", str(store)]
        for s in sets:
            cmd += ["--set", s]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        assert out.returncode == 2, out.stderr
        assert out.stderr.strip().startswith("error:") and word in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not (store / "runs").exists() or not any((store / "runs").iterdir())


def test_claims_of_the_paper_data_are_declared():
    ids = {c.id: c for c in CLAIMS}
    for cid, preset in (("alrnn.ecg_regions", "ecg"), ("alrnn.fmri_regions", "fmri")):
        c = ids[cid]
        assert c.experiment == "alrnn.regions_over_seeds" and c.params["preset"] == preset
        assert c.params["n_seeds"] >= 10 and c.quick_params["n_seeds"] >= 2
        RegionsOverSeeds(**c.quick_params)                    # the parameters are valid
