"""Absurd and malformed input on the real ``workbench`` command: one line, exit 2, no store.

Each case runs the installed command in a subprocess and checks that the store folder was
never created (the refusal comes before the store is opened).
"""

import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import MAX_CONFIG_BYTES, load_config
from workbench.experiment import ResourceError, coerce_value, parse_bytes
from workbench.registry import get_experiment

WORKBENCH = str(Path(sys.executable).parent / "workbench")


def _run(tmp_path, *args):
    store = tmp_path / "store.zarr"
    res = subprocess.run([WORKBENCH, *args, "--store", str(store)], capture_output=True, text=True,
                         timeout=120)
    return res, store


@pytest.mark.parametrize("kind, setting, words", [
    ("reservoirs.memory_capacity", "n_neurons=1000000000", ["n_neurons", "GiB"]),
    ("reservoirs.memory_capacity", "n_steps=1e12", ["n_steps", "PiB"]),
    ("reservoirs.balance_sweep", "batch_size=1e9", ["batch_size"]),
    ("alrnn.lorenz63", "batch_size=1e9", ["batch_size", "more than"]),
    ("alrnn.lorenz63", "M=1e8", ["M"]),
    ("reservoirs.memory_capacity", "n_steps=inf", ["n_steps", "inf/NaN"]),
    ("systems.lorenz63", "dt=inf", ["dt", "inf/NaN"]),
    ("systems.lorenz63", "noise=nan", ["noise", "inf/NaN"]),
    ("reservoirs.memory_capacity", "gain=inf", ["gain", "inf/NaN"]),
    ("systems.lorenz63", "seed=1e100", ["seed", "2**63"]),
    ("systems.lorenz63", "n_steps=5", ["'n_steps'"]),
    ("alrnn.fit", "data=a\x07b.npy", ["data", "control characters"]),
])
def test_absurd_input_is_one_line_exit_2_and_no_store(tmp_path, kind, setting, words):
    res, store = _run(tmp_path, "run", kind, "--set", setting)
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert res.returncode == 2, res.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    for word in words:
        assert word in lines[0]
    assert "_FlowExperiment" not in lines[0]
    assert not store.exists()


def test_max_memory_option_refuses_a_run_that_fits_the_machine(tmp_path):
    res, store = _run(tmp_path, "run", "systems.lorenz63", "--max-memory", "1K")
    assert res.returncode == 2 and "--max-memory" in res.stderr and "n_steps" in res.stderr
    assert not store.exists()


def test_config_that_is_not_a_regular_file_is_refused_unread(tmp_path):
    res, store = _run(tmp_path, "run", "systems.lorenz63", "--config", "/dev/zero")
    assert res.returncode == 2 and "regular file" in res.stderr and not store.exists()


def test_config_over_one_mebibyte_is_refused(tmp_path):
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * MAX_CONFIG_BYTES + "\n")
    with pytest.raises(ValueError, match="larger than 1 MiB"):
        load_config(big)


def test_kind_with_a_control_character_is_refused(tmp_path):
    res, store = _run(tmp_path, "run", "systems.lorenz63\n")
    assert res.returncode == 2 and "control characters" in res.stderr and not store.exists()


def test_large_integer_seed_is_stored_exactly(tmp_path):
    res, store = _run(tmp_path, "run", "systems.lorenz63", "--set", "seed=9007199254740993",
                      "--set", "n_steps=200", "--set", "transient=10")
    assert res.returncode == 0, res.stderr
    from workbench.store import Store

    (run_id,) = Store(store).run_ids()
    rec = Store(store).open(run_id)
    assert rec.params["seed"] == 9007199254740993 and rec.seed == 9007199254740993


@pytest.mark.parametrize("text, value", [("12", 12), ("1e6", 1_000_000), ("2.0", 2),
                                         ("9007199254740993", 9007199254740993)])
def test_integers_are_read_exactly(text, value):
    cls = get_experiment("systems.lorenz63")
    assert coerce_value(cls.param["seed"], "seed", text) == value


@pytest.mark.parametrize("raw", ["2.5", "1e100", "inf", "nan", 1e100, float("inf"), 2.5])
def test_bad_integers_are_refused(raw):
    cls = get_experiment("systems.lorenz63")
    with pytest.raises(ValueError, match="seed"):
        coerce_value(cls.param["seed"], "seed", raw)


def test_toml_inf_float_is_refused_and_list_items_checked():
    cls = get_experiment("reservoirs.adaptation")
    with pytest.raises(ValueError, match="gain.*inf/NaN"):
        cls.from_config({"gain": float("inf")})
    with pytest.raises(ValueError, match="target_rates.*inf/NaN"):
        cls.from_config({"target_rates": "0.2,inf"})


def test_resource_check_names_the_largest_part_without_allocating():
    exp = get_experiment("reservoirs.memory_capacity").from_config({"n_neurons": "100000000"})
    with pytest.raises(ResourceError, match="n_neurons"):
        exp.check_resources(parse_bytes("1G"))
    get_experiment("reservoirs.memory_capacity")().check_resources(parse_bytes("1G"))


@pytest.mark.parametrize("text, value", [("512M", 512 << 20), ("2G", 2 << 30), ("1.5GiB", 3 << 29),
                                         ("1000", 1000)])
def test_parse_bytes(text, value):
    assert parse_bytes(text) == value


@pytest.mark.parametrize("text", ["", "-1G", "lots", "infG"])
def test_parse_bytes_rejects(text):
    with pytest.raises(ValueError, match="--max-memory"):
        parse_bytes(text)
