"""Writing one run: arrays with checksums, a lease held while writing, a completion manifest."""

from __future__ import annotations

import errno
import io
import math
import os
import sys
import traceback
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from . import common
from .common import SCHEMA_VERSION, LeaseLostError, check_dims, check_name, to_json, utcnow
from .lease import Lease, owner_info
from .provenance import git_commit, versions

if TYPE_CHECKING:
    import zarr

    from .store import Store

__all__ = ["RunWriter"]

_RESERVED = {"logs", "figures"}


def _codecs():
    from zarr.codecs import Crc32cCodec

    return [Crc32cCodec()]


def n_chunks(shape: tuple[int, ...], chunks: tuple[int, ...]) -> int:
    """Number of chunks of an array of ``shape`` cut into ``chunks``."""
    if any(s == 0 for s in shape):
        return 0
    return int(np.prod([math.ceil(s / c) for s, c in zip(shape, chunks)], dtype=np.int64)) if shape else 1


_TEMPLATES: dict[str, dict] = {}


def _array_metadata(shape, dtype: np.dtype, chunks, dims, attrs) -> bytes:
    """The ``zarr.json`` of an array this store creates, made without zarr's event loop.

    zarr itself writes the template once per dtype (in memory, same codecs and fill value as
    :meth:`RunWriter._create`); only shape, chunk shape, dimension names and attributes
    differ between arrays, so a whole-array write costs one small file instead of a round
    trip through zarr's asynchronous store (about 3 ms each, the size of writing 10 MiB).
    """
    import json

    key = np.dtype(dtype).str
    if key not in _TEMPLATES:
        import zarr
        from zarr.storage import MemoryStore

        mem = MemoryStore()
        zarr.create_array(mem, shape=(1,), dtype=dtype, chunks=(1,), compressors=_codecs(),
                          config={"write_empty_chunks": True})
        _TEMPLATES[key] = json.loads(mem._store_dict["zarr.json"].to_bytes())
    meta = dict(_TEMPLATES[key])
    meta["shape"] = [int(s) for s in shape]
    meta["chunk_grid"] = {"name": "regular", "configuration": {"chunk_shape": [int(c) for c in chunks]}}
    meta["dimension_names"] = list(dims)
    meta["attributes"] = attrs
    return json.dumps(meta, indent=2).encode()


class _Written:
    """What the manifest needs of an array written without zarr: shape, dtype, chunks."""

    __slots__ = ("shape", "dtype", "chunks")

    def __init__(self, shape, dtype, chunks):
        self.shape, self.dtype, self.chunks = tuple(shape), np.dtype(dtype), tuple(chunks)


def _raw_ok(arr: np.ndarray) -> bool:
    """Whether ``arr`` can be written without zarr (plain little-endian numbers, ≥ 1-D)."""
    return (sys.byteorder == "little" and arr.ndim >= 1 and arr.dtype.kind in "biuf"
            and arr.dtype.byteorder in "=<|")


def _write_raw_chunks(backend, prefix: str, arr: np.ndarray, chunk_rows: int) -> None:
    """Write ``arr`` as zarr v3 chunk files or objects directly, as fast as ``np.save``.

    Valid for the layout this store creates: chunked along the first axis only, codecs
    ``bytes`` (little-endian) then ``crc32c`` (the chunk's bytes followed by their CRC-32C,
    little-endian, as the zarr v3 crc32c codec specifies), default chunk keys ``c/<i>/0/...``.
    The edge chunk is padded to the full chunk shape with the fill value 0, as the regular
    chunk grid requires. Each chunk is written whole under a temporary name and renamed (on
    object storage: one PUT, up to :data:`~workbench.store.backend.WRITE_CONCURRENCY` at
    once), so readers never see a partial chunk.
    """
    import google_crc32c

    from .backend import WRITE_CONCURRENCY

    zeros = "/0" * (arr.ndim - 1)
    row_bytes = arr.itemsize * int(np.prod(arr.shape[1:], dtype=np.int64))
    uploads: list[tuple[str, bytes]] = []
    for k, lo in enumerate(range(0, arr.shape[0], chunk_rows)):
        block = np.ascontiguousarray(arr[lo:lo + chunk_rows])
        raw = block.reshape(-1).view(np.uint8)
        pad = bytes((chunk_rows - block.shape[0]) * row_bytes)     # the edge chunk's fill
        crc = google_crc32c.value(raw)
        if pad:
            crc = google_crc32c.extend(crc, pad)
        key = f"{prefix}/c/{k}{zeros}"
        if not backend.is_local:
            uploads.append((key, b"".join((raw.data, pad, crc.to_bytes(4, "little")))))
            if len(uploads) == WRITE_CONCURRENCY:
                backend.write_many(uploads)
                uploads = []
            continue
        path = Path(backend.path(key))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
        try:
            with open(tmp, "wb") as fh:
                fh.write(raw.data)
                fh.write(pad)
                fh.write(crc.to_bytes(4, "little"))
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    backend.write_many(uploads)


class _Metrics(dict):
    """``run.metrics``: a dict whose values must be JSON-serialisable."""

    def __setitem__(self, key, value):
        if not isinstance(key, str) or not key:
            raise ValueError(f"metric name must be a non-empty string, got {key!r}")
        super().__setitem__(key, to_json(value, f"metric {key!r}"))

    def update(self, *args, **kw):
        for k, v in dict(*args, **kw).items():
            self[k] = v


class RunWriter:
    """Writes one run; created by :meth:`Store.new_run` and used as a context manager.

    The writer holds the run's lease (``runs/<id>/lease.json``) from creation to its final
    status and checks it before every status change. Arrays passed to :meth:`write` are
    stored at once; blocks passed to :meth:`append` are buffered and written in whole
    chunks. Every chunk carries a CRC-32C checksum; on completion the run records what it
    wrote (arrays, shapes, chunk counts) so a reader detects any chunk gone missing. A run
    that fails on a full disk removes its (incomplete) arrays before recording the failure,
    so the failure is recorded and the next run finds room.
    """

    def __init__(self, store: Store, kind: str, params: dict, seed: int | None):
        self.store = store
        self.kind = kind
        self.params = params
        self.seed = seed
        self.id: str | None = None
        self.metrics = _Metrics()
        self.attrs = _Metrics()
        #: Callables ``hook(run_id)`` called when the run id is chosen, before anything is written.
        self.on_open: list = []
        self._group: zarr.Group | None = None
        self._lease: Lease | None = None
        self._meta: dict[str, Any] = {}
        self._written: dict[str, Any] = {}
        self._buffers: dict[str, list[np.ndarray]] = {}
        self._streams: dict[str, Any] = {}
        self._buffered_rows: dict[str, int] = {}
        self._logs: list[tuple[float, dict]] = []
        self._dims: dict[str, int] = {}

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> RunWriter:
        import zarr

        backend = self.store._backend
        self.store._ensure_root()
        self.id = self.store._new_run_id(self.kind)
        for hook in self.on_open:  # before anything exists: whoever tracks the run knows its id
            hook(self.id)
        self._lease = Lease(backend, f"runs/{self.id}/lease.json", {"run": self.id})
        self._meta = {
            "schema_version": SCHEMA_VERSION, "kind": self.kind, "params": self.params,
            "seed": self.seed, "status": "running", "created": utcnow(), "finished": None,
            "error": None, "versions": versions(), "git": git_commit(),
            **{k: v for k, v in owner_info().items() if k != "pid_ns"}, "metrics": {},
        }
        try:
            self._lease.acquire()
            self._put_meta()
            self._group = zarr.open_group(backend.zstore, path=f"runs/{self.id}", mode="r+", zarr_format=3)
        except BaseException as exc:
            self._lease.stop()
            self._abandon(exc)
            raise
        return self

    def _abandon(self, exc: BaseException) -> None:
        """Undo a run whose creation failed: remove what was made (e.g. on a full disk).

        ``id`` becomes None when nothing of the run is left; if its folder cannot be removed,
        ``id`` stays and the run is recorded ``failed`` with the error (as far as the store
        still takes writes; otherwise the stopped lease makes it read as stale).
        """
        backend = self.store._backend
        key = f"runs/{self.id}"
        try:
            backend.remove(key)
            left = backend.exists(key)
        except OSError:
            left = True
        if not left:
            self.id = None
            return
        self._meta.update({"status": "failed", "finished": utcnow(),
                           "error": f"{type(exc).__name__}: {exc}"})
        try:
            self._put_meta()
        except OSError:
            pass

    def _put_meta(self) -> None:
        self.store._backend.write_json(f"runs/{self.id}/zarr.json",
                                       {"attributes": self._meta, "zarr_format": 3, "node_type": "group"})

    def __exit__(self, exc_type, exc, tb) -> Literal[False]:
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
            if not isinstance(exc, LeaseLostError):
                try:
                    self.flush()
                except BaseException:  # noqa: BLE001 - the original error matters more
                    pass
            self._finish("failed", exc)
        return False

    def _manifest(self) -> dict[str, dict]:
        return {path: {"shape": list(za.shape), "dtype": str(za.dtype),
                       "chunks": n_chunks(tuple(za.shape), tuple(za.chunks))}
                for path, za in sorted(self._written.items())}

    def _finish(self, status: str, exc: BaseException | None) -> None:
        """Record the final status, if this writer still owns the run (fencing), then release."""
        lease = self._held_lease()
        try:
            lease.check()
        except LeaseLostError:
            lease.stop()
            if exc is None:
                raise
            return
        update = {"status": status, "finished": utcnow(), "metrics": dict(self.metrics), **dict(self.attrs)}
        if status == "complete":
            update["manifest"] = self._manifest()
        if exc is not None:
            update["error"] = f"{type(exc).__name__}: {exc}"
            lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
            update["traceback"] = "".join(lines)[-4000:]
        self._meta.update(update)
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            # a full disk: free what this run wrote (its arrays are incomplete anyway) before
            # recording why, so the failure can be recorded and the next run finds room
            for path in list(self._written):
                self._discard(path)
        try:
            self._put_meta()
        except BaseException as write_exc:
            # Disk full or store gone: free what this run wrote and record the failure; if
            # even that cannot be written, the released lease makes the run read as stale.
            if status == "complete":
                self._meta.update({"status": "failed", "manifest": None,
                                   "error": f"{type(write_exc).__name__}: {write_exc}"})
            for path in list(self._written):
                self._discard(path)
            try:
                self._put_meta()
            except BaseException:  # noqa: BLE001 - the first error is what the caller sees
                pass
            lease.release()
            if status == "complete":
                raise
            return
        lease.release()

    def _held_lease(self) -> Lease:
        """The run's lease (taken when the run was entered)."""
        if self._lease is None:
            raise RuntimeError("the run is not open: use `with store.new_run(...) as run:`")
        return self._lease

    def _require_open(self) -> zarr.Group:
        if self._group is None:
            raise RuntimeError("the run is not open: use `with store.new_run(...) as run:`")
        if self._lease is not None and self._lease.lost:
            raise LeaseLostError(f"run {self.id!r} was removed by another process (gc --force); "
                                 f"this writer stops")
        return self._group

    def _chunk_bytes(self) -> int:
        return self.store._backend.chunk_bytes

    # -- arrays -------------------------------------------------------------------------------
    def _check_dim_sizes(self, name: str, dims: tuple[str, ...], shape: tuple[int, ...]) -> None:
        for d, n in zip(dims, shape):
            if d in self._dims and self._dims[d] != n:
                raise ValueError(f"dimension {d!r} of {name!r} has length {n}, but another array of "
                                 f"this run uses {d!r} with length {self._dims[d]}; use another dim name")
        for d, n in zip(dims, shape):
            self._dims[d] = n

    def _create(self, group, name: str, path: str, shape, dtype, chunks, dims, attrs=None):
        za = group.create_array(name, shape=shape, dtype=dtype, chunks=chunks, compressors=_codecs(),
                                dimension_names=dims, overwrite=True, attributes=attrs or {},
                                config={"write_empty_chunks": True})
        self._written[path] = za
        return za

    def _discard(self, path: str) -> None:
        """Remove a half-written array (frees the space a failed write took)."""
        self._written.pop(path, None)
        try:
            self.store._backend.remove(f"runs/{self.id}/{path}")
        except Exception:  # noqa: BLE001 - best effort
            pass

    def write(self, name: str, array, dims=None, attrs: Mapping[str, Any] | None = None) -> None:
        """Store a whole array under ``name`` with ``dims`` (its dimension names).

        Dimension names shared between arrays must have equal lengths, so the run opens as an
        ``xarray.Dataset``.
        """
        group = self._require_open()
        check_name(name)
        if name in _RESERVED:
            raise ValueError(f"array name {name!r} is reserved; choose another")
        arr = np.asarray(array)
        if arr.dtype == object:
            raise ValueError(f"array {name!r} must be numeric or string, not object dtype")
        dims = check_dims(dims, arr.ndim, name)
        self._check_dim_sizes(name, dims, arr.shape)
        attrs_json = to_json(dict(attrs or {}), f"attrs of {name!r}")
        chunks = common.chunks_for(arr.shape, arr.dtype, self._chunk_bytes())
        backend = self.store._backend
        try:
            if _raw_ok(arr):
                # the fast path: zarr.json and the checksummed chunks written directly (the
                # bytes zarr would write), one file or object each, no round trips through
                # zarr's event loop (on object storage its create alone took 50-190 ms)
                prefix = f"runs/{self.id}/{name}"
                if name in self._written:
                    backend.remove(prefix)
                self._written[name] = _Written(arr.shape, arr.dtype, chunks)
                backend.write(f"{prefix}/zarr.json", _array_metadata(arr.shape, arr.dtype, chunks, dims,
                                                                     attrs_json))
                if arr.size:
                    _write_raw_chunks(backend, prefix, arr, chunks[0])
                return
            za = self._create(group, name, name, arr.shape, arr.dtype, chunks, dims, attrs_json)
            if not arr.size:
                return
            za[...] = arr
        except BaseException:
            self._discard(name)
            raise

    def append(self, name: str, block, dims=None) -> None:
        """Append ``block`` along the first axis of array ``name`` (created on first call).

        Blocks are buffered and written in whole chunks; :meth:`flush` (called on exit)
        writes the remainder.
        """
        group = self._require_open()
        check_name(name)
        if name in _RESERVED:
            raise ValueError(f"array name {name!r} is reserved; choose another")
        block = np.asarray(block)
        if block.ndim == 0:
            raise ValueError(f"block appended to {name!r} must have at least one dimension")
        if name not in self._buffers:
            if name in self._written:
                raise ValueError(f"array {name!r} already written with write(); cannot append")
            dims = check_dims(dims, block.ndim, name)
            chunks = ((common.chunk_rows(block.shape[1:], block.dtype, self._chunk_bytes()),)
                      + tuple(max(1, s) for s in block.shape[1:]))
            self._streams[name] = self._create(group, name, name, (0,) + block.shape[1:], block.dtype,
                                               chunks, dims)
            self._buffers[name] = []
            self._buffered_rows[name] = 0
        za = self._streams[name]
        if block.shape[1:] != za.shape[1:]:
            raise ValueError(f"block for {name!r} must have trailing shape {za.shape[1:]}, "
                             f"got {block.shape[1:]}")
        self._buffers[name].append(block.astype(za.dtype, copy=False))
        self._buffered_rows[name] += block.shape[0]
        if self._buffered_rows[name] >= za.chunks[0]:
            self._flush_array(name, whole_chunks_only=True)

    def _flush_array(self, name: str, whole_chunks_only: bool) -> None:
        pending = self._buffered_rows.get(name, 0)
        if not pending:
            return
        self._require_open()
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
            check_name(key, "log name")
            try:
                clean[key] = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"log value {key!r} must be a number, got {value!r}") from None
        self._logs.append((float(step), clean))

    def save_figure(self, name: str, fig, dpi: int = 110) -> None:
        """Save a matplotlib figure as PNG in the run (``figures/<name>``)."""
        self._require_open()
        check_name(name, "figure name")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        self.save_png(name, buf.getvalue())

    def save_png(self, name: str, png: bytes) -> None:
        """Store already-encoded PNG bytes as figure ``name``."""
        group = self._require_open()
        check_name(name, "figure name")
        data = np.frombuffer(png, dtype=np.uint8)
        figs = group.require_group("figures")
        za = self._create(figs, name, f"figures/{name}", data.shape, np.uint8, (max(1, data.size),),
                          (f"{name}_byte",), {"format": "png"})
        try:
            za[...] = data
        except BaseException:
            self._discard(f"figures/{name}")
            raise

    # -- flushing -----------------------------------------------------------------------------
    def flush(self) -> None:
        """Write buffered appends, logs and metrics to the store."""
        group = self._require_open()
        for name in list(self._buffers):
            self._flush_array(name, whole_chunks_only=False)
        if self._logs:
            keys = sorted({k for _, s in self._logs for k in s})
            logs = group.require_group("logs")
            table = {"step": np.array([s for s, _ in self._logs], dtype=np.float64)}
            for k in keys:
                table[k] = np.array([s.get(k, np.nan) for _, s in self._logs], dtype=np.float64)
            for k, v in table.items():
                za = self._create(logs, k, f"logs/{k}", v.shape, v.dtype, (max(1, v.size),), ("log_step",))
                za[...] = v
        self._held_lease().check()
        self._meta.update({"metrics": dict(self.metrics), **dict(self.attrs)})
        self._put_meta()
