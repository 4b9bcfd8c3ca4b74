"""Computations in a child process: results, errors, time limit, memory limit, cancellation."""

import operator
import time

import pytest

from apps.bounded import BoundExceeded, call_bounded


def test_result_and_error_come_back():
    assert call_bounded(operator.add, 2, 3, timeout=60) == 5
    with pytest.raises(ValueError, match="invalid literal"):
        call_bounded(int, "not a number", timeout=60)


def test_time_limit_kills_the_child():
    t0 = time.monotonic()
    with pytest.raises(BoundExceeded, match="longer than"):
        call_bounded(time.sleep, 600, timeout=0.5)
    assert time.monotonic() - t0 < 30


def test_memory_limit():
    with pytest.raises(BoundExceeded, match="memory"):
        call_bounded(bytearray, 3 * 1024**3, timeout=60, memory=1024**3)


def test_should_stop_kills_the_child():
    stop_at = time.monotonic() + 0.3
    with pytest.raises(InterruptedError):
        call_bounded(time.sleep, 600, timeout=60, should_stop=lambda: time.monotonic() > stop_at)


def test_a_child_that_answered_is_reused_and_a_killed_one_never():
    import os

    first = call_bounded(os.getpid, timeout=60)
    assert first != os.getpid()
    assert call_bounded(os.getpid, timeout=60) == first  # warm: the same child answers again
    with pytest.raises(ValueError):
        call_bounded(int, "x", timeout=60)  # an error raised by the function keeps the child
    assert call_bounded(os.getpid, timeout=60) == first
    with pytest.raises(BoundExceeded):
        call_bounded(time.sleep, 600, timeout=0.3)  # killed: its successor is a new process
    killed_pid = first
    assert call_bounded(os.getpid, timeout=60) != killed_pid
    with pytest.raises(BoundExceeded, match="memory"):
        call_bounded(bytearray, 3 * 1024**3, timeout=60, memory=1024**3)
    after_memory = call_bounded(os.getpid, timeout=60, memory=1024**3)
    assert call_bounded(os.getpid, timeout=60, memory=1024**3) == after_memory


def test_an_idle_child_ignores_ctrl_c():
    # Ctrl-C in a terminal (or a notebook kernel's shutdown) reaches the whole process group:
    # an idle child must neither die with a traceback nor be lost
    import os
    import signal

    pid = call_bounded(os.getpid, timeout=60)
    os.kill(pid, signal.SIGINT)
    time.sleep(0.3)
    assert call_bounded(os.getpid, timeout=60) == pid


def test_the_forkserver_preload_ignores_ctrl_c_before_its_imports():
    import signal
    import subprocess
    import sys

    code = ("import signal, apps._preload as p, sys; "
            "sys.exit(0 if signal.getsignal(signal.SIGINT) is signal.SIG_IGN and 'dendrites.theory' in sys.modules "
            "else 1)")
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN  # (this process is untouched)
