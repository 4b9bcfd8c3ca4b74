"""Tests of reservoirs.spiking.codegen: target choice and restoring brian2's globals."""

import brian2
import numpy as np
import pytest

from reservoirs.spiking import codegen


def test_resolve_known_targets():
    assert codegen.resolve_target("numpy") == "numpy"
    assert codegen.resolve_target("cpp_standalone") == "cpp_standalone"
    with pytest.raises(ValueError, match="codegen must be one of"):
        codegen.resolve_target("gpu")


def test_auto_prefers_cython_and_falls_back_with_a_warning(monkeypatch):
    monkeypatch.setattr(codegen, "cython_available", lambda: True)
    assert codegen.resolve_target("auto") == "cython"
    monkeypatch.setattr(codegen, "cython_available", lambda: False)
    with pytest.warns(RuntimeWarning, match="falling back"):
        assert codegen.resolve_target("auto") == "numpy"
    with pytest.raises(ValueError, match="needs Cython"):
        codegen.resolve_target("cython")


def test_runtime_target_restores_prefs_and_random_state():
    before = brian2.prefs.codegen.target
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    with codegen.runtime_target("numpy"):
        assert brian2.prefs.codegen.target == "numpy"
        brian2.seed(7)
        np.random.rand(10)
    assert brian2.prefs.codegen.target == before
    assert np.random.rand() == expected


def test_standalone_device_returns_to_runtime(tmp_path):
    assert brian2.get_device().__class__.__name__ == "RuntimeDevice"
    with codegen.standalone_device(str(tmp_path)) as device:
        assert device.__class__.__name__ == "CPPStandaloneDevice"
    assert brian2.get_device().__class__.__name__ == "RuntimeDevice"
