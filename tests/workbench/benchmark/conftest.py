"""Fixtures of the benchmark tests: tiny datasets and models registered as real entry points."""

import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

#: Test models, importable as ``bench_test_models`` from the plugin folder.
MODELS_SOURCE = textwrap.dedent('''
    import numpy as np
    from workbench.benchmark.datasets import reads_of_test_data
    from workbench.benchmark.protocol import TrainingDiverged

    SEEN = []


    class Rotation:
        """Exact linear map fitted by least squares: x_{t+1} = x_t A; window length W."""

        def __init__(self, warmup):
            self.warmup = warmup
            self.n_parameters = 0

        def fit(self, train, seed, progress=None):
            SEEN.append({"train": np.array(train), "reads_at_fit": len(reads_of_test_data())})
            self.a = np.linalg.lstsq(train[:-1], train[1:], rcond=None)[0]
            self.n_parameters = self.a.size
            return {"rows": len(train)}

        def _run(self, x0, n):
            out = [x0]
            for _ in range(n - 1):
                out.append(out[-1] @ self.a)
            return np.stack(out, axis=1)

        def generate(self, warmup, n_steps):
            SEEN.append({"warmup": np.array(warmup), "reads_at_generate": len(reads_of_test_data())})
            return self._run(warmup[-1:], n_steps)[0]

        def predict(self, windows, n):
            return self._run(windows[:, -1], n + 1)[:, 1:]

        def subregions(self, trajectory):
            return (trajectory[:, 0] > 0).astype(int)


    class Diverging(Rotation):
        def fit(self, train, seed, progress=None):
            raise TrainingDiverged("loss became NaN at epoch 3")


    def make_rotation(dataset, quick):
        return Rotation(1)


    def make_rotation_w5(dataset, quick):
        return Rotation(5)


    def make_diverging(dataset, quick):
        return Diverging(1)
''')

ENTRY_POINTS = """[workbench.benchmark_models]
quadratic = benchmark_own_model:make
rotation = bench_test_models:make_rotation
rotation_w5 = bench_test_models:make_rotation_w5
diverging = bench_test_models:make_diverging
"""


def write_plugins(folder: Path) -> Path:
    """A folder holding a real ``.dist-info`` with the test entry points and their module."""
    folder.mkdir(parents=True, exist_ok=True)
    info = folder / "bench_test_models-0.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: bench-test-models\nVersion: 0.0\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    (folder / "bench_test_models.py").write_text(MODELS_SOURCE)
    return folder


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    """Register the test models and the example model through real entry points."""
    from workbench.benchmark.models import reload

    folder = write_plugins(tmp_path / "plugins")
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.syspath_prepend(str(folder))
    reload()
    yield folder
    sys.modules.pop("bench_test_models", None)
    reload()


def rotation_series(n: int, dim: int = 2, phase: float = 0.0) -> np.ndarray:
    """x_t on a rotation: exactly predictable by a linear map (angle 0.3 per step)."""
    t = np.arange(n) * 0.3 + phase
    cols = [np.cos(t), np.sin(t)] + [np.cos(t * (k + 2) / 2) for k in range(dim - 2)]
    return np.stack(cols[:dim], axis=1)


@pytest.fixture
def rotation_files(tmp_path):
    """``(train.npy, test.npy)``: 600 and 300 rows on the same rotation, different phases."""
    train, test = tmp_path / "rot_train.npy", tmp_path / "rot_test.npy"
    np.save(train, rotation_series(600))
    np.save(test, rotation_series(300, phase=1.0))
    return train, test


@pytest.fixture
def lorenz_file(tmp_path):
    """A short noisy Lorenz-63 series (1500 × 3), to be split 80/20."""
    from workbench.systems import lorenz63

    path = tmp_path / "lorenz_small.npy"
    np.save(path, lorenz63(1500, seed=5, noise=0.02))
    return path
