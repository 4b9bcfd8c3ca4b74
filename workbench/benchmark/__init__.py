"""One benchmark for every dynamical-systems reconstruction model.

Every model (built-in or a user's own, registered through the ``workbench.benchmark_models``
entry-point group, :mod:`~workbench.benchmark.protocol`) is fitted on the same training data
and scored with the same protocol (:mod:`~workbench.benchmark.evaluate`) on the same test data
(:mod:`~workbench.benchmark.datasets`), one stored run per (model, dataset, seed)
(:mod:`~workbench.benchmark.runner`), aggregated over seeds with error bars
(:mod:`~workbench.benchmark.aggregate`) into a leaderboard (:mod:`~workbench.benchmark.report`).
Submodules are imported on use, so ``import workbench.benchmark`` stays light.
"""

from .protocol import BenchmarkModel, DatasetInfo, TrainingDiverged

__all__ = ["BenchmarkModel", "DatasetInfo", "TrainingDiverged", "benchmark"]


def __getattr__(name):
    if name == "benchmark":
        from .runner import benchmark

        return benchmark
    raise AttributeError(f"module 'workbench.benchmark' has no attribute {name!r}")
