"""Training job of sk-regression: reads training data, fits, and publishes a model version to S3 (MinIO).

    python -m app.train --endpoint http://minio:9000 --bucket models --prefix sk-regression \
        [--data s3://models/data/sk-regression.csv | --synthetic 500]

The data is a CSV with a header: feature columns, then the target in the last column. The version is a UTC
timestamp; the serving side's fetch takes the newest complete version on its next start.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
import time
from pathlib import Path

from .model import fit, synthetic_data, write_version
from .publish import publish, s3_client


def read_csv(text: str):
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) < 3:
        raise ValueError("the training data needs a header and at least two rows")
    data = [[float(v) for v in r] for r in rows[1:] if r]
    return [r[:-1] for r in data], [r[-1] for r in data]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--prefix", required=True)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="s3://<bucket>/<key> of a CSV")
    source.add_argument("--synthetic", type=int, help="train on this many generated rows")
    parser.add_argument("--version", default=None, help="default: the UTC time, e.g. 20261128T141000Z")
    args = parser.parse_args(argv)
    s3 = s3_client(args.endpoint)
    if args.data:
        bucket, _, key = args.data.removeprefix("s3://").partition("/")
        features, targets = read_csv(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode())
    else:
        x, y = synthetic_data(n=args.synthetic)
        features, targets = x.tolist(), y.tolist()
    pipeline, r2 = fit(features, targets)
    version = args.version or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_version(Path(tmp) / version, pipeline, version)
        publish(s3, folder, args.bucket, args.prefix)
    print(json.dumps({"component": "train", "step": "published", "version": version, "rows": len(targets), "r2": round(r2, 4)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
