"""Community figures: the packaged file is dated and sourced; refresh fails cleanly offline and
works against a (loopback) API that answers."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from typer.testing import CliRunner

from dlarena import community
from dlarena.cli import app
from dlarena.report import overview
from dlarena.config import Cell
from dlarena.criteria import community as crit

runner = CliRunner()


def test_packaged_figures_are_dated_and_sourced():
    figures = community.packaged()["figures"]
    assert {f["framework"] for f in figures} == {"torch", "tensorflow", "jax"}
    for f in figures:
        assert f["source"] and f["url"].startswith("https://") and f["kind"] in ("published", "fetched", "not refreshed")
        assert f["as_of"] or f["value"] is None  # a figure without a date has no value either
        assert f["kind"] != "not refreshed" or (f["value"] is None and f["source"].startswith("not refreshed"))
    assert {f["metric"] for f in figures} >= {"github_stars", "paper_implementations_pct", "pypi_downloads_last_month"}
    jax = {f["metric"]: f for f in figures if f["framework"] == "jax"}
    assert jax["github_stars"]["url"] == "https://github.com/jax-ml/jax" and jax["github_stars"]["kind"] == "not refreshed"
    assert jax["github_stars:google/flax"]["url"] == "https://github.com/google/flax"
    assert jax["pypi_releases_last_year"]["value"] > 0 and jax["pypi_releases_last_year"]["url"] == "https://pypi.org/pypi/jax/json"


def test_sources_come_from_the_framework_registry():
    from dlarena.config import build_config

    assert community.sources("jax") == {"github": ["jax-ml/jax", "google/flax"], "pypi": ["jax", "flax"]}
    assert community.sources("torch") == {"github": ["pytorch/pytorch"], "pypi": ["torch"]}
    assert community.with_sources(["keras-jax", "jax", "torch"]) == ["jax", "torch"]
    cells = crit.plan_global(build_config(frameworks=["torch", "tensorflow", "jax", "keras-jax"]))
    assert [c.id for c in cells] == [f"-/{fw}/data/community/b0" for fw in ("torch", "tensorflow", "jax")]
    assert community.label("github_stars:google/flax") == "GitHub stars (google/flax)"
    assert community.label("pypi_downloads_last_month") == "PyPI downloads, last month"


def test_refresh_fails_cleanly_when_offline(tmp_path, monkeypatch):
    for api in ("DLARENA_GITHUB_API", "DLARENA_PYPISTATS_API", "DLARENA_PYPI_API"):
        monkeypatch.setenv(api, "http://127.0.0.1:9")  # discard port: nothing listens
    result = runner.invoke(app, ["community", "--refresh", "--timeout", "2", "--db", str(tmp_path / "r.duckdb")])
    assert result.exit_code == 1
    line = " ".join(result.output.split())
    assert "community refresh failed: cannot reach 127.0.0.1:9" in line and "stored figures are unchanged" in line
    assert not (tmp_path / community.REFRESHED_FILE).exists()


@pytest.mark.network
def test_refresh_against_the_real_api_with_a_short_timeout(tmp_path):
    """Here only the package registry answers: PyPI figures are fetched, the rest is named as not
    refreshed, one line each. Fully offline, one clear error; fully online, all figures."""
    try:
        figures, missed = community.fetch(timeout=3)
    except community.CommunityRefreshError as exc:
        assert "cannot reach" in str(exc) and "\n" not in str(exc)
        return
    fetched = {(f["framework"], f["metric"]) for f in figures}
    wanted = {(fw, community.metric_name(metric, names, name))
              for fw in community.with_sources() for kind, names in community.sources(fw).items()
              for metric, *_ in community.FETCHERS[kind] for name in names}
    assert len(fetched) + len(missed) == len(wanted) and fetched <= wanted
    assert all("\n" not in line and line.split(" ")[0] in community.with_sources() for line in missed)
    if ("jax", "pypi_releases_last_year") in fetched and missed:  # this machine: PyPI only
        assert any("cannot reach api.github.com" in line for line in missed)


class _FakeApi(BaseHTTPRequestHandler):
    ANSWERS = {"/repos/pytorch/pytorch": {"stargazers_count": 90000}, "/repos/tensorflow/tensorflow": {"stargazers_count": 190000},
               "/repos/jax-ml/jax": {"stargazers_count": 30000}, "/repos/google/flax": {"stargazers_count": 6000},
               "/packages/torch/recent": {"data": {"last_month": 5_000_000}},
               "/packages/tensorflow/recent": {"data": {"last_month": 4_000_000}},
               "/packages/jax/recent": {"data": {"last_month": 1_000_000}},
               "/pypi/jax/json": {"releases": {"0.0.1": [{"upload_time_iso_8601": "2019-01-01T00:00:00Z"}],
                                               "9.9.9": [{"upload_time_iso_8601": "2999-01-01T00:00:00Z"}]}}}

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
    monkeypatch.setenv("DLARENA_PYPI_API", f"{base}/pypi")
    yield base
    server.shutdown()
    server.server_close()


def test_refresh_adds_dated_fetched_figures(tmp_path, fake_api):
    result = runner.invoke(app, ["community", "--refresh", "--timeout", "5", "--db", str(tmp_path / "r.duckdb")])
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / community.REFRESHED_FILE).read_text())["figures"]
    assert {(f["framework"], f["metric"], f["value"]) for f in saved} == {
        ("torch", "github_stars", 90000), ("tensorflow", "github_stars", 190000),
        ("jax", "github_stars", 30000), ("jax", "github_stars:google/flax", 6000),
        ("torch", "pypi_downloads_last_month", 5_000_000), ("tensorflow", "pypi_downloads_last_month", 4_000_000),
        ("jax", "pypi_downloads_last_month", 1_000_000), ("jax", "pypi_releases_last_year", 1)}  # the 2999 upload only
    assert all(f["kind"] == "fetched" and f["as_of"] and f["url"].startswith(fake_api) for f in saved)
    out = " ".join(result.output.split())
    assert "not refreshed: jax PyPI downloads, last month (flax): 127.0.0.1" in out and "HTTP 404" in out

    # The criterion's cell reads packaged + fetched figures; the summary uses the newest of each.
    payload = {"cell": Cell(workload="-", framework="torch", mode="data", scenario="community", batch=0).model_dump(),
               "artifacts": str(tmp_path / "artifacts" / "run1")}
    cells, rows = [], []
    for fw in ("torch", "tensorflow", "jax"):
        payload["cell"]["framework"] = fw
        out = crit.run_cell(payload)
        cell_id = f"-/{fw}/data/community/b0"
        cells.append({"cell_id": cell_id, "framework": fw, "scenario": "community", "status": out["status"]})
        rows += [r | {"cell_id": cell_id, "framework": fw, "scenario": "community", "status": "ok"} for r in out["metrics"]]
    summary = crit.scores(cells, rows)
    assert "GitHub stars 90K" in summary["torch"]["line"] and "PyPI downloads, last month 5.0M" in summary["torch"]["line"]
    assert summary["tensorflow"]["headline"].startswith("GitHub stars 190K")
    assert 0 < summary["torch"]["score"] < 1 and summary["torch"]["evidence"] == ["-/torch/data/community/b0"]
    # JAX: its own repo is the headline, Flax's is shown beside it; scored on figures all three have
    assert summary["jax"]["headline"].startswith("GitHub stars 30K")
    assert "GitHub stars (google/flax) 6000" in summary["jax"]["line"] and "PyPI releases, last 365 days 1" in summary["jax"]["line"]
    stars = 30000 / 190000
    downloads = 1_000_000 / 5_000_000
    assert summary["jax"]["score"] == pytest.approx((stars + downloads) / 2)


def test_a_framework_with_only_unscored_figures_gets_no_score():
    def row(fw, metric, value):
        return {"framework": fw, "scenario": "community", "metric": metric, "value": value, "status": "ok", "cell_id": fw,
                "extra": {"source": "s", "as_of": "2026-01-01"}}
    rows = [row("torch", "github_stars", 100.0), row("tensorflow", "github_stars", 200.0),
            row("torch", "pypi_releases_last_year", 8.0), row("jax", "pypi_releases_last_year", 14.0),
            row("jax", "pypi_releases_last_year:flax", 11.0)]  # a second package's release count is unscored too
    summary = crit.scores([], rows)
    assert set(summary) == {"torch", "tensorflow"}
    assert summary["torch"]["score"] == 0.5 and summary["tensorflow"]["score"] == 1.0  # releases are not scored
    # ... and the summary table says what its cell holds instead of "not measured yet"
    cells = [{"cell_id": fw, "framework": fw, "scenario": "community", "status": "ok", "runtime": {"criterion": "community"}}
             for fw in ("torch", "tensorflow", "jax")]
    jax = next(r for r in overview.build(cells, rows).rows if r.criterion == "community").cells["jax"]
    assert jax.score is None and jax.anchor is None
    assert jax.text == ("no score: PyPI releases, last 365 days 14 (2026-01-01); PyPI releases, last 365 days (flax) 11 "
                        "(2026-01-01); no sourced star, survey or paper-share figure (release counts are not scored); "
                        "run `dlarena community --refresh` where api.github.com is reachable")
