"""Run experiments off the UI thread, with progress, live scalars, cancellation and re-attachment.

A :class:`Job` is what a page sees of one background computation: its status, progress
fraction, message, the live scalars the experiment reports (loss, D_stsp, ...), the run id it
produced and a one-line error. The computation itself is an :class:`Execution`, which lives in
a worker thread handed out by the shared :class:`~apps.scheduler.FairScheduler` (fair per
browser client). Every change is *dispatched* back to the page's session thread
(``doc.add_next_tick_callback``, captured by :func:`session_dispatch` when the job is made on
that thread), so Bokeh models are only ever touched on their own thread.

Re-attachment: a job made with a ``key`` (browser client id, job name) registers its
executions under that key; the page built after a reload makes a job with the same key and
gets the running execution back (its progress, its Cancel), instead of a detached duplicate.

Experiments report progress as ``progress(fraction, message="", **scalars)``
(:data:`workbench.experiment.Progress`). Cancellation interrupts the computation: at its next
progress report, or, if it reports nothing for a while, by an exception raised inside its
thread (:func:`~apps.scheduler.interrupt_thread`). An experiment's run is then recorded in the
store as ``failed`` with the error ``JobCancelled: cancelled by the user``, never as complete.
A task started with ``cooperative=True`` polls ``should_stop`` and ends by itself instead.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import param

from workbench.experiment import RunFailedError

from .scheduler import FairScheduler, interrupt_thread

__all__ = [
    "SCHEDULER",
    "Execution",
    "Job",
    "JobCancelled",
    "JobTimeLimit",
    "describe_error",
    "run_experiment_task",
    "session_dispatch",
]

#: Jobs computing at once over all browser clients, and for one client.
MAX_WORKERS = 4
PER_CLIENT = 2
#: The worker slots shared by every session.
SCHEDULER = FairScheduler(MAX_WORKERS, PER_CLIENT)
#: Minimum seconds between two dispatched progress updates of one job.
UPDATE_INTERVAL = 0.2
#: Seconds a cancelled non-cooperative task gets to reach its next progress report before it
#: is interrupted inside its thread.
INTERRUPT_AFTER = 0.5

_FINAL = ("complete", "failed", "cancelled")


class JobCancelled(Exception):
    """Raised inside a job's computation once :meth:`Job.cancel` was requested."""

    def __init__(self, message: str = "cancelled by the user"):
        super().__init__(message)


class JobTimeLimit(JobCancelled):
    """Raised inside a job's computation when it ran past its time limit."""

    def __init__(self, message: str = "interrupted: the time limit was reached"):
        super().__init__(message)


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
            return f"run {exc.run_id} {_first_line(inner)}"
        return f"run {exc.run_id} failed: {type(inner).__name__}: {_first_line(inner)}"
    if isinstance(exc, JobCancelled):
        return _first_line(exc)
    if isinstance(exc, ValueError):
        return _first_line(exc)
    return f"{type(exc).__name__}: {_first_line(exc)}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def session_dispatch() -> Callable[[Callable[[], None]], None]:
    """A function that runs a callable on the current session's thread.

    Call it on the session thread (e.g. while building a page). Inside a served Bokeh session
    it schedules with ``doc.add_next_tick_callback``; outside one (unit tests, scripts) it
    calls the function at once. A session that has gone away (browser closed) drops the update.
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


def run_experiment_task(experiment, store):
    """The task that runs ``experiment`` in ``store`` (for :meth:`Job.start`).

    Returns
    -------
    callable
        ``task(progress, should_stop) -> run_id``.
    """

    def task(progress, should_stop):
        return experiment.run(store, progress=progress)

    return task


class Execution:
    """One computation in a worker thread: its state, thread-safe, and whom to tell about it.

    Parameters
    ----------
    task : callable
        ``task(progress, should_stop)``.
    cooperative : bool
        The task polls ``should_stop`` and stops by itself (it is never interrupted).
    time_limit : float, optional
        Seconds after which the task is interrupted with :class:`JobTimeLimit`.
    """

    def __init__(self, task, cooperative: bool = False, time_limit: float | None = None):
        self.task = task
        self.cooperative = bool(cooperative)
        self.time_limit = time_limit
        self.state: dict[str, Any] = {"status": "running", "progress": 0.0,
                                      "message": "waiting for a free slot", "scalars": [], "run_id": None,
                                      "result": None, "error": None}
        self.listener: Job | None = None
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._reason: type[JobCancelled] = JobCancelled
        self._thread: int | None = None
        self._last_update = 0.0

    # -- state ------------------------------------------------------------------------------
    def snapshot(self) -> dict:
        with self._lock:
            return {**self.state, "scalars": list(self.state["scalars"])}

    def _update(self, force: bool = True, **changes) -> None:
        with self._lock:
            if self.state["status"] in _FINAL and "status" not in changes:
                return
            scalars = changes.pop("new_scalars", None)
            if scalars:
                self.state["scalars"] = self.state["scalars"] + scalars
            self.state.update(changes)
            if self.state["status"] in _FINAL:
                self.done.set()
            now = time.monotonic()
            if not force and now - self._last_update < UPDATE_INTERVAL:
                return
            self._last_update = now
            listener = self.listener
        if listener is not None:
            listener._notify()

    # -- control ------------------------------------------------------------------------------
    def cancel(self, reason: type[JobCancelled] = JobCancelled) -> None:
        """Ask the computation to stop; interrupt it if it does not report soon."""
        if self.done.is_set() or self._cancel.is_set():
            return
        self._reason = reason
        self._cancel.set()
        self._update(message="cancelling…")
        if not self.cooperative:
            timer = threading.Timer(INTERRUPT_AFTER, self._interrupt)
            timer.daemon = True
            timer.start()

    def _interrupt(self) -> None:
        with self._lock:
            if self._thread is not None and not self.done.is_set():
                interrupt_thread(self._thread, self._reason)

    # -- worker side ----------------------------------------------------------------------------
    def should_stop(self) -> bool:
        return self._cancel.is_set()

    def progress(self, fraction, message="", **scalars) -> None:
        if self._cancel.is_set() and not self.cooperative:
            raise self._reason()
        fraction = min(max(float(fraction), 0.0), 1.0)
        clean = {k: float(v) for k, v in scalars.items()
                 if isinstance(v, (int, float)) and not isinstance(v, bool)}
        self._update(force=fraction >= 1.0, progress=fraction, message=str(message),
                     new_scalars=[clean] if clean else None)

    def work(self) -> None:
        """Run the task in this thread and record how it ended (called by the scheduler)."""
        timer = None
        if self.time_limit:
            timer = threading.Timer(self.time_limit, self.cancel, args=(JobTimeLimit,))
            timer.daemon = True
            timer.start()
        try:
            try:
                with self._lock:
                    self._thread = threading.get_ident()
                self._update(message="starting")
                if self._cancel.is_set() and not self.cooperative:
                    raise self._reason()
                result = self.task(self.progress, self.should_stop)
            finally:
                with self._lock:
                    self._thread = None
                    interrupt_thread(threading.get_ident(), None)  # drop an interrupt that came too late
                if timer is not None:
                    timer.cancel()
        except BaseException as exc:  # noqa: BLE001 - every failure becomes a message on the page
            inner = getattr(exc, "error", exc)
            cancelled = isinstance(inner, JobCancelled)
            outcome = "cancelled" if cancelled else "failed"
            final = {"status": outcome, "error": describe_error(exc),
                     "run_id": getattr(exc, "run_id", None), "message": outcome}
        else:
            stopped = self._cancel.is_set()
            final = {"status": "cancelled" if stopped else "complete", "result": result,
                     "run_id": result if isinstance(result, str) else None, "progress": 1.0,
                     "message": "stopped on request" if stopped else "done"}
        self._update(**final)


#: Executions of jobs made with a key, ``{(client, name): Execution}`` (the last one per key).
_EXECUTIONS: dict[tuple, Execution] = {}
_EXECUTIONS_LOCK = threading.Lock()


class Job(param.Parameterized):
    """What a page shows of a background computation, updated on the page's session thread.

    Parameters
    ----------
    dispatch : callable, optional
        ``dispatch(fn)`` runs ``fn()`` on the UI thread; default :func:`session_dispatch`
        captured here.
    key : tuple, optional
        ``(client_id, name)``: the job re-attaches to the last execution started under this
        key (e.g. by the same browser before a reload); its first item is also the owner the
        scheduler shares slots by.
    owner : optional
        Who the scheduler shares slots by, for a job without a key (default: the key's
        client, else the job alone).
    """

    # the job's state (the Runs page's ``status`` is a filter)
    status = param.Selector(default="idle", objects=["idle", "running", "complete", "failed", "cancelled"],
                            constant=True, doc="Where the job stands.")
    progress = param.Number(default=0.0, bounds=(0.0, 1.0), constant=True, doc="Fraction done.")
    message = param.String(default="", constant=True, doc="Last progress message.")
    scalars = param.List(default=[], constant=True,
                         doc="Live scalars reported with progress (one dict per report).")
    run_id = param.String(default=None, allow_None=True, constant=True, doc="Run the job produced.")
    result = param.Parameter(default=None, constant=True, doc="What the task returned.")
    error = param.String(default=None, allow_None=True, constant=True, doc="One-line error message.")

    def __init__(self, dispatch: Callable | None = None, key: tuple | None = None, owner=None, **params):
        super().__init__(**params)
        self._dispatch = dispatch or session_dispatch()
        self._key = key
        self._owner = owner or (key[0] if key else uuid.uuid4().hex)
        self._execution: Execution | None = None
        self._applied = threading.Event()
        self._applied.set()
        self._scheduled = False
        self._sched_lock = threading.Lock()
        if key is not None:
            with _EXECUTIONS_LOCK:
                execution = _EXECUTIONS.get(key)
            if execution is not None:
                self._attach(execution)

    # -- control ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """Whether the computation is still going on."""
        return self._execution is not None and not self._execution.done.is_set()

    @property
    def owner(self):
        """Who the scheduler shares worker slots by (the browser client)."""
        return self._owner

    def start(self, task: Callable[[Callable, Callable[[], bool]], Any], *, cooperative: bool = False,
              time_limit: float | None = None):
        """Run ``task(progress, should_stop)`` in a worker thread.

        Parameters
        ----------
        task : callable
            Does the work; calls ``progress(fraction, message="", **scalars)`` and may poll
            ``should_stop()``. Its return value becomes :attr:`result` (and :attr:`run_id`
            when it is a string).
        cooperative : bool, default False
            The task polls ``should_stop`` and stops cleanly by itself; otherwise a cancelled
            task is interrupted (at its next progress report, or inside its thread).
        time_limit : float, optional
            Seconds after which the task is interrupted and the job fails with
            ``"interrupted: the time limit was reached"``.

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
        execution = Execution(task, cooperative=cooperative, time_limit=time_limit)
        if self._key is not None:
            with _EXECUTIONS_LOCK:
                _EXECUTIONS[self._key] = execution
        self._attach(execution)
        return SCHEDULER.submit(self._owner, execution.work)

    def run_experiment(self, experiment, store, time_limit: float | None = None):
        """Start ``experiment.run(store, progress)``; a cancelled run is recorded as failed."""
        return self.start(run_experiment_task(experiment, store), time_limit=time_limit)

    def cancel(self) -> None:
        """Stop the running computation (no effect when nothing runs)."""
        if self.running:
            self._execution.cancel()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the computation's final state has been applied here; False on timeout."""
        return self._applied.wait(timeout)

    # -- listener side --------------------------------------------------------------------
    def _attach(self, execution: Execution) -> None:
        self._applied.clear()
        self._execution = execution
        execution.listener = self
        self._apply()

    def _notify(self) -> None:
        """Called from any thread when the execution changed: schedule one refresh."""
        with self._sched_lock:
            if self._scheduled:
                return
            self._scheduled = True
        self._dispatch(self._apply_scheduled)

    def _apply_scheduled(self) -> None:
        with self._sched_lock:
            self._scheduled = False
        self._apply()

    def _apply(self) -> None:
        execution = self._execution
        if execution is None or execution.listener is not self:
            return
        state = execution.snapshot()
        changes = {}
        for name, value in state.items():
            old = getattr(self, name)
            if name == "result":
                changed = old is not value
            elif name == "scalars":
                changed = len(old) != len(value)  # they only grow within one execution
            else:
                changed = old != value
            if changed:
                changes[name] = value
        if changes:
            with param.edit_constant(self):
                self.param.update(**changes)
        if state["status"] in _FINAL:
            self._applied.set()


def detach_all() -> None:
    """Forget every keyed execution (tests)."""
    with _EXECUTIONS_LOCK:
        _EXECUTIONS.clear()

