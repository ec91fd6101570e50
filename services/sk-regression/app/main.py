"""HTTP API of sk-regression: /livez, /readyz, /metrics, /predict and /train (FastAPI, served by app.serve)."""
from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from types import SimpleNamespace

from fastapi import FastAPI, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from pydantic import BaseModel

from .model import RegressionModel, compute_device

model = RegressionModel(os.environ.get("MODEL_DIR", "/app/models"))
state = SimpleNamespace(draining=False)
app = FastAPI(title="sk-regression")

# Prometheus metrics (the Kubernetes ServiceMonitor and the Compose Prometheus scrape /metrics on the API port); the
# in-flight gauge is what KEDA scales GPU replicas on.
registry = CollectorRegistry()
REQUESTS = Counter("sk_regression_requests_total", "HTTP requests served", ["method", "path", "status"], registry=registry)
LATENCY = Histogram("sk_regression_request_duration_seconds", "HTTP request latency", ["method", "path"], registry=registry)
IN_FLIGHT = Gauge("sk_regression_in_flight_requests", "HTTP requests being served", registry=registry)
MODEL_INFO = Gauge("sk_regression_model_loaded", "1 for the model version loaded", ["version"], registry=registry)
PROBES = ("/livez", "/readyz", "/metrics")


def log(**fields) -> None:
    """One JSON line per event on stdout, with the same fields in both runtimes (they collect stdout)."""
    print(json.dumps({"ts": round(time.time(), 3), "service": "sk-regression", **fields}, sort_keys=True), file=sys.stdout, flush=True)


@app.middleware("http")
async def observe(request: Request, call_next):
    path = request.url.path
    if path in PROBES:
        return await call_next(request)
    IN_FLIGHT.inc()
    start = time.perf_counter()
    status = 500
    try:
        response = await call_next(request)
        status = response.status_code
        return response
    finally:
        elapsed = time.perf_counter() - start
        IN_FLIGHT.dec()
        REQUESTS.labels(request.method, path, str(status)).inc()
        LATENCY.labels(request.method, path).observe(elapsed)
        log(event="request", method=request.method, path=path, status=status, duration_ms=round(elapsed * 1000, 2), model_version=model.version)


@app.get("/metrics")
def metrics() -> Response:
    MODEL_INFO.clear()
    if model.version:
        MODEL_INFO.labels(model.version).set(1)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


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
