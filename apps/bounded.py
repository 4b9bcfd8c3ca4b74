"""Run a function in a child process with a time limit and a memory limit.

For computations whose cost the browser controls and that cannot be interrupted from inside
(one long call into exact big-integer arithmetic, a large allocation): the child is killed
when it runs past ``timeout`` seconds or when the job that waits for it is cancelled, and
its address space is capped, so one browser session can neither freeze the server nor
exhaust its memory. Children come from a ``forkserver`` with numpy and the dendrite theory
preloaded, so starting one costs milliseconds, not an interpreter start.

A child that answered stays alive for the next call (at most :data:`MAX_IDLE` wait, each for
at most :data:`MAX_CALLS` calls and :data:`MAX_IDLE_RSS` bytes of memory): its imports and the
theory's caches stay warm, which makes a repeated computation several times faster. A child
that was killed, ran out of memory or died is never reused.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from collections.abc import Callable

__all__ = ["BoundExceeded", "call_bounded"]

#: Default address-space cap of a child, in bytes.
MEMORY_LIMIT = 2 * 1024**3
#: Children kept waiting for the next call.
MAX_IDLE = 2
#: Calls a child answers before it is retired.
MAX_CALLS = 100
#: A child holding more resident memory than this after a call is retired, not kept.
MAX_IDLE_RSS = 512 * 1024**2
_CTX = None
_CTX_LOCK = threading.Lock()
_IDLE: list[_Worker] = []
_IDLE_LOCK = threading.Lock()


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
            ctx.set_forkserver_preload(["apps._preload"])  # SIGINT ignored, then numpy and the theory
            _CTX = ctx
        return _CTX


def _serve(conn, memory) -> None:
    """The child: answer ``(fn, args, kwargs)`` requests until the pipe closes.

    It ignores SIGINT, inherited from the forkserver (:mod:`apps._preload`): a Ctrl-C in the
    terminal (or a notebook kernel shutting down) reaches the whole process group, and an
    idle child must end with its parent (the pipe closes), not with a traceback.
    """
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ValueError, OSError):  # pragma: no cover - platform without the limit
        pass
    while True:
        try:
            fn, args, kwargs = conn.recv()
        except (EOFError, OSError, TypeError):
            return
        try:  # (ok, result or error, whether this child goes on)
            conn.send((True, fn(*args, **kwargs), True))
        except MemoryError:
            conn.send((False, BoundExceeded("the computation needs more memory than the page allows"), False))
            return  # its heap may be in any state: never reused
        except BaseException as exc:  # noqa: BLE001 - sent back and raised in the parent
            try:
                conn.send((False, exc, True))
            except Exception:  # noqa: BLE001 - an unpicklable error: send its text
                conn.send((False, RuntimeError(f"{type(exc).__name__}: {exc}"), True))


class _Worker:
    """One child process and the parent's end of its pipe."""

    def __init__(self, memory: int):
        ctx = _context()
        self.memory = memory
        self.calls = 0
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, memory), daemon=True, name=f"{CHILD_NAME}-worker")
        self.proc.start()
        child.close()

    def reusable(self) -> bool:
        if not self.proc.is_alive() or self.calls >= MAX_CALLS:
            return False
        try:
            import psutil

            return psutil.Process(self.proc.pid).memory_info().rss <= MAX_IDLE_RSS
        except Exception:  # noqa: BLE001 - gone meanwhile
            return False

    def close(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


def _take(memory: int) -> _Worker:
    with _IDLE_LOCK:
        while _IDLE:
            worker = _IDLE.pop()
            if worker.memory == memory and worker.proc.is_alive():
                return worker
            worker.close()
    return _Worker(memory)


def _give_back(worker: _Worker) -> None:
    with _IDLE_LOCK:
        if len(_IDLE) < MAX_IDLE and worker.reusable():
            _IDLE.append(worker)
            return
    worker.close()


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
    worker = _take(memory)
    receive, proc = worker.conn, worker.proc
    goes_on = False
    try:
        receive.send((fn, args, kwargs))
        deadline = time.monotonic() + timeout
        while True:
            if receive.poll(0.01):
                try:
                    ok, value, goes_on = receive.recv()
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
        if goes_on:
            worker.calls += 1
            _give_back(worker)
        else:  # killed past a limit, cancelled, out of memory or dead: never reused
            worker.close()
    if not ok:
        raise value
    return value
