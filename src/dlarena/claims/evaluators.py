"""The check kinds of the claims register: each a small function ``(check, ctx) -> CheckResult``
over the rows a run stored (nothing is re-measured). A check in the data file names its kind;
its settings are in ``check.options``. See the header of ``data/claims.toml`` for the language.
The generic kinds are here; a criterion's own kinds are in its folder (``Criterion.claim_kinds``)."""

from __future__ import annotations

from typing import Callable

from dlarena import criteria
from dlarena.claimkit.kinds import decide, fmt_value, in_scenarios, not_measured, share, side_cells, who, words
from dlarena.claimkit.model import (DECIDED, INCONCLUSIVE, NOT_CHECKABLE, NOT_MEASURED, SHOWN, SUPPORTED, Check,
                                    CheckResult, Context, combine, display)
from dlarena.evidence import STALE_MONTHS, grade_of_date

MAX_LINES = 12


# -- rows: a condition on the rows one framework's cells recorded ------------------------------
def rows(check: Check, ctx: Context) -> CheckResult:
    """Every (``need = "any"``: some) cell of side a meets the condition; with side b, a's share of
    cells meeting it is higher than b's (``expect = "a_higher"``) or at least b's (``"a_at_least"``)."""
    got_a, lines, evidence = share(check, ctx, check.a)
    if not got_a:
        return not_measured(check, f"no {'/'.join(check.scenarios)} cells for {who(check.a)}")
    if check.b is None:
        holds = any(got_a) if check.options.get("need") == "any" else all(got_a)
    else:
        got_b, lines_b, evidence_b = share(check, ctx, check.b)
        if not got_b:
            return not_measured(check, f"no {'/'.join(check.scenarios)} cells for {who(check.b)}")
        share_a, share_b = sum(got_a) / len(got_a), sum(got_b) / len(got_b)
        lines = [f"{display(check.a.framework)} {sum(got_a)}/{len(got_a)} vs {display(check.b.framework)} "
                 f"{sum(got_b)}/{len(got_b)}", *lines, *lines_b]
        evidence += evidence_b
        if share_a == share_b and check.options.get("expect") != "a_at_least":
            # equal shares show no difference: they can neither support nor contradict "a higher"
            lines[0] += ": equal shares, the evidence shows no difference"
            return CheckResult(check, INCONCLUSIVE, lines=lines, evidence=evidence)
        holds = share_a >= share_b if check.options.get("expect") == "a_at_least" else share_a > share_b
    return CheckResult(check, decide(check, holds), lines=lines, evidence=evidence)


# -- show: rows displayed beside a claim (a proxy), no verdict --------------------------------
def show(check: Check, ctx: Context) -> CheckResult:
    """The rows of ``metrics`` (default: the check's metric) in the check's scenarios, for side a's
    framework or ``frameworks`` (default: all), combined per framework and metric by ``combine``:
    "each" (default), "sum", "max" or "min" (the last two per workload)."""
    metrics = check.options.get("metrics") or [check.metric]
    names = [check.a.framework] if check.a else check.options.get("frameworks")
    picked = [r for r in ctx.rows if in_scenarios(r, check.scenarios) and r["metric"] in metrics and r["status"] == "ok"
              and r["value"] is not None and (not names or r["framework"] in names)
              and (check.a is None or check.a.matches(r))]
    if not picked:
        return not_measured(check, f"no {', '.join(metrics)} rows ({'/'.join(check.scenarios) or 'any scenario'})")
    how = check.options.get("combine", "each")
    extra = check.options.get("extra", [])

    def text(r: dict) -> str:
        notes = [f"{words(k)}: {r['extra'][k]}" for k in extra if r["extra"].get(k) is not None]
        return f" ({'; '.join(notes)})" if notes else ""

    lines, evidence = [], []
    if how == "sum":
        groups: dict[tuple[str, str], list[dict]] = {}
        for r in picked:
            groups.setdefault((r["framework"], r["metric"]), []).append(r)
        for (fw, metric), rs in groups.items():
            lines.append(f"{display(fw)}: {words(metric)} {fmt_value(sum(r['value'] for r in rs))} {rs[0].get('unit') or ''} "
                         f"(sum over {len(rs)} cells)".replace("  ", " "))
            evidence += [r["cell_id"] for r in rs]
    else:
        if how in ("max", "min"):
            best: dict[tuple, dict] = {}
            for r in picked:
                key = (r["workload"], r["framework"], r["metric"])
                if key not in best or (r["value"] > best[key]["value"]) == (how == "max"):
                    best[key] = r
            picked = list(best.values())
        for r in picked:
            lines.append(f"{display(r['framework'])} {r['mode']} ({r['workload']}): {words(r['metric'])} {fmt_value(r['value'])} "
                         f"{r.get('unit') or ''}{text(r)}".replace("  ", " ").strip())
            evidence.append(r["cell_id"])
    limit = check.options.get("limit", MAX_LINES)
    if len(lines) > limit:
        lines = lines[:limit] + [f"… and {len(lines) - limit} more"]
    return CheckResult(check, SHOWN, lines=lines, evidence=list(dict.fromkeys(evidence)))


# -- claims: the verdicts of other claims of the register ------------------------------------
def claims(check: Check, ctx: Context) -> CheckResult:
    """Combines the verdicts of the claims listed in ``claims`` (the article restating itself)."""
    referred = [ctx.results[i] for i in check.options["claims"]]
    outcome, partial = combine([r.outcome for r in referred])
    lines = [f"{r.claim.id}: {r.label}" for r in referred]
    result = CheckResult(check, outcome, lines=lines, evidence=[c for r in referred for c in r.evidence])
    result.partial = partial or any(r.partial for r in referred if r.outcome in DECIDED)
    return result


# -- dated: a sourced, dated statement the register quotes (a release note, an announcement) ------
def dated(check: Check, ctx: Context) -> CheckResult:
    """A published fact with its date (``as_of``) and ``source``: ``verdict`` while the source is at
    most ``evidence.STALE_MONTHS`` old; older, "not checkable" (a stale source decides nothing
    about today). Nothing is measured: the line says so."""
    as_of, source = check.options["as_of"], check.options["source"]
    line = f"{check.options.get('fact', check.what)} (as of {as_of}; {source})"
    if grade_of_date(as_of, ctx.today) == "stale":
        return CheckResult(check, NOT_CHECKABLE, note=f"its source is older than {STALE_MONTHS} months",
                           lines=[line, f"older than {STALE_MONTHS} months: not evidence about today"])
    return CheckResult(check, check.options["verdict"], lines=[line])


# -- device: which device a framework's cells ran on ---------------------------------------------
def _device(cell: dict) -> str:
    runtime = cell.get("runtime") or {}
    if isinstance(runtime, str):
        import json

        runtime = json.loads(runtime) if runtime else {}
    return str(runtime.get("device") or (cell.get("extra") or {}).get("device") or "").lower()


def device(check: Check, ctx: Context) -> CheckResult:
    """Side a's cells (in the check's scenarios) that ran ok on ``device`` ("gpu": a CUDA/GPU device,
    read from the cells' runtime): some did, supported; cells ran ok but none there, or none carries
    its device: not measured (the claim's hint says which command runs there)."""
    wanted = check.options.get("device", "gpu")
    mine = [c for c in ctx.cells.values() if in_scenarios(c, check.scenarios) and check.a.matches(c)]
    ran = [(c, _device(c)) for c in mine if c["status"] == "ok"]
    on = [c for c, d in ran if d.startswith(("cuda", "gpu"))] if wanted == "gpu" else [c for c, d in ran if d.startswith(wanted)]
    skipped = [c for c in mine if c["status"] == "skipped" and c.get("error")]
    if on:
        shown = sorted({_device(c) for c in on})
        return CheckResult(check, SUPPORTED, lines=[f"{display(check.a.framework)}: {len(on)} cells ran on {', '.join(shown)}"],
                           evidence=[c["cell_id"] for c in on])
    devices = sorted({d for _, d in ran if d})
    why = (f"{display(check.a.framework)}'s cells ran on {', '.join(devices)}, not on a {wanted}" if devices else
           f"skipped: {skipped[0]['error'][:160]}" if skipped else
           f"no {display(check.a.framework)} cell of this run records a {wanted} device")
    return not_measured(check, why)


GENERIC: dict[str, Callable[[Check, Context], CheckResult]] = {
    "rows": rows, "show": show, "claims": claims, "dated": dated, "device": device,
}
# Every check kind: the generic ones and each registered criterion's own.
EVALUATORS: dict[str, Callable[[Check, Context], CheckResult]] = {
    **GENERIC, **{kind: fn for c in criteria.registered() for kind, fn in c.claim_kinds().items()}}
