"""Background jobs: progress, live scalars, results, errors and both ways of cancelling."""

import threading

import param
import pytest

from apps.jobs import Job, JobCancelled, describe_error, stop_hook
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

    job.start(task, cooperative=True, on_cancel=stopped.set)
    assert started.wait(5)
    job.cancel()
    assert job.wait(10)
    assert stopped.is_set()
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
    assert describe_error(RunFailedError("r1", JobCancelled("c"))) == "run r1 cancelled"


def test_stop_hook_finds_request_stop():
    class Stoppable:
        def request_stop(self):
            pass

    assert stop_hook(Stoppable()) is not None
    assert stop_hook(_Failing()) is None
