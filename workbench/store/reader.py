"""Reading runs: metadata checks that isolate damage, and the read-only :class:`RunReader`."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .common import CorruptRunError, DamagedRunError
from .lease import lease_alive

if TYPE_CHECKING:
    from .store import Store

__all__ = ["STATUSES", "RunReader", "RunRecord", "iter_complete", "parse_run_meta"]

#: Statuses a run can have.
STATUSES = ("running", "complete", "failed", "stale", "corrupt")

_WRITTEN = ("running", "complete", "failed")


@dataclass(frozen=True)
class RunRecord:
    """One row of :meth:`Store.runs` (``reason`` says why a run is ``corrupt``)."""

    id: str
    kind: str
    status: str
    created: str
    finished: str | None
    seed: int | None
    params: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    error: str | None = None
    reason: str | None = None


def _attr_problem(attrs: dict) -> str | None:
    """Why ``attrs`` cannot be a run's attributes, or None when they can."""
    checks = [("kind", str, False), ("status", str, False), ("created", str, False),
              ("finished", str, True), ("params", dict, False), ("metrics", dict, False),
              ("error", str, True)]
    for key, typ, nullable in checks:
        if key not in attrs:
            return f"attribute {key!r} is missing"
        value = attrs[key]
        if value is None and nullable:
            continue
        if not isinstance(value, typ):
            shown = "null" if value is None else type(value).__name__
            return f"attribute {key!r} is {shown}, expected {typ.__name__}"
    if attrs["status"] not in _WRITTEN:
        return f"attribute 'status' is {attrs['status']!r}, expected one of {', '.join(_WRITTEN)}"
    seed = attrs.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        return f"attribute 'seed' is {type(seed).__name__}, expected an integer or null"
    manifest = attrs.get("manifest")
    if manifest is not None and not (isinstance(manifest, dict)
                                     and all(isinstance(v, dict) for v in manifest.values())):
        return "attribute 'manifest' is not a table of arrays"
    return None


def parse_run_meta(raw: bytes | BaseException | None) -> tuple[dict | None, str | None]:
    """``(attrs, None)`` from a run's ``zarr.json`` bytes, or ``(None, reason)`` when damaged."""
    if raw is None or isinstance(raw, FileNotFoundError):
        return None, "no zarr.json"
    if isinstance(raw, BaseException):
        return None, f"zarr.json cannot be read: {type(raw).__name__}: {raw}"
    if not raw.strip():
        return None, "zarr.json is empty"
    try:
        meta = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return None, f"zarr.json is not valid JSON ({exc})"
    if not isinstance(meta, dict) or meta.get("node_type") != "group" or meta.get("zarr_format") != 3:
        return None, "zarr.json is not a zarr v3 group"
    attrs = meta.get("attributes")
    if not isinstance(attrs, dict):
        return None, f"attributes are {type(attrs).__name__}, expected an object"
    problem = _attr_problem(attrs)
    return (None, problem) if problem else (attrs, None)


def status_of(attrs: dict, lease: Any) -> str:
    """Status shown for a run: a ``running`` run whose lease does not hold is ``stale``."""
    status = attrs["status"]
    if status == "running" and not lease_alive(lease):
        return "stale"
    return status


def record_of(run_id: str, attrs: dict | None, reason: str | None, lease: Any) -> RunRecord:
    """A :class:`RunRecord` from parsed metadata (``corrupt`` with ``reason`` when damaged)."""
    if attrs is None:
        return RunRecord(id=run_id, kind="?", status="corrupt", created="", finished=None, seed=None,
                         reason=reason)
    return RunRecord(id=run_id, kind=attrs["kind"], status=status_of(attrs, lease), created=attrs["created"],
                     finished=attrs["finished"], seed=attrs.get("seed"), params=attrs["params"],
                     metrics=attrs["metrics"], error=attrs["error"])


class RunReader:
    """Read-only view of one run (:meth:`Store.open`).

    Every array read checks the run's completion manifest (a missing chunk is an error, never
    the fill value) and every chunk's crc32c checksum (an altered chunk is an error).
    """

    def __init__(self, store: Store, run_id: str, attrs: dict, lease: Any = None):
        self.store = store
        self.id = run_id
        self.attrs: dict[str, Any] = attrs
        self._lease = lease
        self._zgroup = None

    @property
    def _group(self):
        if self._zgroup is None:
            import zarr

            self._zgroup = zarr.open_group(self.store._backend.zstore, path=f"runs/{self.id}", mode="r",
                                           zarr_format=3)
        return self._zgroup

    def __repr__(self) -> str:
        return f"RunReader({self.id!r}, kind={self.kind!r}, status={self.status!r})"

    @property
    def kind(self) -> str:
        return self.attrs.get("kind", "?")

    @property
    def status(self) -> str:
        return status_of(self.attrs, self._lease)

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
    def annotations(self) -> dict:
        """The run's tags and note, ``{"tags": [...], "note": str}`` (read each time: they
        may change after the run; see :meth:`workbench.store.Store.annotate`)."""
        from . import notebook

        return notebook.parse(self.store._backend.read(f"runs/{self.id}/{notebook.ANNOTATIONS}"))

    @property
    def manifest(self) -> dict | None:
        """What the writer recorded on completion: ``{array path: {shape, dtype, chunks}}``."""
        return self.attrs.get("manifest")

    @property
    def arrays(self) -> list[str]:
        """Names of the run's arrays (not logs or figures): from the manifest of a complete
        run (no listing), else from the group."""
        if self.manifest is not None:
            return sorted(k for k in self.manifest if "/" not in k)
        return sorted(self._group.array_keys())

    def __contains__(self, name: str) -> bool:
        return name in set(self.arrays)

    def _node(self, path: str):
        """The zarr array at ``path``; :class:`DamagedRunError` when its metadata is unreadable."""
        try:
            return self._group[path]
        except KeyError:
            if (self.manifest or {}).get(path) is not None:
                raise DamagedRunError(f"run {self.id!r}: array {path!r} is listed in the manifest but "
                                      f"its metadata is gone") from None
            raise
        except Exception as exc:  # noqa: BLE001 - damaged metadata of one array
            raise DamagedRunError(f"run {self.id!r}: array {path!r} has damaged metadata "
                                  f"({type(exc).__name__}: {exc})") from None

    def _read(self, path: str) -> np.ndarray:
        """Array ``path`` (``name``, ``logs/<k>``, ``figures/<k>``), checked against the manifest."""
        entry = (self.manifest or {}).get(path)
        za = self._node(path)
        if entry is not None:
            if list(za.shape) != list(entry.get("shape", [])):
                raise DamagedRunError(f"run {self.id!r}: array {path!r} has shape {tuple(za.shape)}, "
                                      f"the manifest records {tuple(entry.get('shape', []))}")
            expected = int(entry.get("chunks", 0))
            present = self.store._backend.count_files(f"runs/{self.id}/{path}/c")
            if present < expected:
                raise DamagedRunError(f"run {self.id!r}: array {path!r} is missing {expected - present} "
                                      f"of {expected} chunks")
        try:
            return za[...]
        except ValueError as exc:
            if "checksum" in str(exc):
                raise DamagedRunError(f"run {self.id!r}: array {path!r} has a chunk whose checksum "
                                      f"does not match (altered data)") from None
            raise DamagedRunError(f"run {self.id!r}: array {path!r} cannot be decoded: {exc}") from None

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self:
            raise KeyError(f"run {self.id!r} has no array {name!r}; arrays: {', '.join(self.arrays)}")
        return self._read(name)

    def array_info(self, name: str) -> tuple[tuple[int, ...], np.dtype]:
        """Shape and dtype of array ``name`` without reading its data."""
        za = self._node(name)
        return tuple(za.shape), za.dtype

    def dims(self, name: str) -> tuple[str, ...]:
        """Dimension names of array ``name``."""
        return tuple(self._node(name).metadata.dimension_names or ())

    @property
    def figures(self) -> list[str]:
        """Names of the saved figures."""
        if self.manifest is not None:
            return sorted(k.split("/", 1)[1] for k in self.manifest if k.startswith("figures/"))
        if "figures" not in set(self._group.group_keys()):
            return []
        return sorted(self._group["figures"].array_keys())

    def figure(self, name: str) -> bytes:
        """PNG bytes of figure ``name``."""
        if name not in self.figures:
            raise KeyError(f"run {self.id!r} has no figure {name!r}; figures: {', '.join(self.figures)}")
        return self._read(f"figures/{name}").tobytes()

    def logs(self) -> dict[str, np.ndarray]:
        """Training curves: ``{"step": ..., name: ...}`` (NaN where a value was not logged)."""
        if self.manifest is not None:
            names = sorted(k.split("/", 1)[1] for k in self.manifest if k.startswith("logs/"))
        elif "logs" in set(self._group.group_keys()):
            names = sorted(self._group["logs"].array_keys())
        else:
            names = []
        return {k: self._read(f"logs/{k}") for k in names}

    def verify(self) -> list[str]:
        """Problems found reading every array of the manifest (``[]`` when intact)."""
        problems = []
        manifest = self.manifest
        if manifest is None:
            return ["no completion manifest"] if self.attrs.get("status") == "complete" else []
        for path in sorted(manifest):
            try:
                self._read(path)
            except (DamagedRunError, KeyError) as exc:
                problems.append(str(exc).strip("'\""))
        return problems

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


__all__ += ["CorruptRunError"]
