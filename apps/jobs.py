"""Run experiments off the UI thread, with progress, live scalars and cancellation.

A :class:`Job` is the state of one background computation as seen by a page: its status,
progress fraction, message, the live scalars the experiment reports (loss, D_stsp, ...), the
run id it produced and a one-line error. The work runs in a worker thread of a small shared
pool; every change to the job's parameters is *dispatched* back to the page's session thread
(``doc.add_next_tick_callback``, captured by :func:`session_dispatch` while the click handler
runs on that thread), so Bokeh models are only ever touched on their own thread
(``../shared/research/ecosystem.md`` §4.3).

Experiments report progress as ``progress(fraction, message="", **scalars)``
(:data:`workbench.experiment.Progress`). Cancellation: an experiment with a ``request_stop()``
method (AL-RNN training, ``alrnn/experiments.py``: it stops after the current block and keeps
its best model) is asked to stop through it; any other experiment is stopped at its next
progress report by :class:`JobCancelled`, and its run is recorded as failed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any

import param

from workbench.experiment import RunFailedError

__all__ = [
    "Job",
    "JobCancelled",
    "describe_error",
    "run_experiment_task",
    "session_dispatch",
    "stop_hook",
]

#: Shared pool of worker threads (all sessions): at most this many jobs compute at once.
MAX_WORKERS = 2
#: Minimum seconds between two dispatched progress updates of one job.
UPDATE_INTERVAL = 0.2

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="workbench-job")
        return _POOL


class JobCancelled(Exception):
    """Raised inside a job's progress callback once :meth:`Job.cancel` was requested."""


def describe_error(exc: BaseException) -> str:
    """One line for the page: what went wrong, never a traceback.

    Parameters
    ----------
    exc : BaseException
        The error raised by validation or by the experiment.

    Returns
    -------
    str
        ``ValueError`` messages as they are (they name the parameter and its range); a
        failed run as ``"run <id> failed: <error>"``; anything else as ``"<Type>: <message>"``.
    """
    if isinstance(exc, RunFailedError):
        inner = exc.error
        if isinstance(inner, JobCancelled):
            return f"run {exc.run_id} cancelled"
        return f"run {exc.run_id} failed: {type(inner).__name__}: {_first_line(inner)}"
    if isinstance(exc, ValueError):
        return _first_line(exc)
    return f"{type(exc).__name__}: {_first_line(exc)}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def session_dispatch() -> Callable[[Callable[[], None]], None]:
    """A function that runs a callable on the current session's thread.

    Call it on the session thread (e.g. in a click handler). Inside a served Bokeh session it
    schedules with ``doc.add_next_tick_callback``; outside one (unit tests, scripts) it calls
    the function at once. A session that has gone away (browser closed) drops the update.
    """
    import panel as pn

    doc = pn.state.curdoc
    if doc is None or doc.session_context is None:
        return lambda fn: fn()

    def dispatch(fn):
        try:
            doc.add_next_tick_callback(fn)
        except Exception:  # noqa: BLE001 - the session was destroyed: nobody to update
            pass

    return dispatch


def stop_hook(experiment) -> Callable[[], None] | None:
    """The experiment's own way to stop cleanly (its ``request_stop`` method), if it has one."""
    hook = getattr(experiment, "request_stop", None)
    return hook if callable(hook) else None


def run_experiment_task(experiment, store):
    """The task that runs ``experiment`` in ``store`` (for :meth:`Job.start`).

    Parameters
    ----------
    experiment : workbench.experiment.Experiment
        A configured experiment.
    store : workbench.store.Store
        Where the run is written.

    Returns
    -------
    callable
        ``task(progress, should_stop) -> run_id``.
    """

    def task(progress, should_stop):
        return experiment.run(store, progress=progress)

    return task


class Job(param.Parameterized):
    """State of one background computation, updated on the page's session thread.

    Parameters
    ----------
    dispatch : callable, optional
        ``dispatch(fn)`` runs ``fn()`` on the UI thread; default :func:`session_dispatch`
        captured when :meth:`start` is called.
    """

    status = param.Selector(default="idle", objects=["idle", "running", "complete", "failed", "cancelled"],
                            constant=True, doc="Where the job stands.")
    progress = param.Number(default=0.0, bounds=(0.0, 1.0), constant=True, doc="Fraction done.")
    message = param.String(default="", constant=True, doc="Last progress message.")
    scalars = param.List(default=[], constant=True,
                         doc="Live scalars reported with progress (one dict per report).")
    run_id = param.String(default=None, allow_None=True, constant=True, doc="Run the job produced.")
    result = param.Parameter(default=None, constant=True, doc="What the task returned.")
    error = param.String(default=None, allow_None=True, constant=True, doc="One-line error message.")

    def __init__(self, dispatch: Callable | None = None, **params):
        super().__init__(**params)
        self._dispatch = dispatch
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._future: Future | None = None
        self._cooperative = False
        self._on_cancel: Callable[[], None] | None = None
        self._last_update = 0.0
        self._pending: list[dict] = []

    # -- control ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """Whether the task is still computing."""
        return self._future is not None and not self._future.done()

    def start(self, task: Callable[[Callable, Callable[[], bool]], Any], *, cooperative: bool = False,
              on_cancel: Callable[[], None] | None = None) -> Future:
        """Run ``task(progress, should_stop)`` in a worker thread.

        Parameters
        ----------
        task : callable
            Does the work; calls ``progress(fraction, message="", **scalars)`` and may poll
            ``should_stop()``. Its return value becomes :attr:`result` (and :attr:`run_id`
            when it is a string).
        cooperative : bool, default False
            The task polls ``should_stop`` and stops cleanly by itself; otherwise a cancelled
            task is interrupted by :class:`JobCancelled` at its next progress report.
        on_cancel : callable, optional
            Called (on the UI thread) when :meth:`cancel` is requested, e.g. an experiment's
            ``request_stop``; must be thread-safe.

        Returns
        -------
        concurrent.futures.Future

        Raises
        ------
        RuntimeError
            If the job is already running.
        """
        if self.running:
            raise RuntimeError("this job is already running; cancel it or wait for it")
        if self._dispatch is None:
            self._dispatch = session_dispatch()
        self._cancel.clear()
        self._finished.clear()
        self._cooperative = bool(cooperative)
        self._on_cancel = on_cancel
        self._last_update = 0.0
        self._pending = []
        self._set(status="running", progress=0.0, message="starting", scalars=[], run_id=None,
                  result=None, error=None)
        self._future = _pool().submit(self._work, task)
        return self._future

    def run_experiment(self, experiment, store) -> Future:
        """Start ``experiment.run(store, progress)``; cancel through its ``request_stop`` if any."""
        hook = stop_hook(experiment)
        return self.start(run_experiment_task(experiment, store), cooperative=hook is not None, on_cancel=hook)

    def cancel(self) -> None:
        """Ask the running task to stop (at its next progress report or ``should_stop`` poll)."""
        if self.running:
            self._cancel.set()
            if self._on_cancel is not None:
                self._on_cancel()
            self._dispatch(partial(self._set, message="cancelling…"))

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the task's final state has been applied; False on timeout."""
        return self._future is None or self._finished.wait(timeout)

    # -- worker side --------------------------------------------------------------------
    def _should_stop(self) -> bool:
        return self._cancel.is_set()

    def _progress(self, fraction, message="", **scalars) -> None:
        if self._cancel.is_set() and not self._cooperative:
            raise JobCancelled("cancelled by the user")
        fraction = min(max(float(fraction), 0.0), 1.0)
        clean = {k: float(v) for k, v in scalars.items()
                 if isinstance(v, (int, float)) and not isinstance(v, bool)}
        if clean:
            self._pending.append(clean)
        now = time.monotonic()
        if now - self._last_update < UPDATE_INTERVAL and fraction < 1.0:
            return
        self._last_update = now
        pending, self._pending = self._pending, []
        self._dispatch(partial(self._apply_progress, fraction, str(message), pending))

    def _apply_progress(self, fraction, message, new_scalars) -> None:
        if self.status != "running":
            return
        updates = {"progress": fraction, "message": message}
        if new_scalars:
            updates["scalars"] = self.scalars + new_scalars
        self._set(**updates)

    def _work(self, task) -> None:
        try:
            result = task(self._progress, self._should_stop)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message on the page
            cancelled = isinstance(getattr(exc, "error", exc), JobCancelled)
            final = {"status": "cancelled" if cancelled else "failed", "error": describe_error(exc),
                     "run_id": getattr(exc, "run_id", None),
                     "message": "cancelled" if cancelled else "failed"}
        else:
            stopped = self._cancel.is_set()
            final = {"status": "cancelled" if stopped else "complete", "result": result,
                     "run_id": result if isinstance(result, str) else None, "progress": 1.0,
                     "message": "stopped early; the best model so far was kept" if stopped else "done"}
        pending, self._pending = self._pending, []
        self._dispatch(partial(self._apply_final, final, pending))

    def _apply_final(self, final: dict, pending: list[dict]) -> None:
        try:
            if pending:
                final["scalars"] = self.scalars + pending
            self._set(**final)
        finally:
            self._finished.set()

    # -- helpers ------------------------------------------------------------------------
    def _set(self, **updates) -> None:
        with param.edit_constant(self):
            self.param.update(**updates)
