"""`dlarena serve` and `dlarena loadtest`: valid predictions (JSON, .npy, .npz), clear 4xx answers
to bad requests while the server keeps serving, dynamic batching, a concurrent load test with
zero errors, and the loopback-only rule. All traffic goes to 127.0.0.1."""

import asyncio
import io
import json

import httpx
import numpy as np
import pytest
from helpers.deploy_util import payload, start_server, stop_server
from typer.testing import CliRunner

from dlarena.cli import app
from dlarena.criteria.deployment import cells as deployment
from dlarena.deploy import loadtest
from dlarena.deploy.manifest import REFERENCE, artifact_dir

MAX_BODY_MB = 0.25


@pytest.fixture(scope="module")
def artifact(tmp_path_factory, request):
    """An ONNX artifact of the mlp, exported by the deployment criterion's own export cell."""
    root = tmp_path_factory.mktemp("artifacts")
    timing = {"warmup_iters": 0, "warmup_s": 0.0, "min_iters": 1, "min_s": 0.0, "max_s": 1.0}
    result = deployment.run_cell(payload(root, "mlp", "torch", "onnx", deployment.EXPORT, timing))
    assert result["status"] == "ok", result
    folder = artifact_dir(root, "mlp", "torch", "onnx")
    ref = np.load(folder / REFERENCE)
    return folder, ref["x"], ref["y"]


@pytest.fixture(scope="module")
def server(artifact, tmp_path_factory):
    folder, _, _ = artifact
    proc, url = start_server(folder, "--max-body-mb", str(MAX_BODY_MB), log=tmp_path_factory.mktemp("log") / "s.log")
    yield url
    stop_server(proc)


def _close(outputs, expected):
    out = np.asarray(outputs, dtype=np.float32)
    assert out.shape == expected.shape
    assert np.max(np.abs(out - expected)) <= 1e-4 * np.max(np.abs(expected))


def _npy(array) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def test_health_and_metadata(server):
    assert httpx.get(server + "/health").json()["status"] == "ok"
    meta = httpx.get(server + "/metadata").json()
    assert meta["input"]["shape"] == [None, 64] and meta["input"]["dtype"] == "float32"
    assert meta["output"]["shape"] == [None, 10]
    assert meta["runtime"] == "onnxruntime" and meta["framework"] == "torch" and meta["workload"] == "mlp"
    assert meta["exporter"]["variant"] in ("dynamo", "legacy")


def test_predict_json_npy_npz_match_the_source_model(server, artifact):
    _, x, y = artifact
    r = httpx.post(server + "/predict", json={"inputs": x[:5].tolist()})
    assert r.status_code == 200, r.text
    assert r.json()["shape"] == [5, 10]
    _close(r.json()["outputs"], y[:5])

    single = httpx.post(server + "/predict", json={"inputs": x[3].tolist()})
    assert single.json()["shape"] == [10]
    _close(single.json()["outputs"], y[3])

    r = httpx.post(server + "/predict", content=_npy(x[:7]), headers={"content-type": "application/x-npy"})
    assert r.status_code == 200, r.text
    _close(r.json()["outputs"], y[:7])

    buf = io.BytesIO()
    np.savez(buf, inputs=x[:4].astype(np.float64))  # float64 is cast to the model's float32
    r = httpx.post(server + "/predict", content=buf.getvalue(),
                   headers={"content-type": "application/octet-stream", "accept": "application/x-npy"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-npy"
    _close(np.load(io.BytesIO(r.content)), y[:4])


BAD_REQUESTS = [
    ("malformed JSON", b'{"inputs": [[1, 2', "application/json", 400, "malformed JSON"),
    ("no inputs key", b'{"x": [1]}', "application/json", 400, 'object with an "inputs" array'),
    ("wrong shape", json.dumps({"inputs": [[1.0, 2.0]]}).encode(), "application/json", 422,
     "wrong input shape (1, 2): expected (batch, 64) or (64,)"),
    ("strings", json.dumps({"inputs": [["a"] * 64]}).encode(), "application/json", 422, "only numbers, got strings"),
    ("nulls", json.dumps({"inputs": [[None] * 64]}).encode(), "application/json", 422, "only numbers"),
    ("ragged", json.dumps({"inputs": [[1.0] * 64, [1.0] * 3]}).encode(), "application/json", 422, "not a rectangular"),
    ("empty list", json.dumps({"inputs": []}).encode(), "application/json", 422, "wrong input shape (0,)"),
    ("empty batch", _npy(np.zeros((0, 64), np.float32)), "application/x-npy", 422, "empty batch"),
    ("complex dtype", _npy(np.ones((2, 64), np.complex64)), "application/x-npy", 422,
     "expected float32 values, got dtype complex64"),
    ("broken npy", b"\x93NUMPY garbage", "application/x-npy", 400, "malformed numpy body"),
    ("not numpy", b"hello", "application/octet-stream", 400, "neither a .npy nor a .npz"),
    ("content type", b"1,2,3", "text/csv", 415, "unsupported content type 'text/csv'"),
    ("empty body", b"", "application/json", 400, "empty request body"),
    # each limit alone: 1000 rows (under --max-batch) of float64 over the body limit; 1100 float16 rows under it
    ("body limit", _npy(np.zeros((1000, 64), np.float64)), "application/x-npy", 413,
     f"request body of {1000 * 64 * 8 + 128} bytes exceeds this server's limit of {int(MAX_BODY_MB * 2**20)} bytes"),
    ("max batch", _npy(np.zeros((1100, 64), np.float16)), "application/x-npy", 413,
     "batch of 1100 samples exceeds this server's limit of 1024"),
    ("NaN", json.dumps({"inputs": [[float("nan")] * 64]}).encode(), "application/json", 422,
     "inputs must be finite numbers, got NaN or infinity"),
]


@pytest.mark.parametrize("name,body,ctype,status,message", BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_bad_request_gets_4xx_with_message_and_server_keeps_serving(server, artifact, name, body, ctype, status, message):
    _, x, y = artifact
    r = httpx.post(server + "/predict", content=body, headers={"content-type": ctype})
    assert r.status_code == status, r.text
    assert message in r.json()["detail"]
    ok = httpx.post(server + "/predict", json={"inputs": x[:2].tolist()})
    assert ok.status_code == 200
    _close(ok.json()["outputs"], y[:2])


def test_concurrent_loadtest_has_zero_errors(server):
    result = loadtest.run(server, concurrency=6, duration_s=1.5, body="json")
    assert result.requests > 0 and result.errors == 0, result.error_examples
    assert result.requests_per_s > 0 and result.percentiles()["p99"] >= result.percentiles()["p50"] > 0
    npy = loadtest.run(server + "/predict", concurrency=3, duration_s=0.5, batch=4, body="npy")
    assert npy.requests > 0 and npy.errors == 0, npy.error_examples
    counters = httpx.get(server + "/metadata").json()["counters"]
    assert counters["failed"] == 0 and counters["model_calls"] >= result.requests + npy.requests


def test_dynamic_batching_returns_each_caller_its_own_rows(artifact, tmp_path):
    folder, x, y = artifact
    proc, url = start_server(folder, "--batch-max", "32", "--batch-timeout-ms", "30", log=tmp_path / "s.log")
    try:
        async def fire():
            async with httpx.AsyncClient(base_url=url) as client:
                return await asyncio.gather(*(client.post("/predict", json={"inputs": x[i:i + 1 + i % 3].tolist()})
                                              for i in range(24)))

        responses = asyncio.run(fire())
        for i, r in enumerate(responses):
            assert r.status_code == 200, r.text
            _close(r.json()["outputs"], y[i:i + 1 + i % 3])
        result = loadtest.run(url, concurrency=8, duration_s=1.0)
        assert result.errors == 0, result.error_examples
        meta = httpx.get(url + "/metadata").json()
        assert meta["batching"] == {"enabled": True, "batch_max": 32, "timeout_ms": 30.0}
        # Concurrent requests were merged: fewer model calls than requests (a warm-up call is not counted).
        assert meta["counters"]["model_calls"] < meta["counters"]["requests"]
        assert meta["counters"]["batches"] == meta["counters"]["model_calls"]
    finally:
        stop_server(proc)


@pytest.mark.parametrize("url", ["http://10.0.0.5:8000", "http://192.168.1.2/predict", "http://example.com:80",
                                 "http://0.0.0.0:8000", "ftp://127.0.0.1:21"])
def test_loadtest_refuses_non_loopback_targets(url):
    with pytest.raises(loadtest.LoadtestError) as info:
        loadtest.run(url, concurrency=1, duration_s=0.1)
    assert "refusing" in str(info.value) or "unsupported URL scheme" in str(info.value)


def test_loopback_urls_are_normalised():
    assert loadtest.check_loopback("http://127.0.0.1:9/predict") == ("http://127.0.0.1:9", "http://127.0.0.1:9/predict")
    assert loadtest.check_loopback("localhost:9")[1] == "http://localhost:9/predict"
    assert loadtest.check_loopback("http://[::1]:9/")[0] == "http://[::1]:9"
    assert loadtest.check_loopback("http://127.8.9.10:9")[0] == "http://127.8.9.10:9"


def test_cli_loadtest_and_serve_errors(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["loadtest", "http://10.0.0.5:8000", "--duration", "1"])
    assert result.exit_code == 2
    assert "only loopback targets are allowed" in " ".join(result.output.split())
    result = runner.invoke(app, ["loadtest", "http://127.0.0.1:9", "--concurrency", "0"])
    assert result.exit_code == 2 and "concurrency must be between 1 and 256" in result.output
    result = runner.invoke(app, ["serve", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "no such artifact" in result.output
    result = runner.invoke(app, ["serve", str(tmp_path)])
    assert result.exit_code == 2 and "no manifest.json" in " ".join(result.output.split())


def test_cli_loadtest_reports_a_table(server):
    result = CliRunner().invoke(app, ["loadtest", server, "-c", "2", "-d", "0.5"])
    assert result.exit_code == 0, result.output
    assert "req/s" in result.output and "p99 ms" in result.output and "2 clients" in result.output
