"""The scikit-learn regression of sk-regression and the model folder it is served from.

The model folder (MODEL_DIR, ADR-007's per-service volume) holds complete versions only:

    versions/<version>/model.joblib + MANIFEST.json ({"version", "files": [{"name", "size", "sha256"}]})
    current -> versions/<version>

written by the fetcher (lib/python/fetch_model.py, run before the server starts) or by a local train. The server
loads `current` once at start-up, after checking every file against the manifest; probes never load or train.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

MODEL_FILE = "model.joblib"
MANIFEST = "MANIFEST.json"


def compute_device() -> str:
    """'cuda' when torch sees a GPU (the gpu profile's CUDA base image), 'cpu' otherwise or without torch."""
    try:
        import torch  # noqa: PLC0415 - optional: the service works without torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fit(features, targets) -> tuple[Pipeline, float]:
    """Fits the pipeline; returns it with its R² on the training data."""
    x = np.asarray(features, dtype=float)
    y = np.asarray(targets, dtype=float)
    if x.ndim != 2 or x.shape[0] != y.shape[0] or x.shape[0] < 2:
        raise ValueError("features must be a 2-D list with one row per target and at least two rows")
    pipeline = make_pipeline(StandardScaler(), Ridge(alpha=1.0))
    pipeline.fit(x, y)
    return pipeline, float(pipeline.score(x, y))


def synthetic_data(seed: int = 0, n: int = 200):
    """y = 1.5 x0 - 2 x1 + 0.5 x2 + 3, with a little noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = x @ np.array([1.5, -2.0, 0.5]) + 3.0 + rng.normal(scale=0.1, size=n)
    return x, y


def write_version(folder: Path, pipeline: Pipeline, version: str) -> Path:
    """Writes a complete version folder (model file, then its manifest) and returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, folder / MODEL_FILE)
    f = folder / MODEL_FILE
    manifest = {"version": version, "files": [{"name": MODEL_FILE, "size": f.stat().st_size, "sha256": sha256(f)}]}
    (folder / MANIFEST).write_text(json.dumps(manifest, sort_keys=True))
    return folder


def complete(folder: Path) -> dict | None:
    """The manifest of a version folder whose every file matches it, else None."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        for f in manifest["files"]:
            p = folder / f["name"]
            if p.stat().st_size != int(f["size"]) or sha256(p) != f["sha256"]:
                return None
        return manifest
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass
class TrainResult:
    n_samples: int
    n_features: int
    r2: float
    version: str


class RegressionModel:
    """Thread-safe holder of the fitted pipeline and the version it came from."""

    def __init__(self, model_dir: str | os.PathLike[str]):
        self.model_dir = Path(model_dir)
        self._lock = threading.Lock()
        self._pipeline: Pipeline | None = None
        self.version: str | None = None
        self.error: str | None = None

    @property
    def ready(self) -> bool:
        return self._pipeline is not None

    @property
    def n_features(self) -> int | None:
        return None if self._pipeline is None else int(self._pipeline[-1].n_features_in_)

    def load_current(self) -> bool:
        """Loads the version `current` points at, if it is complete. Returns whether a model is loaded."""
        current = self.model_dir / "current"
        manifest = complete(current)
        if manifest is None:
            self.error = f"no complete model version at {current}"
            return False
        pipeline = joblib.load(current / MODEL_FILE)
        with self._lock:
            self._pipeline, self.version, self.error = pipeline, str(manifest["version"]), None
        return True

    def bootstrap(self, seed: int = 0) -> None:
        """Loads `current`, or (MODEL_BOOTSTRAP=synthetic) trains on synthetic data when nothing is there yet."""
        if self.load_current():
            return
        if os.environ.get("MODEL_BOOTSTRAP") == "synthetic":
            x, y = synthetic_data(seed)
            self.train(x.tolist(), y.tolist())

    def train(self, features, targets) -> TrainResult:
        """Fits, writes a complete local version, points `current` at it (atomically) and serves it."""
        pipeline, r2 = fit(features, targets)
        version = time.strftime("local-%Y%m%dT%H%M%SZ", time.gmtime()) + f"-{os.getpid()}"
        staging = self.model_dir / f".train-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        write_version(staging, pipeline, version)
        (self.model_dir / "versions").mkdir(parents=True, exist_ok=True)
        os.rename(staging, self.model_dir / "versions" / version)
        link = self.model_dir / f".current-{os.getpid()}"
        link.unlink(missing_ok=True)
        link.symlink_to(Path("versions") / version)
        os.replace(link, self.model_dir / "current")
        with self._lock:
            self._pipeline, self.version, self.error = pipeline, version, None
        return TrainResult(n_samples=len(targets), n_features=int(pipeline[-1].n_features_in_), r2=r2, version=version)

    def predict(self, features) -> list[float]:
        with self._lock:
            pipeline = self._pipeline
        if pipeline is None:
            raise RuntimeError("model is not loaded")
        x = np.asarray(features, dtype=float)
        if x.ndim != 2 or x.shape[1] != pipeline[-1].n_features_in_:
            raise ValueError(f"each row must have {pipeline[-1].n_features_in_} features")
        return [float(v) for v in pipeline.predict(x)]
