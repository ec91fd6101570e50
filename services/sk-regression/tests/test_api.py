"""HTTP API: honest probes, predictions, training, draining."""
import pytest
from fastapi.testclient import TestClient

from app import main
from app.model import synthetic_data


@pytest.fixture()
def client(tmp_path, monkeypatch):
    monkeypatch.setattr(main, "model", main.RegressionModel(tmp_path))
    monkeypatch.setattr(main.state, "draining", False)
    monkeypatch.delenv("MODEL_BOOTSTRAP", raising=False)
    with TestClient(main.app) as c:
        yield c


def test_livez_answers_without_a_model_and_readyz_waits_for_one(client):
    assert client.get("/livez").json() == {"status": "alive"}
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["status"] == "loading"
    assert not main.model.ready  # neither probe loaded or trained anything
    x, y = synthetic_data()
    client.post("/train", json={"features": x.tolist(), "targets": y.tolist()})
    body = client.get("/readyz").json()
    assert body["status"] == "ready" and body["n_features"] == 3 and body["version"].startswith("local-")


def test_predict_then_retrain(client):
    assert client.post("/predict", json={"features": [[0, 0, 0]]}).status_code == 503
    trained = client.post("/train", json={"features": [[1, 2], [2, 1], [3, 3], [0, 1]], "targets": [3, 3, 6, 1]}).json()
    assert trained["n_features"] == 2
    assert client.post("/predict", json={"features": [[1, 1]]}).status_code == 200
    assert client.post("/predict", json={"features": [[1]]}).status_code == 422
    assert client.post("/predict", json={"features": [[1, 1]], "drill_delay_ms": 60_000}).status_code == 422


def test_draining_is_not_ready(client):
    x, y = synthetic_data()
    client.post("/train", json={"features": x.tolist(), "targets": y.tolist()})
    main.state.draining = True
    assert client.get("/readyz").status_code == 503
    assert client.get("/livez").status_code == 200
