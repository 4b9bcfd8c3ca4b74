"""Parameter sweeps on dask.distributed, one run per grid point.

A sweep expands a grid (``{"beta": [0.5, 1.0], "n": [100, 200]}``) times a set of seeds into
points, validates every point before anything runs, skips points already ``complete`` in the
store (so an interrupted sweep resumes where it stopped), and runs the rest as Dask tasks.
Each task builds the experiment in the worker and writes its own run, so no two processes
ever write the same run group. A point that fails is recorded as a ``failed`` run and the
others go on.

Each point runs once. Before a task starts a point it claims it in the store
(``claims/points/<key>``, a lease-held claim naming the sweep and the worker, see
:class:`workbench.store.lease.Claim`); the claim records the run as soon as it is created
and, when the run ends, its id and status. A second task for the same point (a second
sweep of the same grid on the same store, or Dask re-running a task after its worker died)
waits while the claim is held, then finds the point done and skips it. A task that takes
over the claim of a dead worker finds the run it left: complete (the worker died after
finishing) is reused; stale (it died mid-run) is removed and the point runs again.

The store must be reachable by every worker: a shared path or an fsspec URL, whose storage
options travel with each task. A ``memory://`` store lives in one process, so sweeps on it
run in threads of the calling process.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .experiment import Experiment, RunFailedError
from .registry import get_experiment
from .store import Store
from .store.common import hostname
from .store.lease import Claim

__all__ = ["SweepPoint", "expand_grid", "parse_grid", "point_key", "run_point", "run_points", "sweep"]


@dataclass(frozen=True)
class SweepPoint:
    """One grid point: the experiment kind and its full, validated parameters."""

    kind: str
    params: dict
    grid_values: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return json.dumps(self.params, sort_keys=True)


def parse_grid(items: Iterable[str]) -> dict[str, list[str]]:
    """Parse ``key=v1,v2,...`` strings (``--grid``) into ``{key: [v1, v2, ...]}``."""
    grid: dict[str, list[str]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip()
        if not sep or not key or not values.strip():
            raise ValueError(f"--grid expects key=v1,v2,..., got {item!r}")
        if key in grid:
            raise ValueError(f"--grid {key!r} given twice")
        grid[key] = [v.strip() for v in values.split(",") if v.strip()]
    return grid


def _resolve(experiment) -> type[Experiment]:
    if isinstance(experiment, str):
        return get_experiment(experiment)
    if isinstance(experiment, type) and issubclass(experiment, Experiment):
        return experiment
    raise ValueError(f"experiment must be a registered kind or an Experiment subclass, got {experiment!r}")


def expand_grid(experiment, grid: Mapping[str, Iterable[Any]], seeds: int | Iterable[int] = 1,
                base: Mapping[str, Any] | None = None) -> list[SweepPoint]:
    """Expand ``grid`` × ``seeds`` into validated points.

    Parameters
    ----------
    experiment : str or Experiment subclass
        Registered kind or class.
    grid : mapping
        Parameter name → values (strings are converted like ``--set``).
    seeds : int or iterable of int, default 1
        Number of seeds (``0 .. seeds-1``) or explicit seed values.
    base : mapping, optional
        Fixed parameter values shared by every point.

    Raises
    ------
    ValueError
        If any point is invalid (unknown parameter, out of range...): nothing has run yet.
    """
    cls = _resolve(experiment)
    grid = {k: list(v) for k, v in dict(grid).items()}
    for key, values in grid.items():
        if not values:
            raise ValueError(f"grid {key!r} has no values")
    if "seed" in grid:
        raise ValueError("put seeds in `seeds`, not in the grid")
    if isinstance(seeds, int):
        if seeds < 1:
            raise ValueError(f"seeds must be >= 1, got {seeds}")
        seed_values = list(range(seeds))
    else:
        seed_values = [int(s) for s in seeds]
        if not seed_values:
            raise ValueError("seeds must not be empty")
    points = []
    keys = list(grid)
    for combo in itertools.product(*(grid[k] for k in keys)):
        for seed in seed_values:
            values = dict(base or {})
            values.update(zip(keys, combo))
            values["seed"] = seed
            try:
                exp = cls.from_config(values)
            except ValueError as exc:
                shown = ", ".join(f"{k}={v}" for k, v in zip(keys, combo))
                raise ValueError(f"grid point ({shown}): {exc}") from None
            grid_values = {k: getattr(exp, k) for k in keys}
            grid_values["seed"] = seed
            points.append(SweepPoint(cls.kind, exp.to_params(), grid_values))
    return points


def point_key(kind: str, params: Mapping[str, Any]) -> str:
    """Name of a point's claim: a hash of its experiment kind and full parameters."""
    text = json.dumps({"kind": kind, "params": params}, sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:24]


def _worker_name() -> str:
    try:
        from dask.distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f"{hostname()}:{os.getpid()}"


class _ClaimedStore:
    """The store, seen by one point's experiment: the new run is recorded in the point's claim."""

    def __init__(self, store: Store, claim: Claim):
        self._store = store
        self._claim = claim

    def __getattr__(self, name):
        return getattr(self._store, name)

    def new_run(self, *args, **kw):
        writer = self._store.new_run(*args, **kw)
        writer.on_open.append(lambda run_id: self._claim.update(run_id=run_id))
        return writer


def _complete_run(store: Store, run_id: Any):
    """The reader of ``run_id`` when it is a complete run in ``store``, else None."""
    if not isinstance(run_id, str):
        return None
    try:
        rec = store.open(run_id)
    except (KeyError, ValueError):
        return None
    return rec if rec.status == "complete" else None


def _skipped(rec) -> dict:
    return {"run_id": rec.id, "status": "complete", "error": None, "metrics": rec.metrics, "skipped": True}


def run_point(experiment, params: Mapping[str, Any], store_path: str, tags: Mapping | None = None,
              storage_options: Mapping[str, Any] | None = None, resume: bool = True) -> dict:
    """Run one point into the store, once (executed inside a Dask worker).

    The point is claimed first (see the module docstring): while another task holds the
    claim this one waits; a point already complete is not run again (``skipped``).

    Returns ``{"run_id", "status", "error", "metrics", "skipped"}``; a failure inside the
    experiment is recorded as a failed run and reported, not raised.
    """
    cls = _resolve(experiment)
    exp = cls.from_params(params)
    store = Store(store_path, storage_options=dict(storage_options or {}))
    info = {"kind": cls.kind, "sweep": (tags or {}).get("sweep"), "worker": _worker_name()}
    claim = Claim(store._backend, "points", point_key(cls.kind, exp.to_params()), info)
    delay = 0.05
    while True:
        gen, entry = claim.latest()
        if resume and isinstance(entry, dict) and entry.get("state") == "released":
            rec = _complete_run(store, entry.get("run_id"))
            if rec is not None:
                return _skipped(rec)
        won, previous = claim.try_acquire()
        if won:
            break
        time.sleep(delay)
        delay = min(1.0, delay * 1.5)
    result: dict = {"run_id": None, "status": "failed", "error": "not run", "metrics": {}, "skipped": False}
    try:
        left = previous.get("run_id") if isinstance(previous, dict) else None
        rec = _complete_run(store, left)
        if rec is not None and resume:
            result = _skipped(rec)
            return result
        if left and isinstance(previous, dict) and previous.get("state") == "held":
            try:  # the run of a worker that died mid-point: its lease has expired
                store.delete(left)
            except (KeyError, ValueError):
                pass
        try:
            run_id = exp.run(_ClaimedStore(store, claim), tags=tags)
        except RunFailedError as exc:
            result = {"run_id": exc.run_id, "status": "failed", "error": str(exc.error), "metrics": {},
                      "skipped": False}
            return result
        rec = store.open(run_id)
        result = {"run_id": run_id, "status": rec.status, "error": None, "metrics": rec.metrics,
                  "skipped": False}
        return result
    finally:
        claim.release(run_id=result["run_id"], status=result["status"])


def _completed(store: Store, kind: str) -> dict[str, Any]:
    done: dict[str, Any] = {}
    for rec in store.runs(kind=kind, status="complete"):
        done.setdefault(json.dumps(rec.params, sort_keys=True), rec)
    return done


#: Where a local cluster serves its dashboard: this machine only, any free port.
DASHBOARD_ADDRESS = "127.0.0.1:0"


def _client(scheduler: str | None, workers: int | None, in_process: bool, dashboard_address: str | None):
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    n = workers or os.cpu_count() or 1
    if in_process:
        cluster = LocalCluster(n_workers=1, threads_per_worker=n, processes=False,
                               dashboard_address=dashboard_address)
    else:
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=dashboard_address, silence_logs=40)
    return Client(cluster), cluster


def run_points(points: list[SweepPoint], store: Store, *, scheduler: str | None = None,
               workers: int | None = None, resume: bool = True, tags: Mapping | None = None,
               progress: Callable[[dict], None] | None = None, client=None,
               experiments: Mapping[str, type[Experiment]] | None = None,
               dashboard_address: str | None = DASHBOARD_ADDRESS) -> list[dict]:
    """Run ``points`` on Dask, one run each; return one result dict per point, in order.

    Each result has ``run_id``, ``status`` (``complete`` or ``failed``), ``error``,
    ``metrics`` and ``skipped`` (already complete in the store, not run again).
    ``experiments`` maps kinds to classes that are not in the registry (sent by value).
    ``dashboard_address`` is where a local cluster serves its dashboard (None: no dashboard).
    """
    experiments = dict(experiments or {})
    done: dict[str, dict[str, Any]] = {}
    results: dict[int, dict] = {}
    todo = []
    for i, point in enumerate(points):
        if resume and point.kind not in done:
            done[point.kind] = _completed(store, point.kind)
        rec = done.get(point.kind, {}).get(point.key) if resume else None
        if rec is not None:
            results[i] = {"run_id": rec.id, "status": "complete", "error": None,
                          "metrics": rec.metrics, "skipped": True}
        else:
            todo.append(i)
    counts = {"total": len(points), "skipped": len(results), "done": len(results), "failed": 0,
              "running": len(todo)}
    if progress:
        progress(dict(counts))
    if not todo:
        return [results[i] for i in range(len(points))]
    in_process = store.path.startswith("memory://")
    own_client, cluster = (client, None) if client is not None else _client(scheduler, workers, in_process,
                                                                                    dashboard_address)
    try:
        from dask.distributed import as_completed

        futures = {}
        for i in todo:
            point = points[i]
            # The class travels by reference (workers import only its module, not every
            # registered package); classes outside the registry go by value (cloudpickle).
            target = experiments.get(point.kind) or get_experiment(point.kind)
            fut = own_client.submit(run_point, target, point.params, store.path, tags, store.storage_options,
                                    resume, pure=False, retries=1, key=f"{point.kind}-{i}-{time.time_ns():x}")
            futures[fut] = i
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker or task: recorded, not raised
                res = {"run_id": None, "status": "failed", "error": f"{type(exc).__name__}: {exc}",
                       "metrics": {}}
            res.setdefault("skipped", False)
            results[i] = res
            counts["running"] -= 1
            counts["done" if res["status"] == "complete" else "failed"] += 1
            counts["skipped"] += bool(res["skipped"])
            if progress:
                progress(dict(counts))
    finally:
        if client is None:
            own_client.close()
            if cluster is not None:
                cluster.close()
    return [results[i] for i in range(len(points))]


def sweep(experiment, grid: Mapping[str, Iterable[Any]], seeds: int | Iterable[int] = 1, *,
          base: Mapping[str, Any] | None = None, store: Store | str | None = None,
          scheduler: str | None = None, workers: int | None = None, resume: bool = True,
          name: str | None = None, progress: Callable[[dict], None] | None = None, client=None,
          dashboard_address: str | None = DASHBOARD_ADDRESS):
    """Run ``experiment`` over ``grid`` × ``seeds`` on Dask; return a table of results.

    Parameters
    ----------
    experiment : str or Experiment subclass
        Registered kind (``"reservoirs.memory_capacity"``) or class.
    grid : mapping
        Parameter name → list of values.
    seeds : int or iterable of int, default 1
        Seeds per grid point.
    base : mapping, optional
        Fixed parameters for every point.
    store : Store or str, optional
        Target store (default ``$WORKBENCH_STORE`` or ``./workbench.zarr``); must be
        reachable by every worker.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:port``); default: a local
        cluster with one single-threaded worker process per core (``workers`` to change).
    resume : bool, default True
        Skip points whose run is already ``complete`` in the store.
    name : str, optional
        Sweep name recorded in every run's ``tags``.
    progress : callable, optional
        Called with ``{"done", "failed", "running", "skipped", "total"}`` after each change.
    client : dask.distributed.Client, optional
        Use this client (overrides ``scheduler``/``workers``).
    dashboard_address : str or None, default ``"127.0.0.1:0"``
        Where a local cluster serves its dashboard (this machine only); None for none.

    Returns
    -------
    pandas.DataFrame
        One row per point: grid values, seed, run_id, status, skipped, error, scalar metrics.
    """
    import pandas as pd

    cls = _resolve(experiment)
    store = store if isinstance(store, Store) else Store(store)
    points = expand_grid(cls, grid, seeds, base)
    tags = {"sweep": name or f"{cls.kind}-{time.strftime('%Y%m%dT%H%M%S')}"}
    extra = {} if _registered(cls) else {cls.kind: cls}
    results = run_points(points, store, scheduler=scheduler, workers=workers, resume=resume, tags=tags,
                         progress=progress, client=client, experiments=extra,
                         dashboard_address=dashboard_address)
    rows = []
    for point, res in zip(points, results):
        row = dict(point.grid_values)
        row.update(run_id=res["run_id"], status=res["status"], skipped=res["skipped"], error=res["error"])
        for key, value in (res.get("metrics") or {}).items():
            if isinstance(value, (int, float, bool)) and key not in row:
                row[key] = value
        rows.append(row)
    return pd.DataFrame(rows)


def _registered(cls: type[Experiment]) -> bool:
    try:
        return get_experiment(cls.kind) is cls
    except ValueError:
        return False
