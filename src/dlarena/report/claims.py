"""Report section "Claims check": every claim of the article's register (``dlarena.claims``), what
this run measured for it, the verdict and links to the evidence cells."""

from __future__ import annotations

import html
from pathlib import Path

from dlarena import claims as register
from dlarena.claimkit.model import PARTS
from dlarena.criteria.debugging import cells as debugging
from dlarena.criteria.deployment import cells as deployment
from dlarena.criteria.ease import cells as ease
from dlarena.criteria.community import cells as community
from dlarena.criteria.pretrained import cells as pretrained
from dlarena.criteria.distributed import analysis
from dlarena.measure.verdict import band_of, describe
from dlarena.report.overview import cell_anchor, for_run
from dlarena.document import Section

STYLE = {"supported": "ok", "partly supported": "warn", "contradicted": "bad", "outdated": "warn", "inconclusive": "muted",
         "not measured": "muted", "not checkable": "muted", "shown": "muted"}
MAX_LINKS = 8


def section_anchor(cell: dict) -> str:
    """The report section that shows a cell, for cells the evidence index does not list."""
    scenario = cell["scenario"]
    if scenario.startswith("deploy_"):
        return "deployment"
    if scenario == analysis.SCENARIO:
        return "distributed"
    if debugging.is_debugging(scenario):
        return "debugging"
    if ease.is_ease(scenario):
        return "ease"
    if scenario in (pretrained.SCENARIO, community.SCENARIO):
        return scenario
    return cell["workload"]  # speed cells: their workload's section


def _links(cell_ids: list[str], anchors: dict[str, str], markdown: bool) -> str:
    shown = [(cell, anchors.get(cell, cell_anchor(cell))) for cell in cell_ids[:MAX_LINKS]]
    if markdown:
        text = ", ".join(f"[{cell}](#{anchor})" for cell, anchor in shown)
    else:
        text = ", ".join(f'<a href="#{html.escape(anchor)}">{html.escape(cell)}</a>' for cell, anchor in shown)
    more = len(cell_ids) - MAX_LINKS
    return (text + (f" (+{more} more)" if more > 0 else "")) or "–"


def _measured(result: register.ClaimResult) -> list[tuple[str, list[str]]]:
    """One entry per check: what it is, its role and its outcome; then what this run measured for it,
    one line per cell or framework."""
    claim, out = result.claim, []
    if claim.not_checkable:
        out.append((f"Not checkable here: {claim.not_checkable}", []))
    for r in result.checks:
        role = {"proxy": "PROXY, not the claim — ", "context": "context, not counted — "}.get(r.check.role, "")
        outcome = "" if r.outcome == "shown" else f" → {r.outcome}"
        out.append((f"{role}{r.check.what}{outcome}", list(r.lines)))
    if result.outcome == "not measured" and result.measure_with:
        out.append((f"Measure with: {result.measure_with}", []))
    if claim.note:
        out.append((f"Note: {claim.note}", []))
    return out


def _measured_html(entries: list[tuple[str, list[str]]]) -> str:
    return "".join(f"<div>{html.escape(head)}" + ("<ul class='lines'>" + "".join(
        f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>" if lines else "") + "</div>"
        for head, lines in entries)


def _measured_md(entries: list[tuple[str, list[str]]]) -> str:
    return "<br>".join(head + (": " + "; ".join(lines) if lines else "") for head, lines in entries)


def build(store, run: dict, out_dir: Path) -> Section | None:
    rows = store.measurements(run["run_id"])
    if not rows:
        return None
    band = band_of(run["config"])
    results = register.evaluate_all(rows, band=band, cells=store.cells(run["run_id"]))
    # Evidence links: a cell's entry in the evidence index when it has one, else its section.
    indexed = {c["cell_id"]: c["anchor"] for g in for_run(store, run).evidence for c in g.cells}
    cells = {r["cell_id"]: r for r in rows}
    anchors = {cell: indexed.get(cell) or section_anchor(row) for cell, row in cells.items()}

    totals = register.counts(results)["all"]
    tally = ", ".join(f"{n} {verdict}" for verdict, n in totals.items() if n)
    article = register.article()
    intro = (f"The article dlarena was built to test — {article.get('author')}, “{article.get('title')}” — "
             f"checked claim by claim against this run: {len(results)} claims ({tally}). "
             "Partly supported: some of its parts hold and others do not, or a number it states lies outside the "
             "measured 95% CI while the direction holds (“direction supported, size contradicted”). "
             "Outdated: true of the versions (or the time) the article describes, not of today's; a verdict resting "
             "on a figure older than 24 months is never “supported”. Not measured: this run holds "
             "no evidence (the command that would measure it is given). Not checkable: no run can decide it (why, "
             "and the nearest measured proxy, labelled). “In part”: some of its parts were not decided. "
             f"{describe(band)} The register lives in dlarena/data/claims.toml and article_claims.toml.")
    parts_html = [f"<p class='muted'>{html.escape(intro)}</p>"]
    md = [intro, ""]
    for part, title in PARTS.items():
        mine = [r for r in results if r.claim.part == part]
        if not mine:
            continue
        parts_html.append(f"<h3>{html.escape(title)}</h3><table><tr><th class='l'>claim</th><th class='l'>verdict</th>"
                          "<th class='l'>measured here</th><th class='l'>evidence</th></tr>")
        md += [f"### {title}", "", "| claim | verdict | measured here | evidence |", "|---|---|---|---|"]
        for r in mine:
            quote = f"“{r.claim.quote}” ({r.claim.id})"
            measured = _measured(r)
            parts_html.append(
                f"<tr id='claim-{html.escape(r.claim.id)}'><td class='l'>{html.escape(quote)}</td>"
                f"<td class='l {STYLE[r.outcome]}'>{html.escape(r.label)}</td>"
                f"<td class='l'>{_measured_html(measured)}</td>"
                f"<td class='l'>{_links(r.evidence, anchors, markdown=False)}</td></tr>")
            cell = lambda s: s.replace("|", "\\|").replace("\n", " ")  # noqa: E731
            md.append(f"| {cell(quote)} | **{r.label}** | {cell(_measured_md(measured))} | "
                      f"{_links(r.evidence, anchors, markdown=True)} |")
        parts_html.append("</table>")
        md.append("")
    return Section(anchor="claims", title="Claims check: the article, claim by claim",
                   html="".join(parts_html), markdown="\n".join(md))
