""""When to use which", measured: the questions comparison articles answer by opinion, each
answered from this run's summary rows (report/overview.py) with links to their evidence, and
"not measured" where the run did not measure what the answer needs."""

from __future__ import annotations

from dataclasses import dataclass, field

from dlarena import criteria, deploy
from dlarena.criteria.deployment.cells import RUNTIME
from dlarena.criteria.distributed import analysis
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


def _edge(view: Overview, cells: list[dict], rows: list[dict]) -> Answer:
    runtime = [c for c in cells if c["scenario"] == RUNTIME]
    basis = "export to a mobile / edge runtime (TFLite) that loads and matches the source model, its batch-1 latency"
    if not runtime:
        return Answer(EDGE, "not measured in this run: deployment", basis, measured=False)
    latency = {r["cell_id"]: r["value"] for r in rows if r["metric"] == "latency_ms" and r["value"] is not None}
    names = dict(view.frameworks)
    parts, links = [], []
    for fw, name in view.frameworks:
        edge = []
        for c in runtime:
            if c["framework"] != fw:
                continue
            try:
                path = deploy.get_path(fw, c["mode"])
            except KeyError:
                continue
            if path.edge:
                edge.append((c, path))
        ok = [(c, p) for c, p in edge if c["status"] == "ok"]
        if ok:
            c, p = min(ok, key=lambda cp: latency.get(cp[0]["cell_id"], float("inf")))
            ms = latency.get(c["cell_id"])
            parts.append(f"{name}: {p.title} works" + (f" ({ms:.3g} ms at batch 1)" if ms is not None else ""))
            links.append((f"{names[fw]} {p.title}", cell_anchor(c["cell_id"])))
        elif edge:
            parts.append(f"{name}: {edge[0][1].title} failed ({edge[0][0]['status']})")
            links.append((f"{names[fw]} {edge[0][1].title}", cell_anchor(edge[0][0]["cell_id"])))
        else:
            parts.append(f"{name}: no mobile / edge path measured in this run")
    return Answer(EDGE, "; ".join(parts), basis, links)


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


def answers(view: Overview, cells: list[dict], rows: list[dict]) -> list[Answer]:
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
    out.insert(2, _edge(view, cells, rows))
    return out
