"""Tests of alrnn.data: file loading, z-scoring, splitting, true equilibria."""

import numpy as np
import pytest

from alrnn.data import load_series, lorenz63_fixed_points, rossler_fixed_points, split_series, zscore
from workbench.systems import lorenz63_rhs, rossler_rhs


def test_load_npy_and_csv(tmp_path):
    x = np.arange(12.0).reshape(6, 2)
    np.save(tmp_path / "a.npy", x)
    np.savetxt(tmp_path / "b.csv", x, delimiter=",")
    np.savetxt(tmp_path / "c.csv", x, delimiter=",", header="u,v", comments="")
    np.save(tmp_path / "d.npy", x[:, 0])
    for name in ("a.npy", "b.csv", "c.csv"):
        np.testing.assert_array_equal(load_series(tmp_path / name), x)
    assert load_series(tmp_path / "d.npy").shape == (6, 1)
    with pytest.raises(ValueError, match=".npy or .csv"):
        load_series(tmp_path / "a.txt")
    with pytest.raises(ValueError, match="does not exist"):
        load_series(tmp_path / "missing.npy")


def test_zscore_and_split():
    x = np.random.default_rng(0).normal(3.0, 2.0, (100, 2))
    z, mean, std = zscore(x)
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(0), 1)
    np.testing.assert_allclose(zscore(x[:10], mean, std)[0], z[:10])
    a, b = split_series(x, 0.8)
    assert a.shape == (80, 2) and b.shape == (20, 2)
    with pytest.raises(ValueError, match="train_fraction"):
        split_series(x, 1.0)
    with pytest.raises(ValueError, match="std > 0"):
        zscore(np.ones((5, 2)))


def test_true_equilibria_are_zeros_of_the_vector_fields():
    for fp in lorenz63_fixed_points():
        np.testing.assert_allclose(lorenz63_rhs(0.0, fp), 0, atol=1e-12)
    inner, outer = rossler_fixed_points()
    for fp in (inner, outer):
        np.testing.assert_allclose(rossler_rhs(0.0, fp), 0, atol=1e-12)
    assert abs(inner[0]) < abs(outer[0])


def test_lazy_package_names_are_the_public_objects():
    """``from alrnn import FAST_CONFIGS, train`` gives the function, not the ``alrnn.train`` module."""
    import subprocess
    import sys

    code = "from alrnn import FAST_CONFIGS, train; import types; assert not isinstance(train, types.ModuleType)"
    subprocess.run([sys.executable, "-c", code], check=True)
