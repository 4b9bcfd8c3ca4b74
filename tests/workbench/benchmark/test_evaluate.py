import importlib

import numpy as np
import pytest

from workbench.benchmark.datasets import parse_data_spec, reads_of_test_data, with_protocol
from workbench.benchmark.evaluate import data_floor, evaluate
from workbench.metrics import hellinger_distance


@pytest.fixture
def rotation_models(plugins):
    return importlib.import_module("bench_test_models")


@pytest.fixture
def rot(rotation_files):
    return parse_data_spec(f"rot={rotation_files[0]}:{rotation_files[1]}")


@pytest.mark.parametrize("warmup", [1, 5])
def test_generation_starts_at_the_last_warmup_point(rot, rotation_models, rotation_files, warmup):
    """generated[0] is the state at test[W-1]; an exact model reproduces test[W-1:]."""
    model = rotation_models.Rotation(warmup)
    model.fit(rot.train(), seed=0)
    result = evaluate(model, rot)
    test = np.load(rotation_files[1])
    seen = [s for s in rotation_models.SEEN if "warmup" in s][-1]["warmup"]
    np.testing.assert_array_equal(seen, test[:warmup])
    gen = result.generated
    assert gen.shape == test.shape
    np.testing.assert_allclose(gen[0], test[warmup - 1], atol=1e-12)
    np.testing.assert_allclose(gen[:test.shape[0] - warmup + 1], test[warmup - 1:], atol=1e-8)
    assert result.metrics["pe"] < 1e-15
    assert np.all(result.pe_curve < 1e-15)
    assert result.metrics["warmup"] == warmup


def test_a_wrong_model_scores_worse_than_the_exact_one(rot, rotation_models):
    exact = rotation_models.Rotation(1)
    exact.fit(rot.train(), seed=0)
    good = evaluate(exact, rot).metrics
    slow = rotation_models.Rotation(1)
    slow.fit(rot.train(), seed=0)
    angle = 0.25
    slow.a = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    bad = evaluate(slow, rot).metrics
    assert bad["pe"] > 1e-3 > good["pe"]
    assert bad["d_h"] > good["d_h"]


def test_transient_is_generated_then_dropped(rot, rotation_models):
    ds = with_protocol(rot, transient=7)
    model = rotation_models.Rotation(1)
    model.fit(ds.train(), seed=0)
    full = model.generate(np.zeros((1, 2)) + [[1.0, 0.0]], ds.n_generate)
    result = evaluate(model, ds)
    assert ds.n_generate == ds.n_test + 7
    assert result.generated.shape == (ds.n_test, 2)
    assert full.shape[0] == ds.n_test + 7


def test_regions_counted_for_piecewise_linear_models(rot, rotation_models):
    model = rotation_models.Rotation(1)
    model.fit(rot.train(), seed=0)
    metrics = evaluate(model, rot).metrics
    assert metrics["regions_99"] == 2 and metrics["regions_total"] == 2


def test_protocol_violations_are_reported(rot, rotation_models):
    model = rotation_models.Rotation(1)
    model.fit(rot.train(), seed=0)
    model.warmup = rot.n_test
    with pytest.raises(ValueError, match="model.warmup"):
        evaluate(model, rot)
    model.warmup = 1
    model.generate = lambda warmup, n: np.zeros((n - 1, 2))
    with pytest.raises(ValueError, match="model.generate must return shape"):
        evaluate(model, rot)


def test_data_floor_is_train_against_test_and_cached(rot, rotation_files, memory_store):
    floor = data_floor(rot, store=memory_store)
    train, test = np.load(rotation_files[0]), np.load(rotation_files[1])
    expected = hellinger_distance(test, train[:300], smoothing=rot.smoothing)
    assert floor["floor_d_h"] == pytest.approx(expected)
    assert set(memory_store.datasets()) == {"benchmark_floor_rot"}
    again = data_floor(rot, store=memory_store)
    assert again == pytest.approx(floor, nan_ok=True)


def test_each_evaluation_reads_the_test_array(rot, rotation_models):
    model = rotation_models.Rotation(1)
    model.fit(rot.train(), seed=0)
    before = len(reads_of_test_data())
    evaluate(model, rot)
    assert reads_of_test_data()[before:] == ["rot"]
