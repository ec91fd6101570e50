"""Placeholder service of the example: the example shows the declaration, not a model."""
from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}
