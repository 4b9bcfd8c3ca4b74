"""The records of finished runs, cached in one object, so listing an object store reads each run once.

A run's record (kind, status, times, seed, parameters, metrics, error) is written for the last
time when the run ends ``complete`` or ``failed``; afterwards only deleting the run changes
what a listing shows of it. On object storage a listing would otherwise read every run's
``zarr.json`` (one request each: 1 000 runs, 1 000 requests), so :meth:`Store.runs` keeps the
finished records it has read in ``index/finished.json`` and reads only the runs not in it
(new, running, damaged). The run folders stay the truth:

- the index is a cache written by readers, never by writers; a run missing from it is read;
- only runs present in the listing are shown, so a deleted run disappears at once;
- an index that cannot be read or written (damaged, read-only credentials, a concurrent
  update that lost) costs requests, never a wrong answer;
- ``Store.open`` and ``Store.verify`` read the run's own ``zarr.json``, so damage done to a
  finished run's record after it was cached is reported there.
"""

from __future__ import annotations

import json
from typing import Any

from .reader import _attr_problem

__all__ = ["FINISHED", "INDEX_KEY", "load", "merged", "save", "summary"]

#: Where the index lives, relative to the store's root.
INDEX_KEY = "index/finished.json"
#: Statuses after which a run's record never changes.
FINISHED = ("complete", "failed")
#: The attributes a record is made of (what :func:`workbench.store.reader.record_of` reads).
FIELDS = ("kind", "status", "created", "finished", "seed", "params", "metrics", "error")


def summary(attrs: dict) -> dict:
    """The part of a finished run's attributes its record is made of."""
    return {k: attrs.get(k) for k in FIELDS}


def load(backend) -> dict[str, dict]:
    """The cached records ``{run_id: attributes}``; ``{}`` when absent or unreadable."""
    try:
        raw = backend.read(INDEX_KEY)
        value = json.loads(raw) if raw else {}
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    runs = value.get("runs") if isinstance(value, dict) and value.get("version") == 1 else None
    if not isinstance(runs, dict):
        return {}
    return {run_id: attrs for run_id, attrs in runs.items()
            if isinstance(attrs, dict) and attrs.get("status") in FINISHED and _attr_problem(attrs) is None}


def save(backend, runs: dict[str, dict]) -> None:
    """Replace the index with ``runs`` (best effort: a failed write only costs requests later)."""
    try:
        backend.write(INDEX_KEY, json.dumps({"version": 1, "runs": runs}, separators=(",", ":")).encode())
    except Exception:  # noqa: BLE001 - read-only credentials, a full bucket: the cache is optional
        pass


def merged(cached: dict[str, Any], ids: list[str], read: dict[str, dict]) -> dict[str, dict] | None:
    """The index after a listing of ``ids`` that read ``read`` (finished runs' attributes), or None
    when it is unchanged (nothing new and nothing deleted)."""
    present = set(ids)
    new = {i: summary(a) for i, a in read.items() if a.get("status") in FINISHED}
    if not new and present.issuperset(cached):
        return None
    return {i: a for i, a in {**cached, **new}.items() if i in present}
