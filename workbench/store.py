"""The zarr-backed trajectory store every run writes to.

Layout (zarr format 3)::

    workbench.zarr/
      zarr.json                 attrs: schema_version
      datasets/<name>/<key>/    cached ground truth, keyed by a hash of its parameters
      runs/<run_id>/            one group per run, written by exactly one process
          attrs: kind, params, seed, status, created, finished, error, versions, git, metrics
          <array>               named arrays with dimension_names, chunked along time
          logs/                 training curves written by ``RunWriter.log``
          figures/<name>        PNG bytes (uint8) saved by ``RunWriter.save_figure``

A run goes ``running`` → ``complete`` | ``failed``. A ``running`` run whose writer process is
gone is reported as ``stale``. Runs live in separate groups, so writers never touch each
other's files: several processes may write different runs at once, and a writer killed
mid-run damages nothing but its own run.

Examples
--------
>>> store = Store("memory://doc-example")
>>> with store.new_run("demo", {"n": 3}, seed=0) as run:
...     run.write("x", np.arange(3.0), dims=("time",))
...     run.metrics["total"] = 3.0
>>> store.open(run.id)["x"]
array([0., 1., 2.])
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import math
import os
import re
import socket
import subprocess
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import zarr
import zarr.errors
from zarr.storage import FsspecStore, LocalStore

__all__ = ["SCHEMA_VERSION", "RunReader", "RunRecord", "RunWriter", "Store", "default_store_path"]

#: Version of the on-disk layout written by this code.
SCHEMA_VERSION = 1

#: Target size of one chunk in bytes (rows along the first axis are chosen to fit it).
CHUNK_BYTES = 4 * 2**20

_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")
_RESERVED = {"logs", "figures"}


def default_store_path() -> str:
    """``$WORKBENCH_STORE`` if set, else ``./workbench.zarr``."""
    return os.environ.get("WORKBENCH_STORE") or "workbench.zarr"


def _utcnow() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def _check_name(name: str, what: str = "array name") -> str:
    if not isinstance(name, str) or not _NAME_RE.match(name) or name in (".", ".."):
        raise ValueError(f"{what} must be a non-empty string of letters, digits, '_', '-', '.' "
                         f"(no '/'), got {name!r}")
    return name


def _to_json(value: Any, what: str) -> Any:
    """Return ``value`` as plain JSON types; ``ValueError`` when it cannot be serialised."""

    def default(obj):
        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
        if isinstance(obj, (tuple, set, frozenset)):
            return list(obj)
        raise TypeError(f"object of type {type(obj).__name__} is not JSON serialisable")

    try:
        return json.loads(json.dumps(value, default=default))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be JSON-serialisable: {exc}") from None


def _chunk_rows(row_shape: tuple[int, ...], dtype: np.dtype) -> int:
    row_bytes = max(1, int(np.prod(row_shape, dtype=np.int64)) * np.dtype(dtype).itemsize)
    return max(1, CHUNK_BYTES // row_bytes)


def _chunks_for(shape: tuple[int, ...], dtype: np.dtype) -> tuple[int, ...]:
    if not shape:
        return ()
    rows = _chunk_rows(shape[1:], dtype)
    return (max(1, min(rows, shape[0]) if shape[0] else rows),) + tuple(max(1, s) for s in shape[1:])


def _raw_chunks_ok(za: zarr.Array, arr: np.ndarray) -> bool:
    """Whether ``arr`` can be written as raw chunk files (see :func:`_write_raw_chunks`)."""
    meta = za.metadata
    codecs = [c.to_dict()["name"] for c in getattr(meta, "codecs", ())]
    key_cfg = meta.chunk_key_encoding.to_dict()
    return (sys.byteorder == "little" and arr.dtype.kind in "biuf" and arr.dtype.byteorder in "=<|"
            and codecs == ["bytes"] and key_cfg.get("name") == "default"
            and key_cfg.get("configuration", {}).get("separator", "/") == "/"
            and all(c == s for c, s in zip(za.chunks[1:], arr.shape[1:])))


def _write_raw_chunks(array_dir: Path, arr: np.ndarray, chunk_rows: int) -> None:
    """Write ``arr`` as zarr v3 chunk files directly, as fast as ``np.save``.

    Valid for the layout this store creates: chunked along the first axis only, the plain
    ``bytes`` codec (little-endian, no compression) and default chunk keys ``c/<i>/0/...``.
    Edge chunks are padded to the full chunk shape with the fill value 0, as the zarr v3
    spec's regular chunk grid requires. Each file is written to a temporary name and renamed,
    so readers never see a partial chunk.
    """
    zeros = ["0"] * (arr.ndim - 1)
    for k, lo in enumerate(range(0, arr.shape[0], chunk_rows)):
        block = arr[lo:lo + chunk_rows]
        if block.shape[0] < chunk_rows:
            full = np.zeros((chunk_rows,) + arr.shape[1:], dtype=arr.dtype)
            full[:block.shape[0]] = block
            block = full
        path = array_dir.joinpath("c", str(k), *zeros)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
        np.ascontiguousarray(block).tofile(tmp)
        os.replace(tmp, path)


def _check_dims(dims, ndim: int, name: str) -> tuple[str, ...]:
    if dims is None:
        return tuple(f"{name}_dim_{i}" for i in range(ndim))
    dims = (dims,) if isinstance(dims, str) else tuple(dims)
    if len(dims) != ndim or not all(isinstance(d, str) and d for d in dims):
        raise ValueError(f"dims for {name!r} must be {ndim} non-empty strings, got {dims!r}")
    return dims


@lru_cache(maxsize=1)
def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                           capture_output=True, text=True, timeout=5)
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


@lru_cache(maxsize=None)
def _package_version(pkg: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(pkg)
    except PackageNotFoundError:
        return None


def _versions() -> dict[str, str]:
    """Versions of Python and of the packages this process has imported."""
    out = {"python": sys.version.split()[0]}
    for pkg in ("neuro-workbench", "numpy", "zarr", "scipy", "scikit-learn", "brian2", "jax"):
        mod = {"neuro-workbench": "workbench", "scikit-learn": "sklearn"}.get(pkg, pkg)
        if mod in sys.modules or pkg in ("neuro-workbench", "numpy", "zarr"):
            ver = _package_version(pkg)
            if ver is not None:
                out[pkg] = ver
    return out


def _require_group(parent: zarr.Group, name: str) -> zarr.Group:
    """``parent[name]``, created if missing; safe when several processes race to create it."""
    try:
        return parent[name]
    except KeyError:
        pass
    try:
        return parent.create_group(name)
    except (zarr.errors.ContainsGroupError, FileExistsError):
        return parent[name]


def _process_start_time(pid: int) -> float | None:
    try:
        import psutil

        return psutil.Process(pid).create_time()
    except Exception:  # noqa: BLE001 - any failure means "unknown"
        return None


def _writer_alive(attrs: Mapping[str, Any]) -> bool:
    """Whether the process that wrote a ``running`` run still exists."""
    if attrs.get("host") != socket.gethostname():
        return True  # cannot tell for another machine: trust the status
    pid = attrs.get("pid")
    if not isinstance(pid, int):
        return False
    started = _process_start_time(pid)
    if started is None:
        return False
    recorded = attrs.get("pid_started")
    return recorded is None or abs(started - float(recorded)) < 1.0


@dataclass(frozen=True)
class RunRecord:
    """One row of :meth:`Store.runs`."""

    id: str
    kind: str
    status: str
    created: str
    finished: str | None
    seed: int | None
    params: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    error: str | None = None


def _status_of(attrs: Mapping[str, Any]) -> str:
    status = attrs.get("status", "unknown")
    if status == "running" and not _writer_alive(attrs):
        return "stale"
    return status


class Store:
    """A workbench trajectory store (zarr v3) at a path or fsspec URL.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A local directory (created on first write), or an fsspec URL such as
        ``memory://name`` or ``s3://bucket/prefix``. Defaults to ``$WORKBENCH_STORE`` or
        ``./workbench.zarr``.

    Raises
    ------
    ValueError
        If ``path`` exists and is not a workbench store, or was written by a newer version.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        raw = os.fspath(path) if path is not None else default_store_path()
        if not raw:
            raise ValueError("store path must be a non-empty path or URL")
        self.path = raw
        self._is_url = "://" in raw and not raw.startswith("file://")
        if not self._is_url:
            local = Path(raw[len("file://"):] if raw.startswith("file://") else raw)
            self.path = str(local)
            self._check_local(local)
            self._zstore = LocalStore(local)
        else:
            try:
                self._zstore = FsspecStore.from_url(raw)
            except Exception as exc:  # noqa: BLE001 - report any fsspec failure the same way
                raise ValueError(f"store URL {raw!r} cannot be opened: {exc}") from None
        self._root: zarr.Group | None = None
        self._check_schema()

    @property
    def local_path(self) -> Path | None:
        """The store's directory when it is on the local file system, else None."""
        return None if self._is_url else Path(self.path)

    # -- opening ------------------------------------------------------------------------
    @staticmethod
    def _check_local(local: Path) -> None:
        if local.exists() and not local.is_dir():
            raise ValueError(f"store path {str(local)!r} exists and is not a directory (not a workbench store)")
        if local.is_dir() and any(local.iterdir()) and not (local / "zarr.json").exists():
            raise ValueError(f"store path {str(local)!r} exists and is not a workbench store "
                             f"(no zarr.json); choose another path")

    def _open_root(self, create: bool) -> zarr.Group | None:
        if self._root is not None:
            return self._root
        try:
            root = zarr.open_group(self._zstore, mode="r+", zarr_format=3)
        except FileNotFoundError:  # zarr's GroupNotFoundError derives from it
            if not create:
                return None
            attrs = {"schema_version": SCHEMA_VERSION, "created": _utcnow(), "kind": "workbench-store"}
            try:
                root = zarr.create_group(self._zstore, zarr_format=3, attributes=attrs, overwrite=False)
            except zarr.errors.ContainsGroupError:  # another process created it just now
                root = zarr.open_group(self._zstore, mode="r+", zarr_format=3)
        for sub in ("runs", "datasets"):
            _require_group(root, sub)
        self._root = root
        return root

    def _check_schema(self) -> None:
        try:
            root = zarr.open_group(self._zstore, mode="r", zarr_format=3)
        except Exception:  # noqa: BLE001 - nothing there yet
            return
        version = root.attrs.get("schema_version")
        if version is None:
            raise ValueError(f"store {self.path!r} is a zarr group but not a workbench store "
                             f"(no schema_version attribute)")
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise ValueError(f"store {self.path!r} has schema_version {version!r}, newer than this "
                             f"code supports ({SCHEMA_VERSION}); upgrade neuro-workbench")

    def __repr__(self) -> str:
        return f"Store({self.path!r})"

    # -- writing runs ----------------------------------------------------------------------
    def new_run(self, kind: str, params: Mapping[str, Any] | None = None, seed: int | None = None) -> "RunWriter":
        """Open a new run for writing; use as a context manager.

        Parameters
        ----------
        kind : str
            Experiment kind (e.g. ``"systems.lorenz63"``).
        params : mapping, optional
            JSON-serialisable parameters recorded as provenance.
        seed : int, optional
            Seed recorded with the run.

        Returns
        -------
        RunWriter
            Creates ``runs/<run_id>`` when entered; marks it ``complete`` on normal exit and
            ``failed`` (with the error) when an exception escapes, which then propagates.
        """
        if not isinstance(kind, str) or not re.match(r"^[A-Za-z0-9_.\-]+$", kind):
            raise ValueError(f"kind must be a non-empty string of letters, digits, '_', '-', '.', got {kind!r}")
        params_json = _to_json(dict(params or {}), "params")
        if seed is not None and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool)):
            raise ValueError(f"seed must be an integer or None, got {seed!r}")
        return RunWriter(self, kind, params_json, None if seed is None else int(seed))

    def _create_run_group(self, kind: str, attrs: dict) -> tuple[str, zarr.Group]:
        root = self._open_root(create=True)
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
        run_id = f"{stamp}-{kind.replace('.', '-')}-{uuid.uuid4().hex[:6]}"
        group = _require_group(root, "runs").create_group(run_id, attributes=attrs)
        return run_id, group

    # -- reading runs ----------------------------------------------------------------------
    def _runs_group(self) -> zarr.Group | None:
        root = self._open_root(create=False)
        if root is None:
            return None
        try:
            return root["runs"]
        except KeyError:
            return None

    def run_ids(self) -> list[str]:
        """Ids of all runs, whatever their status."""
        runs = self._runs_group()
        return sorted(runs.group_keys()) if runs is not None else []

    def runs(self, kind: str | None = None, status: str | None = None) -> list[RunRecord]:
        """Run records, newest first, optionally filtered by ``kind`` and ``status``.

        ``status`` is one of ``running``, ``complete``, ``failed``, ``stale`` (a running run
        whose writer process is gone) or ``corrupt`` (attributes unreadable).
        """
        runs = self._runs_group()
        if runs is None:
            return []
        records = []
        for run_id in runs.group_keys():
            try:
                attrs = runs[run_id].attrs.asdict()
                rec = RunRecord(id=run_id, kind=attrs.get("kind", "?"), status=_status_of(attrs),
                                created=attrs.get("created", ""), finished=attrs.get("finished"),
                                seed=attrs.get("seed"), params=attrs.get("params", {}),
                                metrics=attrs.get("metrics", {}), error=attrs.get("error"))
            except Exception:  # noqa: BLE001 - a damaged run must not hide the others
                rec = RunRecord(id=run_id, kind="?", status="corrupt", created="", finished=None, seed=None)
            if kind is not None and rec.kind != kind:
                continue
            if status is not None and rec.status != status:
                continue
            records.append(rec)
        records.sort(key=lambda r: (r.created, r.id), reverse=True)
        return records

    def open(self, run_id: str) -> "RunReader":
        """Open a run read-only."""
        _check_name(run_id, "run_id")
        runs = self._runs_group()
        if runs is None or run_id not in set(runs.group_keys()):
            raise KeyError(f"no run {run_id!r} in store {self.path!r}")
        return RunReader(self, run_id)

    def delete(self, run_id: str) -> None:
        """Delete a run and all its arrays."""
        _check_name(run_id, "run_id")
        runs = self._runs_group()
        if runs is None or run_id not in set(runs.group_keys()):
            raise KeyError(f"no run {run_id!r} in store {self.path!r}")
        del runs[run_id]

    def gc(self, statuses: tuple[str, ...] = ("stale", "failed", "corrupt")) -> list[str]:
        """Delete runs whose status is in ``statuses``; return their ids."""
        removed = []
        for rec in self.runs():
            if rec.status in statuses:
                self.delete(rec.id)
                removed.append(rec.id)
        return removed

    # -- datasets --------------------------------------------------------------------------
    def dataset(self, name: str, factory: Callable[..., np.ndarray], **params) -> np.ndarray:
        """Ground truth cached under ``datasets/<name>/`` keyed by its parameters.

        The first call computes ``factory(**params)`` and stores it; later calls (from any
        process) return the stored copy, so every run trains and evaluates on identical data.

        Parameters
        ----------
        name : str
            Dataset name (e.g. ``"lorenz63"``).
        factory : callable
            Returns an array (or a tuple of arrays, stored as ``data_0``, ``data_1``...).
        **params
            JSON-serialisable keyword arguments of ``factory``; they form the cache key.
        """
        _check_name(name, "dataset name")
        key_params = _to_json(params, "dataset params")
        key = hashlib.sha1(json.dumps(key_params, sort_keys=True).encode()).hexdigest()[:16]
        cached = self._find_dataset(name, key)
        if cached is not None:
            return cached
        value = factory(**params)
        arrays = list(value) if isinstance(value, tuple) else [value]
        root = self._open_root(create=True)
        # A unique group per writer: two processes filling the same key never collide.
        group = _require_group(_require_group(root, "datasets"), name).create_group(
            f"{key}-{uuid.uuid4().hex[:8]}",
            attributes={"params": key_params, "key": key, "status": "writing", "created": _utcnow(),
                        "factory": getattr(factory, "__qualname__", repr(factory)),
                        "n_arrays": len(arrays), "tuple": isinstance(value, tuple)})
        for i, arr in enumerate(arrays):
            arr = np.asarray(arr)
            za = group.create_array(f"data_{i}", shape=arr.shape, dtype=arr.dtype,
                                    chunks=_chunks_for(arr.shape, arr.dtype), compressors=None,
                                    dimension_names=_check_dims(None, arr.ndim, f"data_{i}"))
            za[...] = arr
        group.attrs["status"] = "complete"
        return value

    def _find_dataset(self, name: str, key: str):
        root = self._open_root(create=False)
        if root is None:
            return None
        try:
            parent = root["datasets"][name]
        except KeyError:
            return None
        for gname in sorted(parent.group_keys()):
            if not gname.startswith(key):
                continue
            group = parent[gname]
            attrs = group.attrs.asdict()
            if attrs.get("status") != "complete":
                continue
            arrays = tuple(group[f"data_{i}"][...] for i in range(attrs["n_arrays"]))
            return arrays if attrs.get("tuple") else arrays[0]
        return None

    def datasets(self) -> dict[str, list[dict]]:
        """Cached datasets: ``{name: [params, ...]}``."""
        root = self._open_root(create=False)
        if root is None or "datasets" not in set(root.group_keys()):
            return {}
        out: dict[str, list[dict]] = {}
        for name, group in root["datasets"].groups():
            out[name] = [g.attrs.get("params", {}) for _, g in group.groups()
                         if g.attrs.get("status") == "complete"]
        return out


class _Metrics(dict):
    """``run.metrics``: a dict whose values must be JSON-serialisable."""

    def __setitem__(self, key, value):
        if not isinstance(key, str) or not key:
            raise ValueError(f"metric name must be a non-empty string, got {key!r}")
        super().__setitem__(key, _to_json(value, f"metric {key!r}"))

    def update(self, *args, **kw):
        for k, v in dict(*args, **kw).items():
            self[k] = v


class RunWriter:
    """Writes one run; created by :meth:`Store.new_run` and used as a context manager.

    Arrays passed to :meth:`write` are stored at once; blocks passed to :meth:`append` are
    buffered and written in whole chunks, so long streams never sit in memory and never cause
    read-modify-write of partial chunks.
    """

    def __init__(self, store: Store, kind: str, params: dict, seed: int | None):
        self.store = store
        self.kind = kind
        self.params = params
        self.seed = seed
        self.id: str | None = None
        self.metrics = _Metrics()
        self.attrs = _Metrics()
        self._group: zarr.Group | None = None
        self._buffers: dict[str, list[np.ndarray]] = {}
        self._streams: dict[str, zarr.Array] = {}
        self._buffered_rows: dict[str, int] = {}
        self._logs: list[tuple[float, dict]] = []
        self._dims: dict[str, int] = {}

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> "RunWriter":
        pid = os.getpid()
        attrs = {
            "schema_version": SCHEMA_VERSION, "kind": self.kind, "params": self.params,
            "seed": self.seed, "status": "running", "created": _utcnow(), "finished": None,
            "error": None, "versions": _versions(), "git": _git_commit(),
            "host": socket.gethostname(), "pid": pid, "pid_started": _process_start_time(pid),
            "metrics": {},
        }
        self.id, self._group = self.store._create_run_group(self.kind, attrs)
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self._group is None:
            return False
        if exc_type is None:
            try:
                self.flush()
            except BaseException as flush_exc:  # noqa: BLE001 - record and re-raise
                self._finish("failed", flush_exc)
                raise
            self._finish("complete", None)
        else:
            try:
                self.flush()
            except BaseException:  # noqa: BLE001 - the original error matters more
                pass
            self._finish("failed", exc)
        return False

    def _finish(self, status: str, exc: BaseException | None) -> None:
        update = {"status": status, "finished": _utcnow(), "metrics": dict(self.metrics)}
        update.update(dict(self.attrs))
        if exc is not None:
            update["error"] = f"{type(exc).__name__}: {exc}"
            update["traceback"] = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:]
        self._group.attrs.update(update)

    def _require_open(self) -> zarr.Group:
        if self._group is None:
            raise RuntimeError("the run is not open: use `with store.new_run(...) as run:`")
        return self._group

    # -- arrays -------------------------------------------------------------------------------
    def _check_dim_sizes(self, name: str, dims: tuple[str, ...], shape: tuple[int, ...]) -> None:
        for d, n in zip(dims, shape):
            if d in self._dims and self._dims[d] != n:
                raise ValueError(f"dimension {d!r} of {name!r} has length {n}, but another array of "
                                 f"this run uses {d!r} with length {self._dims[d]}; use another dim name")
        for d, n in zip(dims, shape):
            self._dims[d] = n

    def write(self, name: str, array, dims=None, attrs: Mapping[str, Any] | None = None) -> None:
        """Store a whole array under ``name`` with ``dims`` (its dimension names).

        Dimension names shared between arrays must have equal lengths, so the run opens as an
        ``xarray.Dataset``.
        """
        group = self._require_open()
        _check_name(name)
        if name in _RESERVED:
            raise ValueError(f"array name {name!r} is reserved; choose another")
        arr = np.asarray(array)
        if arr.dtype == object:
            raise ValueError(f"array {name!r} must be numeric or string, not object dtype")
        dims = _check_dims(dims, arr.ndim, name)
        self._check_dim_sizes(name, dims, arr.shape)
        za = group.create_array(name, shape=arr.shape, dtype=arr.dtype, chunks=_chunks_for(arr.shape, arr.dtype),
                                compressors=None, dimension_names=dims, overwrite=True,
                                attributes=_to_json(dict(attrs or {}), f"attrs of {name!r}"))
        if not arr.size:
            return
        local = self.store.local_path
        if local is not None and _raw_chunks_ok(za, arr):
            _write_raw_chunks(local / group.path / name, arr, za.chunks[0])
        else:
            za[...] = arr

    def append(self, name: str, block, dims=None) -> None:
        """Append ``block`` along the first axis of array ``name`` (created on first call).

        Blocks are buffered and written in whole chunks; :meth:`flush` (called on exit)
        writes the remainder.
        """
        group = self._require_open()
        _check_name(name)
        if name in _RESERVED:
            raise ValueError(f"array name {name!r} is reserved; choose another")
        block = np.asarray(block)
        if block.ndim == 0:
            raise ValueError(f"block appended to {name!r} must have at least one dimension")
        if name not in self._buffers:
            if name in set(group.array_keys()):
                raise ValueError(f"array {name!r} already written with write(); cannot append")
            dims = _check_dims(dims, block.ndim, name)
            chunks = (_chunk_rows(block.shape[1:], block.dtype),) + tuple(max(1, s) for s in block.shape[1:])
            self._streams[name] = group.create_array(name, shape=(0,) + block.shape[1:], dtype=block.dtype,
                                                     chunks=chunks, compressors=None, dimension_names=dims)
            self._buffers[name] = []
            self._buffered_rows[name] = 0
        za = self._streams[name]
        if block.shape[1:] != za.shape[1:]:
            raise ValueError(f"block for {name!r} must have trailing shape {za.shape[1:]}, got {block.shape[1:]}")
        self._buffers[name].append(block.astype(za.dtype, copy=False))
        self._buffered_rows[name] += block.shape[0]
        if self._buffered_rows[name] >= za.chunks[0]:
            self._flush_array(name, whole_chunks_only=True)

    def _flush_array(self, name: str, whole_chunks_only: bool) -> None:
        pending = self._buffered_rows.get(name, 0)
        if not pending:
            return
        za = self._streams[name]
        rows = za.chunks[0]
        n_write = (pending // rows) * rows if whole_chunks_only else pending
        if n_write == 0:
            return
        data = np.concatenate(self._buffers[name], axis=0)
        start = za.shape[0]
        za.resize((start + n_write,) + za.shape[1:])
        za[start:start + n_write] = data[:n_write]
        rest = data[n_write:]
        self._buffers[name] = [rest] if len(rest) else []
        self._buffered_rows[name] = len(rest)

    # -- logs, figures -----------------------------------------------------------------------
    def log(self, step: float, **scalars: float) -> None:
        """Record scalars (loss, D_stsp, ...) at ``step``; read back with ``RunReader.logs()``."""
        if not scalars:
            raise ValueError("log needs at least one scalar, e.g. run.log(step, loss=0.1)")
        clean = {}
        for key, value in scalars.items():
            _check_name(key, "log name")
            try:
                clean[key] = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"log value {key!r} must be a number, got {value!r}") from None
        self._logs.append((float(step), clean))

    def save_figure(self, name: str, fig, dpi: int = 110) -> None:
        """Save a matplotlib figure as PNG in the run (``figures/<name>``)."""
        self._require_open()
        _check_name(name, "figure name")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        self.save_png(name, buf.getvalue())

    def save_png(self, name: str, png: bytes) -> None:
        """Store already-encoded PNG bytes as figure ``name``."""
        group = self._require_open()
        _check_name(name, "figure name")
        data = np.frombuffer(png, dtype=np.uint8)
        figs = group.require_group("figures")
        za = figs.create_array(name, shape=data.shape, dtype=np.uint8, chunks=(max(1, data.size),),
                               compressors=None, dimension_names=(f"{name}_byte",), overwrite=True,
                               attributes={"format": "png"})
        za[...] = data

    # -- flushing -----------------------------------------------------------------------------
    def flush(self) -> None:
        """Write buffered appends, logs and metrics to the store."""
        group = self._require_open()
        for name in list(self._buffers):
            self._flush_array(name, whole_chunks_only=False)
        if self._logs:
            keys = sorted({k for _, s in self._logs for k in s})
            logs = group.require_group("logs")
            steps = np.array([s for s, _ in self._logs], dtype=np.float64)
            table = {"step": steps}
            for k in keys:
                table[k] = np.array([s.get(k, np.nan) for _, s in self._logs], dtype=np.float64)
            for k, v in table.items():
                za = logs.create_array(k, shape=v.shape, dtype=v.dtype, chunks=(max(1, v.size),),
                                       compressors=None, dimension_names=("log_step",), overwrite=True)
                za[...] = v
        group.attrs.update({"metrics": dict(self.metrics), **dict(self.attrs)})


class RunReader:
    """Read-only view of one run (:meth:`Store.open`)."""

    def __init__(self, store: Store, run_id: str):
        self.store = store
        self.id = run_id
        self._group = zarr.open_group(store._zstore, path=f"runs/{run_id}", mode="r", zarr_format=3)
        self.attrs: dict[str, Any] = self._group.attrs.asdict()

    def __repr__(self) -> str:
        return f"RunReader({self.id!r}, kind={self.kind!r}, status={self.status!r})"

    @property
    def kind(self) -> str:
        return self.attrs.get("kind", "?")

    @property
    def status(self) -> str:
        return _status_of(self.attrs)

    @property
    def params(self) -> dict:
        return self.attrs.get("params", {})

    @property
    def metrics(self) -> dict:
        return self.attrs.get("metrics", {})

    @property
    def seed(self) -> int | None:
        return self.attrs.get("seed")

    @property
    def arrays(self) -> list[str]:
        """Names of the run's arrays (not logs or figures)."""
        return sorted(self._group.array_keys())

    def __contains__(self, name: str) -> bool:
        return name in set(self._group.array_keys())

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self:
            raise KeyError(f"run {self.id!r} has no array {name!r}; arrays: {', '.join(self.arrays)}")
        return self._group[name][...]

    def array_info(self, name: str) -> tuple[tuple[int, ...], np.dtype]:
        """Shape and dtype of array ``name`` without reading its data."""
        za = self._group[name]
        return tuple(za.shape), za.dtype

    def dims(self, name: str) -> tuple[str, ...]:
        """Dimension names of array ``name``."""
        return tuple(self._group[name].metadata.dimension_names or ())

    @property
    def figures(self) -> list[str]:
        """Names of the saved figures."""
        if "figures" not in set(self._group.group_keys()):
            return []
        return sorted(self._group["figures"].array_keys())

    def figure(self, name: str) -> bytes:
        """PNG bytes of figure ``name``."""
        if name not in self.figures:
            raise KeyError(f"run {self.id!r} has no figure {name!r}; figures: {', '.join(self.figures)}")
        return self._group["figures"][name][...].tobytes()

    def logs(self) -> dict[str, np.ndarray]:
        """Training curves: ``{"step": ..., name: ...}`` (NaN where a value was not logged)."""
        if "logs" not in set(self._group.group_keys()):
            return {}
        logs = self._group["logs"]
        return {k: logs[k][...] for k in sorted(logs.array_keys())}

    def to_xarray(self):
        """The run's arrays as an :class:`xarray.Dataset` with the run attributes."""
        import xarray as xr

        data_vars = {name: (self.dims(name), self[name]) for name in self.arrays}
        attrs = {k: (json.dumps(v) if isinstance(v, (dict, list)) or v is None else v)
                 for k, v in self.attrs.items()}
        return xr.Dataset(data_vars, attrs=attrs)

    def to_netcdf(self, path: str | os.PathLike) -> None:
        """Export the run (arrays + attributes) to a NetCDF file."""
        ds = self.to_xarray()
        ds.attrs = {k: v for k, v in ds.attrs.items() if isinstance(v, (str, int, float)) and not
                    (isinstance(v, float) and math.isnan(v))}
        ds.to_netcdf(path)


def iter_complete(store: Store, kind: str | None = None) -> Iterator[RunReader]:
    """Readers of the complete runs of ``kind`` (newest first)."""
    for rec in store.runs(kind=kind, status="complete"):
        yield store.open(rec.id)
