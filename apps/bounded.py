"""Run a function in a child process with a time limit and a memory limit.

For computations whose cost the browser controls and that cannot be interrupted from inside
(one long call into exact big-integer arithmetic, a large allocation): the child is killed
when it runs past ``timeout`` seconds or when the job that waits for it is cancelled, and
its address space is capped, so one browser session can neither freeze the server nor
exhaust its memory. Children come from a ``forkserver`` with numpy and the dendrite theory
preloaded, so starting one costs milliseconds, not an interpreter start.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from collections.abc import Callable

__all__ = ["BoundExceeded", "call_bounded"]

#: Default address-space cap of a child, in bytes.
MEMORY_LIMIT = 2 * 1024**3
_CTX = None
_CTX_LOCK = threading.Lock()


class BoundExceeded(RuntimeError):
    """The computation ran past its time limit or its memory limit."""


#: Name prefix of the children: their start skips re-running the parent's main script.
CHILD_NAME = "workbench-bounded"


def _preparation_without_main(original):
    """``multiprocessing.spawn.get_preparation_data`` that leaves the main script out for
    this module's children.

    A forkserver child re-runs the parent's ``__main__`` script (as ``__mp_main__``) before
    its target, and the forkserver's ``"__main__"`` preload does not prevent it (CPython
    3.11 looks for the key ``main_path``, the data say ``init_main_from_path``). Under
    ``workbench serve`` or any script importing Panel that costs 0.7-1 s per child, the whole
    of a Dendrites widget change. The children here run module-level functions only, so the
    main script is not needed.
    """

    def prepare(name):
        data = original(name)
        if str(name).startswith(CHILD_NAME):
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data

    prepare.__wrapped__ = original  # type: ignore[attr-defined]
    return prepare


def _context():
    global _CTX
    with _CTX_LOCK:
        if _CTX is None:
            from multiprocessing import spawn

            if not hasattr(spawn.get_preparation_data, "__wrapped__"):
                spawn.get_preparation_data = _preparation_without_main(spawn.get_preparation_data)
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(["numpy", "dendrites.theory", "dendrites.simulate", "apps.sdr",
                                        "apps.bounded"])
            _CTX = ctx
        return _CTX


def _child(conn, fn, args, kwargs, memory) -> None:
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ValueError, OSError):  # pragma: no cover - platform without the limit
        pass
    try:
        conn.send((True, fn(*args, **kwargs)))
    except MemoryError:
        conn.send((False, BoundExceeded("the computation needs more memory than the page allows")))
    except BaseException as exc:  # noqa: BLE001 - sent back and raised in the parent
        try:
            conn.send((False, exc))
        except Exception:  # noqa: BLE001 - an unpicklable error: send its text
            conn.send((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()


def call_bounded(fn: Callable, *args, timeout: float, memory: int = MEMORY_LIMIT,
                 should_stop: Callable[[], bool] | None = None, **kwargs):
    """``fn(*args, **kwargs)`` computed in a child process, killed past the limits.

    Parameters
    ----------
    fn : callable
        A function importable from a module (not defined in the main script, which the
        child does not run); its result must be picklable.
    timeout : float
        Seconds before the child is killed.
    memory : int
        Address-space limit of the child, in bytes.
    should_stop : callable, optional
        Polled while waiting; the child is killed when it returns True.

    Returns
    -------
    What ``fn`` returned.

    Raises
    ------
    BoundExceeded
        Past the time or memory limit (or the child died).
    InterruptedError
        ``should_stop`` asked to stop.
    Exception
        Whatever ``fn`` raised.
    """
    ctx = _context()
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, fn, args, kwargs, memory), daemon=True,
                       name=f"{CHILD_NAME}-{getattr(fn, '__name__', 'fn')}")
    proc.start()
    send.close()
    deadline = time.monotonic() + timeout
    try:
        while True:
            if receive.poll(0.01):
                try:
                    ok, value = receive.recv()
                except EOFError:
                    raise BoundExceeded("the computation stopped without a result (out of memory?)") from None
                break
            if not proc.is_alive() and not receive.poll(0):
                raise BoundExceeded("the computation stopped without a result (out of memory?)")
            if time.monotonic() > deadline:
                raise BoundExceeded(f"the computation took longer than the page's limit of {timeout:g} s")
            if should_stop is not None and should_stop():
                raise InterruptedError("cancelled")
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        receive.close()
    if not ok:
        raise value
    return value
