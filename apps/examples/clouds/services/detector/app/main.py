"""detector: an object-detection service (placeholder for the example's build context)."""
from fastapi import FastAPI

app = FastAPI(title="detector")


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}
