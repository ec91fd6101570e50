"""tile-classifier: a CPU-only ML service that labels map tiles by their colour statistics (scikit-learn)."""
from __future__ import annotations

import os

import numpy as np
from fastapi import FastAPI
from pydantic import BaseModel
from sklearn.neighbors import NearestCentroid

# Centroids of mean (r, g, b) per class: a small rule-of-thumb model that needs no training data or weights file.
CLASSES = ["water", "vegetation", "built-up", "bare"]
CENTROIDS = np.array([[40, 80, 140], [60, 120, 50], [150, 140, 135], [190, 170, 120]], dtype=float)

model = NearestCentroid().fit(CENTROIDS, CLASSES)
app = FastAPI(title="tile-classifier")
REGRESSION_URL = os.environ.get("SK_REGRESSION_URL", "http://sk-regression:8000")


class ClassifyRequest(BaseModel):
    mean_rgb: list[list[float]]


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


# The probes every MlService is declared with (cdk8s-ml's default health check): the model is built at import, so the
# service is ready as soon as it answers.
@app.get("/livez")
def livez() -> dict:
    return {"status": "alive"}


@app.get("/readyz")
def readyz() -> dict:
    return {"status": "ready"}


@app.post("/classify")
def classify(req: ClassifyRequest) -> dict:
    return {"labels": [str(x) for x in model.predict(np.array(req.mean_rgb, dtype=float))]}
