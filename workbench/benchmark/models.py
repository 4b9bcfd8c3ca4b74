"""Find benchmark models through the ``workbench.benchmark_models`` entry-point group.

Each entry point names a factory ``make(dataset: DatasetInfo, quick: bool) -> model``
(:class:`~workbench.benchmark.protocol.ModelFactory`). Built-in models register exactly like
a user's own package does, so :mod:`workbench` never imports a science package. An entry
point that fails to load is skipped with a warning and listed by :func:`load_errors`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import lru_cache
from importlib.metadata import entry_points

from .protocol import GROUP

__all__ = ["get_model", "load_errors", "models", "reload"]


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, Callable], dict[str, str]]:
    found: dict[str, Callable] = {}
    errors: dict[str, str] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        if ep.name in found:
            continue
        try:
            obj = ep.load()
        except Exception as exc:  # noqa: BLE001 - reported, not fatal
            errors[ep.name] = f"{type(exc).__name__}: {exc}"
            warnings.warn(f"benchmark model {ep.name!r} unavailable: {errors[ep.name]}",
                          RuntimeWarning, stacklevel=3)
            continue
        if not callable(obj):
            errors[ep.name] = f"entry point names {obj!r}, not a factory"
            warnings.warn(f"benchmark model {ep.name!r} unavailable: {errors[ep.name]}",
                          RuntimeWarning, stacklevel=3)
            continue
        found[ep.name] = obj
    return found, errors


def models() -> dict[str, Callable]:
    """Registered model factories by name, sorted."""
    return dict(_load()[0])


def load_errors() -> dict[str, str]:
    """Entry points that failed to load: ``{name: error}``."""
    return dict(_load()[1])


def reload() -> None:
    """Forget the cached entry points (after installing a package in this process)."""
    _load.cache_clear()


def get_model(name: str) -> Callable:
    """The factory registered as ``name``; ``ValueError`` lists the known ones."""
    table = models()
    if name not in table:
        broken = load_errors()
        extra = f" (unavailable: {', '.join(broken)})" if broken else ""
        raise ValueError(f"unknown model {name!r}; known: {', '.join(table) or '(none)'}{extra}")
    return table[name]
