"""The report's first screen: report.html and summary.md open with the recommendation (paragraph,
scope, strongest evidence, grades) before the summary table; every summary line shows its grade;
row text cannot put raw HTML into summary.md. The distributed criterion on one host says it measured
process overhead there, and "Multi-machine training" is "not measured here"."""

from html.parser import HTMLParser

import pytest

from dlarena.config import Cell, build_config
from dlarena.criteria.distributed import analysis
from dlarena.measure.env import fingerprint
from dlarena.report import overview, use_cases
from dlarena.report.render import write_report
from dlarena.store.db import ResultStore


def _latency(fw, ms, params=85_000):
    return (Cell(workload="mlp", framework=fw, mode="eager", scenario="infer_latency", batch=1),
            {"status": "ok", "runtime": {"device": "cpu", "intra_op_threads": 2, "workload": {"parameter_count": params}},
             "metrics": [{"metric": "latency_ms", "unit": "ms", "value": ms, "ci_low": ms * 0.98, "ci_high": ms * 1.02,
                          "extra": {"windows": 4, "flagged_windows": 0}}]})


def _distributed(fw, n, value, nodes=1):
    cell = Cell(workload="mlp", framework=fw, mode=analysis.mode_for(fw, n), scenario=analysis.SCENARIO, batch=64)
    return (cell, {"status": "ok", "runtime": {"threads_per_worker": 2 // n if nodes == 1 else 2, "nodes": nodes,
                                               "workers_on_this_node": n // nodes, "criterion": "distributed"},
                   "metrics": [{"metric": "global_throughput_sps", "unit": "samples/s", "value": value,
                                "ci_low": value * 0.97, "ci_high": value * 1.03}]})


def _store(tmp_path, extra=(), nodes=1):
    store = ResultStore(tmp_path / "r.duckdb")
    config = build_config(workloads=["mlp"], frameworks=["torch", "tensorflow"]).model_dump()
    store.start_run("r", "custom", config, fingerprint(2, 1))
    pairs = [(Cell(workload="mlp", framework=fw, mode="eager", scenario="parity", batch=16), {"status": "ok", "metrics": []})
             for fw in ("torch", "tensorflow")]
    pairs += [_latency("torch", 0.05), _latency("tensorflow", 0.40)]
    pairs += [_distributed("torch", 1, 1000), _distributed("torch", 2, 1600, nodes),
              _distributed("tensorflow", 1, 1000), _distributed("tensorflow", 2, 1000, nodes)]
    for cell, result in [*pairs, *extra]:
        store.record_cell("r", cell, result)
    store.finish_run("r")
    return store


class _Outline(HTMLParser):
    """The h2 headings in order, and the text inside <section id="recommendation">."""

    def __init__(self):
        super().__init__()
        self.h2, self.in_h2, self.section, self.sections, self.texts = [], False, None, [], {}

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self.in_h2 = True
            self.h2.append(dict(attrs).get("id") or "")
        if tag == "section":
            self.section = dict(attrs).get("id")
            self.sections.append(self.section)
            self.texts[self.section] = ""

    def handle_endtag(self, tag):
        if tag == "h2":
            self.in_h2 = False
        if tag == "section":
            self.section = None

    def handle_data(self, data):
        if self.in_h2 and self.h2 and not self.h2[-1]:
            self.h2[-1] = data.strip()
        if self.section:
            self.texts[self.section] += data


def test_the_report_opens_with_the_recommendation(tmp_path):
    store = _store(tmp_path, extra=[(Cell(workload="mlp", framework="torch", mode="compile", scenario="train", batch=64),
                                     {"status": "failed", "error": "<script>alert(1)</script> | <b>x</b>"})])
    first = overview.first_screen(store, store.run("r"))
    assert first.paragraph.startswith("With equal priorities, PyTorch scores")
    html_path, md_path = write_report(store, store.run("r"), tmp_path / "report")
    html = html_path.read_text()

    outline = _Outline()
    outline.feed(html)
    assert outline.sections[0] == "recommendation"
    assert outline.h2[:2] == ["Recommendation", "summary"]  # the recommendation first, then the summary table
    inside = " ".join(outline.texts["recommendation"].split())
    assert " ".join(first.paragraph.split()) in inside
    assert "Speed: cpu, 2 threads, a model of 85k parameters, 0 of 8 timing windows (0%) flagged as contended" in inside
    assert "Distributed training: 1 host, 2 cores, 1–2 workers — one host: process overhead on this host, not " \
           "multi-machine scaling" in inside
    assert "Strongest evidence" in inside and "Speed: PyTorch 1.00 vs TensorFlow 0.00" in inside
    assert "Margin: PyTorch leads TensorFlow by 1.00; no priorities reverse it" in inside
    section = html[html.index('<section id="recommendation">'):html.index("</section>")]
    assert '<th class="l">Speed</th><td class="l">measured here</td>' in section
    assert '<th class="l">Ease of use</th><td class="l">not measured yet</td>' in section
    assert html.index('id="recommendation"') < html.index('id="summary"') < html.index('<h2 id="environment">Environment</h2>')
    summary = html[html.index('id="summary"'):html.index('id="when-to-use"')]
    assert summary.count("[measured here]") == 2  # speed, both frameworks
    # CPU workers on one host: shown, not scored
    assert summary.count("[measured here — not scored: CPU workers on one host: process overhead") == 2
    # the report's own scripts only (chart data, plotly.js, charts and collapsed parts); no row text as HTML
    assert "<script>alert" not in html and html.count("<script>") == 2

    md = md_path.read_text()
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings[:3] == ["## Recommendation", "## Summary", "## Environment"]
    top = md[:md.index("## Summary")]
    assert md.index("## Recommendation") < md.index("With equal priorities, PyTorch scores") < md.index("## Summary")
    assert "- Speed: cpu, 2 threads, a model of 85k parameters" in top and "| Speed | measured here |" in top
    assert "1 of its 1 win is batch-1 latency on models under 1M parameters: per-call overhead" in md
    assert "[measured here] |" in md[md.index("## Summary"):md.index("## Environment")]
    # row text is escaped: no raw HTML from a stored error reaches summary.md
    assert "<script>" not in md and "<b>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md


def test_contents_link_every_part_and_the_details_are_collapsed(tmp_path):
    import re

    store = _store(tmp_path)
    html = write_report(store, store.run("r"), tmp_path / "report")[0].read_text()
    nav = html[html.index('<nav class="toc"'):html.index("</nav>")]
    targets = re.findall(r'href="#([^"]+)"', nav)
    assert targets[:2] == ["recommendation", "summary"] and "environment" in targets and "mlp" in targets
    ids = set(re.findall(r'id="([^"]+)"', html))
    assert [t for t in targets if t not in ids] == []  # every contents link lands
    # the answer stays open; the per-workload details, sections and evidence are collapsed parts
    assert html.count('<details class="part">') == html.count("</details>") >= 2
    assert "<details" not in html[:html.index('id="environment"')]
    assert html.index('<details class="part"><summary><h2 id="mlp">') > html.index('id="environment"')


def test_grade_labels_in_the_table():
    assert overview.Cell("x", 0.5, "a", "measured").grade_label == "measured here"
    assert overview.Cell("x", 0.5, "a", "snapshot").grade_label == "dated snapshot"
    assert overview.Cell("x", 0.5, "a", "stale").grade_label == "stale — not scored"
    assert overview.Cell("x", 0.5, "a", "environment").grade_label == "environment-dependent — not scored"
    assert overview.Cell("not measured yet").grade_label == ""
    assert not overview.Cell("x", 0.5, "a", "stale").counts and overview.Cell("x", 0.5, "a", "snapshot").counts


def test_distributed_on_one_host_is_process_overhead_and_multi_machine_is_not_measured(tmp_path):
    store = _store(tmp_path)
    cells, rows = store.cells("r"), store.measurements("r")
    summary = analysis.scores(cells, rows)
    line = summary["torch"]["line"]
    assert line.startswith("PyTorch DDP on one host (1 host, 2 cores, 1–2 workers): mlp: 2 workers reach 1,600 "
                           "samples/s, 80% scaling efficiency")
    assert line.endswith("so this measures process and communication overhead on this host and says nothing "
                         "about multi-machine scaling.")
    assert summary["torch"]["grade"] == "measured" and summary["torch"]["scope"] == "1 host, 2 cores, 1–2 workers"
    assert not analysis.spans_hosts(cells, rows)
    view = overview.build(cells, rows, ["torch", "tensorflow"])
    answer = {a.question: a for a in use_cases.answers(view, cells, rows)}["Multi-machine training"]
    assert not answer.measured
    assert answer.text.startswith("not measured here: every worker ran on one host (1 host, 2 cores, 1–2 workers)")


def test_distributed_across_hosts_answers_multi_machine(tmp_path):
    store = _store(tmp_path, nodes=2)
    cells, rows = store.cells("r"), store.measurements("r")
    assert analysis.spans_hosts(cells, rows)
    summary = analysis.scores(cells, rows)
    assert summary["torch"]["scope"] == "2 hosts, 2 cores per host, 1–2 workers"
    assert "multi-machine" not in summary["torch"]["line"]
    view = overview.build(cells, rows, ["torch", "tensorflow"])
    answer = {a.question: a for a in use_cases.answers(view, cells, rows)}["Multi-machine training"]
    assert answer.measured and answer.text.startswith("PyTorch (scores: PyTorch 0.90, TensorFlow 0.56)")


def test_one_public_comparison_gives_the_same_number_in_either_order(tmp_path):
    store = _store(tmp_path)
    cells, rows = store.cells("r"), store.measurements("r")
    [ab] = analysis.compare_scaling(cells, rows, "torch", "tensorflow")
    [ba] = analysis.compare_scaling(cells, rows, "tensorflow", "torch")
    assert ab.winner == ba.winner == "torch" and ab.outcome == "faster"
    assert ab.result == ba.result
    assert ab.result.startswith("PyTorch DDP higher by 60% [")
    # the distributed section shows the same number, labelled as scaling efficiency
    from dlarena.criteria.distributed.report import build

    section = build(store, store.run("r"), tmp_path)
    assert f"scaling efficiency by pair: {ab.result}" in section.markdown
    assert "says nothing about multi-machine scaling" in section.markdown


def test_bars_spanning_orders_of_magnitude_get_a_log_axis():
    from dlarena.document.plots import WIDE_RANGE, wide_range

    assert wide_range([0.56, 0.78, 70.0])  # a slow mode's CI beside sub-millisecond best modes
    assert not wide_range([0.56, 0.56 * WIDE_RANGE])  # exactly at the factor: linear
    assert wide_range([0.56, 0.56 * WIDE_RANGE * 1.01])
    assert not wide_range([]) and not wide_range([0.0, 5.0])


def test_a_log_ratio_axis_reads_in_plain_numbers():
    import matplotlib.pyplot as plt
    from dlarena.document.plots import PlainLogFormatter

    fig, ax = plt.subplots()
    ax.set_yscale("log")
    ax.set_ylim(0.55, 3.2)  # less than a decade: the minor ticks are labelled too
    ax.yaxis.set_major_formatter(PlainLogFormatter())
    ax.yaxis.set_minor_formatter(PlainLogFormatter(labelOnlyBase=False, minor_thresholds=(2, 0.5)))
    fig.canvas.draw()
    labels = {t.get_text() for t in ax.get_yticklabels(minor=True) + ax.get_yticklabels()} - {""}
    plt.close(fig)
    assert {"0.6", "1", "2", "3"} <= labels and not any("e" in label or "10^" in label for label in labels)


def test_a_criterion_the_run_left_out_says_how_to_run_it():
    cells = [{"cell_id": "mlp/torch/source/ease_code/b0", "workload": "mlp", "framework": "torch", "mode": "source",
              "scenario": "ease_code", "batch": 0, "status": "ok", "error": None, "runtime": '{"criterion": "ease"}'}]
    rows = []
    left_out = overview.build(cells, rows, ["torch"], run_criteria=["ease", "speed"])
    text = {r.criterion: r.cells["torch"].text for r in left_out.rows}
    assert text["distributed"] == "not in this run: dlarena run --criteria distributed"
    assert text["speed"] == "not measured yet"  # selected, and nothing of it measured
    assert {r.criterion: r.cells["torch"].text for r in overview.build(cells, rows, ["torch"]).rows}["distributed"] \
        == "not measured yet"  # the run's selection unknown
