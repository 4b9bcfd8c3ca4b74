"""An experiment used by the sweep tests (sent to Dask workers by value)."""

import time

import numpy as np
import param

from workbench.experiment import Experiment


class Square(Experiment):
    """y = x², after sleeping ``duration`` seconds; fails when x == fail_at."""

    kind = "test.square"
    x = param.Number(1.0, doc="Input.")
    duration = param.Number(0.0, bounds=(0, 60), doc="Seconds to sleep.")
    fail_at = param.Number(-1.0, doc="Raise when x equals this value.")

    def execute(self, run, progress):
        deadline = time.time() + self.duration
        while time.time() < deadline:
            time.sleep(0.02)
        if self.x == self.fail_at:
            raise RuntimeError(f"failing on purpose at x={self.x}")
        run.write("y", np.array([self.x**2]), dims=("one",))
        run.metrics["y"] = float(self.x**2)
