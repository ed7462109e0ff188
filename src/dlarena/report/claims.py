"""Report section "Claims check": each published claim, what this run measured, the verdict
(supported / contradicted / inconclusive) and links to the evidence cells."""

from __future__ import annotations

import html
from pathlib import Path

from dlarena import claims as claim_rules
from dlarena.measure.verdict import band_of, describe
from dlarena.report.render import Section

STYLE = {"supported": "ok", "contradicted": "bad", "inconclusive": "muted"}


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _side(row: dict) -> str:
    return f"{row['framework']} {row['mode']} {_num(row['value'])} [{_num(row['ci_low'])}–{_num(row['ci_high'])}]"


def _measured(check: claim_rules.CheckResult) -> list[str]:
    lines = []
    for c in sorted(check.comparisons, key=lambda c: (c.workload, c.batch)):
        claimed = f" (claimed {check.check.claimed_ratio:.2f})" if check.check.claimed_ratio else ""
        lines.append(f"{c.workload} b{c.batch}: {_side(c.a)} vs {_side(c.b)} {check.check.metric}; "
                     f"speed ratio {c.ratio:.2f}{claimed} → {c.outcome}")
    return lines or [check.note]


def _evidence(check: claim_rules.CheckResult) -> list[tuple[str, str]]:
    """(cell id, anchor of the workload section that shows it)."""
    return [(row["cell_id"], row["workload"]) for c in check.comparisons for row in (c.a, c.b)]


def build(store, run: dict, out_dir: Path) -> Section | None:
    rows = store.measurements(run["run_id"])
    if not any(r["metric"] in claim_rules.HIGHER_IS_BETTER for r in rows):
        return None  # no speed cells in this run: nothing to check
    band = band_of(run["config"])
    results = claim_rules.evaluate_all(rows, band=band)
    parts, md = [], []
    for result in results:
        claim = result.claim
        parts.append(f"<h3>“{html.escape(claim.text)}” — <span class='{STYLE[result.outcome]}'>{result.outcome}</span></h3>"
                     f"<p class='muted'>Source: {html.escape(claim.source)}"
                     + (f" Evidence is produced by: <code>{html.escape(claim.evidence_hint)}</code>" if claim.evidence_hint else "")
                     + "</p><table><tr><th class='l'>check</th><th class='l'>measured here</th><th class='l'>verdict</th>"
                       "<th class='l'>evidence</th></tr>")
        md.append(f"### “{claim.text}” — **{result.outcome}**\n\nSource: {claim.source}\n\n"
                  "| check | measured here | verdict | evidence |\n|---|---|---|---|")
        for check in result.checks:
            label = check.check.what + (" (context, not counted)" if check.check.informative else "")
            measured = _measured(check)
            links = ", ".join(f"<a href='#{html.escape(anchor)}'>{html.escape(cell)}</a>" for cell, anchor in _evidence(check))
            parts.append(f"<tr><td class='l'>{html.escape(label)}</td><td class='l'>{'<br>'.join(map(html.escape, measured))}</td>"
                         f"<td class='l {STYLE[check.outcome]}'>{check.outcome}</td><td class='l'>{links or '–'}</td></tr>")
            md.append(f"| {label} | {'<br>'.join(measured)} | {check.outcome} | "
                      f"{', '.join(cell for cell, _ in _evidence(check)) or '–'} |")
        parts.append("</table>")
        md.append("")
    rule = (f"{describe(band)} A claim that one side is faster is contradicted by the other side being faster or "
            "by the two being equivalent; a claim of equal speed is supported when they are equivalent within its "
            "stated tolerance. Each side is its framework's best mode unless a check names modes; the claims and "
            "their rules live in dlarena/data/claims.toml.")
    return Section(anchor="claims", title="Claims check",
                   html=f"<p class='muted'>{html.escape(rule)}</p>" + "".join(parts),
                   markdown=rule + "\n\n" + "\n".join(md))
