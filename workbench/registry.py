"""Find experiments through the ``workbench.experiments`` entry-point group.

Each entry point names either an :class:`~workbench.experiment.Experiment` subclass or a
module-level list of them (e.g. ``reservoirs = "reservoirs.experiments:EXPERIMENTS"``), so a
science package adds experiments without touching ``workbench``.

An entry point that fails to load is skipped with a warning (one broken package must not
take the others down); :func:`load_errors` lists those failures.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from importlib.metadata import entry_points

from .experiment import Experiment

__all__ = ["experiments", "get_experiment", "load_errors"]

GROUP = "workbench.experiments"


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, type[Experiment]], dict[str, str]]:
    found: dict[str, type[Experiment]] = {}
    errors: dict[str, str] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        try:
            obj = ep.load()
        except Exception as exc:  # noqa: BLE001 - reported, not fatal
            errors[ep.name] = f"{type(exc).__name__}: {exc}"
            warnings.warn(f"experiments of {ep.name!r} unavailable: {errors[ep.name]}", RuntimeWarning,
                          stacklevel=3)
            continue
        items = obj if isinstance(obj, (list, tuple)) else [obj]
        for cls in items:
            if not (isinstance(cls, type) and issubclass(cls, Experiment) and cls.kind):
                raise TypeError(f"entry point {ep.name!r} yields {cls!r}, not an Experiment with a kind")
            if cls.kind in found and found[cls.kind] is not cls:
                raise TypeError(f"experiment kind {cls.kind!r} registered twice")
            found[cls.kind] = cls
    return dict(sorted(found.items())), errors


def experiments() -> dict[str, type[Experiment]]:
    """All registered experiments by ``kind``, sorted by name."""
    return dict(_load()[0])


def load_errors() -> dict[str, str]:
    """Entry points that failed to load: ``{entry point name: error}``."""
    return dict(_load()[1])


def get_experiment(kind: str) -> type[Experiment]:
    """The experiment class registered as ``kind``; ``ValueError`` lists the known ones."""
    if not isinstance(kind, str) or any(ord(c) < 32 or ord(c) == 127 for c in kind):
        raise ValueError(f"experiment name must not contain control characters, got {kind!r}")
    table = experiments()
    if kind not in table:
        broken = load_errors()
        extra = f" (unavailable packages: {', '.join(broken)})" if broken else ""
        raise ValueError(f"unknown experiment {kind!r}; known: {', '.join(table) or '(none)'}{extra}")
    return table[kind]
