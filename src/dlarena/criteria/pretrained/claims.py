"""The pretrained criterion's claim check kinds: ``inventory`` (a's installed zoos offer what a
claim names) and ``exclusive`` (more architectures only in a's zoos than only in b's)."""

from __future__ import annotations

from dlarena.criteria.pretrained.cells import only_in
from dlarena.claimkit.model import NOT_MEASURED, Check, CheckResult, Context, display
from dlarena.claimkit.kinds import decide, not_measured

PRETRAINED = "pretrained"


# -- pretrained inventory --------------------------------------------------------------------
def _inventory(ctx: Context, framework: str) -> dict | None:
    return next((r for r in ctx.rows if r["scenario"] == PRETRAINED and r["metric"] == "pretrained_architectures"
                 and r["framework"] == framework and r["status"] == "ok"), None)


def _zoo_status(zoos: list[dict]) -> str:
    return "; ".join(f"{z.get('label', z['name'])}: {z['status']}" + (f" ({z['note'][:100]})" if z.get("note") else "")
                     for z in zoos)


def inventory(check: Check, ctx: Context) -> CheckResult:
    """a's installed zoos (only the zoo of ``package``, if given; only ``domain``, if given) offer
    every architecture in ``names`` (normalised: lower case, letters and digits). No installed zoo:
    not measured. A zoo installed but listing nothing: ``if_empty`` (default "not measured")."""
    from dlarena.pretrained.inventory import normalise

    row = _inventory(ctx, check.a.framework)
    if row is None:
        return not_measured(check, f"no pretrained-model inventory of {display(check.a.framework)}")
    zoos = row["extra"].get("zoos", [])
    if "package" in check.options:
        zoos = [z for z in zoos if z.get("package") == check.options["package"]]
    installed = [z for z in zoos if z["status"] == "ok"]
    if not installed:
        return not_measured(check, f"no {display(check.a.framework)} zoo installed: {_zoo_status(zoos) or 'none listed'}")
    domain = check.options.get("domain")
    have = {normalise(n) for z in installed for d, names in (z.get("domains") or {}).items()
            if domain is None or d == domain for n in names}
    labels = ", ".join(f"{z.get('label', z['name'])} {z.get('version') or ''}".strip() for z in installed)
    if not have:
        outcome = check.options.get("if_empty", NOT_MEASURED)
        what = f"{domain} architectures" if domain else "architectures"
        line = f"{display(check.a.framework)}: {labels} installed, listing no {what}"
        if outcome == NOT_MEASURED:
            return CheckResult(check, NOT_MEASURED, note=f"not measured in this run: {line}", lines=[line],
                               evidence=[row["cell_id"]])
        return CheckResult(check, outcome, lines=[line], evidence=[row["cell_id"]])
    wanted = [normalise(n) for n in check.options["names"]]
    missing = [n for n in wanted if n not in have]
    line = (f"{display(check.a.framework)} ({labels}): {len(have)} architectures; "
            + (f"missing {', '.join(missing)}" if missing else f"has {', '.join(wanted)}"))
    return CheckResult(check, decide(check, not missing), lines=[line], evidence=[row["cell_id"]])


def exclusive(check: Check, ctx: Context) -> CheckResult:
    """More architectures only in a's installed zoos than only in b's. Not measured while either
    side has no installed zoo listing anything (the count would measure this machine's installs)."""

    found = {s.framework: _inventory(ctx, s.framework) for s in (check.a, check.b)}
    for fw, row in found.items():
        if row is None:
            return not_measured(check, f"no pretrained-model inventory of {display(fw)}")
        if not row["value"]:
            return not_measured(check, f"{display(fw)}'s zoos list nothing here "
                                        f"({_zoo_status(row['extra'].get('zoos', []))}); install them and rerun")
    only = only_in([r for r in ctx.rows if r["scenario"] == PRETRAINED])
    counts = {fw: len(only.get(fw, [])) for fw in found}
    lines = [f"only in {display(fw)}'s installed zoos: {n}" + (f" (e.g. {', '.join(only[fw][:6])})" if n else "")
             for fw, n in counts.items()]
    holds = counts[check.a.framework] > counts[check.b.framework]
    return CheckResult(check, decide(check, holds), lines=lines, evidence=[r["cell_id"] for r in found.values()])
