#!/usr/bin/env python3
"""Fetches one complete model version from S3 (MinIO) into a model folder, before the server starts.

Generated into every cdk8s-ml base image as /opt/cdk8s-ml/fetch_model.py and run as a Compose one-shot service or a
Kubernetes init container. Layout it reads (written by a publisher, manifest last):

    s3://<bucket>/<prefix>/<version>/<files...>
    s3://<bucket>/<prefix>/<version>/MANIFEST.json   {"version", "files": [{"name", "size", "sha256"}]}

and writes:

    <dest>/versions/<version>/<files...> + MANIFEST.json (with each object's ETag)
    <dest>/current -> versions/<version>               (a symlink, swapped atomically)

Idempotent: an object whose ETag and size match a file already held (in any version) is linked, not downloaded.
Atomic: files land in <dest>/.fetch-*, are verified (size, sha256), then renamed into versions/ and `current` is
swapped by rename; a killed fetch leaves the previous `current` as it was, and the next run removes the leftovers.
Bounded: every S3 call is retried with exponential backoff inside an overall deadline. Credentials come from files
(AWS_ACCESS_KEY_ID_FILE, AWS_SECRET_ACCESS_KEY_FILE). One JSON log line per step; one exit code per failure class.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

EXIT_OK = 0
EXIT_USAGE = 2        # bad arguments or configuration
EXIT_CREDENTIALS = 3  # credentials missing or refused
EXIT_NOT_FOUND = 4    # no complete version (or the asked one is missing)
EXIT_UNREACHABLE = 5  # endpoint unreachable or the deadline passed
EXIT_CORRUPT = 6      # a downloaded file does not match the manifest
EXIT_LOCAL = 7        # the model folder cannot be written

MANIFEST = "MANIFEST.json"
KEEP_VERSIONS = 2


class Failure(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


def log(step: str, **fields) -> None:
    print(json.dumps({"component": "model-fetch", "step": step, **fields}, sort_keys=True), flush=True)


def secret(name: str) -> str | None:
    """The value of NAME, or the contents of the file NAME_FILE points at."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as e:
            raise Failure(EXIT_CREDENTIALS, f"cannot read {name}_FILE {path}: {e.strerror}") from e
    return os.environ.get(name)


class Bounded:
    """Retries a call with exponential backoff until it succeeds, fails for good, or the deadline passes."""

    def __init__(self, deadline_s: float, retries: int):
        self.deadline = time.monotonic() + deadline_s
        self.retries = retries

    def call(self, what: str, fn):
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        for attempt in range(self.retries + 1):
            if time.monotonic() > self.deadline:
                raise Failure(EXIT_UNREACHABLE, f"deadline passed during {what}")
            try:
                return fn()
            except ClientError as e:
                code = e.response.get("Error", {}).get("Code", "")
                if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403"):
                    raise Failure(EXIT_CREDENTIALS, f"{what}: credentials refused ({code})") from e
                if code in ("NoSuchKey", "NoSuchBucket", "404", "NotFound"):
                    raise Failure(EXIT_NOT_FOUND, f"{what}: not found ({code})") from e
                error = f"{code or 'error'}: {e}"
            except BotoCoreError as e:
                error = str(e)
            wait = min(0.5 * 2 ** attempt, 8.0, max(0.0, self.deadline - time.monotonic()))
            log("retry", what=what, attempt=attempt + 1, error=error, wait_s=round(wait, 2))
            time.sleep(wait)
        raise Failure(EXIT_UNREACHABLE, f"{what}: gave up after {self.retries + 1} attempts")


def client(endpoint: str):
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    key, secret_key = secret("AWS_ACCESS_KEY_ID"), secret("AWS_SECRET_ACCESS_KEY")
    if not key or not secret_key:
        raise Failure(EXIT_CREDENTIALS, "no credentials: set AWS_ACCESS_KEY_ID_FILE and AWS_SECRET_ACCESS_KEY_FILE")
    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret_key,
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
    )


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def choose_version(s3, bounded: Bounded, bucket: str, prefix: str, version: str | None) -> str:
    if version:
        return version
    pages = bounded.call("list versions", lambda: s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/", Delimiter="/"))
    candidates = sorted((p["Prefix"][len(prefix) + 1:].rstrip("/") for p in pages.get("CommonPrefixes", [])), reverse=True)
    for v in candidates:
        try:
            bounded.call(f"check {v}", lambda v=v: s3.head_object(Bucket=bucket, Key=f"{prefix}/{v}/{MANIFEST}"))
            return v
        except Failure as e:
            if e.code != EXIT_NOT_FOUND:
                raise
            log("skip-incomplete", version=v)
    raise Failure(EXIT_NOT_FOUND, f"no complete version under s3://{bucket}/{prefix}/ (a version is complete once its {MANIFEST} exists)")


def held_files(dest: Path) -> dict[tuple[str, int], Path]:
    """Files of complete local versions, by (ETag, size)."""
    held: dict[tuple[str, int], Path] = {}
    for manifest in (dest / "versions").glob(f"*/{MANIFEST}"):
        try:
            data = json.loads(manifest.read_text())
        except (OSError, ValueError):
            continue
        for f in data.get("files", []):
            if f.get("etag"):
                held[(f["etag"], int(f["size"]))] = manifest.parent / f["name"]
    return held


def fetch(args) -> int:
    dest = Path(args.dest)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "versions").mkdir(exist_ok=True)
        for stale in dest.glob(".fetch-*"):
            shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(missing_ok=True)
    except OSError as e:
        raise Failure(EXIT_LOCAL, f"cannot prepare {dest}: {e.strerror}") from e
    bounded = Bounded(args.deadline_seconds, args.retries)
    s3 = client(args.endpoint)
    log("start", endpoint=args.endpoint, bucket=args.bucket, prefix=args.prefix, version=args.version or "newest")
    try:
        version = choose_version(s3, bounded, args.bucket, args.prefix, args.version)
    except Failure as e:
        if e.code == EXIT_NOT_FOUND and args.allow_missing and not args.version:
            log("nothing-published", detail=str(e))
            return EXIT_OK
        raise
    base = f"{args.prefix}/{version}"
    body = bounded.call("read manifest", lambda: s3.get_object(Bucket=args.bucket, Key=f"{base}/{MANIFEST}")["Body"].read())
    try:
        remote = json.loads(body)
        files = [{"name": str(f["name"]), "size": int(f["size"]), "sha256": str(f["sha256"])} for f in remote["files"]]
    except (ValueError, KeyError, TypeError) as e:
        raise Failure(EXIT_CORRUPT, f"{MANIFEST} of {version} is not a manifest: {e}") from e
    for f in files:
        if "/" in f["name"] or f["name"] in ("", ".", "..", MANIFEST):
            raise Failure(EXIT_CORRUPT, f"{MANIFEST} of {version} names an unsafe file {f['name']!r}")
    log("version", version=version, files=len(files))

    target = dest / "versions" / version
    if (target / MANIFEST).exists():
        log("already-held", version=version)
    else:
        held = held_files(dest)
        staging = dest / f".fetch-{os.getpid()}"
        try:
            staging.mkdir()
            local_files = []
            for f in files:
                head = bounded.call(f"head {f['name']}", lambda f=f: s3.head_object(Bucket=args.bucket, Key=f"{base}/{f['name']}"))
                etag, size = head["ETag"].strip('"'), int(head["ContentLength"])
                if size != f["size"]:
                    raise Failure(EXIT_CORRUPT, f"{f['name']} is {size} bytes in the bucket, the manifest says {f['size']}")
                out = staging / f["name"]
                previous = held.get((etag, size))
                if previous is not None and previous.exists() and sha256(previous) == f["sha256"]:
                    os.link(previous, out)
                    log("unchanged", file=f["name"], etag=etag)
                else:
                    bounded.call(f"download {f['name']}", lambda f=f, out=out: s3.download_file(args.bucket, f"{base}/{f['name']}", str(out)))
                    log("downloaded", file=f["name"], bytes=size)
                if out.stat().st_size != f["size"] or sha256(out) != f["sha256"]:
                    raise Failure(EXIT_CORRUPT, f"{f['name']} does not match its size and sha256 in the manifest")
                local_files.append({**f, "etag": etag})
            (staging / MANIFEST).write_text(json.dumps({"version": version, "files": local_files}, sort_keys=True))
            os.rename(staging, target)
        except OSError as e:
            raise Failure(EXIT_LOCAL, f"cannot write {dest}: {e.strerror}") from e
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        log("verified", version=version)
    link = dest / f".fetch-current-{os.getpid()}"
    try:
        link.symlink_to(Path("versions") / version)
        os.replace(link, dest / "current")
    except OSError as e:
        raise Failure(EXIT_LOCAL, f"cannot switch {dest / 'current'}: {e.strerror}") from e
    for old in sorted((p for p in (dest / "versions").iterdir() if p.name != version), key=lambda p: p.stat().st_mtime)[:-(KEEP_VERSIONS - 1) or None]:
        shutil.rmtree(old, ignore_errors=True)
    log("done", version=version, current=str(dest / "current"))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch one complete model version from S3 into a model folder.")
    parser.add_argument("--endpoint", required=True, help="S3 endpoint URL, e.g. http://minio:9000")
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--prefix", required=True, help="the model's prefix; versions are its sub-prefixes")
    parser.add_argument("--version", default=None, help="a version to fetch (default: the newest complete one)")
    parser.add_argument("--dest", required=True, help="the model folder, e.g. /app/models")
    parser.add_argument("--deadline-seconds", type=float, default=600)
    parser.add_argument("--retries", type=int, default=5)
    parser.add_argument("--allow-missing", action="store_true", help="exit 0 when nothing is published yet")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return EXIT_USAGE if e.code else EXIT_OK
    try:
        return fetch(args)
    except Failure as e:
        log("failed", exit_code=e.code, error=str(e))
        return e.code


if __name__ == "__main__":
    sys.exit(main())
