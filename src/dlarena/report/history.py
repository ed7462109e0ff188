"""Report part "History": when the results database holds earlier runs of this machine (same host,
CPU, threads and packages, as the rerun check defines it), each best-mode verdict of this run across
those runs (a table, and the speed ratio with its 95% CI as a timeline) and the calibration probe's
median per run (the machine's own speed, no framework involved). From stored rows only."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from statistics import median

from dlarena import frameworks
from dlarena.criteria.speed import views
from dlarena.document import charts, fmt
from dlarena.measure.verdict import Verdict, band_of, compare
from dlarena.report.rerun import earlier_runs
from dlarena.store.db import ResultStore

MAX_RUNS = 12  # this run and up to 11 earlier ones
PairKey = tuple[str, str, int, str, str]  # workload, scenario, batch, framework a, framework b


def best_verdicts(cells: list[dict], rows: list[dict], band: float) -> dict[PairKey, Verdict]:
    """Each scenario's best mode of one framework against the best mode of another (registry order)."""
    order = frameworks.names()
    out = {}
    for view in views.build(cells, rows, band):
        for s in view.scenarios:
            for batch in sorted({e.batch for e in s.entries}):
                best = {}
                for fw in sorted({e.framework for e in s.entries},
                                 key=lambda f: (order.index(f) if f in order else len(order), f)):
                    chosen = views.best_entry([e for e in s.entries if e.framework == fw and e.batch == batch],
                                              s.higher_is_better)
                    if chosen:
                        best[fw] = chosen
                names = list(best)
                for i, a in enumerate(names):
                    for b in names[i + 1:]:
                        out[(view.name, s.scenario, batch, a, b)] = compare(
                            best[a].estimate(), best[b].estimate(), s.higher_is_better, band)
    return out


def short(v: Verdict) -> str:
    """"PyTorch eager +20%", "equivalent", "inconclusive": a verdict in a table cell."""
    if v.winner:
        return f"{v.winner} +{v.speedup_pct:.0f}%"
    return v.outcome


def probe_ms(reps: list[dict]) -> tuple[float | None, int]:
    """The median calibration probe of a run's windows (ms) and how many windows it rests on."""
    probes = [r["noise"]["probe_s"] for r in reps if (r.get("noise") or {}).get("probe_s")]
    return (median(probes) * 1000 if probes else None), len(probes)


@dataclass
class History:
    runs: list[dict]  # {"run_id", "started_at"}, oldest first; the last is this run
    pairs: dict[PairKey, list[Verdict | None]]  # per pair of this run: its verdict in each run
    probes: list[tuple[float | None, int]]
    figures: dict[str, dict] = field(default_factory=dict)

    def changes(self, key: PairKey) -> int:
        """How often the pair's verdict differs from the run before (runs that had it)."""
        seen = [short(v).split(" +")[0] for v in self.pairs[key] if v is not None]
        return sum(a != b for a, b in zip(seen, seen[1:]))

    @property
    def html(self) -> str:
        head = "".join(f'<th class="l" title="{html.escape(r["run_id"])}">{html.escape(str(r["started_at"])[:16])}</th>'
                       for r in self.runs)
        probe_row = "".join(f"<td>{fmt(p)} ms <span class='muted'>({n})</span></td>" if p else "<td>–</td>"
                            for p, n in self.probes)
        body = []
        for key, verdicts in self.pairs.items():
            cells, previous = [], None
            for v in verdicts:
                if v is None:
                    cells.append("<td class='l muted'>–</td>")
                    continue
                text = short(v)
                moved = previous is not None and text.split(" +")[0] != previous
                cells.append(f"<td class='l{' warn' if moved else ''}' title='{html.escape(v.text)}'>{html.escape(text)}</td>")
                previous = text.split(" +")[0]
            body.append(f"<tr><th class='l'>{html.escape(pair_name(key))}</th>{''.join(cells)}</tr>")
        changed = sum(self.changes(k) > 0 for k in self.pairs)
        return (f"<p>{len(self.runs) - 1} earlier run(s) of this machine; {changed} of {len(self.pairs)} best-mode "
                "verdicts of this run changed at least once across them (highlighted: a change from the run before). "
                "The probe is a fixed pure-Python loop timed before every window: it moves with the machine, not "
                "with a framework.</p>"
                '<div class="chart" data-figure="history:probe"></div><div class="chart" data-figure="history:ratios"></div>'
                f"<table><tr><th class='l'>verdict</th>{head}</tr><tr><th class='l'>calibration probe (median, "
                f"windows)</th>{probe_row}</tr>{''.join(body)}</table>")


def pair_name(key: PairKey) -> str:
    workload, scenario, batch, a, b = key
    return f"{workload} {scenario} b{batch}: {frameworks.display_name(a)} vs {frameworks.display_name(b)}"


def build(store: ResultStore, run: dict) -> History | None:
    """None where the database holds no earlier run of this machine with a verdict this run has."""
    band = band_of(run.get("config"))
    mine = best_verdicts(store.cells(run["run_id"]), store.measurements(run["run_id"]), band)
    if not mine:
        return None
    earlier = []
    for run_id in earlier_runs(store, run)[:MAX_RUNS - 1]:
        theirs = best_verdicts(store.cells(run_id), store.measurements(run_id), band)
        if theirs.keys() & mine.keys():
            earlier.append((store.run(run_id), theirs))
    if not earlier:
        return None
    timeline = [*reversed(earlier), (run, mine)]
    runs = [{"run_id": r["run_id"], "started_at": r["started_at"]} for r, _ in timeline]
    pairs = {key: [verdicts.get(key) for _, verdicts in timeline] for key in mine}
    probes = [probe_ms(store.repetitions(r["run_id"])) for r, _ in timeline]
    out = History(runs, pairs, probes)
    x = [str(r["started_at"])[:19] for r in runs]
    out.figures["history:probe"] = charts.line_figure(
        "Calibration probe per run (median over the run's windows; higher: the machine ran slower)", "run started",
        "probe (ms)", [{"name": "probe", "x": x, "y": [p for p, _ in probes], "color": "#555",
                        "hover": [f"{html.escape(r['run_id'])}<br>{fmt(p)} ms over {n} windows" for r, (p, n) in zip(runs, probes)]}],
        log_y=False)
    series = []
    for key, verdicts in pairs.items():
        series.append({"name": pair_name(key), "x": x, "y": [v.ratio if v else None for v in verdicts],
                       "hover": [f"{html.escape(pair_name(key))}<br>{html.escape(v.text)}" if v else "not in this run"
                                 for v in verdicts]})
    out.figures["history:ratios"] = charts.line_figure(
        "Best-mode speed ratio per pair over runs (> 1: the first framework faster; hover for the verdict and CI)",
        "run started", "speed ratio", series, log_y=True)
    return out
