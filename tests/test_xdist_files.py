"""`make test` splits files between pytest-xdist workers (tests/helpers/xdist_files.py): the files it names
exist, and every file using the shared Keras run lands in one worker, so that run is built once."""

import re
from pathlib import Path

import pytest

pytest.importorskip("xdist")
from helpers.xdist_files import SAME_WORKER_AS, SECONDS, scope_of  # noqa: E402

TESTS = Path(__file__).parent


def test_named_files_exist():
    for path in [*SECONDS, *SAME_WORKER_AS, *SAME_WORKER_AS.values()]:
        assert (TESTS.parent / path).is_file(), path


def test_files_sharing_the_keras_run_share_a_worker():
    users = [f"tests/{p.name}" for p in sorted(TESTS.glob("test_*.py"))
             if re.search(r"def test_\w+\([^)]*\bkeras_run\b", p.read_text())]
    assert len(users) >= 2
    assert {scope_of(f"{u}::test_x") for u in users} == {"tests/test_keras_model.py"}
