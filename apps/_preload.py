"""What the forkserver of :mod:`apps.bounded` imports before it forks any child.

SIGINT is ignored first: a notebook kernel's shutdown or a Ctrl-C in the terminal reaches the
whole process group, and the forkserver (still importing, when a page was built just before
the end) must end with its parent, not with a traceback. Its children inherit the setting.
The imports make every child start with numpy and the dendrite theory loaded.
"""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)

import numpy  # noqa: E402, F401

from dendrites import simulate, theory  # noqa: E402, F401

from . import bounded, sdr  # noqa: E402, F401
