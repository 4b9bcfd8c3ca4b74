"""The experiment base class: one declaration of parameters, one way to run.

An experiment is a :class:`param.Parameterized` subclass whose class attributes declare its
parameters once (types, bounds, defaults, docs). That declaration is validated when read from
TOML or ``--set key=value`` (:meth:`Experiment.from_config`), turned into widgets by Panel
(``pn.Param(experiment)``), and written as JSON into the run's attributes (provenance) so
that :meth:`Experiment.from_run` can re-create it.

Subclasses set ``kind`` (the registry name, e.g. ``"systems.lorenz63"``), implement
:meth:`execute` and optionally :meth:`validate` for cross-parameter checks.
"""

from __future__ import annotations

import json
from typing import Any, Callable, ClassVar, Mapping

import numpy as np
import param

__all__ = ["Experiment", "Progress", "RunFailedError", "coerce_value"]

#: ``progress(fraction, message="", **scalars)``: ``fraction`` in [0, 1]; ``scalars`` are
#: live values (loss, D_stsp, ...) a GUI may plot while the run goes on.
Progress = Callable[..., None]


class RunFailedError(RuntimeError):
    """An experiment failed after its run was opened; the run is recorded as ``failed``.

    Attributes
    ----------
    run_id : str
        The failed run (kept in the store with its error text and traceback).
    """

    def __init__(self, run_id: str, error: BaseException):
        super().__init__(f"run {run_id} failed: {type(error).__name__}: {error}")
        self.run_id = run_id
        self.error = error


def _noop_progress(fraction, message="", **scalars):
    return None


def coerce_value(p: param.Parameter, name: str, raw: Any) -> Any:
    """Turn a raw value (a string from ``--set`` or a TOML value) into ``p``'s type.

    Raises
    ------
    ValueError
        When the value cannot be converted; the message names the parameter.
    """
    if not isinstance(raw, str):
        if isinstance(p, param.Number) and not isinstance(p, param.Integer) and isinstance(raw, int) \
                and not isinstance(raw, bool):
            return float(raw)
        if isinstance(p, (param.List, param.Tuple)) and isinstance(raw, (list, tuple)):
            return tuple(raw) if isinstance(p, param.Tuple) else list(raw)
        return raw
    text = raw.strip()
    try:
        if isinstance(p, param.Boolean):
            low = text.lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError("expected true/false")
        if isinstance(p, param.Integer):
            value = float(text)
            if value != int(value):
                raise ValueError("expected an integer")
            return int(value)
        if isinstance(p, param.Number):
            return float(text)
        if isinstance(p, (param.List, param.Tuple, param.Array)):
            if text.startswith("["):
                items = json.loads(text)
            else:
                items = [json.loads(t) if t.strip() not in ("",) else None for t in text.split(",")]
            if isinstance(p, param.Tuple):
                return tuple(items)
            if isinstance(p, param.Array):
                return np.asarray(items)
            return list(items)
        if text.lower() in ("none", "null") and p.allow_None:
            return None
    except (ValueError, json.JSONDecodeError) as exc:
        raise ValueError(f"parameter {name!r}: cannot read {raw!r} ({exc})") from None
    return text


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, tuple):
        return list(value)
    return value


class Experiment(param.Parameterized):
    """Base class of every registered experiment.

    Subclasses declare parameters as ``param`` class attributes and implement
    :meth:`execute`. ``seed`` is common to all experiments.

    Examples
    --------
    >>> exp = SomeExperiment(n_steps=1000)        # doctest: +SKIP
    >>> run_id = exp.run(Store("memory://demo"))  # doctest: +SKIP
    """

    kind: ClassVar[str] = ""

    seed = param.Integer(default=0, bounds=(0, None), doc="Seed of every random number used by the run.")

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def parameter_names(cls) -> list[str]:
        """Names of the user-facing parameters (excluding param's ``name``)."""
        return [n for n in cls.param if n != "name" and not cls.param[n].constant]

    @classmethod
    def from_config(cls, values: Mapping[str, Any] | None = None, **kw) -> "Experiment":
        """Build an experiment from raw values (TOML table, ``--set`` strings, JSON).

        Unknown names and out-of-range or ill-typed values raise ``ValueError`` naming the
        parameter and what is allowed.
        """
        merged = dict(values or {})
        merged.update(kw)
        allowed = cls.parameter_names()
        converted = {}
        for key, raw in merged.items():
            if key not in allowed:
                raise ValueError(f"unknown parameter {key!r} for {cls.kind or cls.__name__}; "
                                 f"allowed: {', '.join(allowed)}")
            converted[key] = coerce_value(cls.param[key], key, raw)
        try:
            exp = cls(**converted)
        except (ValueError, TypeError) as exc:
            raise ValueError(_clean_param_error(exc)) from None
        exp.validate()
        return exp

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "Experiment":
        """Re-create an experiment from the ``params`` stored in a run's attributes."""
        return cls.from_config(params)

    def to_params(self) -> dict[str, Any]:
        """The parameters as a JSON-serialisable dict (what a run records)."""
        return {n: _jsonable(getattr(self, n)) for n in self.parameter_names()}

    # -- hooks ------------------------------------------------------------------------------
    def validate(self) -> None:
        """Cross-parameter checks; raise ``ValueError`` naming the parameter(s)."""

    def execute(self, run, progress: Progress) -> None:
        """Do the work: write arrays, metrics and figures into ``run`` (a RunWriter)."""
        raise NotImplementedError

    # -- running ----------------------------------------------------------------------------
    def run(self, store, progress: Progress | None = None, tags: Mapping[str, Any] | None = None) -> str:
        """Validate, open a new run in ``store``, execute, and return the run id.

        Validation happens before anything is written: a rejected experiment leaves the
        store untouched. An exception inside :meth:`execute` marks the run ``failed`` (with
        the error text) and raises :class:`RunFailedError` chained to the original error.

        Parameters
        ----------
        store : workbench.store.Store
            Where the run is written.
        progress : callable, optional
            ``progress(fraction, message="", **scalars)``.
        tags : mapping, optional
            JSON attributes recorded as the run's ``tags`` (e.g. the sweep it belongs to).
        """
        self.validate()
        progress = progress or _noop_progress
        writer = store.new_run(self.kind, self.to_params(), seed=self.seed)
        try:
            with writer as run:
                if tags:
                    run.attrs["tags"] = dict(tags)
                self.execute(run, progress)
        except Exception as exc:
            if writer.id is None:
                raise
            raise RunFailedError(writer.id, exc) from exc
        progress(1.0, "done")
        return writer.id


def _clean_param_error(exc: Exception) -> str:
    """param's messages are long; keep the part that names the parameter and bound."""
    text = str(exc)
    for marker in ("Parameter ", "Number parameter ", "Integer parameter "):
        if marker in text:
            return text[text.index(marker):]
    return text
