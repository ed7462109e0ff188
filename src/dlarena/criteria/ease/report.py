"""Report section: ease of use (code metrics, error-message probes, time to first result)."""

from __future__ import annotations

from dlarena.criteria.ease import cells as ease
from dlarena.criteria.ease.errorprobes import MAX_POINTS, SHORT_STACK
from dlarena.document.fragments import cut, html_table, md_table, muted
from dlarena.store.db import ResultStore
from dlarena.store.groups import metrics_by_cell

RUBRIC = (f"Rubric (max {MAX_POINTS:g} points): an error is raised 2; the message names the offending layer/function 1, "
          f"states what was expected 0.5 and what it got 0.5; the traceback shows the user's line 0.5; at most "
          f"{SHORT_STACK} library frames between that line and the raise 0.5. No error and a correct result: "
          f"{MAX_POINTS:g}. No error and a wrong result (silent): 0, or 1 with a warning.")


def build(store: ResultStore, run: dict, out_dir):
    cells = [c for c in store.cells(run["run_id"]) if ease.is_ease(c["scenario"])]
    if not cells:
        return None
    from dlarena.document import Section

    by_cell = metrics_by_cell(store.measurements(run["run_id"]))
    html, md = [], []

    code = [c for c in cells if c["scenario"] == ease.CODE]
    if code:
        headers = ["workload", "framework", "lines", "tokens", "API symbols", "module API", "object API", "status"]
        rows = []
        for c in code:
            m = by_cell.get(c["cell_id"], {})
            sym = m.get("api_symbols", {"extra": {}})
            rows.append([c["workload"], c["framework"], m.get("code_lines", {}).get("value"), m.get("code_tokens", {}).get("value"),
                         sym.get("value"), ", ".join(s.split(".")[-1] for s in sym["extra"].get("module_api", [])),
                         ", ".join(sym["extra"].get("object_api", [])), c["status"] + (f": {cut(c['error'])}" if c["error"] else "")])
        note = ("Model file + the shared training file of each workload, counted with ast/tokenize; docstrings, comments "
                "and the parity harness (WEIGHT_MAP / weight_map and helpers used only by it) are excluded.")
        html += ["<h3>Code metrics of dlarena's own implementations</h3>", muted(note), html_table(headers, rows)]
        md += ["### Code metrics of dlarena's own implementations", "", note, "", md_table(headers, rows)]

    probes = [c for c in cells if c["scenario"].startswith(ease.PROBE_PREFIX)]
    if probes:
        headers = ["probe", "framework", "outcome", "exception", "names layer", "expected", "got", "user line",
                   "frames after user", "points", "message / warning"]
        rows = []
        for c in sorted(probes, key=lambda c: (c["scenario"], c["framework"])):
            r = by_cell.get(c["cell_id"], {}).get("probe_score")
            name = c["scenario"].removeprefix(ease.PROBE_PREFIX)
            if r is None:
                rows.append([name, c["framework"], c["status"], None, None, None, None, None, None, None, cut(c["error"])])
                continue
            e = r["extra"]
            silent = e.get("outcome") != "error"
            fact = lambda key: None if silent else e.get(key)  # noqa: E731
            rows.append([name, c["framework"], e.get("outcome"), e.get("exception_type"), fact("names_layer"),
                         fact("states_expected"), fact("states_actual"), fact("user_line_shown"),
                         e.get("frames_after_user"), f"{r['value']:g}/{e.get('max_points', MAX_POINTS):g}",
                         cut(e.get("message") or e.get("warning") or (f"computed {e.get('got'):.4g}, correct {e.get('want'):.4g}"
                                                                       if e.get("got") is not None and e.get("want") is not None else ""))])
        html += ["<h3>Error-message probes</h3>", muted(RUBRIC), html_table(headers, rows)]
        md += ["### Error-message probes", "", RUBRIC, "", md_table(headers, rows)]

    first = [c for c in cells if c["scenario"] == ease.FIRST_RESULT]
    if first:
        headers = ["workload", "framework", "import (s)", "build model (s)", "first training step (s)", "total (s)", "status"]
        rows = [[c["workload"], c["framework"], *(by_cell.get(c["cell_id"], {}).get(k, {}).get("value")
                 for k in ("import_s", "build_s", "first_step_s", "first_result_s")),
                 c["status"] + (f": {cut(c['error'])}" if c["error"] else "")] for c in first]
        note = "Each in a fresh process: import of what the training code imports, build_model(config), then optimizer + one eager training step."
        html += ["<h3>Time to first result</h3>", muted(note), html_table(headers, rows)]
        md += ["### Time to first result", "", note, "", md_table(headers, rows)]
    return Section("ease", "Ease of use", "\n".join(html), "\n".join(md))
