"""Score your own model with the workbench benchmark, exactly like the built-in ones.

The model below is a quadratic autoregression, ``x_{t+1} = W φ(x_t)`` with
``φ(x) = (1, x_i, x_i x_j (i <= j))`` fitted by ridge regression — a discrete-time relative of
SINDy without sparsity. Anything with ``fit``, ``generate``, ``predict``, ``warmup`` and
``n_parameters`` (:class:`workbench.benchmark.protocol.BenchmarkModel`) works the same way.

Register the factory in your package's ``pyproject.toml``::

    [project.entry-points."workbench.benchmark_models"]
    quadratic = "my_package.my_module:make"

and run ``workbench benchmark --models quadratic,esn --datasets lorenz63 --seeds 5``.

Run this file to see it scored without installing anything: it writes the same entry point
into a throw-away ``.dist-info`` folder on ``sys.path`` and benchmarks the model on a user
dataset (a short Lorenz-63 series split 80/20) in an in-memory store::

    python examples/benchmark_own_model.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from workbench.benchmark.protocol import DatasetInfo, TrainingDiverged


def features(x: np.ndarray) -> np.ndarray:
    """φ(x) for a batch (B, d): constant, linear and quadratic monomials."""
    i, j = np.triu_indices(x.shape[1])
    return np.hstack([np.ones((x.shape[0], 1)), x, x[:, i] * x[:, j]])


class QuadraticAutoregression:
    """``x_{t+1} = W φ(x_t)``, ridge penalty ``alpha``."""

    warmup = 1

    def __init__(self, alpha: float = 1e-6):
        self.alpha = alpha
        self.coef = None
        self.n_parameters = 0

    def fit(self, train, seed, progress=None):
        start = time.perf_counter()
        x = np.asarray(train, dtype=float)
        phi = features(x[:-1])
        gram = phi.T @ phi + self.alpha * np.eye(phi.shape[1])
        self.coef = np.linalg.solve(gram, phi.T @ x[1:])
        if not np.all(np.isfinite(self.coef)):
            raise TrainingDiverged("ridge solution is not finite")
        self.n_parameters = int(self.coef.size)
        return {"rows": int(x.shape[0]), "seconds": time.perf_counter() - start}

    def _run(self, x0, n_steps):
        out = np.full((x0.shape[0], n_steps, x0.shape[1]), np.nan)
        x = np.array(x0, dtype=float)
        out[:, 0] = x
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(1, n_steps):
                x = features(x) @ self.coef
                ok = np.all(np.isfinite(x), axis=1) & (np.abs(x).max(axis=1) < 1e6)
                x[~ok] = np.nan
                out[:, t] = x
        return out

    def generate(self, warmup, n_steps):
        return self._run(np.asarray(warmup, dtype=float)[-1:], int(n_steps))[0]

    def predict(self, windows, n):
        return self._run(np.asarray(windows, dtype=float)[:, -1], int(n) + 1)[:, 1:]


def make(dataset: DatasetInfo, quick: bool) -> QuadraticAutoregression:
    """The factory an entry point names."""
    return QuadraticAutoregression()


def register_entry_point(folder: str | Path, name: str = "quadratic") -> None:
    """Install ``name = "benchmark_own_model:make"`` as a real entry point under ``folder``
    and put ``folder`` and this file's folder on ``sys.path``."""
    folder = Path(folder)
    info = folder / "benchmark_own_model_example-0.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: benchmark-own-model-example\nVersion: 0.0\n")
    (info / "entry_points.txt").write_text(
        f"[workbench.benchmark_models]\n{name} = benchmark_own_model:make\n")
    for path in (str(folder), str(Path(__file__).resolve().parent)):
        if path not in sys.path:
            sys.path.insert(0, path)
    from workbench.benchmark.models import reload

    reload()


def main() -> None:
    from workbench.benchmark import benchmark
    from workbench.store import Store
    from workbench.systems import lorenz63

    with tempfile.TemporaryDirectory() as tmp:
        register_entry_point(tmp)
        np.save(Path(tmp) / "lorenz.npy", lorenz63(20_000, seed=3, noise=0.02))
        result = benchmark(models=["quadratic"], seeds=2, data=[f"lorenz={tmp}/lorenz.npy"],
                           store=Store("memory://own-model"))
    cols = ["model", "dataset", "seeds", "d_stsp_mean", "d_stsp_sem", "d_h_mean", "pe_mean",
            "floor_d_stsp", "floor_d_h", "n_parameters"]
    print(result.leaderboard[cols].to_string(index=False))


if __name__ == "__main__":
    main()
