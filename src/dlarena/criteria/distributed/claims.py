"""The distributed criterion's claim check kind: ``scaling``, the one comparison its report
section shows (``analysis.compare_scaling``)."""

from __future__ import annotations

from dlarena.criteria.distributed import analysis
from dlarena.claimkit.model import CONTRADICTED, INCONCLUSIVE, NOT_MEASURED, SUPPORTED, Check, CheckResult, Context, combine, display
from dlarena.claimkit.kinds import not_measured


# -- scaling: data-parallel scaling efficiency, THE comparison the distributed section shows ------
def scaling(check: Check, ctx: Context) -> CheckResult:
    """a's runtime scales more efficiently than b's, per workload and world size both measured:
    ``dlarena.criteria.distributed.analysis.compare_scaling``, the one comparison the distributed section
    shows too (its text, its number); equivalent contradicts. Each line names the scope the cells
    ran with (hosts, cores, worker counts). ``multi_host = true`` (a claim about scaling across
    machines): while every worker shared one host, "not measured here", the one-host figures shown."""
    a, b = check.a.framework, check.b.framework
    comparisons = analysis.compare_scaling(list(ctx.cells.values()), ctx.rows, a, b, band=ctx.band)
    outcomes, lines, evidence = [], [], []
    for c in comparisons:
        if c.winner == a:
            outcome = SUPPORTED
        elif c.winner == b or c.outcome == "equivalent":
            outcome = CONTRADICTED
        else:
            outcome = INCONCLUSIVE
        outcomes.append(outcome)
        evidence += c.evidence
        lines.append(f"{c.text}; global throughput: {c.throughput.text} → {outcome}")
    if not outcomes:
        return not_measured(check, f"no workload has successful multi-worker distributed cells of both "
                                    f"{display(a)} and {display(b)} at the same number of workers")
    where = comparisons[0].scope
    lines.insert(0, f"scope: {where.text}" + (f"; {where.caveat}" if where.single_host else ""))
    if check.options.get("multi_host") and where.single_host:
        why = f"not measured here: {where.text}, {where.caveat}"
        return CheckResult(check, NOT_MEASURED, note=why, lines=[why, *lines[1:]], evidence=evidence)
    return CheckResult(check, combine(outcomes)[0], lines=lines, evidence=evidence)
