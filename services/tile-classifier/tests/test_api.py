from fastapi.testclient import TestClient

from app.main import app

client = TestClient(app)


def test_health_answers_without_model_work():
    assert client.get("/health").json() == {"status": "ok"}


def test_answers_the_probes_the_emitted_health_checks_call():
    # the Compose healthcheck and the Kubernetes readiness probe call /readyz, the liveness probe /livez
    assert client.get("/readyz").status_code == 200
    assert client.get("/livez").status_code == 200


def test_classifies_tiles_by_mean_colour():
    res = client.post("/classify", json={"mean_rgb": [[35, 75, 150], [55, 125, 45], [150, 140, 130]]})
    assert res.status_code == 200
    assert res.json() == {"labels": ["water", "vegetation", "built-up"]}


def test_rejects_malformed_input():
    assert client.post("/classify", json={"mean_rgb": "red"}).status_code == 422
