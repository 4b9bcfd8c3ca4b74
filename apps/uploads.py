"""Data that comes in from the browser: uploaded files, or files picked from the served data folder.

The browser never names a path on the server. A series arrives either as the bytes of an
uploaded file (size-limited, ``.npy`` read with ``allow_pickle=False``, ``.csv``/``.txt``
with or without a header row), or as the *name* of a file in the folder given to
``workbench serve --data-dir DIR``, chosen from a list; a name that leaves that folder (``..``,
an absolute path, a symlink pointing out of it) is refused.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from workbench.validation import check_array

__all__ = ["MAX_UPLOAD_BYTES", "MIN_ROWS", "SUFFIXES", "DataFolder", "read_series"]

#: Largest accepted file, in bytes.
MAX_UPLOAD_BYTES = 16 * 1024 * 1024
#: Smallest accepted series length.
MIN_ROWS = 50
#: Accepted file types.
SUFFIXES = (".npy", ".csv", ".txt")


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _read_text(text: str, delimiter: str | None) -> np.ndarray:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ValueError("the file has no rows")
    first = [t.strip().strip('"') for t in (lines[0].split(delimiter) if delimiter else lines[0].split())]
    if not all(_is_number(t) for t in first if t):
        lines = lines[1:]  # a header row (column names)
    rows = []
    for i, line in enumerate(lines, start=1):
        tokens = [t.strip().strip('"') for t in (line.split(delimiter) if delimiter else line.split())]
        try:
            rows.append([float(t) for t in tokens])
        except ValueError:
            bad = next(t for t in tokens if not _is_number(t))
            raise ValueError(f"data row {i} has a value that is not a number: {bad[:20]!r}") from None
    if len({len(r) for r in rows}) > 1:
        raise ValueError("rows have different numbers of columns")
    return np.asarray(rows, dtype=float)


def read_series(data: bytes, filename: str) -> np.ndarray:
    """Read a ``(time, features)`` series from the bytes of a ``.npy``, ``.csv`` or ``.txt`` file.

    Parameters
    ----------
    data : bytes
        File contents (at most :data:`MAX_UPLOAD_BYTES`).
    filename : str
        File name; its extension chooses the reader.

    Returns
    -------
    numpy.ndarray, shape (T, N)
        Finite float64 with ``T >= 50`` rows (a 1-D file becomes one column).

    Raises
    ------
    ValueError
        Too large, unknown extension, unreadable contents (pickled objects included),
        NaN/inf, or too few rows; the message names the file and the problem.
    """
    name = (filename or "").lower()
    label = f"file {Path(filename or '').name!r}"
    if data is None or len(data) == 0:
        raise ValueError(f"{label} is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(f"{label} is {len(data) / 2**20:.1f} MiB; "
                         f"at most {MAX_UPLOAD_BYTES // 2**20} MiB are accepted")
    if not name.endswith(SUFFIXES):
        raise ValueError(f"{label} must be a .npy, .csv or .txt file")
    try:
        if name.endswith(".npy"):
            arr = np.load(io.BytesIO(data), allow_pickle=False)
        else:
            text = data.decode("utf-8-sig")
            first = next((ln for ln in text.splitlines() if ln.strip()), "")
            delimiter = "," if name.endswith(".csv") or "," in first else None
            arr = _read_text(text, delimiter)
    except UnicodeDecodeError:
        raise ValueError(f"{label} is not UTF-8 text") from None
    except (OSError, ValueError, EOFError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "pickle" in reason.lower():
            reason = "it holds Python objects (only numeric arrays are accepted)"
        raise ValueError(f"{label} cannot be read: {reason}") from None
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{label} must hold numbers, found dtype {arr.dtype}")
    arr = np.asarray(arr, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    return check_array(arr, f"series in {label}", ndim=2, min_length=MIN_ROWS)


class DataFolder:
    """Files offered from one server folder, by name only.

    Parameters
    ----------
    root : str or Path
        The folder (``workbench serve --data-dir``).
    """

    def __init__(self, root):
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise ValueError(f"data-dir must be an existing folder, got {str(root)!r}")

    def names(self) -> list[str]:
        """Readable data files directly in the folder (symlinks out of it left out), sorted."""
        out = []
        for entry in sorted(os.scandir(self.root), key=lambda e: e.name):
            if entry.name.lower().endswith(SUFFIXES):
                try:
                    self.path(entry.name)
                except ValueError:
                    continue
                out.append(entry.name)
        return out

    def path(self, name: str) -> Path:
        """The file ``name`` of the folder; ``ValueError`` for anything outside it."""
        if not name or name != Path(name).name or name in (".", ".."):
            raise ValueError(f"data file must be one of the offered names, got {name!r}")
        path = (self.root / name).resolve()
        if path.parent != self.root or not path.is_file():
            raise ValueError(f"data file {name!r} is not a file inside the data folder")
        return path

    def read(self, name: str) -> np.ndarray:
        """Read and validate the series in file ``name`` (as :func:`read_series`)."""
        path = self.path(name)
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            raise ValueError(f"file {name!r} is larger than {MAX_UPLOAD_BYTES // 2**20} MiB")
        return read_series(path.read_bytes(), name)
