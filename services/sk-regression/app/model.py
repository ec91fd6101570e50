"""A scikit-learn regression kept under MODEL_DIR, with an optional torch device probe.

The model is trained on request (or on first start, from a small synthetic data set) and saved with joblib, so a
restart loads it from the per-service model volume instead of training again.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

MODEL_FILE = "sk-regression.joblib"


def compute_device() -> str:
    """'cuda' when torch sees a GPU (the gpu profile's CUDA base image), 'cpu' otherwise or without torch."""
    try:
        import torch  # noqa: PLC0415 - optional: the service works without torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass
class TrainResult:
    n_samples: int
    n_features: int
    r2: float


class RegressionModel:
    """Thread-safe holder of the fitted pipeline."""

    def __init__(self, model_dir: str | os.PathLike[str]):
        self.model_dir = Path(model_dir)
        self._lock = threading.Lock()
        self._pipeline: Pipeline | None = None

    @property
    def path(self) -> Path:
        return self.model_dir / MODEL_FILE

    @property
    def ready(self) -> bool:
        return self._pipeline is not None

    @property
    def n_features(self) -> int | None:
        return None if self._pipeline is None else int(self._pipeline[-1].n_features_in_)

    def load_or_train(self, seed: int = 0) -> None:
        """Loads the saved model, or trains one on synthetic data when there is none yet."""
        if self.path.exists():
            with self._lock:
                self._pipeline = joblib.load(self.path)
            return
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(200, 3))
        y = x @ np.array([1.5, -2.0, 0.5]) + 3.0 + rng.normal(scale=0.1, size=200)
        self.train(x.tolist(), y.tolist())

    def train(self, features: list[list[float]], targets: list[float]) -> TrainResult:
        x = np.asarray(features, dtype=float)
        y = np.asarray(targets, dtype=float)
        if x.ndim != 2 or x.shape[0] != y.shape[0] or x.shape[0] < 2:
            raise ValueError("features must be a 2-D list with one row per target and at least two rows")
        pipeline = make_pipeline(StandardScaler(), Ridge(alpha=1.0))
        pipeline.fit(x, y)
        r2 = float(pipeline.score(x, y))
        self.model_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        joblib.dump(pipeline, tmp)
        os.replace(tmp, self.path)  # never leave a half-written model behind
        with self._lock:
            self._pipeline = pipeline
        return TrainResult(n_samples=int(x.shape[0]), n_features=int(x.shape[1]), r2=r2)

    def predict(self, features: list[list[float]]) -> list[float]:
        with self._lock:
            pipeline = self._pipeline
        if pipeline is None:
            raise RuntimeError("model is not loaded")
        x = np.asarray(features, dtype=float)
        if x.ndim != 2 or x.shape[1] != pipeline[-1].n_features_in_:
            raise ValueError(f"each row must have {pipeline[-1].n_features_in_} features")
        return [float(v) for v in pipeline.predict(x)]
