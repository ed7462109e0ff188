"""The community criterion's claim check kinds: ``figure`` (a's newest figure above b's, one series)
and ``trend`` (a figure's direction over dates), both judged for freshness by the evidence rule."""

from __future__ import annotations

from datetime import date

from dlarena.evidence import STALE_MONTHS, grade_of_date, parse_date
from dlarena.claimkit.model import CONTRADICTED, INCONCLUSIVE, OUTDATED, SUPPORTED, Check, CheckResult, Context, display
from dlarena.claimkit.kinds import decide, fmt_value, not_measured

COMMUNITY = "community"


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
    return f"{display(r['framework'])} {mark}{fmt_value(r['value'])}"


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
        return not_measured(check, f"no '{check.metric}' figure for {missing}")
    pair = _pair(fa, fb)
    if pair is None:
        return not_measured(check, f"no '{check.metric}' figures of one source for both {display(check.a.framework)} "
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
        lines.append("the article: " + ", ".join(f"{display(r['framework'])} {fmt_value(float(c))}" for r, c in claimed))
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
        return not_measured(check, f"{what}: '{check.metric}' at fewer than two dates of one source "
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
    outcome = decide(check, holds)
    if outcome == SUPPORTED and stale(ctx, *last[2]):
        return CheckResult(check, OUTDATED, lines=lines + [STALE_NOTE], evidence=evidence)
    return CheckResult(check, outcome, lines=lines, evidence=evidence)
