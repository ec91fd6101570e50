"""The fetcher (lib/python/fetch_model.py) and the publisher against a real S3-compatible server on loopback."""
import json
import os

import fetch_model
import pytest

from app.model import RegressionModel, fit, synthetic_data, write_version
from app.publish import publish, s3_client


def published(s3, tmp_path, version, seed=0):
    pipeline, _ = fit(*synthetic_data(seed))
    folder = write_version(tmp_path / "out" / version, pipeline, version)
    return publish(s3_client(s3), folder, "models", "sk-regression")


def fetch(s3, dest, *extra):
    return fetch_model.main(["--endpoint", s3, "--bucket", "models", "--prefix", "sk-regression", "--dest", str(dest), "--deadline-seconds", "20", *extra])


def steps(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def test_fetches_the_newest_complete_version_and_the_server_loads_it(s3, tmp_path, capsys):
    published(s3, tmp_path, "20261101T000000Z", seed=1)
    published(s3, tmp_path, "20261102T000000Z", seed=2)
    # a version whose manifest was never written is incomplete and skipped
    s3_client(s3).put_object(Bucket="models", Key="sk-regression/20261103T000000Z/model.joblib", Body=b"half")
    dest = tmp_path / "models"
    assert fetch(s3, dest) == 0
    log = steps(capsys)
    assert {"step": "skip-incomplete", "version": "20261103T000000Z"}.items() <= next(s for s in log if s["step"] == "skip-incomplete").items()
    assert os.readlink(dest / "current") == "versions/20261102T000000Z"
    m = RegressionModel(dest)
    assert m.load_current() and m.version == "20261102T000000Z"


def test_a_second_fetch_downloads_nothing_and_a_new_version_reuses_unchanged_files(s3, tmp_path, capsys):
    published(s3, tmp_path, "v1", seed=1)
    dest = tmp_path / "models"
    assert fetch(s3, dest) == 0
    capsys.readouterr()
    assert fetch(s3, dest) == 0
    assert [s["step"] for s in steps(capsys)] == ["start", "version", "already-held", "done"]
    # v2 holds the same bytes under a new version: its object has the same ETag, so it is linked, not downloaded
    client = s3_client(s3)
    for key in ("model.joblib", "MANIFEST.json"):
        body = client.get_object(Bucket="models", Key=f"sk-regression/v1/{key}")["Body"].read()
        if key == "MANIFEST.json":
            body = body.replace(b'"v1"', b'"v2"')
        client.put_object(Bucket="models", Key=f"sk-regression/v2/{key}", Body=body)
    assert fetch(s3, dest) == 0
    log = steps(capsys)
    assert [s["step"] for s in log if s["step"] in ("unchanged", "downloaded")] == ["unchanged"]
    assert os.readlink(dest / "current") == "versions/v2"
    assert os.stat(dest / "versions/v2/model.joblib").st_ino == os.stat(dest / "versions/v1/model.joblib").st_ino


def test_a_pinned_version(s3, tmp_path):
    published(s3, tmp_path, "v1", seed=1)
    published(s3, tmp_path, "v2", seed=2)
    assert fetch(s3, tmp_path / "m", "--version", "v1") == 0
    assert os.readlink(tmp_path / "m" / "current") == "versions/v1"


@pytest.mark.parametrize("case, code", [
    ("nothing published", fetch_model.EXIT_NOT_FOUND),
    ("wrong credentials", fetch_model.EXIT_CREDENTIALS),
    ("corrupt object", fetch_model.EXIT_CORRUPT),
    ("unreachable endpoint", fetch_model.EXIT_UNREACHABLE),
])
def test_each_failure_class_has_its_exit_code_and_leaves_current_alone(s3, tmp_path, monkeypatch, capsys, case, code):
    dest = tmp_path / "models"
    endpoint = s3
    if case == "wrong credentials":
        published(s3, tmp_path, "v1")
        (tmp_path / "bad").write_text("NOT-THE-KEY")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID_FILE", str(tmp_path / "bad"))
    elif case == "corrupt object":
        published(s3, tmp_path, "v1")
        s3_client(s3).put_object(Bucket="models", Key="sk-regression/v1/model.joblib", Body=b"x" * 10)
    elif case == "unreachable endpoint":
        endpoint = "http://127.0.0.1:9"  # nothing listens on the discard port of loopback
    args = ["--endpoint", endpoint, "--bucket", "models", "--prefix", "sk-regression", "--dest", str(dest), "--deadline-seconds", "3", "--retries", "2"]
    assert fetch_model.main(args) == code
    failed = [s for s in steps(capsys) if s["step"] == "failed"]
    assert len(failed) == 1 and failed[0]["exit_code"] == code
    assert not (dest / "current").exists()
    assert not list(dest.glob(".fetch-*"))


def test_allow_missing_exits_0_when_nothing_is_published(s3, tmp_path):
    assert fetch(s3, tmp_path / "m", "--allow-missing") == 0
    assert not (tmp_path / "m" / "current").exists()


def test_bad_arguments_exit_2():
    assert fetch_model.main(["--bucket", "x"]) == fetch_model.EXIT_USAGE
