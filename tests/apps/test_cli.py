"""The ``serve`` command: options and the one-line error for a bad store."""

from click.testing import CliRunner

from apps.cli import serve


def test_help_lists_store_and_port():
    result = CliRunner().invoke(serve, ["--help"])
    assert result.exit_code == 0 and "--store" in result.output and "--port" in result.output


def test_bad_store_exits_2_with_one_line(tmp_path):
    not_a_store = tmp_path / "file.txt"
    not_a_store.write_text("x")
    result = CliRunner().invoke(serve, ["--store", str(not_a_store)])
    assert result.exit_code == 2
    assert result.output.startswith("error: store path") and result.output.count("\n") == 1


def test_bad_port_is_rejected():
    assert CliRunner().invoke(serve, ["--port", "70000"]).exit_code == 2


def test_missing_data_dir_exits_2_with_one_line(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("workbench")
    out = subprocess.run([str(exe), "serve", "--store", str(tmp_path / "s.zarr"), "--data-dir",
                          str(tmp_path / "missing"), "--port", "0"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert out.stderr.startswith("error: data-dir must be an existing folder") and out.stderr.count("\n") == 1
    assert not (tmp_path / "s.zarr" / "runs").exists()


def test_a_closed_browser_is_not_logged_as_an_error(caplog):
    import asyncio

    from tornado.websocket import WebSocketClosedError

    from apps.app import _browser_gone_handler

    loop = asyncio.new_event_loop()
    try:
        _browser_gone_handler(loop, {"message": "Task exception was never retrieved",
                                     "exception": WebSocketClosedError()})
        assert "Traceback" not in caplog.text and "never retrieved" not in caplog.text
        _browser_gone_handler(loop, {"message": "real problem", "exception": RuntimeError("boom")})
        assert "real problem" in caplog.text
    finally:
        loop.close()
