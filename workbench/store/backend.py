"""Plain objects of a store on a local disk or any fsspec file system (S3, GCS, memory).

Leases, claims and listings need a handful of operations on small objects, each one
request on object storage: read, write, create-if-absent, list one prefix, remove. A
:class:`Backend` offers exactly those, relative to the store's root, and the zarr store the
arrays go through.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import common
from .common import StoreUnavailableError

__all__ = ["Backend", "parse_storage_options", "storage_options_from_env"]

#: Defaults for S3: an unreachable endpoint fails within seconds, not minutes; one GET per
#: object read (s3fs's concurrent ranged reads cost a HEAD first; zarr already reads chunks
#: concurrently).
_S3_DEFAULTS = {"config_kwargs": {"connect_timeout": 3, "read_timeout": 30,
                                  "retries": {"max_attempts": 2, "mode": "standard"}},
                "max_concurrency": 1}


#: Small objects read at once when listing runs on an object store (1 000 runs on a local
#: moto server, 3 times each: 8 at once 1.82-2.26 s, 16 1.80-1.88 s, 32 1.87-2.18 s, 64
#: 1.84-1.96 s; the server's ~1.8 ms per request is the limit there).
READ_CONCURRENCY = 16
#: Chunks of one array uploaded at once to an object store (each up to
#: :data:`~workbench.store.common.OBJECT_CHUNK_BYTES`; on a local moto server two 6 MB PUTs
#: at once took 0.78x the time of one 12 MB PUT, eight at once 1.15x).
WRITE_CONCURRENCY = 4


def parse_storage_options(items: Iterable[str]) -> dict[str, Any]:
    """``key=value`` strings (``--storage-option``) as a dict; dotted keys nest.

    Values are read as JSON when they parse (numbers, ``true``, objects), else kept as strings:
    ``client_kwargs.region_name=eu-west-1`` gives ``{"client_kwargs": {"region_name": "eu-west-1"}}``.
    """
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key or any(not part for part in key.split(".")):
            raise ValueError(f"--storage-option expects key=value, got {item!r}")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        *parents, last = key.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"--storage-option {key!r} conflicts with an earlier value")
        node[last] = value
    return out


def storage_options_from_env() -> dict[str, Any]:
    """``$WORKBENCH_STORAGE_OPTIONS`` (a JSON object) as a dict; ``{}`` when unset."""
    raw = os.environ.get("WORKBENCH_STORAGE_OPTIONS", "").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"WORKBENCH_STORAGE_OPTIONS must be a JSON object: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError("WORKBENCH_STORAGE_OPTIONS must be a JSON object, e.g. '{\"anon\": false}'")
    return value


def _merge(defaults: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(defaults)
    for key, value in given.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out



def _write_partial(path: str, data: bytes) -> str:
    """Write ``data`` to a new temporary file beside ``path`` (``*.partial``) and return its name.

    Readers and listings ignore ``*.partial`` files; the caller renames or links it into place.
    A failed write removes the temporary file.
    """
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{uuid.uuid4().hex}.partial"
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
    except BaseException:
        _unlink(tmp)
        raise
    return tmp

class Backend:
    """The store's root on a file system, with the few object operations the store needs.

    Parameters
    ----------
    url : str
        A local directory or an fsspec URL.
    storage_options : mapping, optional
        Keyword arguments of the fsspec file system (``endpoint_url``, ``key``, ``secret``...).
    """

    def __init__(self, url: str, storage_options: Mapping[str, Any] | None = None):
        import fsspec

        self.url = url
        self.storage_options = dict(storage_options or {})
        self.is_local = "://" not in url or url.startswith("file://")
        if self.is_local:
            from fsspec.implementations.local import LocalFileSystem

            self.fs = LocalFileSystem()
            self.root = str(Path(url[len("file://"):] if url.startswith("file://") else url).absolute())
            self.options = {}
        else:
            protocol = url.split("://", 1)[0]
            self.options = (_merge(_S3_DEFAULTS, self.storage_options) if protocol in ("s3", "s3a")
                            else dict(self.storage_options))
            try:
                self.fs, root = fsspec.url_to_fs(url, **self.options)
            except Exception as exc:  # noqa: BLE001 - any backend failure reads the same
                raise ValueError(f"store URL {url!r} cannot be opened: {exc}") from None
            self.root = root.rstrip("/")
        self.protocol = url.split("://", 1)[0] if not self.is_local else "file"
        #: Object storage (each request a network round trip): larger chunks pay off.
        self.is_object_store = not self.is_local and self.protocol != "memory"
        self._zstore = None

    # -- paths ----------------------------------------------------------------------------
    def path(self, key: str) -> str:
        """Full path of ``key`` (relative to the root, ``/``-separated)."""
        return f"{self.root}/{key}" if key else self.root

    @property
    def zstore(self):
        """The zarr store over the same root (created on first use)."""
        if self._zstore is None:
            from zarr.storage import FsspecStore, LocalStore

            if self.is_local:
                self._zstore = LocalStore(self.root)
            else:
                self._zstore = FsspecStore.from_url(self.url, storage_options=self.options)
        return self._zstore

    @property
    def chunk_bytes(self) -> int:
        """Target chunk size here: larger on object storage (fewer, larger objects)."""
        return common.OBJECT_CHUNK_BYTES if self.is_object_store else common.CHUNK_BYTES

    def invalidate(self) -> None:
        """Forget cached listings, so the next listing sees every other process's objects."""
        self.fs.invalidate_cache()
        if self._zstore is not None and hasattr(self._zstore, "fs"):
            self._zstore.fs.invalidate_cache()

    # -- objects --------------------------------------------------------------------------
    def read(self, key: str) -> bytes | None:
        """Bytes of ``key``, or None when it does not exist."""
        try:
            return self.fs.cat_file(self.path(key))
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            return None

    def read_many(self, keys: list[str]) -> dict[str, bytes | BaseException]:
        """Bytes of many small objects (concurrent requests on object stores)."""
        if not keys:
            return {}
        paths = [self.path(k) for k in keys]
        if self.is_local:
            out: dict[str, bytes | BaseException] = {}
            for key, path in zip(keys, paths):
                try:
                    with open(path, "rb") as fh:
                        out[key] = fh.read()
                except OSError as exc:
                    out[key] = exc
            return out
        if getattr(self.fs, "async_impl", False):
            # one GET each, a few at a time (fs.cat would stat every path first)
            got = self._concurrently([lambda p=p: self.fs._cat_file(p) for p in paths], READ_CONCURRENCY)
            return {k: (FileNotFoundError(p) if isinstance(v, FileNotFoundError) else v)
                    for k, p, v in zip(keys, paths, got)}
        out = {}
        for key, path in zip(keys, paths):
            try:
                out[key] = self.fs.cat_file(path)
            except OSError as exc:
                out[key] = exc
        return out

    def write(self, key: str, data: bytes) -> None:
        """Write ``key`` whole; readers never see a partial object."""
        path = self.path(key)
        if self.is_local:
            tmp = _write_partial(path, data)
            try:
                os.replace(tmp, path)
            except BaseException:
                _unlink(tmp)
                raise
        else:
            self.fs.pipe_file(path, data)

    def write_many(self, items: list[tuple[str, bytes]]) -> None:
        """Write several objects whole (concurrently on object stores); raises the first error."""
        if self.is_local or not getattr(self.fs, "async_impl", False) or len(items) < 2:
            for key, data in items:
                self.write(key, data)
            return
        puts = [lambda k=k, d=d: self.fs._pipe_file(self.path(k), d) for k, d in items]
        for outcome in self._concurrently(puts, WRITE_CONCURRENCY):
            if isinstance(outcome, BaseException):
                raise outcome

    def _concurrently(self, calls: list, limit: int) -> list:
        """Await ``call()`` for each of ``calls`` on the file system's event loop, ``limit`` at a
        time; the results in order, an exception in place of a call's result when it raised."""
        import asyncio

        from fsspec.asyn import sync

        async def run_all():
            slots = asyncio.Semaphore(limit)

            async def one(call):
                async with slots:
                    return await call()

            return await asyncio.gather(*(one(c) for c in calls), return_exceptions=True)

        return sync(self.fs.loop, run_all)

    def create(self, key: str, data: bytes) -> bool:
        """Write ``key`` only if it does not exist yet (atomically); whether it was written."""
        path = self.path(key)
        if self.is_local:
            tmp = _write_partial(path, data)
            try:
                os.link(tmp, path)
                return True
            except FileExistsError:
                return False
            finally:
                _unlink(tmp)
        try:
            self.fs.pipe_file(path, data, mode="create")
            return True
        except FileExistsError:
            return False
        except OSError as exc:
            if "PreconditionFailed" in str(exc) or "412" in str(exc):
                return False
            raise

    def read_json(self, key: str) -> Any:
        """``key`` parsed as JSON, or None when it does not exist (``ValueError`` when unreadable)."""
        raw = self.read(key)
        return None if raw is None else json.loads(raw)

    def write_json(self, key: str, value: Any) -> None:
        """Write ``value`` as JSON under ``key``."""
        self.write(key, json.dumps(value, indent=1).encode())

    def listdir(self, key: str) -> list[tuple[str, bool]]:
        """``(name, is_dir)`` of the entries under ``key`` (one request), ``[]`` when absent."""
        path = self.path(key)
        if self.is_local:
            try:
                with os.scandir(path) as it:
                    return [(e.name, e.is_dir()) for e in it]
            except (FileNotFoundError, NotADirectoryError):
                return []
        self.fs.invalidate_cache(path)
        try:
            entries = self.fs.ls(path, detail=True)
        except FileNotFoundError:
            return []
        prefix = path.rstrip("/") + "/"
        out = []
        for e in entries:
            name = e["name"].rstrip("/")
            if name.startswith(prefix):
                out.append((name[len(prefix):], e.get("type") == "directory"))
        return out

    def count_files(self, key: str) -> int:
        """Number of files below ``key`` (recursively), ignoring unfinished ``.partial`` files."""
        path = self.path(key)
        if self.is_local:
            return sum(1 for _, _, files in os.walk(path) for f in files if not f.endswith(".partial"))
        self.fs.invalidate_cache(path)
        try:
            return sum(1 for p in self.fs.find(path) if not p.endswith(".partial"))
        except FileNotFoundError:
            return 0

    def exists(self, key: str) -> bool:
        """Whether ``key`` exists (an object or a folder)."""
        path = self.path(key)
        if self.is_local:
            return os.path.exists(path)
        self.fs.invalidate_cache(path)
        return self.fs.exists(path)

    def remove(self, key: str) -> None:
        """Remove ``key`` and everything below it (missing is fine)."""
        path = self.path(key)
        if self.is_local:
            import shutil

            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                _unlink(path)
            return
        try:
            self.fs.rm(path, recursive=True)
        except FileNotFoundError:
            pass
        self.fs.invalidate_cache(path)

    def check_reachable(self) -> None:
        """Raise :class:`StoreUnavailableError` when the endpoint or bucket cannot be reached."""
        if self.is_local or self.protocol == "memory":
            return
        bucket = self.root.split("/", 1)[0]
        try:
            self.fs.info(bucket)
        except FileNotFoundError:
            raise StoreUnavailableError(f"store {self.url!r}: bucket {bucket!r} does not exist "
                                        f"or is not accessible") from None
        except Exception as exc:  # noqa: BLE001 - network, credentials, endpoint
            raise StoreUnavailableError(f"store {self.url!r} cannot be reached: {_short(exc)}") from None


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}"


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
