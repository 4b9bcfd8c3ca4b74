"""How to make a stored run again from a terminal: its TOML configuration and ``workbench run`` command.

Both come from the parameters the run recorded (the experiment's one declaration of
parameters); ``workbench run KIND --config FILE`` reads the TOML back through the same
validation as the form.
"""

from __future__ import annotations

import json
import math
import shlex

__all__ = ["run_command", "run_toml"]


def _toml_value(value) -> str | None:
    if value is None:
        return None  # TOML has no null: an unset value means the recipe's default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None  # TOML has nan/inf, the store's JSON does not
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string
    if isinstance(value, (list, tuple)):
        items = [_toml_value(v) for v in value]
        return None if any(i is None for i in items) else "[" + ", ".join(items) + "]"
    return None


def run_toml(reader) -> str:
    """The run's parameters (and seed) as a TOML table for ``workbench run --config``."""
    params = {**reader.params}
    if reader.seed is not None:
        params["seed"] = reader.seed
    lines = [f"# {reader.kind}, from run {reader.id}"]
    for key in sorted(params):
        text = _toml_value(params[key])
        if text is not None:
            lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def run_command(reader, registry: dict | None = None) -> str:
    """``workbench run KIND --set k=v ...`` with the parameters that differ from the defaults.

    Parameters
    ----------
    reader : workbench.store.RunReader
        The run.
    registry : dict, optional
        ``{kind: Experiment subclass}``: defaults are read from the class (without it,
        every parameter is written).
    """
    cls = (registry or {}).get(reader.kind)
    params = {**reader.params}
    if reader.seed is not None:
        params["seed"] = reader.seed
    parts = ["workbench", "run", reader.kind]
    for key in sorted(params):
        value = params[key]
        if value is None:
            continue
        if cls is not None and key in cls.param and cls.param[key].default == value:
            continue
        text = json.dumps(value) if isinstance(value, (list, dict)) else str(value).lower() \
            if isinstance(value, bool) else str(value)
        parts += ["--set", f"{key}={text}"]
    return " ".join(shlex.quote(p) for p in parts)
