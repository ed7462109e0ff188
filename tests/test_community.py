"""Community figures: the packaged file is dated and sourced; refresh fails cleanly offline and
works against a (loopback) API that answers."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from typer.testing import CliRunner

from dlarena import community
from dlarena.cli import app
from dlarena.config import Cell
from dlarena.criteria import community as crit

runner = CliRunner()


def test_packaged_figures_are_dated_and_sourced():
    figures = community.packaged()["figures"]
    assert {f["framework"] for f in figures} == {"torch", "tensorflow"}
    for f in figures:
        assert f["source"] and f["url"].startswith("https://") and f["kind"] == "published"
        assert f["as_of"] or f["value"] is None  # a figure without a date has no value either
    assert {f["metric"] for f in figures} >= {"github_stars", "paper_implementations_pct", "pypi_downloads_last_month"}


def test_refresh_fails_cleanly_when_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("DLARENA_GITHUB_API", "http://127.0.0.1:9")  # discard port: nothing listens
    result = runner.invoke(app, ["community", "--refresh", "--timeout", "2", "--db", str(tmp_path / "r.duckdb")])
    assert result.exit_code == 1
    line = " ".join(result.output.split())
    assert "community refresh failed: cannot reach 127.0.0.1:9" in line and "stored figures are unchanged" in line
    assert not (tmp_path / community.REFRESHED_FILE).exists()


def test_refresh_against_the_real_api_with_a_short_timeout(tmp_path):
    """Here the public API is unreachable: one clear error within the timeout. Online, it fetches."""
    try:
        figures = community.fetch(timeout=3)
    except community.CommunityRefreshError as exc:
        assert "cannot reach api.github.com" in str(exc) and "\n" not in str(exc)
    else:
        assert {f["metric"] for f in figures} == {"github_stars", "pypi_downloads_last_month"}


class _FakeApi(BaseHTTPRequestHandler):
    ANSWERS = {"/repos/pytorch/pytorch": {"stargazers_count": 90000}, "/repos/tensorflow/tensorflow": {"stargazers_count": 190000},
               "/packages/torch/recent": {"data": {"last_month": 5_000_000}},
               "/packages/tensorflow/recent": {"data": {"last_month": 4_000_000}}}

    def do_GET(self):  # noqa: N802
        body = json.dumps(self.ANSWERS.get(self.path, {})).encode()
        self.send_response(200 if self.path in self.ANSWERS else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_api(monkeypatch):
    server = HTTPServer(("127.0.0.1", 0), _FakeApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("DLARENA_GITHUB_API", base)
    monkeypatch.setenv("DLARENA_PYPISTATS_API", base)
    yield base
    server.shutdown()
    server.server_close()


def test_refresh_adds_dated_fetched_figures(tmp_path, fake_api):
    result = runner.invoke(app, ["community", "--refresh", "--timeout", "5", "--db", str(tmp_path / "r.duckdb")])
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / community.REFRESHED_FILE).read_text())["figures"]
    assert {(f["framework"], f["metric"], f["value"]) for f in saved} == {
        ("torch", "github_stars", 90000), ("tensorflow", "github_stars", 190000),
        ("torch", "pypi_downloads_last_month", 5_000_000), ("tensorflow", "pypi_downloads_last_month", 4_000_000)}
    assert all(f["kind"] == "fetched" and f["as_of"] and f["url"].startswith(fake_api) for f in saved)

    # The criterion's cell reads packaged + fetched figures; the summary uses the newest of each.
    payload = {"cell": Cell(workload="-", framework="torch", mode="data", scenario="community", batch=0).model_dump(),
               "artifacts": str(tmp_path / "artifacts" / "run1")}
    cells, rows = [], []
    for fw in ("torch", "tensorflow"):
        payload["cell"]["framework"] = fw
        out = crit.run_cell(payload)
        cell_id = f"-/{fw}/data/community/b0"
        cells.append({"cell_id": cell_id, "framework": fw, "scenario": "community", "status": out["status"]})
        rows += [r | {"cell_id": cell_id, "framework": fw, "scenario": "community", "status": "ok"} for r in out["metrics"]]
    summary = crit.summarize(cells, rows)
    assert "GitHub stars 90K" in summary["torch"]["line"] and "PyPI downloads, last month 5.0M" in summary["torch"]["line"]
    assert summary["tensorflow"]["headline"].startswith("GitHub stars 190K")
    assert 0 < summary["torch"]["score"] < 1 and summary["torch"]["evidence"] == ["-/torch/data/community/b0"]
