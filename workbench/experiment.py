"""The experiment base class: one declaration of parameters, one way to run.

An experiment is a :class:`param.Parameterized` subclass whose class attributes declare its
parameters once (types, bounds, defaults, docs). That declaration is validated when read from
TOML or ``--set key=value`` (:meth:`Experiment.from_config`), turned into widgets by Panel
(``pn.Param(experiment)``), and written as JSON into the run's attributes (provenance) so
that :meth:`Experiment.from_run` can re-create it.

Subclasses set ``kind`` (the registry name, e.g. ``"systems.lorenz63"``), implement
:meth:`execute` and optionally :meth:`validate` for cross-parameter checks.

Parameters that several experiments share are declared once in a :class:`ParamGroup` next to
what they configure (``reservoirs.params.NetworkParams``, ``dendrites.params.SDRParams``, ...);
experiments compose the groups by multiple inheritance, so the names stay flat
(``--set n_neurons=100``). :func:`defaults` changes an inherited parameter's default for one
experiment without declaring it again. Each group adds its cross-parameter checks
(:meth:`ParamGroup.validate`) and the memory its parameters need
(:meth:`ParamGroup.memory_estimate`); :meth:`Experiment.check_resources` refuses a run whose
estimate exceeds the available memory before anything is allocated or written.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import numpy as np
import param

__all__ = [
    "Experiment",
    "record_warning",
    "ParamGroup",
    "SeedParams",
    "SeedsCount",
    "Progress",
    "ResourceError",
    "RunFailedError",
    "available_memory",
    "coerce_value",
    "defaults",
    "format_bytes",
    "parse_bytes",
]

#: Integers must fit in a signed 64-bit integer (what numpy and the store hold exactly).
INT_LIMIT = 2 ** 63

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_INT_TEXT = re.compile(r"[+-]?\d+")

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


def _parse_int(text: str) -> int:
    """Exact integer from text: ``"12"``, ``"-3"``, ``"1e6"``, ``"2.0"`` (never through float)."""
    if _INT_TEXT.fullmatch(text):
        value = int(text)
    else:
        try:
            dec = Decimal(text)
        except InvalidOperation:
            raise ValueError("expected an integer") from None
        if not dec.is_finite():
            raise ValueError("expected a finite integer, got inf/NaN")
        if dec != dec.to_integral_value():
            raise ValueError("expected an integer")
        if abs(dec) >= INT_LIMIT:
            raise ValueError("expected an integer of magnitude < 2**63")
        value = int(dec)
    if abs(value) >= INT_LIMIT:
        raise ValueError("expected an integer of magnitude < 2**63")
    return value


def _check_number(p: param.Parameter, name: str, value: Any, finite: bool) -> Any:
    """Exactness and finiteness of an already typed number (TOML or JSON values)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        if finite or isinstance(p, param.Integer):
            raise ValueError(f"parameter {name!r} must be finite, got {value!r} (inf/NaN)")
        return value
    if isinstance(p, param.Integer):
        if isinstance(value, float):
            if value != int(value):
                raise ValueError(f"parameter {name!r} must be an integer, got {value!r}")
            value = int(value)
        if abs(value) >= INT_LIMIT:
            raise ValueError(f"parameter {name!r} must be an integer of magnitude < 2**63, got {value!r}")
    return value


def coerce_value(p: param.Parameter, name: str, raw: Any, *, finite: bool = True) -> Any:
    """Turn a raw value (a string from ``--set`` or a TOML value) into ``p``'s type.

    Integers are read exactly (``"9007199254740993"`` stays exact, ``"1e6"`` is 1000000,
    ``"2.5"`` and anything of magnitude >= 2**63 are refused); numbers, and the numbers of a
    list, must be finite unless ``finite=False``; strings must not hold control characters.

    Raises
    ------
    ValueError
        When the value cannot be converted; the message names the parameter (and says
        inf/NaN when that is the problem).
    """
    if not isinstance(raw, str):
        if isinstance(p, param.Number) and not isinstance(p, param.Integer) and isinstance(raw, int) \
                and not isinstance(raw, bool):
            raw = float(raw)
        if isinstance(p, (param.List, param.Tuple)) and isinstance(raw, (list, tuple)):
            items = [_check_number(p, name, v, finite) for v in raw]
            return tuple(items) if isinstance(p, param.Tuple) else items
        return _check_number(p, name, raw, finite)
    _check_text(name, raw)
    text = raw.strip()
    try:
        if isinstance(p, param.Boolean):
            low = text.lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError("expected true/false")
        if text.lower() in ("none", "null") and p.allow_None:
            return None
        if isinstance(p, param.Integer):
            return _parse_int(text)
        if isinstance(p, param.Number):
            value = float(text)
            if finite and not math.isfinite(value):
                raise ValueError(f"must be finite, got {text!r} (inf/NaN)")
            return value
        if isinstance(p, (param.List, param.Tuple, param.Array)):
            if text.startswith("["):
                items = json.loads(text)
            else:
                items = [_list_item(t) for t in text.split(",")]
            if not isinstance(items, list):
                raise ValueError("expected a list")
            items = [_check_number(p, name, v, finite) for v in items]
            if isinstance(p, param.Tuple):
                return tuple(items)
            if isinstance(p, param.Array):
                return np.asarray(items)
            return list(items)
    except (ValueError, json.JSONDecodeError) as exc:
        message = str(exc)
        if message.startswith("parameter "):
            raise ValueError(message) from None
        raise ValueError(f"parameter {name!r}: cannot read {raw!r} ({message})") from None
    return text


def _list_item(text: str) -> Any:
    """One item of a comma-separated list: JSON, else a float (``inf``, ``nan``), else None."""
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return float(text)


def _check_text(name: str, text: str) -> None:
    if _CONTROL.search(text):
        raise ValueError(f"parameter {name!r} must not contain control characters, got {text!r}")


# -- resources ------------------------------------------------------------------------------------

class ResourceError(ValueError):
    """A run would need more memory than allowed; raised before anything is allocated."""


_UNITS = {"": 1, "B": 1, "K": 2 ** 10, "M": 2 ** 20, "G": 2 ** 30, "T": 2 ** 40}


def parse_bytes(text: str | int | float) -> int:
    """``"512M"``, ``"2G"``, ``"1.5GB"``, ``"1000000"`` -> bytes (binary units)."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value, unit = float(text), ""
    else:
        m = re.fullmatch(r"\s*([0-9.]+(?:[eE][+-]?\d+)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*", str(text))
        if not m:
            raise ValueError(f"--max-memory expects a size like 512M or 2G, got {text!r}")
        value, unit = float(m.group(1)), m.group(2).upper()
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"--max-memory must be a positive finite size, got {text!r}")
    return int(value * _UNITS[unit])


def format_bytes(n: float) -> str:
    """Human-readable size with binary units (``"3.2 GiB"``)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def available_memory() -> int:
    """Memory the machine can give a run now (``psutil.virtual_memory().available``)."""
    import psutil

    return int(psutil.virtual_memory().available)


# -- parameter groups -----------------------------------------------------------------------------

class ParamGroup(param.Parameterized):
    """A group of parameters declared once next to what they configure.

    Groups are composed by experiments through multiple inheritance; :meth:`validate` and
    :meth:`memory_estimate` are cooperative (each group calls ``super()`` and adds its part).
    """

    __abstract = True

    def validate(self) -> None:
        """Cross-parameter checks; raise ``ValueError`` naming the parameter(s)."""

    def memory_estimate(self) -> dict[str, float]:
        """Bytes the parameters will need, by part: ``{"n_steps*n_neurons": bytes, ...}``.

        Each key names the parameters the part grows with (joined by ``*``), so a refusal
        can name them with their values.

        Estimates are from the sizes alone (no allocation) and may be rough (within a small
        factor); they only have to catch absurd sizes before a run starts.
        """
        return {}


class SeedsCount(ParamGroup):
    """How many independent seeds (realisations) a run repeats, to report mean ± SEM over them.

    One concept shared by the science packages (which never import each other); each
    package's experiments decide how the seeds are drawn from the run's ``seed``.
    """

    n_seeds = param.Integer(3, bounds=(1, None), doc="Independent seeds (realisations) repeated.")


def defaults(**values: Any) -> Callable[[type], type]:
    """Class decorator: new defaults for inherited parameters of one experiment.

    The parameter keeps its single declaration (type, bounds, doc); only the default changes
    (and is validated against the inherited bounds).

    Examples
    --------
    >>> @defaults(k_max=30)                                      # doctest: +SKIP
    ... class SpikingMC(MemoryTaskParams, Experiment): ...
    """
    def apply(cls: type[param.Parameterized]) -> type[param.Parameterized]:
        for name, value in values.items():
            if name not in cls.param:
                raise TypeError(f"{cls.__name__} has no parameter {name!r} to give a default")
            cls.param.add_parameter(name, type(cls.param[name])(default=value))
        return cls
    return apply


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


class SeedParams(ParamGroup):
    """The seed of every random number a computation draws (runs, app pages), declared once."""

    seed = param.Integer(default=0, bounds=(0, None), doc="Seed of every random number used by the run.")


class Experiment(SeedParams):
    """Base class of every registered experiment.

    Subclasses declare parameters as ``param`` class attributes and implement
    :meth:`execute`. ``seed`` is common to all experiments.

    Examples
    --------
    >>> exp = SomeExperiment(n_steps=1000)        # doctest: +SKIP
    >>> run_id = exp.run(Store("memory://demo"))  # doctest: +SKIP
    """

    kind: ClassVar[str] = ""
    #: Parameters that may be inf or NaN (all others must be finite).
    nonfinite: ClassVar[frozenset[str]] = frozenset()
    #: What a run writes (:class:`workbench.outputs.Outputs`); every registered experiment
    #: declares it.
    outputs: ClassVar[Any] = None

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def parameter_names(cls) -> list[str]:
        """Names of the user-facing parameters (excluding param's ``name``)."""
        return [n for n in cls.param if n != "name" and not cls.param[n].constant]

    @classmethod
    def from_config(cls, values: Mapping[str, Any] | None = None, **kw) -> Experiment:
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
            converted[key] = coerce_value(cls.param[key], key, raw, finite=key not in cls.nonfinite)
        try:
            exp = cls(**converted)
        except (ValueError, TypeError) as exc:
            raise ValueError(_clean_param_error(exc)) from None
        exp.validate()
        return exp

    # -- resources ----------------------------------------------------------------------------
    def check_resources(self, max_memory: int | None = None) -> None:
        """Refuse parameters whose memory estimate exceeds ``max_memory`` bytes.

        ``max_memory`` defaults to the memory available now. Nothing is allocated: the
        estimate comes from :meth:`memory_estimate` (sizes only).

        Raises
        ------
        ResourceError
            One line naming the parameter with the largest share, its value and the estimate.
        """
        parts = {k: float(v) for k, v in self.memory_estimate().items() if v}
        if not parts:
            return
        total = sum(parts.values())
        limit = available_memory() if max_memory is None else int(max_memory)
        if total > limit:
            names = [n for n in max(parts, key=parts.__getitem__).split("*") if n in self.param]
            shown = " x ".join(f"{n}={getattr(self, n)!r}" for n in names)
            source = "--max-memory" if max_memory is not None else "available memory"
            raise ResourceError(f"parameters {shown}: the run would need about {format_bytes(total)}, "
                                f"more than the {source} ({format_bytes(limit)})")

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Experiment:
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
    def run(self, store, progress: Progress | None = None, tags: Mapping[str, Any] | None = None,
            max_memory: int | None = None) -> str:
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
        max_memory : int, optional
            Bytes the run may need (default: the memory available now); a larger estimate
            raises :class:`ResourceError` before the run is opened.
        """
        self.validate()
        if not self.kind or _CONTROL.search(self.kind):
            raise ValueError(f"experiment kind must be a non-empty name without control characters, "
                             f"got {self.kind!r}")
        self.check_resources(max_memory)
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


def record_warning(run, message: str) -> None:
    """Warn (``RuntimeWarning``) and record ``message`` in the run's ``warnings`` attribute.

    For results that are stored but should not be read without the caveat (e.g. homeostatic
    adaptation that did not reach its target rates): ``workbench show`` and the stored
    attributes carry it with the run.
    """
    warnings.warn(message, RuntimeWarning, stacklevel=2)
    run.attrs["warnings"] = [*run.attrs.get("warnings", []), str(message)]


def _clean_param_error(exc: Exception) -> str:
    """param's messages name ``'Class.name'``; keep the public name and the bound."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = re.sub(r"'(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)'", r"'\1'", text)
    m = re.search(r"\b(?:[A-Z]\w* )?[Pp]arameter '", text)
    return text[m.start():] if m else text
