"""The llm criterion's verdicts and scores from a run's rows: per decoder workload and scenario
(prefill at a prompt length, decode), each framework in its fastest generation mode, every pair by
the one verdict rule (measure/verdict.py). A win counts 1, an equivalent verdict half; undecided
verdicts (inconclusive, or withheld on a busy machine) are left out of the denominator; a framework
with no decided comparison has no score."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from dlarena import frameworks, workloads
from dlarena.cellkit.common import runtime_of
from dlarena.criteria.llm.cells import HEADLINE, parse
from dlarena.measure.verdict import DEFAULT_BAND, Estimate, Verdict, compare

# Below this a decoder's weights fit in a CPU's cache and a generated token costs the generate loop's
# per-token overhead (Python, dispatch), not the memory-bound read of the weights that decides an LLM's
# decode: the verdicts stand, for that size only (SmolLM-135M, the zoo suite's size, is far above).
TOY_PARAMS = 20_000_000


@dataclass(frozen=True)
class Best:
    workload: str
    scenario: str
    framework: str
    mode: str
    cell_id: str
    row: dict

    @property
    def label(self) -> str:
        return f"{workloads.column_label(self.workload, self.framework)} {self.mode}"

    def estimate(self) -> Estimate:
        return Estimate.from_row(self.label, self.row)


def headline_rows(rows: list[dict]) -> list[dict]:
    return [r for r in rows if parse(r.get("scenario")) and r.get("metric") == HEADLINE[r["scenario"]]
            and r.get("value") is not None]


def best_modes(rows: list[dict]) -> dict[tuple[str, str], dict[str, Best]]:
    """(workload, scenario) -> framework -> its fastest mode's headline (with a CI)."""
    out: dict[tuple[str, str], dict[str, Best]] = {}
    for r in headline_rows(rows):
        if r.get("ci_low") is None:
            continue
        group = out.setdefault((r["workload"], r["scenario"]), {})
        known = group.get(r["framework"])
        if known is None or r["value"] > known.row["value"]:
            group[r["framework"]] = Best(r["workload"], r["scenario"], r["framework"], r["mode"], r["cell_id"], r)
    return out


def verdicts(rows: list[dict], band: float | None = None) -> list[tuple[Best, Best, Verdict]]:
    out = []
    for (_, _), best in sorted(best_modes(rows).items()):
        for a, b in combinations(sorted(best), 2):
            out.append((best[a], best[b], compare(best[a].estimate(), best[b].estimate(), True, band or DEFAULT_BAND)))
    return out


def scope(cells: list[dict], rows: list[dict]) -> str:
    """Device(s), threads and model sizes of this criterion's timed cells: '<device>, N threads,
    model of 4.0M parameters'."""
    mine = [c for c in cells if parse(c.get("scenario")) and c.get("status") == "ok"]
    devices = sorted({str(runtime_of(c).get("device") or "").split(":")[0].lower() or "?" for c in mine})
    threads = sorted({int(t) for c in mine if isinstance(t := runtime_of(c).get("intra_op_threads"), (int, float))})
    params = sorted({int(r["value"]) for r in rows if r.get("metric") == "llm_parameter_count" and r.get("value")})
    parts = ["/".join(devices) or "device not recorded"]
    if threads:
        parts[0] += f", {threads[0] if len(threads) == 1 else f'{threads[0]}–{threads[-1]}'} thread{'s' if threads[-1] > 1 else ''}"
    parts.append(", ".join(f"{p / 1e6:.3g}M" for p in params) + " parameters" if params else "model size not recorded")
    return ", ".join(parts)


def scores(cells: list[dict], rows: list[dict], band: float | None = None) -> dict[str, dict]:
    tally: dict[str, dict[str, int]] = {}
    evidence: dict[str, list[str]] = {}
    columns: dict[str, set[str]] = {}
    for a, b, verdict in verdicts(rows, band):
        for me in (a, b):
            t = tally.setdefault(me.framework, {"wins": 0, "ties": 0, "losses": 0, "undecided": 0})
            if verdict.winner is not None:
                t["wins" if verdict.winner == me.label else "losses"] += 1
            elif verdict.outcome == "equivalent":
                t["ties"] += 1
            else:
                t["undecided"] += 1
            evidence.setdefault(me.framework, []).append(me.cell_id)
            columns.setdefault(me.framework, set()).add(workloads.column_label(me.workload, me.framework))
    where = scope(cells, rows)
    params = [r["value"] for r in rows if r.get("metric") == "llm_parameter_count" and r.get("value")]
    if params and max(params) < TOY_PARAMS:
        where += (f"; below {TOY_PARAMS / 1e6:.0f}M parameters a decoded token measures the generate loop's "
                  "per-token overhead, not an LLM's memory-bound decode (--suite zoo: 135M)")
    out = {}
    for fw, t in tally.items():
        decided = t["wins"] + t["ties"] + t["losses"]
        # what the framework's column ran, where it is another family's model (JAX: keras-hub on JAX)
        ran = "; ".join(sorted(columns[fw] - {frameworks.display_name(fw)}))
        counts = ((f"{ran}: " if ran else "") +
                  f"faster in {t['wins']}, equivalent in {t['ties']}, slower in {t['losses']}, undecided "
                  f"{t['undecided']} of {sum(t.values())} generation comparisons (prefill, decode; best mode each)")
        out[fw] = {"score": (t["wins"] + 0.5 * t["ties"]) / decided if decided else None,
                   "unscored": None if decided else "no decided comparison",
                   "line": f"{counts}; scope: {where}", "headline": f"{counts} ({where})", "scope": where,
                   "grade": "measured", "evidence": list(dict.fromkeys(evidence[fw])), **t}
    return out
