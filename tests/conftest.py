"""Shared test fixtures."""

import os
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("WORKBENCH_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def memory_store():
    """A fresh in-memory store (``memory://`` fsspec URL)."""
    from workbench.store import Store

    return Store(f"memory://test-{uuid.uuid4().hex}")


@pytest.fixture
def tmp_store(tmp_path):
    """A fresh store in a temporary directory."""
    from workbench.store import Store

    return Store(tmp_path / "store.zarr")


@pytest.fixture(scope="session")
def alrnn_reference_dir():
    """The AL-RNN authors' reference datasets, or skip when ../shared/data is absent."""
    path = SHARED_DATA / "alrnn-dsr"
    if not path.is_dir():
        pytest.skip(f"reference data folder {path} is absent")
    return path


@pytest.fixture
def fixture_run(memory_store):
    """Factory of complete runs holding given metrics and arrays (for claims and readers).

    ``fixture_run(kind, params=None, metrics=None, arrays=None)`` with ``arrays`` a mapping
    ``name -> (array, dims)``; returns the run's :class:`workbench.store.RunReader`.
    """

    def make(kind, params=None, metrics=None, arrays=None):
        with memory_store.new_run(kind, params or {}) as run:
            run.metrics.update(metrics or {})
            for name, (values, dims) in (arrays or {}).items():
                run.write(name, values, dims=dims)
        return memory_store.open(run.id)

    return make
