"""Worker threads shared by all browser sessions, handed out fairly, and interruptible.

:class:`FairScheduler` runs callables in worker threads with at most ``max_workers`` at once
in all, and at most ``per_owner`` at once for one owner (a browser client). When a slot
frees it goes to the waiting owner that has the fewest jobs running (the longest-waiting job
breaks ties), so one client's long trainings never hold every slot while another client's
short run waits.

:func:`interrupt_thread` raises an exception inside another Python thread at its next
bytecode (CPython's ``PyThreadState_SetAsyncExc``): that is how a cancelled job is stopped
even when it reports no progress for a long time.
"""

from __future__ import annotations

import ctypes
import itertools
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

__all__ = ["FairScheduler", "interrupt_thread"]


def interrupt_thread(thread_id: int, exc_type: type[BaseException] | None) -> bool:
    """Raise ``exc_type`` in the thread ``thread_id`` at its next Python bytecode.

    Parameters
    ----------
    thread_id : int
        ``threading.get_ident()`` of the target thread.
    exc_type : type or None
        Exception class to raise there (instantiated without arguments); ``None`` clears a
        pending one.

    Returns
    -------
    bool
        Whether exactly one thread was found.
    """
    arg = ctypes.py_object(exc_type) if exc_type is not None else None
    found = ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), arg)
    if found > 1:  # should never happen: undo rather than hit several threads
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), None)
        return False
    return found == 1


class FairScheduler:
    """Run callables in threads, at most ``max_workers`` in all and ``per_owner`` per owner.

    Parameters
    ----------
    max_workers : int
        Jobs computing at once over all owners.
    per_owner : int
        Jobs computing at once for one owner.
    """

    def __init__(self, max_workers: int = 4, per_owner: int = 2):
        if max_workers < 1 or per_owner < 1:
            raise ValueError(f"max_workers and per_owner must be >= 1, got {max_workers}, {per_owner}")
        self.max_workers = int(max_workers)
        self.per_owner = int(per_owner)
        self._lock = threading.Lock()
        self._waiting: dict[Any, deque] = {}
        self._running: dict[Any, int] = {}
        self._order = itertools.count()

    def submit(self, owner, fn: Callable[[], Any]) -> Future:
        """Queue ``fn()`` for ``owner``; it starts as soon as a fair slot is free."""
        future: Future = Future()
        with self._lock:
            self._waiting.setdefault(owner, deque()).append((next(self._order), future, fn))
        self._dispatch()
        return future

    def running(self, owner=None) -> int:
        """Jobs computing now (of ``owner``, or in all)."""
        with self._lock:
            return self._running.get(owner, 0) if owner is not None else sum(self._running.values())

    def waiting(self, owner=None) -> int:
        """Jobs queued and not started yet (of ``owner``, or in all)."""
        with self._lock:
            if owner is not None:
                return len(self._waiting.get(owner, ()))
            return sum(len(q) for q in self._waiting.values())

    def _next(self):
        """The job to start now (call with the lock held), or ``None``."""
        if sum(self._running.values()) >= self.max_workers:
            return None
        candidates = [(self._running.get(owner, 0), queue[0][0], owner)
                      for owner, queue in self._waiting.items()
                      if queue and self._running.get(owner, 0) < self.per_owner]
        if not candidates:
            return None
        _, _, owner = min(candidates, key=lambda c: (c[0], c[1]))
        _, future, fn = self._waiting[owner].popleft()
        if not self._waiting[owner]:
            del self._waiting[owner]
        self._running[owner] = self._running.get(owner, 0) + 1
        return owner, future, fn

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                job = self._next()
            if job is None:
                return
            threading.Thread(target=self._run, args=job, name="workbench-job", daemon=True).start()

    def _run(self, owner, future: Future, fn) -> None:
        try:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn())
                except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the future
                    future.set_exception(exc)
        finally:
            with self._lock:
                self._running[owner] -= 1
                if not self._running[owner]:
                    del self._running[owner]
            self._dispatch()
