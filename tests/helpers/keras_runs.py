"""Session fixtures (a pytest plug-in, registered in conftest.py) for the bring-your-own-Keras-model
tests: the model files, built once, and one `dlarena run --keras-model` over three of them that
test_keras_model.py and test_keras_model_random.py both read (every Keras backend worker starts
once for all of them instead of once per test file)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dlarena import frameworks, workloads

ZOO = Path(__file__).parent / "keras_model_zoo.py"
FULL = os.environ.get("DLARENA_FULL_TESTS") == "1"
INSTALLED = [fw for fw in frameworks.keras_names() if frameworks.info(fw).is_installed()]
# Keras 3 on JAX runs parity op by op (a GRU step by step: ~80 s for the sequence model here): the
# default run takes it for the small CNN only (test_keras_model.py), DLARENA_FULL_TESTS=1 for all.
RUN_BACKENDS = INSTALLED if FULL else ["keras-tensorflow", "keras-torch"]
RUN_MODELS = ("tinycnn", "sequence", "sequence_eps")


def save_models(folder: Path, *names: str) -> None:
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}
    subprocess.run([sys.executable, str(ZOO), str(folder), *names], check=True, env=env, capture_output=True)


@pytest.fixture(scope="session")
def keras_zoo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("keras_zoo")
    save_models(folder, "tinycnn", "anysize", "sequence", "sequence_eps", "cnn", "cnn_shifted")
    return folder


@pytest.fixture(scope="session")
def keras_run(tmp_path_factory, keras_zoo):
    """``dlarena run --keras-model`` on the small CNN, the issue's sequence model and its twin with
    another LayerNorm epsilon: parity, then one speed scenario, then the report.
    Returns (folder with r.duckdb, artifacts/ and report/, the run's result, its output in one line)."""
    from helpers.cli_util import invoke

    folder = tmp_path_factory.mktemp("keras_run")
    config = folder / "tiny.toml"
    config.write_text('[timing]\nwarmup_iters = 1\nwarmup_s = 0.0\nmin_iters = 3\nmin_s = 0.0\nmax_s = 1.0\n')
    models = [arg for name in RUN_MODELS for arg in ("--keras-model", keras_zoo / f"{name}.keras")]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(workloads.KERAS_MODELS_ENV, "")
        patch.setenv(workloads.USER_SOURCES_ENV, "")
        result, out = invoke("run", *models, "--suite", "smoke", "--config", config, "--frameworks",
                             ",".join(RUN_BACKENDS), "--scenarios", "infer_latency", "--threads", "1",
                             "--db", folder / "r.duckdb")
        if result.exit_code == 0:
            report, _ = invoke("report", "--db", folder / "r.duckdb", "--out", folder / "report")
            assert report.exit_code == 0, report.output
    return folder, result, out


def parity_record(folder: Path, workload: str, framework: str) -> str:
    [record] = (folder / "artifacts").glob(f"*/parity/{workload}__{framework}.npz")
    return str(record)
