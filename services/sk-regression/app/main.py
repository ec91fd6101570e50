"""HTTP API of sk-regression: /livez, /readyz, /predict and /train (FastAPI, served by app.serve)."""
from __future__ import annotations

import asyncio
import os
import threading
from types import SimpleNamespace

from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel

from .model import RegressionModel, compute_device

model = RegressionModel(os.environ.get("MODEL_DIR", "/app/models"))
state = SimpleNamespace(draining=False)
app = FastAPI(title="sk-regression")


@app.on_event("startup")
def load_model() -> None:
    # Load in the background: the process is alive (/livez) at once, ready (/readyz) when the model is in.
    threading.Thread(target=model.bootstrap, name="model-load", daemon=True).start()


class PredictRequest(BaseModel):
    features: list[list[float]]
    # An operational drill: hold the request this long before answering, to watch a drain (at most 30 s).
    drill_delay_ms: int = 0


class TrainRequest(BaseModel):
    features: list[list[float]]
    targets: list[float]


@app.get("/livez")
def livez() -> dict:
    """The process answers: nothing about the model, never any model work."""
    return {"status": "alive"}


@app.get("/readyz")
def readyz(response: Response) -> dict:
    """Ready when a model is loaded and the server is not draining; never loads or trains."""
    if model.ready and not state.draining:
        return {"status": "ready", "version": model.version, "device": compute_device(), "n_features": model.n_features}
    response.status_code = 503
    return {"status": "draining" if state.draining else "loading", "detail": model.error}


@app.post("/predict")
async def predict(req: PredictRequest) -> dict:
    if not 0 <= req.drill_delay_ms <= 30_000:
        raise HTTPException(status_code=422, detail="drill_delay_ms must be 0 to 30000")
    if req.drill_delay_ms:
        await asyncio.sleep(req.drill_delay_ms / 1000)
    try:
        return {"predictions": model.predict(req.features), "version": model.version}
    except RuntimeError as e:
        raise HTTPException(status_code=503, detail=str(e)) from e
    except ValueError as e:
        raise HTTPException(status_code=422, detail=str(e)) from e


@app.post("/train")
def train(req: TrainRequest) -> dict:
    try:
        result = model.train(req.features, req.targets)
    except ValueError as e:
        raise HTTPException(status_code=422, detail=str(e)) from e
    return {"n_samples": result.n_samples, "n_features": result.n_features, "r2": result.r2, "version": result.version}
