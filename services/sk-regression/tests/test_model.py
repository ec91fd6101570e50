import json
import os

import numpy as np
import pytest

from app.model import MANIFEST, MODEL_FILE, RegressionModel, compute_device, synthetic_data


def test_train_writes_a_complete_version_and_points_current_at_it(tmp_path):
    m = RegressionModel(tmp_path)
    x, y = synthetic_data(1)
    result = m.train(x.tolist(), y.tolist())
    current = tmp_path / "current"
    assert current.is_symlink() and os.readlink(current) == f"versions/{result.version}"
    manifest = json.loads((current / MANIFEST).read_text())
    assert manifest["files"][0]["name"] == MODEL_FILE and manifest["version"] == result.version
    again = RegressionModel(tmp_path)
    assert again.load_current() and again.version == result.version
    assert again.predict([[0.0, 0.0, 0.0]]) == pytest.approx(m.predict([[0.0, 0.0, 0.0]]))
    assert m.predict([[0.0, 0.0, 0.0]])[0] == pytest.approx(3.0, abs=0.1)


def test_an_incomplete_version_is_never_loaded(tmp_path):
    m = RegressionModel(tmp_path)
    x, y = synthetic_data(2)
    m.train(x.tolist(), y.tolist())
    with open(tmp_path / "current" / MODEL_FILE, "ab") as f:
        f.write(b"truncated-or-tampered")
    fresh = RegressionModel(tmp_path)
    assert not fresh.load_current() and not fresh.ready
    assert "no complete model version" in fresh.error


def test_bootstrap_trains_only_when_asked(tmp_path, monkeypatch):
    monkeypatch.delenv("MODEL_BOOTSTRAP", raising=False)
    m = RegressionModel(tmp_path / "a")
    m.bootstrap()
    assert not m.ready
    monkeypatch.setenv("MODEL_BOOTSTRAP", "synthetic")
    m.bootstrap()
    assert m.ready and m.n_features == 3


def test_train_fits_linear_data(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 2))
    y = x @ np.array([2.0, 1.0]) - 1.0
    result = RegressionModel(tmp_path).train(x.tolist(), y.tolist())
    assert result.n_features == 2 and result.r2 > 0.99


def test_rejects_wrong_shapes(tmp_path):
    m = RegressionModel(tmp_path)
    x, y = synthetic_data()
    m.train(x.tolist(), y.tolist())
    with pytest.raises(ValueError):
        m.predict([[1.0, 2.0]])
    with pytest.raises(ValueError):
        m.train([[1.0]], [1.0, 2.0])


def test_device_is_cpu_or_cuda():
    assert compute_device() in ("cpu", "cuda")
