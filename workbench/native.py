"""Small C kernels compiled on first use with the system C compiler, cached, loaded by ctypes.

The time loops of the rate reservoirs are sequential (step ``t+1`` needs step ``t``), so their
speed is set by the cost of one step; a compiled loop removes the interpreter from every
step. As brian2's code generation does, the kernels are built at run time: a C source file is
compiled once per machine into a shared library under the cache directory and reused after.
Nothing here is required: when no compiler works, :func:`load` warns once and returns
``None``, and callers keep their numpy path, which gives the same results up to rounding.

Environment
-----------
``WORKBENCH_NATIVE=0``
    Never compile or load kernels (every caller uses its numpy path).
``WORKBENCH_NATIVE_CACHE``
    Cache directory (default ``$XDG_CACHE_HOME/workbench/native`` or
    ``~/.cache/workbench/native``).
``CC``
    The C compiler (default ``cc``).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shlex
import subprocess
import tempfile
import threading
import warnings
from pathlib import Path

__all__ = ["cache_dir", "enabled", "load", "retain_freed_memory"]

#: Compiler flags, tried in order until one set compiles (``-march=native`` first: the
#: cache key includes this CPU's feature flags, so a shared cache never mixes machines).
FLAG_SETS = (["-O3", "-march=native"], ["-O3"])

_lock = threading.Lock()
_loaded: dict[tuple, ctypes.CDLL | None] = {}


def enabled() -> bool:
    """False when ``WORKBENCH_NATIVE`` is set to ``0``/``false``/``no``/``off``."""
    return os.environ.get("WORKBENCH_NATIVE", "1").strip().lower() not in ("0", "false", "no", "off")


def cache_dir() -> Path:
    """Directory of the compiled libraries."""
    if os.environ.get("WORKBENCH_NATIVE_CACHE"):
        return Path(os.environ["WORKBENCH_NATIVE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "workbench" / "native"


def _cpu_signature() -> str:
    """This CPU's model and feature flags (Linux), else the platform's processor string."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor()
    keep = [line for line in text.splitlines()
            if line.startswith(("model name", "flags", "Features", "CPU part"))]
    return "\n".join(dict.fromkeys(keep))


def _compile(source: Path, compiler: list[str], extra: tuple[str, ...]) -> Path:
    """Compile ``source`` into the cache (atomically); return the library's path."""
    code = source.read_bytes()
    machine = f"{platform.machine()}\n{_cpu_signature()}".encode()
    errors = []
    for flags in FLAG_SETS:
        flags = flags + list(extra)
        key = hashlib.sha256(b"\0".join([code, " ".join(compiler + flags).encode(),
                                         machine])).hexdigest()[:20]
        target = cache_dir() / f"{source.stem}-{key}.so"
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".so", dir=target.parent)
        os.close(fd)
        cmd = compiler + flags + ["-shared", "-fPIC", "-o", tmp, str(source), "-lm"]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            if proc.returncode == 0:
                os.replace(tmp, target)   # atomic: concurrent builders never see half a file
                return target
            errors.append(f"$ {shlex.join(cmd)}\n{proc.stderr.strip()[-2000:]}")
        except (OSError, subprocess.SubprocessError) as exc:
            errors.append(f"$ {shlex.join(cmd)}\n{exc}")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    raise RuntimeError("\n".join(errors))


def load(source: str | os.PathLike, signatures: dict[str, tuple], *,
         extra_flags: tuple[str, ...] = ()) -> ctypes.CDLL | None:
    """The shared library compiled from ``source``, or ``None`` when unavailable.

    Parameters
    ----------
    source : path-like
        A self-contained C file.
    signatures : dict
        ``{function name: (restype, [argtypes])}`` set on the loaded functions (ctypes checks
        the argument count and converts scalars; arrays are passed as ``ctypes.c_void_p``).
    extra_flags : tuple of str
        Compiler flags appended to :data:`FLAG_SETS` (e.g. ``("-mno-avx512f",)`` to build the
        portable code path); part of the cache key.

    Returns
    -------
    ctypes.CDLL or None
        ``None`` when disabled by ``WORKBENCH_NATIVE=0`` or when compiling failed (a
        ``RuntimeWarning`` with the compiler's message is issued once per source and flags).
        Calls release the GIL while they run.
    """
    source = Path(source)
    if not enabled():
        return None
    compiler = shlex.split(os.environ.get("CC", "cc"))
    key = (str(source.resolve()), tuple(compiler), tuple(extra_flags))
    with _lock:
        if key in _loaded:
            return _loaded[key]
        try:
            lib = ctypes.CDLL(str(_compile(source, compiler, tuple(extra_flags))))
            for name, (restype, argtypes) in signatures.items():
                fn = getattr(lib, name)
                fn.restype, fn.argtypes = restype, argtypes
        except (RuntimeError, OSError, AttributeError) as exc:
            warnings.warn(f"could not build the compiled kernel {source.name}; using the numpy "
                          f"path instead (set WORKBENCH_NATIVE=0 to silence this):\n{exc}",
                          RuntimeWarning, stacklevel=2)
            lib = None
        _loaded[key] = lib
        return lib


#: glibc ``mallopt`` parameters (malloc.h): trim threshold, top pad, mmap threshold, mmap max.
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_MAX = -1, -2, -4


def retain_freed_memory(pad_bytes: int = 256 << 20) -> bool:
    """Ask glibc to keep freed memory in the process instead of returning it to the system.

    A worker that allocates and frees hundreds of megabytes per task (state arrays of a batch
    of reservoirs) otherwise gets every large array as fresh ``mmap`` pages, zeroed by the
    kernel and faulted in one page at a time, and unmapped again on free. With mmap off, no
    trimming and ``pad_bytes`` of head room, the heap keeps those pages and reuses them (one
    balance-map unit: 392 000 -> 25 000 page faults, 1.6 s -> 0.2 s system time). The price
    is that the process holds its peak heap until it exits, so call this only in worker
    processes that live for one job (e.g. as a Dask process pool's initializer).

    Returns
    -------
    bool
        Whether the settings were applied (False off glibc, e.g. on macOS or musl).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return all(mallopt(k, v) == 1 for k, v in ((_M_MMAP_MAX, 0),
                                               (_M_TRIM_THRESHOLD, 2**31 - 1),
                                               (_M_TOP_PAD, min(pad_bytes, 2**31 - 1))))
