"""Cached ground truth: ``datasets/<name>/<key>``, one entry per key, computed once.

Two processes asking for the same key at once must not both compute it: the first takes the
claim ``claims/datasets/<name>/<key>`` (a :class:`~workbench.store.lease.Claim`, held by a
lease), computes and writes the entry; the others wait until the entry is complete, or take
the claim over if its holder dies (its lease expires; on the same host at once). An entry
left half-written by a dead holder is replaced by the next one to take the claim, or removed
by ``gc``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from . import common
from .common import check_dims, check_name, to_json, utcnow
from .lease import Claim
from .writer import _codecs, n_chunks

if TYPE_CHECKING:
    from .store import Store

__all__ = ["dataset", "gc_datasets", "list_datasets"]


def _key(params: dict) -> str:
    return hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]


def _meta(store: Store, entry: str) -> dict | None:
    try:
        meta = store._backend.read_json(f"{entry}/zarr.json")
    except ValueError:
        return None
    attrs = meta.get("attributes") if isinstance(meta, dict) else None
    return attrs if isinstance(attrs, dict) else None


def _load(store: Store, entry: str, attrs: dict) -> Any:
    import zarr

    group = zarr.open_group(store._backend.zstore, path=entry, mode="r", zarr_format=3)
    arrays = []
    for i in range(int(attrs["n_arrays"])):
        expected = (attrs.get("manifest") or {}).get(f"data_{i}", {}).get("chunks")
        if expected is not None and store._backend.count_files(f"{entry}/data_{i}/c") < expected:
            raise common.DamagedRunError(f"dataset {entry!r}: array 'data_{i}' is missing chunks")
        node = group.get(f"data_{i}")
        if not isinstance(node, zarr.Array):
            raise common.DamagedRunError(f"dataset {entry!r}: array 'data_{i}' is missing")
        try:
            arrays.append(node[...])
        except ValueError as exc:
            raise common.DamagedRunError(f"dataset {entry!r}: array 'data_{i}': {exc}") from None
    return tuple(arrays) if attrs.get("tuple") else arrays[0]


def _find(store: Store, name: str, key: str) -> Any:
    """The stored value of ``name``/``key``, or None when there is no complete entry."""
    entry = f"datasets/{name}/{key}"
    attrs = _meta(store, entry)
    if attrs is not None and attrs.get("status") == "complete":
        return _load(store, entry, attrs)
    if attrs is not None:
        return None
    for child, is_dir in sorted(store._backend.listdir(f"datasets/{name}")):  # entries of older versions
        if is_dir and child.startswith(f"{key}-"):
            old = _meta(store, f"datasets/{name}/{child}")
            if old is not None and old.get("status") == "complete":
                return _load(store, f"datasets/{name}/{child}", old)
    return None


def dataset(store: Store, name: str, factory: Callable[..., Any], **params) -> Any:
    """``factory(**params)``, computed once per store and key, then read from the store.

    Parameters
    ----------
    store : Store
        Where the entry lives.
    name : str
        Dataset name (e.g. ``"lorenz63"``).
    factory : callable
        Returns an array (or a tuple of arrays, stored as ``data_0``, ``data_1``...).
    **params
        JSON-serialisable keyword arguments of ``factory``; they form the cache key.
    """
    check_name(name, "dataset name")
    key_params = to_json(params, "dataset params")
    key = _key(key_params)
    cached = _find(store, name, key)
    if cached is not None:
        return cached
    claim = Claim(store._backend, f"datasets/{name}", key, {"dataset": name})
    delay = 0.05
    while True:
        won, _ = claim.try_acquire()
        if won:
            break
        cached = _find(store, name, key)
        if cached is not None:
            return cached
        time.sleep(delay)
        delay = min(1.0, delay * 1.5)
    try:
        cached = _find(store, name, key)
        if cached is not None:
            return cached
        value = factory(**params)
        _write_entry(store, f"datasets/{name}/{key}", claim, value, key, key_params, factory)
        return value
    finally:
        claim.release()


def _write_entry(store: Store, entry: str, claim: Claim, value: Any, key: str, key_params: dict,
                 factory: Callable) -> None:
    import zarr

    backend = store._backend
    store._ensure_root()
    backend.remove(entry)  # whatever a dead holder left
    arrays = [np.asarray(a) for a in (value if isinstance(value, tuple) else [value])]
    attrs = {"params": key_params, "key": key, "status": "writing", "created": utcnow(),
             "factory": getattr(factory, "__qualname__", repr(factory)),
             "n_arrays": len(arrays), "tuple": isinstance(value, tuple)}
    node = {"zarr_format": 3, "node_type": "group"}
    backend.create(f"datasets/{entry.split('/')[1]}/zarr.json",
                   json.dumps({**node, "attributes": {}}).encode())
    backend.write_json(f"{entry}/zarr.json", {**node, "attributes": attrs})
    try:
        group = zarr.open_group(backend.zstore, path=entry, mode="r+", zarr_format=3)
        manifest = {}
        chunk_bytes = backend.chunk_bytes
        for i, arr in enumerate(arrays):
            chunks = common.chunks_for(arr.shape, arr.dtype, chunk_bytes)
            za = group.create_array(f"data_{i}", shape=arr.shape, dtype=arr.dtype, chunks=chunks,
                                    compressors=_codecs(), config={"write_empty_chunks": True},
                                    dimension_names=check_dims(None, arr.ndim, f"data_{i}"))
            za[...] = arr
            manifest[f"data_{i}"] = {"shape": list(arr.shape), "dtype": str(arr.dtype),
                                     "chunks": n_chunks(arr.shape, chunks) if arr.shape else 1}
        claim.check()
    except BaseException:
        backend.remove(entry)
        raise
    backend.write_json(f"{entry}/zarr.json", {**node, "attributes": {**attrs, "status": "complete",
                                                                      "manifest": manifest}})


def list_datasets(store: Store) -> dict[str, list[dict]]:
    """``{name: [params, ...]}`` of the complete entries."""
    store._backend.invalidate()
    out: dict[str, list[dict]] = {}
    for name, is_dir in sorted(store._backend.listdir("datasets")):
        if not is_dir:
            continue
        entries = []
        for child, child_dir in sorted(store._backend.listdir(f"datasets/{name}")):
            attrs = _meta(store, f"datasets/{name}/{child}") if child_dir else None
            if attrs is not None and attrs.get("status") == "complete":
                entries.append(attrs.get("params", {}))
        out[name] = entries
    return out


def gc_datasets(store: Store, dry_run: bool = False) -> list[str]:
    """Remove dataset entries nobody is writing that never completed, and dead claims."""
    backend = store._backend
    removed = []
    for name, is_dir in sorted(backend.listdir("datasets")):
        if not is_dir:
            continue
        for child, child_dir in sorted(backend.listdir(f"datasets/{name}")):
            if not child_dir:
                continue
            entry = f"datasets/{name}/{child}"
            attrs = _meta(store, entry)
            if attrs is not None and attrs.get("status") == "complete":
                continue
            if Claim.held(Claim(backend, f"datasets/{name}", child.split("-")[0]).latest()[1]):
                continue  # a live process is writing it
            if not dry_run:
                backend.remove(entry)
            removed.append(entry)
    for namespace in ("datasets", "points"):
        for group, g_dir in sorted(backend.listdir(f"claims/{namespace}")):
            subs = (backend.listdir(f"claims/{namespace}/{group}") if namespace == "datasets"
                    else [(group, g_dir)])
            for key, k_dir in sorted(subs):
                if not k_dir:
                    continue
                ns = f"{namespace}/{group}" if namespace == "datasets" else namespace
                _, latest = Claim(backend, ns, key).latest()
                abandoned = latest is not None and not Claim.held(latest) and (
                    namespace == "datasets" or latest.get("state") != "released")
                if abandoned:
                    if not dry_run:
                        backend.remove(f"claims/{ns}/{key}")
                    removed.append(f"claims/{ns}/{key}")
    return removed
