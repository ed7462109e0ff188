"""The check kinds of the claims register: each a small function ``(check, ctx) -> CheckResult``
over the rows a run stored (nothing is re-measured). A check in the data file names its kind;
its settings are in ``check.options``. See the header of ``data/claims.toml`` for the language."""

from __future__ import annotations

import fnmatch
from datetime import date
from typing import Callable

from dlarena import deploy
from dlarena.claims import speed
from dlarena.claims.model import (CONTRADICTED, DECIDED, INCONCLUSIVE, NOT_CHECKABLE, NOT_MEASURED, OUTDATED, SHOWN,
                                  SUPPORTED, Check, CheckResult, Context, Outcome, Side, combine, display)
from dlarena.evidence import STALE_MONTHS, grade_of_date, parse_date

COMMUNITY, PRETRAINED, DEPLOY_RUNTIME = "community", "pretrained", "deploy_runtime"
MAX_LINES = 12


def _in(row: dict, scenarios: tuple[str, ...]) -> bool:
    return not scenarios or any(fnmatch.fnmatch(row["scenario"], p) for p in scenarios)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return str(value)


def _decide(check: Check, holds: bool) -> Outcome:
    return check.options.get("holds", SUPPORTED) if holds else check.options.get("fails", CONTRADICTED)


def _not_measured(check: Check, why: str) -> CheckResult:
    return CheckResult(check, NOT_MEASURED, note=f"not measured in this run: {why}", lines=[why])


def _who(side: Side) -> str:
    return display(side.framework) + (f" {'/'.join(side.modes)}" if side.modes else "")


# -- rows: a condition on the rows one framework's cells recorded ------------------------------
OPERATORS: dict[str, Callable] = {
    "equals": lambda v, x: v == x,
    "one_of": lambda v, x: v in x,
    "at_least": lambda v, x: v is not None and v >= x,
    "at_most": lambda v, x: v is not None and v <= x,
    "startswith": lambda v, x: isinstance(v, str) and v.startswith(x),
    "contains": lambda v, x: set(x) <= set(v or ()),
}


def _cells(check: Check, ctx: Context, side: Side) -> list[tuple[dict, dict | None]]:
    """Per cell of ``side`` in the check's scenarios: (a row of the cell, its row of the check's metric)."""
    found: dict[str, list] = {}
    for r in ctx.rows:
        if _in(r, check.scenarios) and side.matches(r):
            entry = found.setdefault(r["cell_id"], [r, None])
            if check.metric and r["metric"] == check.metric:
                entry[1] = r
    return [tuple(e) for e in found.values()]


def _test(check: Check, cell: dict, row: dict | None) -> tuple[bool | None, str]:
    """Whether one cell meets the condition (None: the cell did not record the metric), and what it shows."""
    field = check.options.get("field", "status")
    op = next((k for k in OPERATORS if k in check.options), None)
    expected = check.options[op] if op else "ok"
    if field == "status":
        value = cell["status"]
    elif cell["status"] != "ok":
        return False, f"{cell['status']}" + (f" ({cell['error'][:120]})" if cell.get("error") else "")
    else:
        source = row if check.metric else cell
        if source is None:
            return None, ""
        value = source["value"] if field == "value" else source["extra"].get(field)
    ok = OPERATORS[op or "equals"](value, expected)
    shown = value if not isinstance(value, list) else f"{len(value)} items"
    return ok, f"{field} = {_fmt(shown)}"


def _share(check: Check, ctx: Context, side: Side) -> tuple[list[bool], list[str], list[str]]:
    results, lines, evidence = [], [], []
    for cell, row in _cells(check, ctx, side):
        ok, shown = _test(check, cell, row)
        if ok is None:
            continue
        results.append(ok)
        what = f"{display(cell['framework'])} {cell['mode']} ({cell['workload']}, {cell['scenario']}"
        lines.append(f"{what}{', ' + check.metric if check.metric else ''}): {shown} → {'yes' if ok else 'no'}")
        evidence.append(cell["cell_id"])
    return results, lines, evidence


def rows(check: Check, ctx: Context) -> CheckResult:
    """Every (``need = "any"``: some) cell of side a meets the condition; with side b, a's share of
    cells meeting it is higher than b's (``expect = "a_higher"``) or at least b's (``"a_at_least"``)."""
    got_a, lines, evidence = _share(check, ctx, check.a)
    if not got_a:
        return _not_measured(check, f"no {'/'.join(check.scenarios)} cells for {_who(check.a)}")
    if check.b is None:
        holds = any(got_a) if check.options.get("need") == "any" else all(got_a)
    else:
        got_b, lines_b, evidence_b = _share(check, ctx, check.b)
        if not got_b:
            return _not_measured(check, f"no {'/'.join(check.scenarios)} cells for {_who(check.b)}")
        share_a, share_b = sum(got_a) / len(got_a), sum(got_b) / len(got_b)
        lines = [f"{display(check.a.framework)} {sum(got_a)}/{len(got_a)} vs {display(check.b.framework)} "
                 f"{sum(got_b)}/{len(got_b)}", *lines, *lines_b]
        evidence += evidence_b
        if share_a == share_b and check.options.get("expect") != "a_at_least":
            # equal shares show no difference: they can neither support nor contradict "a higher"
            lines[0] += ": equal shares, the evidence shows no difference"
            return CheckResult(check, INCONCLUSIVE, lines=lines, evidence=evidence)
        holds = share_a >= share_b if check.options.get("expect") == "a_at_least" else share_a > share_b
    return CheckResult(check, _decide(check, holds), lines=lines, evidence=evidence)


# -- scaling: data-parallel scaling efficiency, THE comparison the distributed section shows ------
def scaling(check: Check, ctx: Context) -> CheckResult:
    """a's runtime scales more efficiently than b's, per workload and world size both measured:
    ``dlarena.criteria.distributed.analysis.compare_scaling``, the one comparison the distributed section
    shows too (its text, its number); equivalent contradicts. Each line names the scope the cells
    ran with (hosts, cores, worker counts). ``multi_host = true`` (a claim about scaling across
    machines): while every worker shared one host, "not measured here", the one-host figures shown."""
    from dlarena.criteria.distributed import analysis

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
        return _not_measured(check, f"no workload has successful multi-worker distributed cells of both "
                                    f"{display(a)} and {display(b)} at the same number of workers")
    where = comparisons[0].scope
    lines.insert(0, f"scope: {where.text}" + (f"; {where.caveat}" if where.single_host else ""))
    if check.options.get("multi_host") and where.single_host:
        why = f"not measured here: {where.text}, {where.caveat}"
        return CheckResult(check, NOT_MEASURED, note=why, lines=[why, *lines[1:]], evidence=evidence)
    return CheckResult(check, combine(outcomes)[0], lines=lines, evidence=evidence)


# -- languages: which languages can run the artifacts each framework exported -------------------
def _languages(check: Check, ctx: Context, side: Side) -> tuple[set[str] | None, list[str], list[str]]:
    table = check.options["runtimes"]
    langs: set[str] = set()
    runtimes, evidence, seen = [], [], False
    for cell, _ in _cells(check, ctx, side):
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
        return _not_measured(check, f"no deployment runtime cells for {display(check.a.framework)}")
    holds = set(check.options.get("includes", ())) <= langs_a
    if check.b is not None:
        langs_b, lines_b, evidence_b = _languages(check, ctx, check.b)
        if langs_b is None:
            return _not_measured(check, f"no deployment runtime cells for {display(check.b.framework)}")
        lines, evidence = lines + lines_b, evidence + evidence_b
        holds = holds and langs_a > langs_b
        if langs_a - langs_b:
            lines.append(f"only {display(check.a.framework)}: {', '.join(sorted(langs_a - langs_b))}")
        if langs_b - langs_a:
            lines.append(f"only {display(check.b.framework)}: {', '.join(sorted(langs_b - langs_a))}")
    return CheckResult(check, _decide(check, holds), lines=lines, evidence=evidence)


# -- community figures: dated, sourced, bounds ("below" / "above"), judged for freshness ----------
def _figures(ctx: Context, metric: str, framework: str) -> list[dict]:
    found = [r for r in ctx.rows if r["scenario"] == COMMUNITY and r["metric"] == metric and r["framework"] == framework
             and r["status"] == "ok" and r["value"] is not None]
    return sorted(found, key=lambda r: (parse_date(r["extra"].get("as_of")) or date.min, str(r["extra"].get("as_of"))))


def _series(r: dict) -> str:
    """One source and method: a figure's ``series``, else its source (figures of different series
    are never compared over time, nor against each other as "now")."""
    return str(r["extra"].get("series") or r["extra"].get("source") or "?")


def _article(r: dict) -> bool:
    return r["extra"].get("role") == "article"


def _qualifier(r: dict) -> str | None:
    return r["extra"].get("qualifier")


def _order(x: dict, y: dict) -> str | None:
    """">", "<" or "=" between two figures, None when a bound ("below": under its value, "above":
    over it) leaves it open."""
    qx, qy = _qualifier(x), _qualifier(y)
    if not qx and not qy:
        return ">" if x["value"] > y["value"] else "<" if x["value"] < y["value"] else "="
    # intervals: (low, high), open at a bound
    lo_x, hi_x = (float("-inf"), x["value"]) if qx == "below" else (x["value"], float("inf")) if qx == "above" \
        else (x["value"], x["value"])
    lo_y, hi_y = (float("-inf"), y["value"]) if qy == "below" else (y["value"], float("inf")) if qy == "above" \
        else (y["value"], y["value"])
    if lo_x >= hi_y:
        return ">"
    if hi_x <= lo_y:
        return "<"
    return None


def _value(r: dict) -> str:
    mark = {"below": "< ", "above": "> "}.get(_qualifier(r) or "", "")
    return f"{display(r['framework'])} {mark}{_fmt(r['value'])}"


def _dated(*figures: dict) -> str:
    """"TensorFlow 170,000 vs PyTorch 61,000 (as of 2022; source)", each source said once."""
    def source(r: dict) -> str:
        text = str(r["extra"].get("source", "no source"))
        return text if len(text) <= 100 else text[:99] + "…"
    notes = dict.fromkeys(f"as of {r['extra'].get('as_of') or '?'}; {source(r)}" for r in figures)
    return " vs ".join(_value(r) for r in figures) + "".join(f" ({n})" for n in notes)


def _close(r: dict, claimed: float, tolerance: float) -> bool:
    if _qualifier(r) == "below":
        return claimed <= r["value"] * (1 + tolerance)
    if _qualifier(r) == "above":
        return claimed >= r["value"] * (1 - tolerance)
    return abs(r["value"] / claimed - 1) <= tolerance


def _when(r: dict) -> date:
    return parse_date(r["extra"].get("as_of")) or date.min


def stale(ctx: Context, *figures: dict) -> bool:
    """Whether the oldest of ``figures`` is older than ``evidence.STALE_MONTHS`` (or undated):
    ``evidence.grade_of_date``, the one rule."""
    return any(grade_of_date(r["extra"].get("as_of"), ctx.today) == "stale" for r in figures)


STALE_NOTE = (f"the newest figures are older than {STALE_MONTHS} months: true of the time the article describes, "
              "not evidence about today (dlarena community --refresh, or newer published figures, would check it)")


def _pair(fa: list[dict], fb: list[dict]) -> tuple[dict, dict] | None:
    """The newest pair of figures of one series (one source and method), preferring figures of
    today's sources to the article's own; None when no series holds both sides."""
    for current in (True, False):
        pairs = [(a, b) for a in fa for b in fb if _series(a) == _series(b)
                 and (not current or not (_article(a) or _article(b)))]
        if pairs:
            return max(pairs, key=lambda p: (min(_when(p[0]), _when(p[1])), _when(p[0]), _when(p[1])))
    return None


def figure(check: Check, ctx: Context) -> CheckResult:
    """a's newest figure is higher than b's, both of one series (one source and method; today's
    sources before the article's own figures); with the article's numbers (``claimed_a``,
    ``claimed_b``), a figure more than ``tolerance`` (default 10%) away makes a claim whose direction
    still holds "outdated". A verdict resting on a figure older than ``evidence.STALE_MONTHS`` is
    never "supported": "outdated" where it holds (true of the time the article describes)."""
    fa, fb = _figures(ctx, check.metric, check.a.framework), _figures(ctx, check.metric, check.b.framework)
    if not fa or not fb:
        missing = display(check.b.framework if fa else check.a.framework)
        return _not_measured(check, f"no '{check.metric}' figure for {missing}")
    pair = _pair(fa, fb)
    if pair is None:
        return _not_measured(check, f"no '{check.metric}' figures of one source for both {display(check.a.framework)} "
                                    f"and {display(check.b.framework)}")
    a, b = pair
    lines = [f"newest of one source: {_dated(a, b)}"]
    evidence = [a["cell_id"], b["cell_id"]]
    order = _order(a, b)
    old = stale(ctx, a, b)
    if order is None:
        return CheckResult(check, INCONCLUSIVE, lines=lines + ["a bound leaves the order open"], evidence=evidence)
    if order != ">":
        return CheckResult(check, CONTRADICTED, lines=lines + ([STALE_NOTE] if old else []), evidence=evidence)
    claimed = [(r, check.options[k]) for r, k in ((a, "claimed_a"), (b, "claimed_b")) if k in check.options]
    if claimed:
        tolerance = check.options.get("tolerance", 0.10)
        lines.append("the article: " + ", ".join(f"{display(r['framework'])} {_fmt(float(c))}" for r, c in claimed))
        if not all(_close(r, c, tolerance) for r, c in claimed):
            lines.append(f"the figures have moved more than {tolerance:.0%} since; the order still holds")
            return CheckResult(check, OUTDATED, lines=lines + ([STALE_NOTE] if old else []), evidence=evidence)
    if old:
        return CheckResult(check, OUTDATED, lines=lines + [STALE_NOTE], evidence=evidence)
    return CheckResult(check, SUPPORTED, lines=lines, evidence=evidence)


def trend(check: Check, ctx: Context) -> CheckResult:
    """a's figure (with side b: the ratio a/b on dates both have) went ``expect`` "up" or "down"
    between two dates of one series (one source and method: never across sources); the series with
    the newest figure decides. A trend whose newest point is older than ``evidence.STALE_MONTHS`` is
    "outdated" where it holds (true of the time the article describes), never "supported"."""
    fa = _figures(ctx, check.metric, check.a.framework)
    by_series: dict[str, list] = {}
    if check.b is not None:
        fb = {(_series(r), r["extra"].get("as_of")): r for r in _figures(ctx, check.metric, check.b.framework)
              if not _qualifier(r)}
        for r in fa:
            other = fb.get((_series(r), r["extra"].get("as_of")))
            if not _qualifier(r) and r["extra"].get("as_of") and other is not None and other["value"]:
                by_series.setdefault(_series(r), []).append((r["extra"]["as_of"], r["value"] / other["value"], [r, other]))
        what = f"{display(check.a.framework)}/{display(check.b.framework)} ratio"
    else:
        for r in fa:
            if r["extra"].get("as_of"):
                by_series.setdefault(_series(r), []).append((r["extra"]["as_of"], r, [r]))
        what = display(check.a.framework)
    usable = {k: v for k, v in by_series.items() if len(dict.fromkeys(p[0] for p in v)) >= 2}
    if not usable:
        held = ", ".join(f"{k}: {len(dict.fromkeys(p[0] for p in v))} date(s)" for k, v in by_series.items())
        return _not_measured(check, f"{what}: '{check.metric}' at fewer than two dates of one source "
                                    f"({held or 'none held'}); a trend compares one source at two dates "
                                    "(dlarena community --refresh adds today's)")
    name, points = max(usable.items(), key=lambda kv: _when(kv[1][-1][2][0]))
    first, last = points[0], points[-1]
    if check.b is not None:
        order = ">" if last[1] > first[1] else "<" if last[1] < first[1] else "="
        lines = [f"{what} {p[1]:.2f} as of {p[0]}" for p in points]
    else:
        order = _order(last[1], first[1])
        lines = [_dated(p[1]) for p in points]
    lines.append(f"one source: {name}")
    evidence = list(dict.fromkeys(r["cell_id"] for p in points for r in p[2]))
    if order is None:
        return CheckResult(check, INCONCLUSIVE, lines=lines, evidence=evidence)
    holds = order == (">" if check.options["expect"] == "up" else "<")
    outcome = _decide(check, holds)
    if outcome == SUPPORTED and stale(ctx, *last[2]):
        return CheckResult(check, OUTDATED, lines=lines + [STALE_NOTE], evidence=evidence)
    return CheckResult(check, outcome, lines=lines, evidence=evidence)


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
        return _not_measured(check, f"no pretrained-model inventory of {display(check.a.framework)}")
    zoos = row["extra"].get("zoos", [])
    if "package" in check.options:
        zoos = [z for z in zoos if z.get("package") == check.options["package"]]
    installed = [z for z in zoos if z["status"] == "ok"]
    if not installed:
        return _not_measured(check, f"no {display(check.a.framework)} zoo installed: {_zoo_status(zoos) or 'none listed'}")
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
    return CheckResult(check, _decide(check, not missing), lines=[line], evidence=[row["cell_id"]])


def exclusive(check: Check, ctx: Context) -> CheckResult:
    """More architectures only in a's installed zoos than only in b's. Not measured while either
    side has no installed zoo listing anything (the count would measure this machine's installs)."""
    from dlarena.criteria.pretrained.cells import only_in

    found = {s.framework: _inventory(ctx, s.framework) for s in (check.a, check.b)}
    for fw, row in found.items():
        if row is None:
            return _not_measured(check, f"no pretrained-model inventory of {display(fw)}")
        if not row["value"]:
            return _not_measured(check, f"{display(fw)}'s zoos list nothing here "
                                        f"({_zoo_status(row['extra'].get('zoos', []))}); install them and rerun")
    only = only_in([r for r in ctx.rows if r["scenario"] == PRETRAINED])
    counts = {fw: len(only.get(fw, [])) for fw in found}
    lines = [f"only in {display(fw)}'s installed zoos: {n}" + (f" (e.g. {', '.join(only[fw][:6])})" if n else "")
             for fw, n in counts.items()]
    holds = counts[check.a.framework] > counts[check.b.framework]
    return CheckResult(check, _decide(check, holds), lines=lines, evidence=[r["cell_id"] for r in found.values()])


# -- show: rows displayed beside a claim (a proxy), no verdict --------------------------------
def show(check: Check, ctx: Context) -> CheckResult:
    """The rows of ``metrics`` (default: the check's metric) in the check's scenarios, for side a's
    framework or ``frameworks`` (default: all), combined per framework and metric by ``combine``:
    "each" (default), "sum", "max" or "min" (the last two per workload)."""
    metrics = check.options.get("metrics") or [check.metric]
    names = [check.a.framework] if check.a else check.options.get("frameworks")
    picked = [r for r in ctx.rows if _in(r, check.scenarios) and r["metric"] in metrics and r["status"] == "ok"
              and r["value"] is not None and (not names or r["framework"] in names)
              and (check.a is None or check.a.matches(r))]
    if not picked:
        return _not_measured(check, f"no {', '.join(metrics)} rows ({'/'.join(check.scenarios) or 'any scenario'})")
    how = check.options.get("combine", "each")
    extra = check.options.get("extra", [])

    def text(r: dict) -> str:
        notes = [f"{k}: {r['extra'][k]}" for k in extra if r["extra"].get(k) is not None]
        return f" ({'; '.join(notes)})" if notes else ""

    lines, evidence = [], []
    if how == "sum":
        groups: dict[tuple[str, str], list[dict]] = {}
        for r in picked:
            groups.setdefault((r["framework"], r["metric"]), []).append(r)
        for (fw, metric), rs in groups.items():
            lines.append(f"{display(fw)}: {metric} = {_fmt(sum(r['value'] for r in rs))} {rs[0].get('unit') or ''} "
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
            lines.append(f"{display(r['framework'])} {r['mode']} ({r['workload']}): {r['metric']} = {_fmt(r['value'])} "
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
    mine = [c for c in ctx.cells.values() if _in(c, check.scenarios) and check.a.matches(c)]
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
    return _not_measured(check, why)


EVALUATORS: dict[str, Callable[[Check, Context], CheckResult]] = {
    "speed": speed.evaluate, "rows": rows, "scaling": scaling, "languages": languages, "figure": figure,
    "trend": trend, "inventory": inventory, "exclusive": exclusive, "show": show, "claims": claims,
    "dated": dated, "device": device,
}
