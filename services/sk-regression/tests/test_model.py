"""Run with `python -m pytest services/sk-regression/tests` where scikit-learn is installed (not needed by npm test)."""
import numpy as np
import pytest

from app.model import RegressionModel, compute_device


def test_trains_saves_and_reloads(tmp_path):
    m = RegressionModel(tmp_path)
    m.load_or_train(seed=1)
    assert m.ready and m.path.exists()
    before = m.predict([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    again = RegressionModel(tmp_path)
    again.load_or_train()
    assert again.predict([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]) == pytest.approx(before)
    assert before[0] == pytest.approx(3.0, abs=0.1)


def test_train_fits_linear_data(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 2))
    y = x @ np.array([2.0, 1.0]) - 1.0
    result = RegressionModel(tmp_path).train(x.tolist(), y.tolist())
    assert result.n_features == 2 and result.r2 > 0.99


def test_rejects_wrong_shapes(tmp_path):
    m = RegressionModel(tmp_path)
    m.load_or_train()
    with pytest.raises(ValueError):
        m.predict([[1.0, 2.0]])
    with pytest.raises(ValueError):
        m.train([[1.0]], [1.0, 2.0])


def test_device_is_cpu_or_cuda():
    assert compute_device() in ("cpu", "cuda")
