"""The speed criterion's comparison: a run's stored rows shaped into per-workload, per-scenario views
with the verdicts between frameworks' best modes (what the report shows and the claims check reads).
Reads numbers; never re-measures."""

from __future__ import annotations

from dataclasses import dataclass, field

from dlarena import frameworks, workloads
from dlarena.cellkit.common import split_mode
from dlarena.criteria.speed.headlines import BY_SCENARIO
from dlarena.measure.verdict import DEFAULT_BAND, Estimate, Verdict, busy_of, compare
from dlarena.store.groups import rows_by_cell

# scenario -> (headline metric, higher is better, title), from the one table in headlines.py
HEADLINES = {scenario: (h.metric, h.higher_is_better, h.title) for scenario, h in BY_SCENARIO.items()}


@dataclass
class Entry:
    framework: str
    mode: str
    batch: int
    status: str
    error: str | None = None
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    q1: float | None = None
    q3: float | None = None
    n: int | None = None
    extras: dict[str, float] = field(default_factory=dict)  # other metrics of the cell
    replicates: tuple[float, ...] | None = None  # bootstrap replicates of value (store column "bootstrap")
    busy: str | None = None  # the engine's note when the cell's windows stayed contended: no verdict from it
    windows: int | None = None  # timing windows behind the estimate (older runs: not recorded)
    column: str | None = None  # the framework's name on this workload's column (JAX (keras-hub on JAX))

    @property
    def label(self) -> str:
        return f"{self.column or frameworks.info(self.framework).display_name} {self.mode}"

    def estimate(self) -> Estimate:
        return Estimate(self.label, self.value, self.ci_low, self.ci_high, self.replicates, self.busy)


@dataclass
class ScenarioView:
    scenario: str
    title: str
    metric: str
    higher_is_better: bool
    entries: list[Entry]
    verdicts: list[tuple[str, Verdict]] = field(default_factory=list)  # every pair: (kind, verdict)
    band: float = DEFAULT_BAND  # the run's equivalence band, for every verdict drawn from this view


@dataclass
class WorkloadView:
    name: str
    description: str
    parity: list[dict]
    comparable: bool  # every framework passed parity (or is not installed)
    scenarios: list[ScenarioView]

    @property
    def compared(self) -> list[str]:
        """The frameworks timed and compared (parity ok): comparability is per framework."""
        return [p["framework"] for p in self.parity if p["status"] == "ok"]

    @property
    def left_out(self) -> list[str]:
        """The frameworks not timed: their parity differed from the reference or did not run."""
        return [p["framework"] for p in self.parity if p["status"] not in ("ok", "skipped")]


def best_entry(entries: list[Entry], higher: bool, need_ci: bool = False, fp32_only: bool = False) -> Entry | None:
    """The fastest measured entry (``need_ci``: only those with a confidence interval; ``fp32_only``:
    only fp32 modes)."""
    ok = [e for e in entries if e.status == "ok" and e.value is not None and (not need_ci or e.ci_low is not None)
          and (not fp32_only or split_mode(e.mode)[1] == "fp32")]
    if not ok:
        return None
    return max(ok, key=lambda e: e.value) if higher else min(ok, key=lambda e: e.value)


def _verdicts(view: ScenarioView) -> None:
    by_fw: dict[str, list[Entry]] = {}
    for e in view.entries:
        by_fw.setdefault(e.framework, []).append(e)
    names = list(by_fw)
    higher = view.higher_is_better
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            for kind, pick in (("Best mode vs best mode", lambda es: es),
                               ("Eager vs eager", lambda es: [e for e in es if e.mode == "eager"])):
                best_a, best_b = best_entry(pick(by_fw[a]), higher), best_entry(pick(by_fw[b]), higher)
                if best_a and best_b:
                    verdict = compare(best_a.estimate(), best_b.estimate(), higher, view.band)
                    view.verdicts.append((kind, verdict))


def _description(name: str, described: dict) -> str:
    """From the stored rows; a run recorded before they held it: a built-in's own (dlarena's code only)."""
    if name in described:
        return str(described[name].get("description") or "")
    if workloads.base_name(name) not in workloads.BUILTIN:
        return ""
    try:
        return workloads.get(name).description
    except (KeyError, ValueError):  # a variant this installation refuses: no description
        return ""


def build(cells: list[dict], rows: list[dict], band: float = DEFAULT_BAND,
          described: dict | None = None) -> list[WorkloadView]:
    """``described``: the run's stored workload descriptions (``env["workloads"]``)."""
    by_cell = rows_by_cell(rows)
    views = []
    # Only workloads with parity or speed cells: other criteria render their own sections.
    speed_scenarios = {"parity", *HEADLINES}
    workload_names = list(dict.fromkeys(c["workload"] for c in cells if c["scenario"] in speed_scenarios))
    for name in workload_names:
        wcells = [c for c in cells if c["workload"] == name]
        parity = []
        for c in (c for c in wcells if c["scenario"] == "parity"):
            metrics = {r["metric"]: r for r in by_cell.get(c["cell_id"], [])}
            parity.append({"framework": frameworks.info(c["framework"]).display_name, "status": c["status"],
                           "error": c["error"], "metrics": {k: v["value"] for k, v in metrics.items() if v["value"] is not None},
                           "tolerances": {k: v["extra"].get("tolerance") for k, v in metrics.items()},
                           "floors": {k: v["extra"].get("noise_floor") for k, v in metrics.items()},
                           "notes": list(dict.fromkeys(v["extra"][key] for v in metrics.values()
                                                       for key in ("note", "rule") if v["extra"].get(key)))})
        comparable = all(p["status"] in ("ok", "skipped") for p in parity)
        scenarios = []
        for scenario, (metric, higher, title) in HEADLINES.items():
            entries = []
            for c in (c for c in wcells if c["scenario"] == scenario):
                metrics = {r["metric"]: r for r in by_cell.get(c["cell_id"], [])}
                head = metrics.get(metric, {})
                entries.append(Entry(
                    framework=c["framework"], mode=c["mode"], batch=c["batch"], status=c["status"], error=c["error"],
                    value=head.get("value"), ci_low=head.get("ci_low"), ci_high=head.get("ci_high"),
                    q1=head.get("q1"), q3=head.get("q3"), n=head.get("n"),
                    extras={k: v["value"] for k, v in metrics.items() if k != metric and v["value"] is not None},
                    replicates=Estimate.from_row("", head).replicates, busy=busy_of(head),
                    windows=(head.get("extra") or {}).get("windows"),
                    column=workloads.column_label(name, c["framework"]),
                ))
            if entries:
                view = ScenarioView(scenario, title, metric, higher, entries, band=band)
                _verdicts(view)
                scenarios.append(view)
        description = _description(name, described or {})
        views.append(WorkloadView(name, description, parity, comparable, scenarios))
    return views
