import os
import sys
from pathlib import Path

import pytest

import skip_guard

pytest_plugins = ["pytester"]  # tests/test_skip_guard.py runs small sessions in-process

TESTS_DIR = Path(__file__).parent
FULL = os.environ.get("DLARENA_FULL_TESTS") == "1"


@pytest.fixture
def fault_entries(monkeypatch):
    """Makes tests/fault_cells.py importable by the isolated worker processes."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")]))
    sys.path.insert(0, str(TESTS_DIR))
    yield
    sys.path.remove(str(TESTS_DIR))


@pytest.fixture
def tiny_timing() -> dict:
    return {"warmup_iters": 1, "warmup_s": 0.0, "min_iters": 3, "min_s": 0.0, "max_s": 5.0}


def pytest_configure(config):
    skip_guard.register(config)  # a skip outside tests/skips_allowed.py fails the session
