"""Background jobs: progress, live scalars, results, errors and both ways of cancelling."""

import threading
import time

import param
import pytest

from apps.jobs import Job, JobCancelled, describe_error
from workbench.experiment import Experiment, RunFailedError


def test_job_reports_progress_scalars_and_result():
    job = Job()

    def task(progress, should_stop):
        for i in range(3):
            progress((i + 1) / 3, f"step {i}", loss=float(i), epoch=i)
        return "run-1"

    job.start(task)
    assert job.wait(10)
    assert job.status == "complete" and job.run_id == "run-1" and job.progress == 1.0
    assert [s["loss"] for s in job.scalars] == [0.0, 1.0, 2.0]
    assert job.error is None


def test_job_error_is_one_line_message():
    job = Job()

    def task(progress, should_stop):
        raise ValueError("n_neurons must be in [10, inf), got 3\nmore detail")

    job.start(task)
    assert job.wait(10)
    assert job.status == "failed"
    assert job.error == "n_neurons must be in [10, inf), got 3"


def test_non_cooperative_task_is_interrupted_at_its_next_report():
    job = Job()
    started, release = threading.Event(), threading.Event()

    def task(progress, should_stop):
        progress(0.1)
        started.set()
        release.wait(5)
        progress(0.5)  # raises JobCancelled
        return "never"

    job.start(task)
    assert started.wait(5)
    job.cancel()
    release.set()
    assert job.wait(10)
    assert job.status == "cancelled" and job.result is None


def test_cooperative_task_stops_itself_and_keeps_its_result():
    job = Job()
    stopped = threading.Event()
    started = threading.Event()

    def task(progress, should_stop):
        started.set()
        while not should_stop():
            stopped.wait(0.01)
        return "best-so-far"

    job.start(task, cooperative=True)
    assert started.wait(5)
    job.cancel()
    assert job.wait(10)
    assert job.status == "cancelled" and job.run_id == "best-so-far"


def test_start_twice_is_refused():
    job = Job()
    gate = threading.Event()
    job.start(lambda progress, should_stop: gate.wait(5))
    with pytest.raises(RuntimeError, match="already running"):
        job.start(lambda progress, should_stop: None)
    gate.set()
    assert job.wait(10)


def test_updates_go_through_dispatch():
    calls = []

    def dispatch(fn):
        calls.append(fn)
        fn()

    job = Job(dispatch=dispatch)
    job.start(lambda progress, should_stop: progress(1.0, "x", loss=1.0) or "r")
    assert job.wait(10)
    assert len(calls) >= 2 and job.status == "complete"


class _Failing(Experiment):
    kind = "tests.failing"
    x = param.Number(1.0, bounds=(0, 2))

    def execute(self, run, progress):
        raise ArithmeticError("diverged")


def test_failed_run_message_names_the_run(store):
    job = Job()
    job.run_experiment(_Failing(), store)
    assert job.wait(10)
    assert job.status == "failed"
    assert job.error.startswith("run ") and "ArithmeticError: diverged" in job.error
    assert store.open(job.run_id).status == "failed"


def test_describe_error_variants():
    assert describe_error(ValueError("a must be in [1, 3]")) == "a must be in [1, 3]"
    assert describe_error(KeyError("x")) == "KeyError: 'x'"
    assert describe_error(RunFailedError("r1", JobCancelled())) == "run r1 cancelled by the user"


def test_silent_task_is_interrupted_inside_its_thread():
    job = Job()
    started = threading.Event()

    def task(progress, should_stop):  # never reports progress, never polls
        started.set()
        while True:
            time.sleep(0.001)

    job.start(task)
    assert started.wait(5)
    job.cancel()
    assert job.wait(10)
    assert job.status == "cancelled" and job.error == "cancelled by the user"


def test_time_limit_interrupts():
    job = Job()
    def task(progress, should_stop):
        for _ in range(30_000):
            time.sleep(0.001)

    job.start(task, time_limit=0.3)
    assert job.wait(10)
    assert job.status == "cancelled" and "time limit" in job.error


class _Slow(Experiment):
    kind = "tests.slow"
    x = param.Number(1.0, bounds=(0, 2))

    def execute(self, run, progress):
        while True:  # reports nothing: only the interrupt stops it
            time.sleep(0.001)


def test_cancelled_run_is_stored_failed_never_complete(store):
    job = Job()
    job.run_experiment(_Slow(), store)
    time.sleep(0.3)
    job.cancel()
    assert job.wait(10)
    assert job.status == "cancelled"
    run = store.open(job.run_id)
    assert run.status == "failed" and "cancelled" in run.attrs["error"]


def test_keyed_job_reattaches_to_the_running_execution():
    gate = threading.Event()
    first = Job(key=("client-a", "train"))

    def task(progress, should_stop):
        progress(0.5, "half")
        gate.wait(5)
        return "r9"

    first.start(task)
    second = Job(key=("client-a", "train"))  # the page built after a reload
    assert second.running and second.status == "running"
    other = Job(key=("client-b", "train"))
    assert not other.running and other.status == "idle"
    gate.set()
    assert second.wait(10)
    assert second.status == "complete" and second.run_id == "r9"
    assert first.status == "running"  # the detached view is no longer updated
