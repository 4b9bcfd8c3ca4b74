"""Tags and a note per run: the lab notebook's margin, kept beside the run's record.

A run's record (``runs/<id>/zarr.json``, its arrays and completion manifest) is written once
by its writer and never changed afterwards; annotations live in their own small file,
``runs/<id>/annotations.json``::

    {"tags": ["baseline", "fig3"], "note": "free text", "updated": "2026-12-05T09:30:00Z"}

so tagging a run never touches (or risks) what it computed. Each change reads the file,
modifies it and writes it whole (atomically); two people annotating one run at the same
moment keep the later write.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["ANNOTATIONS", "MAX_NOTE", "MAX_TAGS", "check_tag", "empty", "parse", "updated"]

#: File name of a run's annotations (inside ``runs/<id>/``).
ANNOTATIONS = "annotations.json"
#: Longest note accepted (characters).
MAX_NOTE = 10_000
#: Most tags one run may carry.
MAX_TAGS = 64

_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:+\-]{0,63}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def empty() -> dict[str, Any]:
    """Annotations of a run that has none."""
    return {"tags": [], "note": ""}


def check_tag(tag: Any) -> str:
    """A valid tag: 1-64 characters, letters, digits and ``_ . : + -``, starting alphanumeric.

    Raises
    ------
    ValueError
        Naming the tag and what is allowed.
    """
    if not isinstance(tag, str) or not _TAG.match(tag):
        raise ValueError(f"tag {tag!r} must be 1-64 characters of letters, digits and _ . : + -, "
                         "starting with a letter or digit")
    return tag


def _check_note(note: Any) -> str:
    if not isinstance(note, str):
        raise ValueError(f"note must be text, got {type(note).__name__}")
    if len(note) > MAX_NOTE:
        raise ValueError(f"note must be at most {MAX_NOTE} characters, got {len(note)}")
    if _CONTROL.search(note):
        raise ValueError("note must not contain control characters (newlines and tabs are fine)")
    return note


def parse(raw: bytes | None) -> dict[str, Any]:
    """Annotations from the file's bytes; a missing or damaged file reads as none."""
    if raw is None:
        return empty()
    try:
        value = json.loads(raw)
        tags = [check_tag(t) for t in value.get("tags", [])]
        note = _check_note(value.get("note", ""))
    except (ValueError, TypeError, AttributeError):
        return empty()
    out = {"tags": tags, "note": note}
    if isinstance(value.get("updated"), str):
        out["updated"] = value["updated"]
    return out


def updated(current: dict[str, Any], *, tags: Iterable[str] | None = None, add: Iterable[str] = (),
            remove: Iterable[str] = (), note: str | None = None) -> dict[str, Any]:
    """``current`` with the tags replaced (``tags``), then ``add`` added and ``remove``
    removed (order kept, no duplicates), and the note replaced when ``note`` is given.

    Raises
    ------
    ValueError
        A bad tag, too many tags, or a bad note (nothing is changed).
    """
    base = list(current.get("tags", [])) if tags is None else [check_tag(t) for t in _strings(tags, "tags")]
    drop = {check_tag(t) for t in _strings(remove, "remove")}
    result: list[str] = []
    for t in [*base, *(check_tag(t) for t in _strings(add, "add"))]:
        if t not in drop and t not in result:
            result.append(t)
    if len(result) > MAX_TAGS:
        raise ValueError(f"a run may carry at most {MAX_TAGS} tags, got {len(result)}")
    return {"tags": result, "note": current.get("note", "") if note is None else _check_note(note)}


def _strings(values: Iterable[str], name: str) -> list[str]:
    if isinstance(values, str):
        raise ValueError(f"{name} must be a list of tags, not one string {values!r}")
    return list(values)
