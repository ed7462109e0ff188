"""Pretrained ecosystem figures: published, dated and sourced; `dlarena pretrained --refresh` counts
Hub models per library where the Hub answers, and fails with one line (exit 2) where it does not."""

import json
import time
from datetime import date

import pytest
from typer.testing import CliRunner

from dlarena.pretrained import refresh as eco


def test_published_figures_are_sourced_dated_and_graded():
    figures = eco.load(None, today=date(2026, 12, 7))
    assert figures and all(f["source"] and f["url"].startswith("https://") and f["as_of"] for f in figures)
    v5 = {f["id"]: f for f in figures}
    assert v5["transformers-architectures"]["value"] == 400 and v5["transformers-architectures"]["as_of"] == "2025-12-01"
    assert v5["transformers-hub-checkpoints"]["value"] == 750000
    assert v5["transformers-architectures"]["url"] == "https://huggingface.co/blog/transformers-v5"
    assert {f["grade"] for f in figures} == {"snapshot"}
    # the same figures, read 25 months on, are stale
    assert eco.load(None, today=date(2028, 1, 2))[0]["grade"] == "stale"


def test_refresh_offline_fails_with_one_line_within_the_timeout(tmp_path, monkeypatch):
    monkeypatch.setattr(eco, "reachable", lambda host, timeout: "gaierror: [Errno -2] Name or service not known")
    started = time.perf_counter()
    with pytest.raises(eco.RefreshError) as info:
        eco.refresh(tmp_path, timeout=1)
    assert time.perf_counter() - started < 5
    assert str(info.value).startswith("not refreshed: huggingface.co not reachable (gaierror")
    assert "\n" not in str(info.value) and not (tmp_path / eco.REFRESHED_FILE).exists()


def test_reachable_names_why_a_host_cannot_be_reached():
    assert eco.reachable("dlarena-no-such-host.invalid", timeout=1)


class FakeApi:
    def __init__(self, counts, broken=()):
        self.counts, self.broken = counts, broken

    def list_models(self, library, limit):
        if library in self.broken:
            raise ConnectionError("reset by peer")
        return iter(range(min(self.counts[library], limit)))


def test_refresh_counts_models_per_library_up_to_the_limit_and_saves_them(tmp_path):
    api = FakeApi({"transformers": 10, "keras-hub": 3}, broken=("timm",))
    path, fetched, missed = eco.refresh(tmp_path, timeout=1, limit=5, libraries=("transformers", "keras-hub", "timm"),
                                        api=api)
    by = {f["library"]: f for f in fetched}
    assert by["transformers"]["value"] == 5 and by["transformers"]["qualifier"] == "at least"
    assert by["keras-hub"]["value"] == 3 and by["keras-hub"]["qualifier"] == ""
    assert missed == ["not refreshed: timm (ConnectionError: reset by peer)"]
    saved = json.loads(path.read_text())["figures"]
    assert len(saved) == 2
    loaded = [f for f in eco.load(tmp_path) if f["kind"] == "fetched"]
    assert {f["grade"] for f in loaded} == {"snapshot"} and eco.value_text(loaded[0]) == "at least 5"


def test_refresh_that_counts_nothing_fails_and_records_no_zero(tmp_path):
    with pytest.raises(eco.RefreshError, match="^not refreshed: transformers"):
        eco.refresh(tmp_path, timeout=1, libraries=("transformers",), api=FakeApi({}, broken=("transformers",)))
    assert not (tmp_path / eco.REFRESHED_FILE).exists()


def test_cli_refresh_offline_exits_2_with_the_line(tmp_path, monkeypatch):
    from dlarena.cli import app

    monkeypatch.setattr(eco, "reachable", lambda host, timeout: "gaierror: no network here")
    result = CliRunner().invoke(app, ["pretrained", "--refresh", "--timeout", "1", "--db", str(tmp_path / "r.duckdb")])
    assert result.exit_code == 2
    assert "not refreshed: huggingface.co not reachable (gaierror: no network here)" in result.output
    shown = CliRunner().invoke(app, ["pretrained", "--db", str(tmp_path / "r.duckdb")])
    assert shown.exit_code == 0 and "2025-12-01" in shown.output
