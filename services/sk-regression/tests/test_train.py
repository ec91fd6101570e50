"""The training job: real training code on generated data, published to S3, then fetched and served."""
import json

import fetch_model

from app.model import RegressionModel
from app.publish import s3_client
from app.train import main as train


def test_train_on_csv_from_the_bucket_publish_then_fetch_and_serve(s3, tmp_path, capsys):
    rows = ["x0,x1,y"] + [f"{a},{b},{2 * a - b + 1}" for a in range(6) for b in range(5)]
    s3_client(s3).put_object(Bucket="models", Key="data/sk-regression.csv", Body="\n".join(rows).encode())
    assert train(["--endpoint", s3, "--bucket", "models", "--prefix", "sk-regression", "--data", "s3://models/data/sk-regression.csv", "--version", "20261128T120000Z"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert out[-1]["step"] == "published" and out[-1]["rows"] == 30 and out[-1]["r2"] > 0.99
    keys = [o["Key"] for o in s3_client(s3).list_objects_v2(Bucket="models", Prefix="sk-regression/")["Contents"]]
    assert sorted(keys) == ["sk-regression/20261128T120000Z/MANIFEST.json", "sk-regression/20261128T120000Z/model.joblib"]
    dest = tmp_path / "models"
    assert fetch_model.main(["--endpoint", s3, "--bucket", "models", "--prefix", "sk-regression", "--dest", str(dest)]) == 0
    served = RegressionModel(dest)
    assert served.load_current() and served.version == "20261128T120000Z"
    assert abs(served.predict([[3, 2]])[0] - 5) < 0.2


def test_train_on_synthetic_data(s3, capsys):
    assert train(["--endpoint", s3, "--bucket", "models", "--prefix", "sk-regression", "--synthetic", "300"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["rows"] == 300
