"""HTTP API: honest probes, predictions, training, draining, metrics and logs."""
import json

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


def test_metrics_count_requests_time_them_and_name_the_model(client):
    from prometheus_client.parser import text_string_to_metric_families

    def scrape():
        families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}
        counts = {tuple(sorted(s.labels.items())): s.value for s in families["sk_regression_requests"].samples if s.name.endswith("_total")}
        timed = sum(s.value for s in families["sk_regression_request_duration_seconds"].samples if s.name.endswith("_count") and s.labels["path"] == "/predict")
        return families, counts, timed

    x, y = synthetic_data()
    version = client.post("/train", json={"features": x.tolist(), "targets": y.tolist()}).json()["version"]
    _, before, timed_before = scrape()  # the registry is the process's: count from here
    for _ in range(3):
        client.post("/predict", json={"features": [[0, 0, 0]]})
    client.get("/readyz")  # probes are not counted
    families, counts, timed = scrape()
    key = (("method", "POST"), ("path", "/predict"), ("status", "200"))
    assert counts[key] - before.get(key, 0) == 3
    assert not any(dict(k)["path"] == "/readyz" for k in counts)
    assert timed - timed_before == 3
    assert [s.labels["version"] for s in families["sk_regression_model_loaded"].samples if s.value == 1] == [version]
    assert [s.value for s in families["sk_regression_in_flight_requests"].samples] == [0]


def test_every_request_logs_one_json_line(client, capsys):
    x, y = synthetic_data()
    client.post("/train", json={"features": x.tolist(), "targets": y.tolist()})
    capsys.readouterr()
    client.post("/predict", json={"features": [[1, 1, 1]]})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert len(lines) == 1
    assert {k: lines[0][k] for k in ("event", "method", "path", "status", "service")} == {"event": "request", "method": "POST", "path": "/predict", "status": 200, "service": "sk-regression"}
    assert lines[0]["model_version"].startswith("local-") and lines[0]["duration_ms"] >= 0
