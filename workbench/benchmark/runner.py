"""Run the benchmark: one stored run per (model, dataset, seed), on Dask, resumable.

Each run is an experiment of kind ``benchmark.<model>`` with parameters ``model``,
``dataset`` (a built-in name or a user ``NAME=TRAIN.npy[:TEST.npy]`` spec), ``seed`` and
``quick``. It builds the model through its registered factory, fits it on the training data
only, scores it with :func:`workbench.benchmark.evaluate.evaluate` and writes the scores as
metrics, the training information and the protocol as attributes, and the scored free run
and the PE curve as arrays. A model that raises
:class:`~workbench.benchmark.protocol.TrainingDiverged` leaves a ``failed`` run, never a
score. The points go through :func:`workbench.sweep.run_points`, so runs already complete
in the store are skipped (a second call runs nothing new).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import param

from workbench.experiment import Experiment
from workbench.store import Store
from workbench.sweep import SweepPoint, run_points

from .aggregate import ROW_FIELDS, counted_runs
from .datasets import BUILTIN, Dataset, get_dataset, parse_data_spec
from .evaluate import evaluate
from .models import get_model
from .models import models as registered_models

__all__ = ["BenchmarkResult", "BenchmarkRun", "benchmark", "plan", "run_class", "stored_results"]

_MODEL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_CLASSES: dict[str, type] = {}


class BenchmarkRun(Experiment):
    """Fit one model on one dataset with one seed and score it with the benchmark protocol.

    Use :func:`run_class` for the class of a given model (kind ``benchmark.<model>``).
    """

    kind: ClassVar[str] = ""

    # A registered benchmark model's name (the reservoir forecast's ``model`` picks ei or esn).
    model = param.String(default="", doc="Registered benchmark model (workbench.benchmark_models).")
    dataset = param.String(default="lorenz63",
                           doc="Built-in dataset (lorenz63, rossler, ecg, fmri) or "
                               "NAME=TRAIN.npy[:TEST.npy].")
    quick = param.Boolean(default=False, doc="Reduced training budget declared by the model's factory.")

    def validate(self) -> None:
        if self.kind and self.kind != f"benchmark.{self.model}":
            raise ValueError(f"model must be {self.kind.split('.', 1)[1]!r} for kind {self.kind!r}, "
                             f"got {self.model!r}")
        get_model(self.model)
        self.load_dataset()

    def load_dataset(self) -> Dataset:
        """The dataset (``ValueError`` when unknown, malformed or its files are missing)."""
        try:
            return get_dataset(self.dataset)
        except FileNotFoundError as exc:
            raise ValueError(f"dataset {self.dataset!r}: {exc}") from None

    def execute(self, run, progress) -> None:
        ds = self.load_dataset()
        run.attrs["protocol"] = ds.protocol()
        model = get_model(self.model)(ds.info, bool(self.quick))
        progress(0.0, "training")
        train = ds.train()
        start = time.perf_counter()
        info = model.fit(train, self.seed,
                         progress=lambda f, message="", **kw: progress(0.8 * float(f), message, **kw))
        train_seconds = time.perf_counter() - start
        run.attrs["training"] = dict(info or {})
        progress(0.8, "evaluating")
        start = time.perf_counter()
        result = evaluate(model, ds, store=run.store)
        run.metrics.update(result.metrics)
        run.metrics["n_parameters"] = int(model.n_parameters)
        run.metrics["train_seconds"] = float(train_seconds)
        run.metrics["eval_seconds"] = float(time.perf_counter() - start)
        run.write("generated", result.generated.astype("float32"), dims=("time", "dim"))
        run.write("pe_curve", result.pe_curve, dims=("horizon",))


def run_class(model: str) -> type[BenchmarkRun]:
    """The experiment class of ``model``: kind ``benchmark.<model>``.

    The class is importable as ``workbench.benchmark.runner.BenchmarkRun_<model>``, so Dask
    sends it to workers by reference.
    """
    if not isinstance(model, str) or not _MODEL_NAME.match(model):
        raise ValueError(f"model name {model!r} must start with a letter and hold only letters, digits and _")
    if model not in _CLASSES:
        name = f"BenchmarkRun_{model}"
        _CLASSES[model] = type(name, (BenchmarkRun,), {
            "kind": f"benchmark.{model}", "__module__": __name__, "__qualname__": name,
            "__doc__": f"Benchmark run of the model {model!r}."})
    return _CLASSES[model]


def __getattr__(name: str):
    if name.startswith("BenchmarkRun_"):
        return run_class(name[len("BenchmarkRun_"):])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _dataset_list(datasets: Iterable[str] | None, data: Iterable[str]) -> list[Dataset]:
    user = [parse_data_spec(spec) for spec in data]
    names = [d.name for d in user]
    if len(set(names)) != len(names):
        raise ValueError(f"--data names must be distinct, got {names}")
    chosen = list(datasets) if datasets is not None else ([] if user else list(BUILTIN))
    out = []
    for name in chosen:
        if name in names:
            continue
        if name not in BUILTIN:
            raise ValueError(f"unknown dataset {name!r}; known: {', '.join(BUILTIN)}"
                             + (f", {', '.join(names)}" if names else "")
                             + " (or --data NAME=TRAIN.npy[:TEST.npy])")
        try:
            out.append(get_dataset(name))
        except FileNotFoundError as exc:
            raise ValueError(f"dataset {name!r}: {exc}") from None
    return out + user


def stored_results(points: Sequence[SweepPoint], store: Store) -> list[dict]:
    """What the store holds for each point, running nothing: one result dict per point.

    The run that counts (:func:`~workbench.benchmark.aggregate.counted_runs`: the newest
    complete one, else the newest failed one with its error); a point without either is
    ``missing`` (``run_id`` None). Damaged runs are ignored.
    """
    found = counted_runs(store.runs())
    out: list[dict] = []
    for point in points:
        p = point.params
        row = found.get((p["model"], p["dataset"], p["seed"], bool(p["quick"])))
        if row is None:
            out.append({"run_id": None, "status": "missing", "error": "no run in the store",
                        "metrics": {}, "skipped": True})
        else:
            out.append({"run_id": row["run_id"], "status": row["status"], "error": row["error"],
                        "metrics": {k: v for k, v in row.items() if k not in ROW_FIELDS}, "skipped": True})
    return out


def plan(models: Sequence[str] | None = None, datasets: Sequence[str] | None = None,
         seeds: int | Iterable[int] = 2, *, quick: bool = False,
         data: Iterable[str] = ()) -> tuple[list[SweepPoint], list[Dataset]]:
    """Validate the request and expand it into points (nothing runs, nothing is written).

    Raises
    ------
    ValueError
        Unknown model or dataset, bad ``--data`` spec, missing data files, bad seeds.
    """
    names = list(models) if models is not None else list(registered_models())
    if not names:
        raise ValueError("no benchmark models are registered (entry-point group workbench.benchmark_models)")
    for name in names:
        get_model(name)
        run_class(name)
    dsets = _dataset_list(datasets, data)
    if isinstance(seeds, int):
        if seeds < 1:
            raise ValueError(f"seeds must be >= 1, got {seeds}")
        seed_values = list(range(seeds))
    else:
        seed_values = sorted({int(s) for s in seeds})
        if not seed_values or min(seed_values) < 0:
            raise ValueError("seeds must be a non-empty set of integers >= 0")
    # Seed-major order: a benchmark stopped part-way leaves every (model, dataset) cell with
    # the same seeds done, so its partial leaderboard compares like with like.
    points = []
    for seed in seed_values:
        for name in names:
            cls = run_class(name)
            for ds in dsets:
                exp = cls(model=name, dataset=ds.spec, seed=seed, quick=bool(quick))
                points.append(SweepPoint(cls.kind, exp.to_params(),
                                         {"model": name, "dataset": ds.name, "seed": seed}))
    return points, dsets


@dataclass
class BenchmarkResult:
    """What :func:`benchmark` returns.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per (model, dataset, seed): run id, status, skipped, error, metrics.
    leaderboard : pandas.DataFrame
        One row per (model, dataset): :func:`workbench.benchmark.aggregate.aggregate`.
    datasets : list of Dataset
    report : dict
        Paths written by :func:`workbench.benchmark.report.write_report` (empty without ``out``).
    wall_seconds : float
    """

    runs: Any
    leaderboard: Any
    datasets: list
    report: dict
    wall_seconds: float


def benchmark(models: Sequence[str] | None = None, datasets: Sequence[str] | None = None,
              seeds: int | Iterable[int] = 2, *, quick: bool = False, data: Iterable[str] = (),
              store: Store | str | None = None, scheduler: str | None = None,
              workers: int | None = None, resume: bool = True, out: str | None = None,
              progress: Callable[[dict], None] | None = None, client=None,
              command: str | None = None, run: bool = True) -> BenchmarkResult:
    """Score ``models`` × ``datasets`` × ``seeds`` with the one protocol; optionally report.

    Parameters
    ----------
    models : sequence of str, optional
        Registered model names (default: all).
    datasets : sequence of str, optional
        Built-in names (default: all built-ins, or only the ``data`` ones when given).
    seeds : int or iterable of int, default 2
        Number of seeds (0 .. N-1) or explicit seeds.
    quick : bool
        Reduced training budgets (each model's factory declares them); the protocol is the same.
    data : iterable of str
        User datasets ``NAME=TRAIN.npy[:TEST.npy]``.
    store : Store or str, optional
        Default ``$WORKBENCH_STORE`` or ``./workbench.zarr``.
    scheduler, workers, client
        As :func:`workbench.sweep.sweep`.
    resume : bool, default True
        Skip (model, dataset, seed) runs already complete in the store.
    out : str, optional
        Folder of the leaderboard (Markdown, HTML, figures).
    progress : callable, optional
        ``progress({"done", "failed", "running", "skipped", "total"})``.
    command : str, optional
        The command line shown in the report.
    run : bool, default True
        False: run nothing, report the runs already in the store (a point with no run has
        status ``missing``, a point whose newest run failed ``failed``), e.g. for the
        leaderboard of a benchmark still running or stopped part-way.

    Raises
    ------
    ValueError
        Before anything runs, for any bad model, dataset, spec or seed.
    """
    import pandas as pd

    from .aggregate import aggregate

    points, dsets = plan(models, datasets, seeds, quick=quick, data=data)
    store = store if isinstance(store, Store) else Store(store)
    start = time.perf_counter()
    extra = {p.kind: run_class(p.params["model"]) for p in points}
    tags = {"benchmark": time.strftime("%Y%m%dT%H%M%S")}
    if run:
        results = run_points(points, store, scheduler=scheduler, workers=workers, resume=resume,
                             tags=tags, progress=progress, client=client, experiments=extra)
    else:
        results = stored_results(points, store)
    wall = time.perf_counter() - start
    rows = []
    for point, res in zip(points, results):
        row = dict(point.grid_values)
        row.update(run_id=res["run_id"], status=res["status"], skipped=res["skipped"], error=res["error"])
        row.update({k: v for k, v in (res.get("metrics") or {}).items()
                    if isinstance(v, (int, float, bool)) and k not in row})
        rows.append(row)
    runs = pd.DataFrame(rows)
    board = aggregate(runs)
    report = {}
    if out is not None:
        from .report import write_report

        report = write_report(board, runs, dsets, store, out, quick=quick, wall_seconds=wall if run else None,
                              command=command)
    return BenchmarkResult(runs=runs, leaderboard=board, datasets=dsets, report=report,
                           wall_seconds=wall)
