"""HTTP API of sk-regression: /health, /predict and /train (FastAPI, served by uvicorn)."""
from __future__ import annotations

import os
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from .model import RegressionModel, compute_device

model = RegressionModel(os.environ.get("MODEL_DIR", "/app/models"))


@asynccontextmanager
async def lifespan(_: FastAPI):
    model.load_or_train()
    yield


app = FastAPI(title="sk-regression", lifespan=lifespan)


class PredictRequest(BaseModel):
    features: list[list[float]]


class TrainRequest(BaseModel):
    features: list[list[float]]
    targets: list[float]


def ensure_loaded() -> None:
    # lifespan loads the model at start; this covers servers (and FastAPI releases) that skip lifespan events
    if not model.ready:
        model.load_or_train()


@app.get("/health")
def health() -> dict:
    ensure_loaded()
    if not model.ready:
        raise HTTPException(status_code=503, detail="model not loaded")
    return {"status": "ok", "device": compute_device(), "n_features": model.n_features}


@app.post("/predict")
def predict(req: PredictRequest) -> dict:
    ensure_loaded()
    try:
        return {"predictions": model.predict(req.features)}
    except ValueError as e:
        raise HTTPException(status_code=422, detail=str(e)) from e


@app.post("/train")
def train(req: TrainRequest) -> dict:
    try:
        result = model.train(req.features, req.targets)
    except ValueError as e:
        raise HTTPException(status_code=422, detail=str(e)) from e
    return {"n_samples": result.n_samples, "n_features": result.n_features, "r2": result.r2}
