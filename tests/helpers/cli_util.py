"""Running the CLI in-process for tests that bring their own models."""

import pytest
from typer.testing import CliRunner

from dlarena import workloads
from dlarena.cli import app

runner = CliRunner()


def invoke(*args):
    """The CLI's result and its output as one line (rich wraps long lines)."""
    result = runner.invoke(app, [str(a) for a in args])
    return result, " ".join(result.output.split())


@pytest.fixture(autouse=True)
def clean_registry_env(monkeypatch):
    # The CLI registers user sources in os.environ (for its worker processes); undo after each test.
    monkeypatch.setenv(workloads.USER_SOURCES_ENV, "")
    monkeypatch.setenv(workloads.KERAS_MODELS_ENV, "")
