"""Import brian2 safely from any thread.

brian2 installs a SIGINT handler when it is imported, and Python allows ``signal.signal``
only in the main thread: importing brian2 first inside a worker thread (a Dask task, a GUI
job) raises ``ValueError: signal only works in main thread``. Off the main thread the handler
(which only lets Ctrl-C stop a simulation cleanly) is skipped.
"""

from __future__ import annotations

import signal
import threading

__all__ = ["brian2"]


def _import_brian2():
    if threading.current_thread() is threading.main_thread():
        import brian2

        return brian2
    original = signal.signal
    signal.signal = lambda signalnum, handler: signal.getsignal(signalnum)
    try:
        import brian2
    finally:
        signal.signal = original
    return brian2


brian2 = _import_brian2()
