"""The :class:`Store`: runs and cached datasets in one zarr v3 hierarchy on any file system."""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from . import finished, notebook
from .backend import Backend, storage_options_from_env
from .common import SCHEMA_VERSION, CorruptRunError, StoreUnavailableError, check_name, to_json, utcnow
from .lease import lease_alive
from .reader import RunReader, RunRecord, parse_run_meta, record_of
from .writer import RunWriter

__all__ = ["Store", "default_store_path"]


def default_store_path() -> str:
    """``$WORKBENCH_STORE`` if set, else ``./workbench.zarr``."""
    return os.environ.get("WORKBENCH_STORE") or "workbench.zarr"


class Store:
    """A workbench trajectory store (zarr v3) at a path or fsspec URL.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A local directory (created on first write), or an fsspec URL such as
        ``memory://name`` or ``s3://bucket/prefix``. Defaults to ``$WORKBENCH_STORE`` or
        ``./workbench.zarr``.
    storage_options : mapping, optional
        Options of the fsspec file system (e.g. ``{"endpoint_url": ..., "key": ..., "secret": ...}``
        for S3). Defaults to ``$WORKBENCH_STORAGE_OPTIONS`` (a JSON object) for URLs.

    Raises
    ------
    ValueError
        If ``path`` exists and is not a workbench store, or was written by a newer version.
    StoreUnavailableError
        (a ``ValueError``) If the endpoint cannot be reached or the bucket does not exist.
    """

    def __init__(self, path: str | os.PathLike | None = None,
                 storage_options: Mapping[str, Any] | None = None):
        raw = os.fspath(path) if path is not None else default_store_path()
        if not raw or not isinstance(raw, str):
            raise ValueError("store path must be a non-empty path or URL")
        if storage_options is None:
            storage_options = storage_options_from_env() if "://" in raw else {}
        self.storage_options = dict(storage_options)
        self._backend = Backend(raw, self.storage_options)
        self.path = raw if not self._backend.is_local else str(Path(raw.removeprefix("file://")))
        if self._backend.is_local:
            self._check_local(Path(self._backend.root))
        else:
            self._backend.check_reachable()
        self._root_ok = False
        self._check_schema()

    @property
    def local_path(self) -> Path | None:
        """The store's directory when it is on the local file system, else None."""
        return Path(self._backend.root) if self._backend.is_local else None

    def __repr__(self) -> str:
        return f"Store({self.path!r})"

    def __reduce__(self):
        return (Store, (self.path, self.storage_options))

    # -- opening ------------------------------------------------------------------------
    @staticmethod
    def _check_local(local: Path) -> None:
        if local.exists() and not local.is_dir():
            raise ValueError(f"store path {str(local)!r} exists and is not a directory "
                             f"(not a workbench store)")
        ours = {"runs", "datasets", "claims"}  # another process may be creating the store right now
        foreign = [p for p in local.iterdir() if p.name not in ours and not p.name.endswith(".partial")] \
            if local.is_dir() else []
        if foreign and not (local / "zarr.json").exists():
            raise ValueError(f"store path {str(local)!r} exists and is not a workbench store "
                             f"(no zarr.json); choose another path")

    def _check_schema(self) -> None:
        try:
            meta = self._backend.read_json("zarr.json")
        except ValueError:
            raise ValueError(f"store {self.path!r}: its zarr.json is damaged (not JSON)") from None
        except OSError as exc:
            raise StoreUnavailableError(f"store {self.path!r} cannot be read: {exc}") from None
        if meta is None:
            return
        attrs = meta.get("attributes") if isinstance(meta, dict) else None
        version = attrs.get("schema_version") if isinstance(attrs, dict) else None
        if version is None:
            raise ValueError(f"store {self.path!r} is a zarr group but not a workbench store "
                             f"(no schema_version attribute)")
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise ValueError(f"store {self.path!r} has schema_version {version!r}, newer than this "
                             f"code supports ({SCHEMA_VERSION}); upgrade neuro-workbench")
        self._root_ok = True

    def exists(self) -> bool:
        """Whether the store has been created (read-only commands require it)."""
        return self._backend.read("zarr.json") is not None

    def require_exists(self) -> None:
        """Raise :class:`StoreUnavailableError` unless the store exists (nothing is created)."""
        if not self.exists():
            raise StoreUnavailableError(f"no workbench store at {self.path!r}")

    def create(self) -> Store:
        """Create the (empty) store if it does not exist yet; return it."""
        self._ensure_root()
        return self

    def _ensure_root(self) -> None:
        if self._root_ok:
            return
        group = {"zarr_format": 3, "node_type": "group", "attributes": {}}
        attrs = {"schema_version": SCHEMA_VERSION, "created": utcnow(), "kind": "workbench-store"}
        self._backend.create("zarr.json", json.dumps({**group, "attributes": attrs}).encode())
        for sub in ("runs", "datasets"):
            self._backend.create(f"{sub}/zarr.json", json.dumps(group).encode())
        self._root_ok = True

    # -- writing runs ----------------------------------------------------------------------
    def new_run(self, kind: str, params: Mapping[str, Any] | None = None,
                seed: int | None = None) -> RunWriter:
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
        if not isinstance(kind, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]+", kind):
            raise ValueError(f"kind must be a non-empty string of letters, digits, '_', '-', '.', "
                             f"got {kind!r}")
        params_json = to_json(dict(params or {}), "params")
        if seed is not None and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool)):
            raise ValueError(f"seed must be an integer or None, got {seed!r}")
        return RunWriter(self, kind, params_json, None if seed is None else int(seed))

    @staticmethod
    def _new_run_id(kind: str) -> str:
        stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S")
        return f"{stamp}-{kind.replace('.', '-')}-{uuid.uuid4().hex[:6]}"

    # -- reading runs ----------------------------------------------------------------------
    def run_ids(self) -> list[str]:
        """Ids of all runs, whatever their status (one listing)."""
        self._backend.invalidate()
        return sorted(name for name, is_dir in self._backend.listdir("runs") if is_dir)

    def _scan(self) -> list[tuple[RunRecord, dict | None]]:
        """Every run folder with its record and lease: one listing, one read per run, one more
        per running run (its lease). On object storage the records of finished runs come from
        one cached object (:mod:`workbench.store.finished`), so only new, running and damaged
        runs are read."""
        ids = self.run_ids()
        cached = finished.load(self._backend) if self._backend.is_object_store else {}
        unread = [i for i in ids if i not in cached]
        metas = self._backend.read_many([f"runs/{i}/zarr.json" for i in unread])
        parsed = {i: parse_run_meta(metas[f"runs/{i}/zarr.json"]) for i in unread}
        if self._backend.is_object_store:
            update = finished.merged(cached, ids, {i: a for i, (a, _) in parsed.items() if a is not None})
            if update is not None:
                finished.save(self._backend, update)
        present = set(ids)
        parsed.update({i: (attrs, None) for i, attrs in cached.items() if i in present})
        need_lease = [i for i, (attrs, _) in parsed.items() if attrs is None or attrs["status"] == "running"]
        raw_leases = self._backend.read_many([f"runs/{i}/lease.json" for i in need_lease])
        leases: dict[str, Any] = {}
        for i in need_lease:
            raw = raw_leases[f"runs/{i}/lease.json"]
            try:
                leases[i] = json.loads(raw) if isinstance(raw, bytes) else None
            except ValueError:
                leases[i] = None
        out = []
        for i in ids:
            attrs, reason = parsed[i]
            if attrs is None and lease_alive(leases.get(i)):
                continue  # being created right now
            out.append((record_of(i, attrs, reason, leases.get(i)), leases.get(i)))
        return out

    def runs(self, kind: str | None = None, status: str | None = None) -> list[RunRecord]:
        """Run records, newest first, optionally filtered by ``kind`` and ``status``.

        ``status`` is one of ``running``, ``complete``, ``failed``, ``stale`` (a running run
        whose lease expired: its writer is gone) or ``corrupt`` (metadata unreadable; the
        record's ``reason`` says why). A damaged run never hides the others.
        """
        records = [rec for rec, _ in self._scan()
                   if (kind is None or rec.kind == kind) and (status is None or rec.status == status)]
        records.sort(key=lambda r: (r.created, r.id), reverse=True)
        return records

    def _read_lease(self, run_id: str) -> Any:
        try:
            return self._backend.read_json(f"runs/{run_id}/lease.json")
        except ValueError:
            return None

    def open(self, run_id: str) -> RunReader:
        """Open a run read-only (reads only that run's metadata).

        Raises
        ------
        KeyError
            No such run.
        CorruptRunError
            (a ``ValueError``) The run's metadata is damaged; the message says how.
        """
        check_name(run_id, "run_id")
        raw = self._backend.read(f"runs/{run_id}/zarr.json")
        if raw is None and not self._backend.exists(f"runs/{run_id}"):
            raise KeyError(f"no run {run_id!r} in store {self.path!r}")
        attrs, reason = parse_run_meta(raw)
        if attrs is None:
            raise CorruptRunError(f"run {run_id!r} is corrupt: {reason}")
        lease = self._read_lease(run_id) if attrs["status"] == "running" else None
        return RunReader(self, run_id, attrs, lease)

    # -- tags and notes ---------------------------------------------------------------------
    def annotate(self, run_id: str, *, tags: Iterable[str] | None = None, add: Iterable[str] = (),
                 remove: Iterable[str] = (), note: str | None = None) -> dict[str, Any]:
        """Set a run's tags and note; returns its annotations.

        ``tags`` replaces the tags, ``add`` and ``remove`` change them, ``note`` replaces the
        note. The run's record is not touched (see :mod:`workbench.store.notebook`).

        Raises
        ------
        KeyError
            No such run.
        ValueError
            A bad tag or note (nothing is written).
        """
        check_name(run_id, "run_id")
        if self._backend.read(f"runs/{run_id}/zarr.json") is None:
            raise KeyError(f"no run {run_id!r} in store {self.path!r}")
        key = f"runs/{run_id}/{notebook.ANNOTATIONS}"
        value = notebook.updated(notebook.parse(self._backend.read(key)), tags=tags, add=add,
                                    remove=remove, note=note)
        value["updated"] = utcnow()
        self._backend.write(key, json.dumps(value, indent=1).encode())
        return value

    def annotations(self, run_ids: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """``{run id: {"tags": [...], "note": str}}`` of ``run_ids`` (default: every run), one
        concurrent read per run; runs without annotations get empty ones."""
        ids = self.run_ids() if run_ids is None else [check_name(i, "run_id") for i in run_ids]
        keys = {i: f"runs/{i}/{notebook.ANNOTATIONS}" for i in ids}
        raw = self._backend.read_many(list(keys.values()))
        out = {}
        for i, k in keys.items():
            value = raw[k]
            out[i] = notebook.parse(value if isinstance(value, bytes) else None)
        return out

    def delete(self, run_id: str, force: bool = False) -> None:
        """Delete a run and all its arrays.

        A run whose writer still holds its lease is refused unless ``force``; the writer then
        finds its lease gone and fails without marking anything.
        """
        check_name(run_id, "run_id")
        if not self._backend.exists(f"runs/{run_id}"):
            raise KeyError(f"no run {run_id!r} in store {self.path!r}")
        if not force and lease_alive(self._read_lease(run_id)):
            raise ValueError(f"run {run_id!r} is being written by a live process; use force=True "
                             f"(`--force`) to delete it anyway")
        self._backend.remove(f"runs/{run_id}")

    def gc(self, statuses: tuple[str, ...] = ("stale", "failed", "corrupt"), force: bool = False,
           dry_run: bool = False) -> list[str]:
        """Delete runs whose status is in ``statuses`` and abandoned dataset entries and claims.

        A run whose lease still holds is kept unless ``force``. Returns the removed run ids
        (and ``datasets/...`` / ``claims/...`` paths of removed entries).
        """
        from .datasets import gc_datasets

        removed = []
        for rec, lease in self._scan():
            if rec.status not in statuses or (lease_alive(lease) and not force):
                continue
            if not dry_run:
                self._backend.remove(f"runs/{rec.id}")
            removed.append(rec.id)
        removed.extend(gc_datasets(self, dry_run=dry_run))
        return removed

    def verify(self, run_ids: list[str] | None = None) -> dict[str, list[str]]:
        """Check runs (all by default): ``{run_id: [problem, ...]}``, ``[]`` for an intact run.

        Reads every array of each complete run against its manifest and checksums.
        """
        records = {rec.id: rec for rec, _ in self._scan()}
        ids = list(run_ids) if run_ids else sorted(records)
        out: dict[str, list[str]] = {}
        for run_id in ids:
            rec = records.get(run_id)
            if rec is None:
                out[run_id] = ["no such run"]
            elif rec.status == "corrupt":
                out[run_id] = [f"corrupt: {rec.reason}"]
            elif rec.status != "complete":
                out[run_id] = []
            else:
                try:
                    out[run_id] = self.open(run_id).verify()
                except (KeyError, ValueError, OSError) as exc:
                    out[run_id] = [str(exc).strip("'\"")]
        return out

    # -- datasets --------------------------------------------------------------------------
    def dataset(self, name: str, factory: Callable[..., Any], **params) -> Any:
        """Ground truth cached under ``datasets/<name>/<key>`` keyed by its parameters.

        One process computes a key, others asking for it meanwhile wait for its result (a
        claim held by a lease); later calls from any process read the stored copy. See
        :func:`workbench.store.datasets.dataset`.
        """
        from .datasets import dataset

        return dataset(self, name, factory, **params)

    def datasets(self) -> dict[str, list[dict]]:
        """Cached datasets: ``{name: [params, ...]}`` (complete entries only)."""
        from .datasets import list_datasets

        return list_datasets(self)
