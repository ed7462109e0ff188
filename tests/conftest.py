import importlib.util
import os
import sys
from pathlib import Path

import pytest

from helpers import skip_guard

# pytester: tests/test_skip_guard.py runs small sessions in-process; xdist_files: how `make test` (pytest -n)
# splits the files between its workers.
pytest_plugins = ["pytester", "helpers.keras_runs"] + (["helpers.xdist_files"] if importlib.util.find_spec("xdist") else [])

TESTS_DIR = Path(__file__).parent
FULL = os.environ.get("DLARENA_FULL_TESTS") == "1"

# Tests check what is computed, never how fast: XLA (JAX, TensorFlow's XLA mode) compiles them with
# LLVM's cheap passes, in this process and every worker it starts (~25% of the suite's time was
# JAX compiling parity passes). Same programs; results differ in float rounding only (measured on the
# JAX cnn and transformer parity records: 2e-7 to 2e-6 relative, inside the noise-floor rule).
# dlarena itself never sets this.
FAST_XLA = "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
if FAST_XLA not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {FAST_XLA}".strip()


@pytest.fixture
def fault_entries(monkeypatch):
    """Makes tests/helpers/fault_cells.py importable by the isolated worker processes."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")]))
    sys.path.insert(0, str(TESTS_DIR))
    yield
    sys.path.remove(str(TESTS_DIR))


@pytest.fixture
def tiny_timing() -> dict:
    return {"warmup_iters": 1, "warmup_s": 0.0, "min_iters": 3, "min_s": 0.0, "max_s": 5.0}


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # under pytest -n, the controller sees every worker's reports
        skip_guard.register(config)  # a skip outside tests/helpers/skips_allowed.py fails the session


TIMES_FILE = os.environ.get("DLARENA_TEST_TIMES")


def pytest_runtest_logreport(report):
    """With DLARENA_TEST_TIMES=<file>: each test phase's duration appended as it ends (a crashed or
    stopped session keeps what it measured; `--durations` prints only at the end)."""
    if TIMES_FILE:
        with open(TIMES_FILE, "a") as out:
            out.write(f"{report.duration:.2f}\t{report.when}\t{report.nodeid}\n")
