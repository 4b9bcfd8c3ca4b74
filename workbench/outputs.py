"""What an experiment writes, declared once: metrics, arrays (with dims and coordinates), figures.

Each registered experiment sets ``outputs = Outputs(...)``. The app pages, ``workbench show``,
the reproduction claims and the benchmarks read the declaration instead of guessing names, and
a test runs every experiment and checks that a run writes exactly what its class declares.

Names may be templates: ``"p_fp_a{a}_n{n}"`` declares a family of metrics (``{...}`` matches
any non-empty text). An output marked ``optional`` may be absent (e.g. written only after
adaptation); a template that is not optional must match at least one written name.

Coordinates: a 1-D array named exactly like a dimension (``lag``, ``neuron``, ``time``,
``balance``) holds that dimension's coordinate values. ``xarray`` makes such a variable the
index of its dimension, so ``run.to_xarray()`` and ``xr.open_zarr`` give labelled axes without
anything else. :func:`write_coordinate` writes one (with ``attrs["coordinate"] = True`` and
its unit); declare it with :meth:`Outputs` ``coords``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

__all__ = ["Array", "Coordinate", "Figure", "Metric", "Outputs", "write_coordinate"]


def _pattern(name: str) -> re.Pattern:
    parts = re.split(r"\{[^}]*\}", name)
    return re.compile(".+".join(re.escape(p) for p in parts) + r"\Z")


@dataclass(frozen=True)
class Metric:
    """A scalar (or small JSON value) in ``run.metrics``."""

    name: str
    meaning: str
    unit: str = ""
    optional: bool = False


@dataclass(frozen=True)
class Array:
    """An array written with ``run.write``/``run.append``: dimension names and meaning."""

    name: str
    dims: tuple[str, ...]
    meaning: str
    unit: str = ""
    optional: bool = False


@dataclass(frozen=True)
class Coordinate:
    """The coordinate values of dimension ``name`` (a 1-D array of that name)."""

    name: str
    meaning: str
    unit: str = ""
    optional: bool = False

    @property
    def dims(self) -> tuple[str, ...]:
        return (self.name,)


@dataclass(frozen=True)
class Figure:
    """A PNG figure saved with ``run.save_figure``."""

    name: str
    title: str
    optional: bool = False


@dataclass(frozen=True)
class Outputs:
    """The declaration of everything a run of one experiment writes."""

    metrics: tuple[Metric, ...] = ()
    arrays: tuple[Array, ...] = ()
    coords: tuple[Coordinate, ...] = ()
    figures: tuple[Figure, ...] = ()
    logs: tuple[str, ...] = field(default=())

    def __add__(self, other: "Outputs") -> "Outputs":
        return Outputs(self.metrics + other.metrics, self.arrays + other.arrays,
                       self.coords + other.coords, self.figures + other.figures,
                       self.logs + other.logs)

    def all_arrays(self) -> tuple[Array | Coordinate, ...]:
        """Data arrays and coordinate arrays."""
        return tuple(self.arrays) + tuple(self.coords)

    def find(self, kind: str, name: str) -> Any:
        """The declaration of ``name`` among ``"metrics"``, ``"arrays"`` or ``"figures"`` (or None)."""
        table = self.all_arrays() if kind == "arrays" else getattr(self, kind)
        for item in table:
            if item.name == name or ("{" in item.name and _pattern(item.name).match(name)):
                return item
        return None

    def meaning(self, kind: str, name: str) -> str:
        """One line describing output ``name`` (meaning and unit), or ``""``."""
        item = self.find(kind, name)
        if item is None:
            return ""
        text = getattr(item, "meaning", None) or getattr(item, "title", "")
        unit = getattr(item, "unit", "")
        return f"{text} [{unit}]" if unit else text

    def problems(self, metrics: Iterable[str], arrays: Iterable[str], figures: Iterable[str],
                 dims: dict[str, tuple[str, ...]] | None = None) -> list[str]:
        """Differences between what a run wrote and this declaration (empty: they agree)."""
        out = []
        for kind, written, declared in (("metric", list(metrics), self.metrics),
                                        ("array", list(arrays), self.all_arrays()),
                                        ("figure", list(figures), self.figures)):
            for name in written:
                if not any(d.name == name or ("{" in d.name and _pattern(d.name).match(name))
                           for d in declared):
                    out.append(f"{kind} {name!r} is written but not declared")
            for d in declared:
                hits = [n for n in written if n == d.name or ("{" in d.name and _pattern(d.name).match(n))]
                if not hits and not d.optional:
                    out.append(f"{kind} {d.name!r} is declared but not written")
                if kind == "array" and dims is not None:
                    for n in hits:
                        if tuple(dims.get(n, ())) != tuple(d.dims):
                            out.append(f"array {n!r} has dims {dims.get(n)}, declared {d.dims}")
        return out


def write_coordinate(run, dim: str, values, unit: str = "", meaning: str = "") -> None:
    """Write the coordinate of dimension ``dim``: a 1-D array named ``dim``.

    ``xarray`` turns it into the index of ``dim`` when the run is opened.
    """
    attrs = {"coordinate": True}
    if unit:
        attrs["unit"] = unit
    if meaning:
        attrs["meaning"] = meaning
    run.write(dim, np.asarray(values), dims=(dim,), attrs=attrs)
