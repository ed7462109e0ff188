"""The deployment criterion's claim check kind: ``languages``, the languages whose runtimes ran a
framework's exported artifacts."""

from __future__ import annotations

from dlarena import deploy
from dlarena.claimkit.model import Check, CheckResult, Context, Side, display
from dlarena.claimkit.kinds import decide, not_measured, side_cells


# -- languages: which languages can run the artifacts each framework exported -------------------
def _languages(check: Check, ctx: Context, side: Side) -> tuple[set[str] | None, list[str], list[str]]:
    table = check.options["runtimes"]
    langs: set[str] = set()
    runtimes, evidence, seen = [], [], False
    for cell, _ in side_cells(check, ctx, side):
        seen = True
        try:
            runtime = deploy.get_path(cell["framework"], cell["mode"]).runtime
        except KeyError:
            continue
        if cell["status"] == "ok":
            langs |= set(table.get(runtime, ()))
            runtimes.append(f"{cell['mode']} → {deploy.runtime_titles().get(runtime, runtime)}")
            evidence.append(cell["cell_id"])
    if not seen:
        return None, [], []
    line = (f"{display(side.framework)}: artifacts that loaded with parity ({', '.join(dict.fromkeys(runtimes)) or 'none'}) "
            f"run from {', '.join(sorted(langs)) or 'no language'}")
    return langs, [line], evidence


def languages(check: Check, ctx: Context) -> CheckResult:
    """The languages whose runtimes (``runtimes``: runtime -> languages, as documented) ran a's
    artifacts: ``includes`` them all, and/or (``expect = "a_superset"``) strictly more than b's."""
    langs_a, lines, evidence = _languages(check, ctx, check.a)
    if langs_a is None:
        return not_measured(check, f"no deployment runtime cells for {display(check.a.framework)}")
    holds = set(check.options.get("includes", ())) <= langs_a
    if check.b is not None:
        langs_b, lines_b, evidence_b = _languages(check, ctx, check.b)
        if langs_b is None:
            return not_measured(check, f"no deployment runtime cells for {display(check.b.framework)}")
        lines, evidence = lines + lines_b, evidence + evidence_b
        holds = holds and langs_a > langs_b
        if langs_a - langs_b:
            lines.append(f"only {display(check.a.framework)}: {', '.join(sorted(langs_a - langs_b))}")
        if langs_b - langs_a:
            lines.append(f"only {display(check.b.framework)}: {', '.join(sorted(langs_b - langs_a))}")
    return CheckResult(check, decide(check, holds), lines=lines, evidence=evidence)
