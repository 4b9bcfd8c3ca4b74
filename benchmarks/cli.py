"""How fast the ``workbench`` command answers.

Median wall time of ``--repeat`` (default 5) subprocess runs of each command, beside the peer
``python -c pass`` (the interpreter's own start-up) measured in the same process:

* a bad-input error: ``workbench run reservoirs.memory_capacity --set bad=1`` (goal < 1 s);
* ``workbench experiments`` (goal < 1 s);
* ``workbench --help`` (goal < 0.5 s).

The commands are run in turn (interleaved), so all see the same machine load.

Usage: ``python benchmarks/cli.py [--repeat 5] [--workbench PATH]``
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOALS = {"bad input error": 1.0, "experiments": 1.0, "--help": 0.5}


def _time(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workbench", default=str(Path(sys.executable).parent / "workbench"),
                        help="The workbench executable (default: beside this Python).")
    args = parser.parse_args()
    store = str(Path(tempfile.mkdtemp()) / "bench.zarr")
    commands = {
        "python -c pass (peer)": [sys.executable, "-c", "pass"],
        "bad input error": [args.workbench, "run", "reservoirs.memory_capacity", "--set", "bad=1",
                            "--store", store],
        "experiments": [args.workbench, "experiments"],
        "--help": [args.workbench, "--help"],
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(args.repeat):
        for name, cmd in commands.items():
            times[name].append(_time(cmd))
    peer = statistics.median(times["python -c pass (peer)"])
    print(f"median of {args.repeat} runs (shared machines vary: compare the ratios)")
    for name, values in times.items():
        med = statistics.median(values)
        goal = GOALS.get(name)
        verdict = "" if goal is None else f"  goal < {goal:g} s: {'met' if med < goal else 'NOT met'}"
        print(f"  {name:24s} {med:6.3f} s  {med / peer:6.1f}x python start-up{verdict}")


if __name__ == "__main__":
    main()
