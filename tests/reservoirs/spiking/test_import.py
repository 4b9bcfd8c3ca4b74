"""The spiking package imports from worker threads (Dask tasks, GUI jobs)."""

import subprocess
import sys

CODE = """
import threading
errors = []
def work():
    try:
        import reservoirs.spiking.experiments  # first import of brian2 happens here
    except Exception as exc:
        errors.append(repr(exc))
t = threading.Thread(target=work); t.start(); t.join()
import signal
assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
print(errors or "ok")
"""


def test_first_import_in_worker_thread():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
