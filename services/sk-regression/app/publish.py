"""Publishes a model version to S3 (MinIO) so that the serving side's fetch picks it up.

Files first, MANIFEST.json last: a version is complete, and visible to the fetcher, only once its manifest exists.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .model import MANIFEST, complete


def s3_client(endpoint: str):
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    def secret(name: str) -> str | None:
        path = os.environ.get(f"{name}_FILE")
        return Path(path).read_text().strip() if path else os.environ.get(name)

    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=secret("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=secret("AWS_SECRET_ACCESS_KEY"), region_name=os.environ.get("AWS_REGION", "us-east-1"),
        config=Config(s3={"addressing_style": "path"}),
    )


def publish(s3, folder: Path, bucket: str, prefix: str) -> str:
    """Uploads a complete local version folder under <prefix>/<version>/, manifest last. Returns the version."""
    manifest = complete(folder)
    if manifest is None:
        raise ValueError(f"{folder} is not a complete model version")
    version = str(manifest["version"])
    for f in manifest["files"]:
        s3.upload_file(str(folder / f["name"]), bucket, f"{prefix}/{version}/{f['name']}")
    s3.put_object(Bucket=bucket, Key=f"{prefix}/{version}/{MANIFEST}", Body=json.dumps(manifest, sort_keys=True).encode())
    return version
