"""Names, JSON, time stamps, chunk shapes and errors shared by the store modules."""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import socket
from typing import Any

import numpy as np

__all__ = ["CHUNK_BYTES", "OBJECT_CHUNK_BYTES", "SCHEMA_VERSION", "CorruptRunError", "DamagedRunError",
           "LeaseLostError", "StoreUnavailableError", "check_name", "chunk_rows", "chunks_for", "hostname",
           "to_json", "utcnow"]

#: Version of the on-disk layout written by this code.
SCHEMA_VERSION = 1

#: Target size of one chunk in bytes on a local disk (rows along the first axis fit it).
CHUNK_BYTES = 4 * 2**20

#: Target chunk size on object storage: fewer, larger objects (each request costs a round trip).
OBJECT_CHUNK_BYTES = 16 * 2**20

NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")


class CorruptRunError(ValueError):
    """A run's metadata cannot be read (truncated, wrong types); the message gives the reason."""


class DamagedRunError(OSError):
    """A run's data is missing or altered (a chunk gone, a checksum that does not match)."""


class LeaseLostError(RuntimeError):
    """The writer no longer owns its run or claim (removed by ``gc --force`` or taken over)."""


class StoreUnavailableError(ValueError):
    """The store cannot be reached (unreachable endpoint, missing bucket, missing store)."""


def utcnow() -> str:
    """The current UTC time as ISO 8601 with milliseconds."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")


def hostname() -> str:
    """This machine's name (``$WORKBENCH_HOST`` overrides it, e.g. in containers and tests)."""
    return os.environ.get("WORKBENCH_HOST") or socket.gethostname()


def check_name(name: str, what: str = "array name") -> str:
    """Return ``name`` when it is a safe single path component, else raise ``ValueError``."""
    if not isinstance(name, str) or not NAME_RE.match(name) or name in (".", ".."):
        raise ValueError(f"{what} must be a non-empty string of letters, digits, '_', '-', '.' "
                         f"(no '/'), got {name!r}")
    return name


def to_json(value: Any, what: str) -> Any:
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


def chunk_rows(row_shape: tuple[int, ...], dtype: np.dtype, chunk_bytes: int | None = None) -> int:
    """Rows along the first axis that fill one chunk of ``chunk_bytes`` (default :data:`CHUNK_BYTES`)."""
    target = CHUNK_BYTES if chunk_bytes is None else chunk_bytes
    row_bytes = max(1, int(np.prod(row_shape, dtype=np.int64)) * np.dtype(dtype).itemsize)
    return max(1, target // row_bytes)


def chunks_for(shape: tuple[int, ...], dtype: np.dtype, chunk_bytes: int | None = None) -> tuple[int, ...]:
    """Chunk shape for an array of ``shape``: whole rows, chunked along the first axis only.

    The rows are spread evenly over the fewest chunks of at most ``chunk_bytes``, so the last
    chunk is (almost) full: a regular zarr chunk grid pads the edge chunk to the full chunk
    shape, and even chunks keep that padding under one row per chunk instead of up to a
    whole chunk of zeros written, checksummed and stored for nothing.
    """
    if not shape:
        return ()
    rows = chunk_rows(shape[1:], dtype, chunk_bytes)
    if shape[0]:
        n_chunks = -(-shape[0] // rows)
        rows = -(-shape[0] // n_chunks)
    return (max(1, rows),) + tuple(max(1, s) for s in shape[1:])


def check_dims(dims, ndim: int, name: str) -> tuple[str, ...]:
    """Dimension names for an array of ``ndim`` dimensions (generated when ``dims`` is None)."""
    if dims is None:
        return tuple(f"{name}_dim_{i}" for i in range(ndim))
    dims = (dims,) if isinstance(dims, str) else tuple(dims)
    if len(dims) != ndim or not all(isinstance(d, str) and d for d in dims):
        raise ValueError(f"dims for {name!r} must be {ndim} non-empty strings, got {dims!r}")
    return dims
