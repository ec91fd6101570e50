import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[1]
REPO = SERVICE.parents[1]
sys.path.insert(0, str(SERVICE))
sys.path.insert(0, str(REPO / "lib" / "python"))  # the fetcher the base images carry


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def s3(tmp_path, monkeypatch):
    """A real S3-compatible server (s3rver, from the repository's node_modules) on loopback, with a `models` bucket.

    s3rver accepts its own account only: access key S3RVER, secret S3RVER, handed over as files like in production.
    """
    server = REPO / "node_modules" / "s3rver" / "bin" / "s3rver.js"
    if not server.exists():
        pytest.fail("s3rver is missing: run `npm ci` in the repository first (it is a devDependency)")
    port = free_port()
    proc = subprocess.Popen(
        ["node", str(server), "-d", str(tmp_path / "s3"), "-a", "127.0.0.1", "-p", str(port), "-s", "--configure-bucket", "models"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("s3rver did not start within 20 s")
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "user").write_text("S3RVER")
    (secrets / "password").write_text("S3RVER")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID_FILE", str(secrets / "user"))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY_FILE", str(secrets / "password"))
    yield endpoint
    proc.terminate()
    proc.wait(timeout=10)
