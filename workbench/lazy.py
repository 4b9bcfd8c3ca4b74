"""Lazy public names for a package: its sub-modules are imported on first use.

The science packages re-export their public API from sub-modules that import heavy libraries
(brian2, JAX, scipy). Binding those names on first access keeps ``import reservoirs`` (and so
the registry reading parameter declarations, and the command line) fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, names: Mapping[str, str],
                 namespace: dict[str, Any]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module ``__getattr__`` and ``__dir__`` that import ``names[name]`` on first access.

    Parameters
    ----------
    package : str
        The package's ``__name__`` (relative sub-module names are resolved against it).
    names : mapping of str to str
        Public name -> sub-module defining it (e.g. ``{"train": ".train"}``).
    namespace : dict
        The package's ``globals()``: every public name of a sub-module is bound there at once
        when the sub-module is first imported, so a function named like its sub-module (e.g.
        ``alrnn.train``) is never shadowed by the sub-module object that the import machinery
        sets as a package attribute.

    Returns
    -------
    tuple of callables
        ``(__getattr__, __dir__)`` for the package module.
    """

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        where = names[name]
        module = importlib.import_module(where, package)
        for other, place in names.items():
            if place == where:
                namespace[other] = getattr(module, other)
        return namespace[name]

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__
