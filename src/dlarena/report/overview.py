"""The summary table that opens the report (one line per criterion and framework, generated from
the run's rows by each criterion's ``scores``), and the evidence index it links to: for each
criterion and framework, the cells the line came from and their rows."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from dlarena import evidence as grades
from dlarena import frameworks
from dlarena.measure.verdict import DEFAULT_BAND, band_of
from dlarena.recommend import ORDER, TITLES, summarize_run, unscored_lines
from dlarena.store.groups import rows_by_cell

MAX_METRICS_SHOWN = 8


def cell_anchor(cell_id: str) -> str:
    return "cell-" + re.sub(r"[^A-Za-z0-9]+", "-", cell_id).strip("-")


def evidence_anchor(criterion: str, framework: str) -> str:
    return f"evidence-{criterion}-{framework}"


@dataclass
class Cell:
    text: str
    score: float | None = None
    anchor: str | None = None
    grade: str | None = None  # the line's evidence grade (dlarena.evidence); None: no line
    unscored: str | None = None  # why a measured line has no score (e.g. "no decided comparison")

    @property
    def counts(self) -> bool:
        """Whether the line enters totals (measured here, or a fresh dated snapshot)."""
        return self.score is not None and grades.counts({"grade": self.grade})

    @property
    def grade_label(self) -> str:
        """"measured here", "dated snapshot", "stale — not scored", ... ("" without a line)."""
        if self.grade is None:
            return ""
        summary = {"grade": self.grade, "score": self.score, "unscored": self.unscored}
        if self.score is None and grades.grade(summary) in grades.SCORED:
            return f"{grades.LABELS[grades.grade(summary)]} — not scored: {self.unscored or 'no score'}"
        return grades.label(summary) + ("" if grades.counts(summary) else " — not scored")


@dataclass
class Row:
    criterion: str
    title: str
    cells: dict[str, Cell]


@dataclass
class EvidenceGroup:
    anchor: str
    title: str
    cells: list[dict] = field(default_factory=list)  # {"anchor", "cell_id", "status", "error", "metrics": [str]}


@dataclass
class Overview:
    frameworks: list[tuple[str, str]]  # (name, display name)
    rows: list[Row]
    evidence: list[EvidenceGroup]
    failures: list[str] = field(default_factory=list)  # per criterion: which cells failed, the first error

    def measured(self, criterion: str) -> bool:
        return any(c.anchor for row in self.rows if row.criterion == criterion for c in row.cells.values())


FAILED = ("failed", "timeout")
ERROR_SHOWN = 160  # characters of an error in a summary cell


def criterion_of(cell: dict) -> str | None:
    """The criterion the scheduler stored with the cell (runs before it did: None)."""
    runtime = cell.get("runtime")
    if isinstance(runtime, str):
        try:
            runtime = json.loads(runtime)
        except ValueError:
            return None
    return (runtime or {}).get("criterion")


def _short(text: str | None) -> str:
    line = (text or "no error recorded").strip().splitlines()[0] if (text or "").strip() else "no error recorded"
    return line if len(line) <= ERROR_SHOWN else line[:ERROR_SHOWN - 1] + "…"


def _unmeasured(cells: list[dict]) -> str | None:
    """Why a criterion has no summary for a framework, from its cells: failed or skipped (with the
    first error), or None when it has no cells (not measured)."""
    if not cells:
        return None
    failed = [c for c in cells if c["status"] in FAILED]
    if failed:
        return f"failed: {len(failed)} of {len(cells)} cells; {_short(failed[0].get('error'))}"
    skipped = [c for c in cells if c["status"] != "ok"]
    if skipped:
        return f"{skipped[0]['status']}: {_short(skipped[0].get('error'))}"
    return None


def _not_measured(criterion: str, run_criteria: list[str] | None) -> str:
    if run_criteria is not None and criterion not in run_criteria:
        return f"not in this run: dlarena run --criteria {criterion}"
    return "not measured yet"


def _failures(by_criterion: dict[str, list[dict]]) -> list[str]:
    out = []
    for criterion in [c for c in ORDER if c in by_criterion] + [c for c in by_criterion if c not in ORDER]:
        failed = sorted((c for c in by_criterion[criterion] if c["status"] in FAILED), key=lambda c: c["cell_id"])
        if failed:
            title = TITLES.get(criterion, criterion)
            out.append(f"{title}: {len(failed)} of {len(by_criterion[criterion])} cells failed, e.g. "
                       f"{failed[0]['cell_id']}: {_short(failed[0].get('error'))}")
    return out


def _metric_text(r: dict) -> str:
    value = "–" if r["value"] is None else f"{r['value']:.4g}"
    unit = f" {r['unit']}" if r.get("unit") else ""
    note = r["extra"].get("as_of") or r["extra"].get("behaviour") or r["extra"].get("outcome") or ""
    return f"{r['metric']} = {value}{unit}" + (f" ({note})" if note else "")


def build(cells: list[dict], rows: list[dict], framework_names: list[str] | None = None,
          band: float = DEFAULT_BAND, run_criteria: list[str] | None = None) -> Overview:
    """The summary table; ``run_criteria``: the run's selected criteria (a criterion outside them
    says how to run it, not "not measured yet")."""
    errors: dict[str, str] = {}
    summaries = summarize_run(cells, rows, errors, band)
    unscored = unscored_lines(cells, rows)
    names = framework_names or [fw for fw in frameworks.names()]
    fws = [(fw, frameworks.display_name(fw)) for fw in names]
    by_cell = rows_by_cell(rows)
    status = {c["cell_id"]: c for c in cells}
    owned: dict[str, list[dict]] = {}
    for c in cells:
        owned.setdefault(criterion_of(c) or "", []).append(c)
    table, evidence = [], []
    for criterion in ORDER:
        summary = summaries.get(criterion, {})
        row = Row(criterion, TITLES[criterion], {})
        for fw, display in fws:
            s = summary.get(fw)
            if s is None:
                why = _unmeasured([c for c in owned.get(criterion, []) if c.get("framework") == fw])
                row.cells[fw] = Cell(errors.get(criterion) or why or unscored.get(criterion, {}).get(fw)
                                     or _not_measured(criterion, run_criteria))
                continue
            anchor = evidence_anchor(criterion, fw)
            row.cells[fw] = Cell(s["line"], s["score"], anchor, grades.grade(s), s.get("unscored"))
            group = EvidenceGroup(anchor, f"{TITLES[criterion]} — {display}")
            for cell_id in s["evidence"]:
                c = status.get(cell_id, {})
                shown = [r for r in by_cell.get(cell_id, []) if r["metric"] != "status"]
                group.cells.append({"anchor": cell_anchor(cell_id), "cell_id": cell_id, "status": c.get("status", "?"),
                                    "error": c.get("error"),
                                    "metrics": [_metric_text(r) for r in shown[:MAX_METRICS_SHOWN]],
                                    "more": max(0, len(shown) - MAX_METRICS_SHOWN)})
            evidence.append(group)
        table.append(row)
    return Overview(fws, table, evidence, _failures({k: v for k, v in owned.items() if k}))


def for_run(store, run: dict) -> Overview:
    run_id = run["run_id"]
    return build(store.cells(run_id), store.measurements(run_id), run["config"].get("frameworks"), band_of(run["config"]),
                 run["config"].get("criteria"))


def as_json(overview: Overview) -> str:
    return json.dumps({r.criterion: {fw: c.__dict__ for fw, c in r.cells.items()} for r in overview.rows}, indent=1)


@dataclass
class FirstScreen:
    """What the report and summary.md open with: the recommendation for equal priorities (the
    paragraph a run prints at its end), what it rests on (machine, speed and distributed scope),
    its strongest evidence and each criterion's evidence grade."""

    paragraph: str
    scope: list[str]  # "Machine: ...", "Speed: ...", "Distributed training: ..."
    strongest: list[str]
    grades: list[tuple[str, str]]  # (criterion title, its grade(s), or why it has none)
    command: str  # how to weigh the criteria differently (each weighs 1 by default; 0 leaves one out)
    change: str | None = None  # the margin and the smallest change of priorities that reverses it


def _grades_of(per_framework: dict[str, dict]) -> str:
    """"measured here" when every framework's line has one grade, else each grade with its frameworks."""
    by_label: dict[str, list[str]] = {}
    for fw, summary in per_framework.items():
        text = grades.label(summary) + ("" if grades.counts(summary) else " — not scored")
        by_label.setdefault(text, []).append(frameworks.display_name(fw))
    if len(by_label) == 1:
        return next(iter(by_label))
    return "; ".join(f"{text} ({', '.join(names)})" for text, names in by_label.items())


def _first_scope(factors, factor_name: str) -> dict:
    factor = next((f for f in factors if f.criterion == factor_name and f.status == "measured"), None)
    return next((s for s in (factor.per_framework.values() if factor else []) if s.get("scope")), {})


def first_screen(store, run: dict) -> FirstScreen:
    """The recommendation block, built from the run's stored rows (``recommend`` for equal
    priorities over this run's criteria, as ``dlarena run`` prints it)."""
    from dlarena.recommend import latest_factors, parse_priorities, recommend, strongest, what_would_change

    result = recommend(latest_factors(store, parse_priorities(None), run["run_id"]))
    env = run.get("env") or {}
    machine = env.get("cpu_model") or "CPU not recorded"
    cores = [f"{env[k]} {k.split('_')[0]}" for k in ("physical_cores", "logical_cores") if env.get(k)]
    scope = [f"Machine: {machine}" + (f" ({' / '.join(cores)} cores)" if cores else "")
             + f"; GPUs: {', '.join(env.get('gpus') or []) or 'none'}"]
    speed = _first_scope(result.factors, "speed")
    if speed:
        scope.append(f"Speed: {speed['scope']}")
    dist = _first_scope(result.factors, "distributed")
    if dist:
        scope.append(f"Distributed training: {dist['scope']}" + (
            " — one host: process overhead on this host, not multi-machine scaling" if dist.get("single_host") else ""))
    table = [(f.title, _grades_of(f.per_framework) if f.status == "measured" else f.status) for f in result.factors]
    command = f"dlarena recommend --run {run['run_id']} --priority speed=3 --priority deployment=2"
    return FirstScreen(result.paragraph, scope, strongest(result), table, command, what_would_change(result))
