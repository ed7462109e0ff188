""""When to use which", measured: the questions comparison articles answer by opinion, each
answered from this run's summary rows (report/overview.py) with links to their evidence, and
"not measured" where the run did not measure what the answer needs."""

from __future__ import annotations

from dataclasses import dataclass, field

from dlarena import criteria, deploy
from dlarena.criteria.deployment.cells import RUNTIME
from dlarena.criteria.distributed import analysis
from dlarena.measure.verdict import DEFAULT_BAND, Estimate, compare
from dlarena.recommend import LEAD_MARGIN, TITLES
from dlarena.report.overview import Overview, cell_anchor

# question -> what its answer rests on; the criteria that answer it, and their weights, are each
# criterion's own (``Criterion.use_cases``).
BASIS: dict[str, str] = {
    "Research prototyping": "code size and error messages, debugging in the default mode, speed",
    "Production serving on a server": "export paths that load and match, serving latency, speed, LLM generation",
    "Multi-machine training": "data-parallel scaling with workers on several hosts",
    "Learning curve": "code size, error messages, time to first result, community",
}


def weights(question: str) -> dict[str, float]:
    """criterion -> weight in the answer to ``question``, from the registered criteria."""
    return {c.name: c.use_cases[question] for c in criteria.registered() if question in c.use_cases}


def questions() -> dict[str, tuple[dict[str, float], str]]:
    """question -> (criteria weights that answer it, what those criteria stand for here); a question
    no registered criterion answers is left out."""
    asked = list(BASIS) + [q for c in criteria.registered() for q in c.use_cases if q not in BASIS]
    return {q: (weights(q), BASIS.get(q, ", ".join(c.title.lower() for c in criteria.registered() if q in c.use_cases)))
            for q in dict.fromkeys(asked) if weights(q)}


EDGE = "Mobile / edge"
MULTI_MACHINE = "Multi-machine training"


@dataclass
class Answer:
    question: str
    text: str
    basis: str  # what the answer rests on
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, anchor)
    measured: bool = True


def _weighted(view: Overview, weights: dict[str, float]) -> Answer | str:
    """Best framework by the weighted scores of ``weights``' criteria, or why there is none."""
    rows = {r.criterion: r for r in view.rows if r.criterion in weights}
    missing = [c for c in weights if c not in rows or not any(cell.anchor for cell in rows[c].cells.values())]
    if missing:
        return "not measured in this run: " + ", ".join(TITLES.get(c, c).lower() for c in missing)
    # A stale or environment-dependent line is shown in the summary but answers nothing here.
    unscored = [c for c in weights if not any(cell.counts for cell in rows[c].cells.values())]
    if unscored:
        return "not scored in this run (stale or environment-dependent evidence): " + ", ".join(
            TITLES.get(c, c).lower() for c in unscored)
    fws = [fw for fw, _ in view.frameworks if all(rows[c].cells[fw].counts for c in weights)]
    if len(fws) < 2:
        return "fewer than two frameworks measured on " + ", ".join(TITLES.get(c, c).lower() for c in weights)
    total = sum(weights.values())
    scores = {fw: sum(w * rows[c].cells[fw].score for c, w in weights.items()) / total for fw in fws}
    ranked = sorted(fws, key=lambda fw: -scores[fw])
    names = dict(view.frameworks)
    lead = scores[ranked[0]] - scores[ranked[1]]
    ordered = ", ".join(f"{names[fw]} {scores[fw]:.2f}" for fw in ranked)
    text = (f"{names[ranked[0]]} (scores: {ordered})" if lead >= LEAD_MARGIN
            else f"no clear winner: {ordered} (within {LEAD_MARGIN:.2f})")
    links = [(f"{TITLES.get(c, c)}: {names[fw]}", rows[c].cells[fw].anchor) for c in weights for fw in ranked[:2]
             if rows[c].cells[fw].anchor]
    return Answer("", text, "", links)


def _edge_cells(fw: str, runtime: list[dict]) -> list[tuple[dict, deploy.ExportPath]]:
    out = []
    for c in runtime:
        if c["framework"] != fw:
            continue
        try:
            path = deploy.get_path(fw, c["mode"])
        except KeyError:
            continue
        if path.edge and not path.quantized:
            out.append((c, path))
    return out


def _edge_workload(view: Overview, runtime: list[dict], latency: dict[str, dict], band: float):
    """One workload's mobile / edge runtimes, named, with their batch-1 latency; the fastest against
    the fastest of each other framework (the verdict rule, on the CIs)."""
    parts, links, best = [], [], []
    for fw, name in view.frameworks:
        edge = _edge_cells(fw, runtime)
        if not edge:
            parts.append(f"{name}: no mobile / edge path measured")
            continue
        shown = []
        for c, p in edge:
            row = latency.get(c["cell_id"])
            if c["status"] == "ok" and row is not None:
                shown.append(f"{p.title} {row['value']:.3g} ms")
            else:
                shown.append(f"{p.title} {c['status']}")
            links.append((f"{name} {p.title}", cell_anchor(c["cell_id"])))
        parts.append(f"{name}: " + ", ".join(shown))
        timed = [(latency[c["cell_id"]], p) for c, p in edge if c["status"] == "ok" and c["cell_id"] in latency]
        if timed:
            row, p = min(timed, key=lambda rp: rp[0]["value"])
            best.append(Estimate.from_row(f"{p.title} ({name})", row))
    text = "; ".join(parts)
    if len(best) >= 2:
        ranked = sorted(best, key=lambda e: e.value)
        verdicts = [compare(ranked[0], other, higher_is_better=False, band=band).text for other in ranked[1:]]
        text += " — " + "; ".join(verdicts)
    return text, links


def _edge(view: Overview, cells: list[dict], rows: list[dict], band: float = DEFAULT_BAND) -> Answer:
    runtime = [c for c in cells if c["scenario"] == RUNTIME]
    basis = ("each framework's float32 mobile / edge runtimes (TFLite / LiteRT, ExecuTorch), named, whose artifact "
             "loads and matches the source model: batch-1 latency, each framework's fastest compared on its CI")
    if not runtime:
        return Answer(EDGE, "not measured in this run: deployment", basis, measured=False)
    latency = {r["cell_id"]: r for r in rows if r["metric"] == "latency_ms" and r["value"] is not None}
    texts, links = [], []
    workloads = list(dict.fromkeys(c["workload"] for c in runtime))
    for workload in workloads:
        text, more = _edge_workload(view, [c for c in runtime if c["workload"] == workload], latency, band)
        texts.append(f"{workload}: {text}" if len(workloads) > 1 else text)
        links += more
    return Answer(EDGE, " | ".join(texts), basis, links)


def _one_host(view: Overview, cells: list[dict], rows: list[dict]) -> Answer | None:
    """"Not measured here" when every distributed worker ran on one host: loopback processes
    sharing its cores measure process overhead there, not scaling across machines."""
    pts = [p for p in analysis.points(cells, rows) if p.ok]
    if not pts:
        return None
    where = analysis.scope(pts)
    if not where.single_host:
        return None
    row = next((r for r in view.rows if r.criterion == "distributed"), None)
    links = [(f"{TITLES['distributed']} (one host): {name}", row.cells[fw].anchor) for fw, name in view.frameworks
             if row is not None and fw in row.cells and row.cells[fw].anchor]
    return Answer(MULTI_MACHINE, f"not measured here: every worker ran on one host ({where.text}), which measures "
                  "process overhead on this host and says nothing about multi-machine scaling; run the distributed "
                  "criterion with --nodes on several hosts to measure it", BASIS[MULTI_MACHINE], links,
                  measured=False)


def answers(view: Overview, cells: list[dict], rows: list[dict], band: float = DEFAULT_BAND) -> list[Answer]:
    out = []
    for question, (wanted, basis) in questions().items():
        if question == MULTI_MACHINE and (single := _one_host(view, cells, rows)) is not None:
            out.append(single)
            continue
        result = _weighted(view, wanted)
        if isinstance(result, str):
            out.append(Answer(question, result, basis, measured=False))
        else:
            result.question, result.basis = question, basis
            out.append(result)
    out.insert(2, _edge(view, cells, rows, band))
    return out
