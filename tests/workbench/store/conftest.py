"""Fixtures of the store tests: helper processes and a real S3-compatible server (moto)."""

import os
import socket
import subprocess
import sys
import time
import uuid

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def python(code: str, *args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    """Start ``python -c code args...`` (stdout piped, text)."""
    full_env = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=full_env, cwd=REPO, **kw)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto_recording(tmp_path_factory):
    """File where the moto server records requests (between start and stop of a recording)."""
    return tmp_path_factory.mktemp("moto") / "requests.jsonl"


@pytest.fixture(scope="session")
def moto_endpoint(moto_recording):
    """A real ``moto_server`` on 127.0.0.1 for the session (skipped when moto is absent)."""
    pytest.importorskip("moto")
    pytest.importorskip("s3fs")
    exe = os.path.join(os.path.dirname(sys.executable), "moto_server")
    cmd = [exe] if os.path.exists(exe) else [sys.executable, "-m", "moto.server"]
    port = _free_port()
    env = {**os.environ, "MOTO_RECORDER_FILEPATH": str(moto_recording)}
    proc = subprocess.Popen([*cmd, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.skip("moto_server did not start")
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def s3_options(moto_endpoint, monkeypatch):
    """Storage options for the moto server, and credentials in the environment for child processes."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return {"endpoint_url": moto_endpoint, "key": "testing", "secret": "testing"}


@pytest.fixture
def s3_url(s3_options):
    """A fresh bucket on the moto server; the store URL inside it."""
    import s3fs

    fs = s3fs.S3FileSystem(**s3_options)
    bucket = f"wb-{uuid.uuid4().hex[:12]}"
    fs.mkdir(bucket)
    return f"s3://{bucket}/store.zarr"


def count_requests(endpoint: str, recording, action) -> int:
    """Run ``action()`` and return how many requests the moto server received meanwhile."""
    import urllib.request

    def call(what):
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/recorder/{what}", method="POST"),
                               timeout=10).read()

    call("reset-recording")
    call("start-recording")
    try:
        action()
    finally:
        call("stop-recording")
    text = recording.read_text() if recording.exists() else ""
    return sum(1 for line in text.splitlines() if line.strip())
