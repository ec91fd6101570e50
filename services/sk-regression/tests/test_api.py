"""HTTP API tests; they need fastapi and httpx (skipped without them)."""
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402


@pytest.fixture()
def client(tmp_path, monkeypatch):
    from app import main

    monkeypatch.setattr(main, "model", main.RegressionModel(tmp_path))
    with TestClient(main.app) as c:
        yield c


def test_health_reports_device_and_features(client):
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["device"] in ("cpu", "cuda") and body["n_features"] == 3


def test_predict_then_retrain(client):
    assert len(client.post("/predict", json={"features": [[0, 0, 0], [1, 1, 1]]}).json()["predictions"]) == 2
    trained = client.post("/train", json={"features": [[1, 2], [2, 1], [3, 3], [0, 1]], "targets": [3, 3, 6, 1]}).json()
    assert trained["n_features"] == 2
    assert client.post("/predict", json={"features": [[1, 1]]}).status_code == 200
    assert client.post("/predict", json={"features": [[1]]}).status_code == 422
