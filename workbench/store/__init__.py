"""The zarr-backed trajectory store every run writes to.

Layout (zarr format 3)::

    workbench.zarr/
      zarr.json                 attrs: schema_version
      datasets/<name>/<key>/    cached ground truth, keyed by a hash of its parameters
      claims/<ns>/<key>/<n>.json  who computes a dataset key or runs a sweep point (leases)
      index/finished.json       object stores: the cached records of finished runs (a cache)
      runs/<run_id>/            one group per run, written by exactly one process
          zarr.json             attrs: kind, params, seed, status, created, finished, error,
                                versions, git, metrics, manifest (arrays, shapes, chunk counts)
          lease.json            the writer's lease while it writes (heartbeat, fencing token)
          <array>               named arrays with dimension_names, chunked along time, crc32c
          logs/                 training curves written by ``RunWriter.log``
          figures/<name>        PNG bytes (uint8) saved by ``RunWriter.save_figure``

A run goes ``running`` → ``complete`` | ``failed``. A ``running`` run whose lease expired
(its writer is gone, wherever it ran) is reported as ``stale``; a run whose metadata cannot
be read is ``corrupt``, with the reason, and hides no other run. Listing the runs is one
prefix listing plus one small read per run; on object storage the records of finished runs
(which never change) are read once and kept in ``index/finished.json``
(:mod:`workbench.store.finished`), so a listing reads only new and running runs.

Examples
--------
>>> store = Store("memory://doc-example")
>>> with store.new_run("demo", {"n": 3}, seed=0) as run:
...     run.write("x", np.arange(3.0), dims=("time",))
...     run.metrics["total"] = 3.0
>>> store.open(run.id)["x"]
array([0., 1., 2.])
"""

from .backend import parse_storage_options, storage_options_from_env
from .common import (
                     CHUNK_BYTES,
                     OBJECT_CHUNK_BYTES,
                     SCHEMA_VERSION,
                     CorruptRunError,
                     DamagedRunError,
                     LeaseLostError,
                     StoreUnavailableError,
)
from .reader import STATUSES, RunReader, RunRecord, iter_complete
from .store import Store, default_store_path
from .writer import RunWriter

__all__ = ["CHUNK_BYTES", "OBJECT_CHUNK_BYTES", "SCHEMA_VERSION", "STATUSES", "CorruptRunError",
           "DamagedRunError", "LeaseLostError", "RunReader", "RunRecord", "RunWriter", "Store",
           "StoreUnavailableError", "default_store_path", "iter_complete", "parse_storage_options",
           "storage_options_from_env"]
