"""workbench.native: compile on first use, cache, fall back cleanly."""

import ctypes
import subprocess
import sys
import warnings

import numpy as np
import pytest

from workbench import native

SOURCE = "#include <stdint.h>\nint64_t add(int64_t a, int64_t b) { return a + b; }\n"
SIG = {"add": (ctypes.c_int64, [ctypes.c_int64, ctypes.c_int64])}


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty cache directory and no library loaded in this process yet."""
    monkeypatch.setenv("WORKBENCH_NATIVE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(native, "_loaded", {})
    src = tmp_path / "adder.c"
    src.write_text(SOURCE)
    return src


def test_compiles_once_and_reuses_the_cache(fresh, tmp_path, monkeypatch):
    lib = native.load(fresh, SIG)
    assert lib is not None and lib.add(40, 2) == 42
    assert native.load(fresh, SIG) is lib                     # same process: same object
    built = list((tmp_path / "cache").glob("adder-*.so"))
    assert len(built) == 1
    stamp = built[0].stat().st_mtime_ns
    monkeypatch.setattr(native, "_loaded", {})                # a new process: reuse the file
    assert native.load(fresh, SIG).add(1, 2) == 3
    assert built[0].stat().st_mtime_ns == stamp
    fresh.write_text(SOURCE.replace("a + b", "a - b"))        # edited source: rebuilt
    monkeypatch.setattr(native, "_loaded", {})
    assert native.load(fresh, SIG).add(1, 2) == -1
    assert len(list((tmp_path / "cache").glob("adder-*.so"))) == 2


def test_disabled_by_environment(fresh, monkeypatch):
    monkeypatch.setenv("WORKBENCH_NATIVE", "0")
    assert not native.enabled()
    assert native.load(fresh, SIG) is None


def test_broken_compiler_warns_once_and_returns_none(fresh, monkeypatch):
    monkeypatch.setenv("CC", "/nonexistent/cc")
    with pytest.warns(RuntimeWarning, match="numpy path"):
        assert native.load(fresh, SIG) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert native.load(fresh, SIG) is None                # remembered: no second warning


def test_compile_error_is_reported(fresh):
    fresh.write_text("this is not C\n")
    with pytest.warns(RuntimeWarning, match="adder.c"):
        assert native.load(fresh, SIG) is None


def test_reservoirs_fall_back_to_numpy_without_a_compiler(fresh, monkeypatch):
    from reservoirs import EIReservoir

    u = np.random.default_rng(0).uniform(-1, 1, (300, 1))
    expected = EIReservoir(60, in_degree=20, seed=0).run(u)
    monkeypatch.setenv("CC", "/nonexistent/cc")
    with pytest.warns(RuntimeWarning, match="_rate_kernel.c"):
        states = EIReservoir(60, in_degree=20, seed=0).run(u)
    np.testing.assert_allclose(states, expected, rtol=0, atol=1e-13)


def test_concurrent_first_builds_are_safe(fresh, tmp_path):
    """Processes building the same kernel at once each end with a working library."""
    import subprocess
    import sys

    code = ("import ctypes, sys; from workbench import native; "
            "lib = native.load(sys.argv[1], {'add': (ctypes.c_int64, "
            "[ctypes.c_int64, ctypes.c_int64])}); print(lib.add(2, 3))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(fresh)], stdout=subprocess.PIPE,
                              text=True) for _ in range(4)]
    assert [p.communicate(timeout=120)[0].strip() for p in procs] == ["5"] * 4
    assert len(list((tmp_path / "cache").glob("adder-*.so"))) == 1
    assert not [p for p in (tmp_path / "cache").iterdir() if not p.name.startswith("adder-")]


_FAULTS = """
import resource, sys
import numpy as np
from workbench.native import retain_freed_memory
if sys.argv[1] == "retain":
    assert retain_freed_memory()
x = np.random.default_rng(0).random((3000, 300))
def work():                                 # a few 3-10 MB temporaries, freed again
    y = x - 0.5
    z = y[::2] * 2.0
    return float(np.concatenate([y, z]).sum())
work()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    work()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt")
def test_retain_freed_memory_stops_refaulting_temporaries():
    """A real process: by default glibc returns freed multi-megabyte temporaries to the
    system and faults them in again page by page on the next use (about 33 000 faults for
    this loop); with the setting the heap keeps and reuses them."""
    def faults(mode):
        out = subprocess.run([sys.executable, "-c", _FAULTS, mode], capture_output=True,
                             text=True, check=True)
        return int(out.stdout.split()[-1])

    default, retained = faults("default"), faults("retain")
    assert default > 10_000
    assert retained < default / 20
