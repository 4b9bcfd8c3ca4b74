"""Choosing and switching brian2 code-generation targets without leaking global state.

brian2 keeps its code-generation target in the global ``prefs`` registry and its device
(runtime or C++ standalone) in a module-level variable. The helpers here set them only for
the duration of one simulation and restore what was there before, so several reservoirs
with different targets can live in one process.

Targets (brian2 user guide, "Computational methods and efficiency"):

* ``"cython"``: runtime mode, each code object compiled once through Cython and cached on
  disk in brian2's default cache directory (reused by later runs and processes);
* ``"numpy"``: runtime mode, no compilation (slow per time step, good for short tests);
* ``"cpp_standalone"``: the whole simulation is written out as a C++ project in its own
  build directory, compiled, run, and the results loaded back;
* ``"auto"``: ``"cython"`` when Cython and a C++ compiler work, else ``"numpy"`` with a
  :class:`RuntimeWarning`.
"""

from __future__ import annotations

import contextlib
import functools
import warnings

import brian2
import numpy as np
from brian2.devices.device import get_device, reset_device, set_device

from workbench.validation import check_choice

__all__ = ["TARGETS", "cython_available", "resolve_target", "runtime_target", "standalone_device"]

#: Accepted values of the ``codegen`` argument.
TARGETS = ("auto", "cython", "numpy", "cpp_standalone")


@functools.lru_cache(maxsize=1)
def cython_available() -> bool:
    """Whether brian2's Cython target works here (a test compilation succeeds)."""
    from brian2.codegen.runtime.cython_rt import CythonCodeObject

    try:
        return bool(CythonCodeObject.is_available())
    except Exception:  # any failure of the test compilation means "not available"
        return False


def resolve_target(codegen: str) -> str:
    """Turn the user's ``codegen`` choice into a concrete target.

    Parameters
    ----------
    codegen : {"auto", "cython", "numpy", "cpp_standalone"}

    Returns
    -------
    str
        ``"cython"``, ``"numpy"`` or ``"cpp_standalone"``.

    Raises
    ------
    ValueError
        Unknown target, or ``"cython"`` requested where it cannot compile.

    Warns
    -----
    RuntimeWarning
        ``"auto"`` fell back to ``"numpy"`` because no working compiler/Cython was found.
    """
    check_choice(codegen, "codegen", TARGETS)
    if codegen == "auto":
        if cython_available():
            return "cython"
        warnings.warn("brian2's cython target is not available (no working C++ compiler or "
                      "Cython); falling back to the slow numpy target", RuntimeWarning,
                      stacklevel=3)
        return "numpy"
    if codegen == "cython" and not cython_available():
        raise ValueError("codegen='cython' needs Cython and a working C++ compiler; use "
                         "'numpy' or 'auto'")
    return codegen


@contextlib.contextmanager
def runtime_target(target: str):
    """Run brian2 in runtime mode with ``prefs.codegen.target = target``, then restore.

    Also saves and restores NumPy's global random state, which brian2's runtime targets
    seed (``brian2.seed``) and draw from, so a simulation leaves it as it found it.
    """
    check_choice(target, "target", ("cython", "numpy"))
    previous = brian2.prefs.codegen.target
    random_state = np.random.get_state()
    brian2.prefs.codegen.target = target
    try:
        yield
    finally:
        brian2.prefs.codegen.target = previous
        np.random.set_state(random_state)


@contextlib.contextmanager
def standalone_device(directory: str):
    """Activate a fresh C++ standalone project in ``directory``; back to the previous device.

    Inside the block, brian2 objects created and ``Network.run`` calls are recorded into the
    project (``build_on_run=False``); the caller ends with ``device.build(...)``. Afterwards
    the standalone device is cleared (``reinit``) and the previously active device restored.
    The build directory is kept, so ``make`` recompiles only what changed on the next build.
    """
    set_device("cpp_standalone", build_on_run=False, directory=directory)
    device = get_device()
    device.reinit()
    device.activate(build_on_run=False, directory=directory)
    try:
        yield device
    finally:
        device.reinit()
        reset_device()
