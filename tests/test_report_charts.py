"""report.html's interactive charts, read back from the page: the embedded figure JSON holds the stored
rows' values, CIs and window counts; each panel chooses a log axis by the one rule (at its edge);
plotly.js is embedded once and nothing is fetched; the History part (earlier runs of this machine) and
the compare page (dlarena compare --out) show the verdict changes and the calibration probe."""

import json
import re

import pytest

from dlarena.criteria.speed.views import Entry, ScenarioView, WorkloadView
from dlarena.document import charts, plots
from dlarena.report.compare_runs import compare_stored_runs
from dlarena.report.render import chart_filters, write_report
from helpers import report_runs
from helpers.cli_util import invoke


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return report_runs.build(tmp_path_factory.mktemp("charts") / "r.duckdb")


@pytest.fixture(scope="module")
def page(store, tmp_path_factory):
    return write_report(store, store.run("b"), tmp_path_factory.mktemp("report"))[0].read_text()


def figures_of(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def test_the_chart_json_holds_the_stored_rows(store, page):
    figure = figures_of(page)["speed:mlp"]
    stored = {(r["framework"], r["mode"], r["scenario"]): r for r in store.measurements("b")
              if r["metric"] in ("latency_ms", "throughput_sps")}
    traces = {(t["meta"]["framework"], t["meta"]["mode"], t["meta"]["scenario"]): t for t in figure["data"]}
    assert traces.keys() == stored.keys()  # every timed cell, nothing else
    for key, row in stored.items():
        t = traces[key]
        assert (t["x"][0], t["meta"]["ci_low"], t["meta"]["ci_high"]) == (row["value"], row["ci_low"], row["ci_high"])
        assert t["error_x"]["array"][0] == pytest.approx(row["ci_high"] - row["value"])
        assert t["error_x"]["arrayminus"][0] == pytest.approx(row["value"] - row["ci_low"])
        hover = t["hovertext"][0]
        assert f"95% CI {charts.fmt(row['ci_low'])} – {charts.fmt(row['ci_high'])}" in hover
        assert "4 timing windows" in hover and "parity: ok" in hover
    # the best mode per framework and scenario is flagged for the "best mode" filter
    best = sorted(k for k, t in traces.items() if t["meta"]["best"])
    assert best == [("tensorflow", "function", "infer_latency"), ("tensorflow", "function", "infer_throughput"),
                    ("torch", "eager", "infer_latency"), ("torch", "eager", "infer_throughput")]
    # latency spans 100x (TensorFlow eager 5 ms vs PyTorch 0.05 ms): log; throughput 40-130: linear
    panels = {t["meta"]["scenario"]: t["xaxis"].replace("x", "xaxis") for t in figure["data"]}
    assert figure["layout"][panels["infer_latency"]]["type"] == "log"
    assert figure["layout"][panels["infer_throughput"]]["type"] == "linear"


def _view(values, ci_high=None):
    entries = [Entry("torch", f"m{i}", 1, "ok", value=v, ci_low=v, ci_high=(ci_high if i == 0 and ci_high else v))
               for i, v in enumerate(values)]
    return WorkloadView("w", "", [], True, [ScenarioView("infer_latency", "Latency", "latency_ms", False, entries)])


@pytest.mark.parametrize("values, ci_high, axis", [
    ([1.0, 20.0], None, "linear"),  # exactly the factor: linear
    ([1.0, 20.02], None, "log"),
    ([1.0, 2.0], 20.02, "log"),  # one CI that reaches past the factor counts too
    ([1.0, 2.0], 19.9, "linear"),
])
def test_log_axis_at_the_edge_of_the_rule(values, ci_high, axis):
    assert plots.WIDE_RANGE == 20.0
    assert charts.speed_figure(_view(values, ci_high))["layout"]["xaxis"]["type"] == axis


def test_each_batch_is_its_own_point_and_best_is_per_batch():
    entries = [Entry("torch", "eager", 1, "ok", value=2.0), Entry("torch", "compile", 1, "ok", value=1.0),
               Entry("torch", "eager", 8, "ok", value=3.0), Entry("torch", "compile", 8, "ok", value=4.0)]
    view = WorkloadView("w", "", [], True, [ScenarioView("infer_latency", "Latency", "latency_ms", False, entries)])
    data = charts.speed_figure(view)["data"]
    assert [t["y"][0] for t in data] == ["PyTorch eager b1", "PyTorch compile b1", "PyTorch eager b8", "PyTorch compile b8"]
    assert [t["meta"]["best"] for t in data] == [False, True, True, False]
    single = charts.speed_figure(_view([1.0, 2.0]))["data"]
    assert [t["y"][0] for t in single] == ["PyTorch m0", "PyTorch m1"]  # one batch: no batch in the label


def test_filters_list_what_the_charts_hold(store):
    from dlarena.criteria.speed import views

    built = views.build(store.cells("b"), store.measurements("b"))
    filters = chart_filters(built)
    assert filters.frameworks == [("torch", "PyTorch"), ("tensorflow", "TensorFlow")]
    assert filters.modes == ["eager", "compile", "function"]
    assert [s for s, _ in filters.scenarios] == ["infer_latency", "infer_throughput"]


def test_the_page_is_self_contained(page):
    assert page.count(charts.plotly_js()[:300]) == 1  # the bundle, once
    assert re.findall(r"<script[^>]*>", page) == ['<script type="application/json" id="chart-data">', "<script>", "<script>"]
    own = page.replace(charts.plotly_js(), "")
    assert not re.search(r"""src=["']?(https?:)?//|<link""", own)  # nothing loaded from anywhere
    assert '<div class="chart" id="chart-mlp" data-figure="speed:mlp" data-workload="mlp">' in page
    assert re.search(r'<select data-filter="mode">.*<option value="@best">best mode per framework</option>', page)


def test_history_shows_each_verdict_and_the_probe_across_runs(store, page, tmp_path):
    part = page[page.index('<h2 id="history">'):]
    part = part[:part.index("</details>")]
    assert "1 earlier run(s) of this machine; 1 of 2 best-mode verdicts of this run changed" in part
    row = re.search(r"<tr><th class='l'>mlp infer_throughput b1: PyTorch vs TensorFlow</th>(.*?)</tr>", part).group(1)
    assert re.findall(r">([^<>]+)</td>", row) == ["TensorFlow function +30%", "PyTorch eager +30%"]
    assert "class='l warn'" in row  # the flip is marked
    figures = figures_of(page)
    assert figures["history:probe"]["data"][0]["y"] == [pytest.approx(11.0), pytest.approx(21.0)]  # median probe, ms
    ratios = {t["name"]: t["y"] for t in figures["history:ratios"]["data"]}
    assert ratios["mlp infer_throughput b1: PyTorch vs TensorFlow"] == [pytest.approx(100 / 130), pytest.approx(1.3)]
    assert figures["history:ratios"]["layout"]["yaxis"]["type"] == "log"
    # the first run has nothing before it: no History part
    first = write_report(store, store.run("a"), tmp_path / "a")[0].read_text()
    assert 'id="history"' not in first and "history:probe" not in first


def test_compare_page(store, tmp_path):
    result, text = invoke("compare", "a", "b", "--db", store.path, "--out", tmp_path / "cmp")
    assert result.exit_code == 0, text
    html = (tmp_path / "cmp" / "compare.html").read_text()
    assert "Page:" in text and html.count(charts.plotly_js()[:300]) == 1
    diffs = {c["cell_id"]: c["diff_pct"] for c in compare_stored_runs(store, "a", "b").cells}
    bars = figures_of(html)["compare:diffs"]["data"][0]
    assert dict(zip(bars["y"], bars["x"])) == pytest.approx(diffs)
    assert "<td class=\"l bad\">winner flip</td><td class=\"l\">mlp infer_throughput b1: PyTorch eager vs TensorFlow function</td>" in html
    assert "The calibration probe (no framework involved) ran 47.6% slower." in html
    (tmp_path / "file").write_text("x")
    result, text = invoke("compare", "a", "b", "--db", store.path, "--out", tmp_path / "file")
    assert result.exit_code != 0 and "is not a folder" in text
