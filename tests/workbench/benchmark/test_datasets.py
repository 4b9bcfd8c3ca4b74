import numpy as np
import pytest

from workbench.benchmark import datasets
from workbench.benchmark.datasets import BUILTIN, get_dataset, parse_data_spec, read_test, reads_of_test_data


def test_user_spec_without_test_splits_last_20_percent(lorenz_file):
    ds = parse_data_spec(f"small={lorenz_file}")
    data = np.load(lorenz_file)
    assert (ds.n_train, ds.n_test, ds.dim) == (1200, 300, 3)
    np.testing.assert_array_equal(ds.train(), data[:1200])
    assert ds.stsp == "bins" and ds.n_bins == 30
    assert ds.pe_horizon == 15 and ds.transient == 0
    assert ds.info.name == "small" and ds.info.n_test == 300


def test_user_spec_above_three_dimensions_uses_gmm(tmp_path):
    path = tmp_path / "four.npy"
    np.save(path, np.random.default_rng(0).normal(size=(500, 4)))
    ds = parse_data_spec(f"four={path}")
    assert ds.stsp == "gmm" and ds.protocol()["d_stsp"].startswith("GMM")


def test_user_spec_with_test_file(rotation_files):
    train, test = rotation_files
    ds = parse_data_spec(f"rot={train}:{test}")
    assert (ds.n_train, ds.n_test, ds.dim) == (600, 300, 2)


@pytest.mark.parametrize("spec, words", [
    ("no_equals.npy", "NAME=TRAIN.npy"),
    ("1bad={train}", "must start with a letter"),
    ("lorenz63={train}", "built-in"),
    ("x=/nonexistent/file.npy", "does not exist"),
    ("x=", "TRAIN.npy is missing"),
    ("x={train}:{wrong}", "columns"),
])
def test_bad_specs_name_the_problem(spec, words, rotation_files, tmp_path):
    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.zeros((100, 3)))
    with pytest.raises(ValueError, match=words):
        parse_data_spec(spec.format(train=rotation_files[0], wrong=wrong))


def test_non_npy_file_is_rejected(tmp_path):
    bad = tmp_path / "bad.npy"
    bad.write_text("not numpy")
    with pytest.raises(ValueError, match="not a readable .npy"):
        parse_data_spec(f"x={bad}")


def test_unknown_dataset_lists_the_builtins():
    with pytest.raises(ValueError, match="lorenz63, rossler, ecg, fmri"):
        get_dataset("lorenz96")


def test_test_data_are_refused_outside_the_evaluation(rotation_files):
    ds = parse_data_spec(f"rot={rotation_files[0]}:{rotation_files[1]}")
    before = len(reads_of_test_data())
    with pytest.raises(PermissionError, match="only by the final evaluation"):
        read_test(ds)
    assert len(reads_of_test_data()) == before


def test_only_the_evaluation_calls_read_test():
    """Structural: in the benchmark package, read_test is called from evaluate.py alone."""
    import ast
    from pathlib import Path

    callers = set()
    for path in Path(datasets.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "read_test":
                callers.add(path.name)
    assert callers == {"evaluate.py"}


def test_missing_data_dir_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="WORKBENCH_DATA_DIR"):
        get_dataset("lorenz63")


def test_builtin_file_datasets_declare_their_protocol(alrnn_reference_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(alrnn_reference_dir.parent))
    ds = get_dataset("fmri")
    assert (ds.n_train, ds.n_test, ds.dim) == (288, 72, 20)
    assert ds.stsp == "gmm"
    lor = get_dataset("lorenz63")
    assert (lor.n_train, lor.n_test, lor.dim, lor.dt) == (100_000, 100_000, 3, 0.01)
    assert set(BUILTIN) == {"lorenz63", "rossler", "ecg", "fmri"}
