"""Community figures: the packaged file is dated and sourced; refresh fails cleanly offline and
works against a (loopback) API that answers."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from datetime import date

import pytest
from typer.testing import CliRunner

from helpers.planning import planned
from dlarena.criteria.community import sources as community
from dlarena.cli import app
from dlarena.report import overview
from dlarena.config import Cell
from dlarena.criteria.community import cells as crit

runner = CliRunner()


def test_packaged_figures_are_dated_and_sourced():
    figures = community.packaged()["figures"]
    assert {f["framework"] for f in figures} == {"torch", "tensorflow", "jax"}
    for f in figures:
        assert f["source"] and f["url"].startswith("https://") and f["kind"] in ("published", "fetched", "not refreshed")
        assert f["as_of"] or f["value"] is None  # a figure without a date has no value either
        assert f["kind"] != "not refreshed" or (f["value"] is None and f["source"].startswith("not refreshed"))
        assert f["value"] is None or f["series"]  # every figure names its series (one source and method)
    # The scored evidence: the same two metrics for all three frameworks, dated 2026, with their sources
    current = {(f["framework"], f["metric"]): f for f in figures if not community.is_article(f)}
    assert {k: (current[k]["value"], current[k]["as_of"]) for k in current if k[1] in ("github_stars", "pypi_downloads_last_month")} == {
        ("torch", "github_stars"): (102530, "2026-08-22"), ("tensorflow", "github_stars"): (197213, "2026-08-22"),
        ("jax", "github_stars"): (35800, "2026-06"),
        ("torch", "pypi_downloads_last_month"): (87347847, "2026-04-01"),
        ("tensorflow", "pypi_downloads_last_month"): (22653919, "2026-04-01"),
        ("jax", "pypi_downloads_last_month"): (19165515, "2026-04-01")}
    assert current[("torch", "github_stars")]["url"].startswith("https://github.com/EvanLi/Github-Ranking/blob/")
    assert current[("jax", "github_stars")]["url"] == "https://aiwiki.ai/wiki/jax"
    assert current[("jax", "pypi_downloads_last_month")]["url"].startswith("https://github.com/hugovk/top-pypi-packages/blob/")
    assert current[("torch", "research_implementations_pct")]["url"] == "https://pytorch.org/blog/2024-year-in-review/"
    # The article's figures stay, as history: all from 2020-2022, each in its own series
    article = [f for f in figures if community.is_article(f)]
    assert {(f["framework"], f["metric"], f["value"]) for f in article} >= {
        ("tensorflow", "github_stars", 170000), ("torch", "github_stars", 61000),
        ("tensorflow", "developer_survey_pct", 12.95), ("torch", "paper_implementations_pct", 47)}
    assert all(f["as_of"] <= "2022-12" for f in article)
    papers = {f["as_of"]: f["series"] for f in article if f["metric"] == "paper_implementations_pct"}
    assert papers["2020-10"] != papers["2022-01"]  # State of AI 2020 and a 2022 article: two sources, no trend
    jax = {f["metric"]: f for f in figures if f["framework"] == "jax"}
    assert jax["github_stars:google/flax"]["url"] == "https://github.com/google/flax" and jax["github_stars:google/flax"]["kind"] == "not refreshed"
    assert jax["pypi_releases_last_year"]["value"] > 0 and jax["pypi_releases_last_year"]["url"] == "https://pypi.org/pypi/jax/json"


def test_sources_come_from_the_framework_registry():
    from dlarena.config import build_config

    assert community.sources("jax") == {"github": ["jax-ml/jax", "google/flax"], "pypi": ["jax", "flax"]}
    assert community.sources("torch") == {"github": ["pytorch/pytorch"], "pypi": ["torch"]}
    assert community.with_sources(["keras-jax", "jax", "torch"]) == ["jax", "torch"]
    cells = planned(build_config(frameworks=["torch", "tensorflow", "jax", "keras-jax"]), "community")
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
    assert all(f["kind"] == "fetched" and f["as_of"] == date.today().isoformat() and f["url"].startswith(fake_api)
               and f["series"] for f in saved)
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
    assert summary["tensorflow"]["headline"] == "GitHub stars 190K (%s); PyPI downloads, last month 4.0M (%s)" % ((date.today().isoformat(),) * 2)
    assert 0 < summary["torch"]["score"] < 1 and summary["torch"]["evidence"] == ["-/torch/data/community/b0"]
    # JAX: its own repo is the headline, Flax's is shown beside it; scored on figures all three have
    assert summary["jax"]["headline"].startswith("GitHub stars 30K")
    assert "GitHub stars (google/flax) 6000" in summary["jax"]["line"] and "PyPI releases, last 365 days 1" in summary["jax"]["line"]
    stars = 30000 / 190000
    downloads = 1_000_000 / 5_000_000
    assert summary["jax"]["score"] == pytest.approx((stars + downloads) / 2)


TODAY = date(2026, 12, 7)


def _row(fw, metric, value, as_of, **extra):
    return {"framework": fw, "scenario": "community", "metric": metric, "value": value, "status": "ok", "cell_id": fw,
            "extra": {"source": "s", "as_of": as_of, **extra}}


def test_a_framework_with_only_unscored_figures_gets_no_score():
    rows = [_row("torch", "github_stars", 100.0, "2026-01-01"), _row("tensorflow", "github_stars", 200.0, "2026-01-01"),
            _row("torch", "pypi_releases_last_year", 8.0, "2026-01-01"), _row("jax", "pypi_releases_last_year", 14.0, "2026-01-01"),
            _row("jax", "pypi_releases_last_year:flax", 11.0, "2026-01-01")]  # a second package's release count is unscored too
    summary = crit.scores([], rows, today=TODAY)
    assert set(summary) == {"torch", "tensorflow"}
    assert summary["torch"]["score"] == 0.5 and summary["tensorflow"]["score"] == 1.0  # releases are not scored
    assert summary["torch"]["grade"] == "snapshot" and summary["torch"]["line"] == (
        "GitHub stars 100 (2026-01-01); PyPI releases, last 365 days 8 (2026-01-01)")
    # ... and the summary table says what its cell holds instead of "not measured yet"
    cells = [{"cell_id": fw, "framework": fw, "scenario": "community", "status": "ok", "runtime": {"criterion": "community"}}
             for fw in ("torch", "tensorflow", "jax")]
    jax = next(r for r in overview.build(cells, rows).rows if r.criterion == "community").cells["jax"]
    assert jax.score is None and jax.anchor is None
    assert jax.text == ("no score: PyPI releases, last 365 days 14 (2026-01-01); PyPI releases, last 365 days (flax) 11 "
                        "(2026-01-01); no sourced star, download or survey figure (release counts are not scored); "
                        "run `dlarena community --refresh` where api.github.com and pypistats.org are reachable")


def test_grades_at_the_threshold_edges():
    """24 months to the day is a dated snapshot and scored; 25 months is stale: shown, not scored, no 0."""
    edge = [_row("torch", "github_stars", 100.0, "2024-12-07"), _row("tensorflow", "github_stars", 200.0, "2024-12-07")]
    summary = crit.scores([], edge, today=TODAY)
    assert {fw: (s["grade"], s["score"]) for fw, s in summary.items()} == {"torch": ("snapshot", 0.5),
                                                                           "tensorflow": ("snapshot", 1.0)}
    assert summary["torch"]["headline"] == "GitHub stars 100 (2024-12-07)"
    old = [_row("torch", "github_stars", 100.0, "2024-11-07"), _row("tensorflow", "github_stars", 200.0, "2024-11-07")]
    summary = crit.scores([], old, today=TODAY)
    assert {fw: (s["grade"], s["score"]) for fw, s in summary.items()} == {"torch": ("stale", None), "tensorflow": ("stale", None)}
    assert summary["tensorflow"]["line"] == "GitHub stars 200 (2024-11-07, stale)"
    # one fresh, one stale: the stale one is shown but does not set the scale of the fresh one
    mixed = crit.scores([], [edge[0], old[1]], today=TODAY)
    assert (mixed["torch"]["grade"], mixed["torch"]["score"]) == ("snapshot", 1.0)
    assert (mixed["tensorflow"]["grade"], mixed["tensorflow"]["score"]) == ("stale", None)
    # a stale figure never lowers a line's grade when a newer one of the same metric exists
    newer = crit.scores([], edge + [_row("torch", "github_stars", 50.0, "2020-01")], today=TODAY)
    assert newer["torch"]["score"] == 0.5 and "2020" not in newer["torch"]["line"]


def _shipped(tmp_path):
    cells, rows = [], []
    for fw in ("torch", "tensorflow", "jax"):
        payload = {"cell": Cell(workload="-", framework=fw, mode="data", scenario="community", batch=0).model_dump(),
                   "artifacts": str(tmp_path / "artifacts" / "run1")}  # no refreshed file beside it: offline
        out = crit.run_cell(payload)
        cell_id = f"-/{fw}/data/community/b0"
        cells.append({"cell_id": cell_id, "framework": fw, "scenario": "community", "status": out["status"]})
        rows += [r | {"cell_id": cell_id, "framework": fw, "scenario": "community", "status": "ok"} for r in out["metrics"]]
    return cells, rows


def test_jax_is_scored_offline_with_the_shipped_figures(tmp_path):
    cells, rows = _shipped(tmp_path)
    summary = crit.scores(cells, rows, today=TODAY)
    assert set(summary) == {"torch", "tensorflow", "jax"} and crit.unscored(cells, rows, today=TODAY) == {}
    assert {s["grade"] for s in summary.values()} == {"snapshot"}
    assert all(s["scored_on"] == ["github_stars", "pypi_downloads_last_month"] for s in summary.values())
    stars = {"torch": 102530, "tensorflow": 197213, "jax": 35800}
    downloads = {"torch": 87347847, "tensorflow": 22653919, "jax": 19165515}
    for fw in stars:
        expected = (stars[fw] / 197213 + downloads[fw] / 87347847) / 2
        assert summary[fw]["score"] == pytest.approx(expected)
    assert summary["torch"]["score"] == pytest.approx(0.760, abs=1e-3)
    assert summary["tensorflow"]["score"] == pytest.approx(0.630, abs=1e-3)
    assert summary["jax"]["score"] == pytest.approx(0.200, abs=1e-3)
    # the headline is what the score rests on, each figure with its date
    assert summary["tensorflow"]["headline"] == "GitHub stars 197K (2026-08-22); PyPI downloads, last month 22.7M (2026-04-01)"
    assert summary["jax"]["headline"] == "GitHub stars ~36K (2026-06); PyPI downloads, last month 19.2M (2026-04-01)"
    assert "PyPI downloads, last month 87.3M (2026-04-01)" in summary["torch"]["line"]
    # PyTorch's ">70% of AI research implementations" has no counterpart: shown, never scored
    assert "share of AI research implementations (%) >70 (2024-12" in summary["torch"]["line"]
    # no article figure in any line: 170K (2022) and the 2022 survey are history
    assert not any("2022" in s["line"] or "170K" in s["line"] for s in summary.values())


def test_an_article_figure_is_never_scored_even_when_it_would_be_fresh():
    article = {"role": "article"}
    rows = [_row("torch", "github_stars", 61000.0, "2022", **article), _row("tensorflow", "github_stars", 170000.0, "2022", **article),
            _row("torch", "developer_survey_pct", 8.61, "2022", **article),
            _row("torch", "pypi_downloads_last_month", 5.0, "2022-06-01"), _row("tensorflow", "pypi_downloads_last_month", 4.0, "2022-06-01")]
    summary = crit.scores([], rows, today=date(2022, 12, 1))  # the article's figures are not old then: still not scored
    assert {fw: s["scored_on"] for fw, s in summary.items()} == {"torch": ["pypi_downloads_last_month"],
                                                                  "tensorflow": ["pypi_downloads_last_month"]}
    assert summary["torch"]["score"] == 1.0 and summary["tensorflow"]["score"] == 0.8
    assert "GitHub stars" not in summary["torch"]["line"] and "survey" not in summary["torch"]["line"]
    only_article = crit.scores([], rows[:2], today=date(2022, 12, 1))
    assert only_article == {}


def test_only_metrics_every_scored_framework_holds_are_scored():
    rows = [_row("torch", "github_stars", 100.0, "2026-06"), _row("tensorflow", "github_stars", 200.0, "2026-06"),
            _row("jax", "github_stars", 50.0, "2026-06"),
            _row("torch", "developer_survey_pct", 10.0, "2026-06"), _row("tensorflow", "developer_survey_pct", 1.0, "2026-06")]
    summary = crit.scores([], rows, today=TODAY)
    assert {fw: s["score"] for fw, s in summary.items()} == {"torch": 0.5, "tensorflow": 1.0, "jax": 0.25}
    assert "developer survey share (%) 10 (2026-06)" in summary["torch"]["line"]  # shown, does not decide
    # a stale survey for JAX does not make the survey shared either
    summary = crit.scores([], rows + [_row("jax", "developer_survey_pct", 99.0, "2020-01")], today=TODAY)
    assert summary["jax"]["score"] == 0.25 and "developer survey share (%) 99 (2020-01, stale)" in summary["jax"]["line"]


def test_the_newest_figure_wins_and_a_refresh_overrides_only_when_newer():
    published = {"framework": "torch", "metric": "github_stars", "value": 100, "as_of": "2026-08-22", "kind": "published"}
    fetched = lambda value, as_of: {**published, "value": value, "as_of": as_of, "kind": "fetched"}  # noqa: E731
    assert community.latest([published, fetched(200, "2026-12-07")], "torch")["github_stars"]["value"] == 200
    assert community.latest([published, fetched(200, "2026-01-01")], "torch")["github_stars"]["value"] == 100
    assert community.latest([published, fetched(200, "2026-08-22")], "torch")["github_stars"]["value"] == 100  # not newer
    assert community.latest([fetched(200, "2026-12-07"), published], "torch")["github_stars"]["value"] == 200  # order-free
    assert community.latest([{**published, "as_of": "2027", "role": "article"}], "torch") == {}
    rows = [_row("torch", "github_stars", 100.0, "2026-08-22", kind="published"),
            _row("torch", "github_stars", 150.0, "2026-12-07", kind="fetched"),
            _row("tensorflow", "github_stars", 300.0, "2026-08-22", kind="published"),
            _row("tensorflow", "github_stars", 200.0, "2026-01-01", kind="fetched")]
    summary = crit.scores([], rows, today=TODAY)
    assert summary["torch"]["headline"] == "GitHub stars 150 (2026-12-07)" and summary["torch"]["score"] == 0.5


def test_fetch_dates_figures_with_the_given_day(fake_api):
    figures, _missed = community.fetch(timeout=5, selected=["jax"], today=date(2027, 3, 4))
    assert {f["as_of"] for f in figures} == {"2027-03-04"} and {f["kind"] for f in figures} == {"fetched"}
    assert {f["metric"]: f["series"] for f in figures}["github_stars"] == "github-stargazers"


def test_refresh_where_only_pypi_answers_says_not_refreshed_per_figure(tmp_path, fake_api, monkeypatch):
    """This machine: api.github.com and pypistats.org unreachable, PyPI answers."""
    monkeypatch.setenv("DLARENA_GITHUB_API", "http://127.0.0.1:9")
    monkeypatch.setenv("DLARENA_PYPISTATS_API", "http://127.0.0.1:9")
    result = runner.invoke(app, ["community", "--refresh", "--timeout", "2", "--db", str(tmp_path / "r.duckdb")])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    for what in ("torch GitHub stars", "tensorflow GitHub stars", "jax GitHub stars (google/flax)",
                 "jax PyPI downloads, last month"):
        assert f"not refreshed: {what}: cannot reach 127.0.0.1:9" in out
    saved = json.loads((tmp_path / community.REFRESHED_FILE).read_text())["figures"]
    assert {(f["framework"], f["metric"], f["value"]) for f in saved} == {("jax", "pypi_releases_last_year", 1)}
    # the published stars and downloads still score all three
    cells, rows = _shipped(tmp_path)
    summary = crit.scores(cells, rows, today=TODAY)
    assert set(summary) == {"torch", "tensorflow", "jax"} and "PyPI releases, last 365 days 1 (" in summary["jax"]["line"]
