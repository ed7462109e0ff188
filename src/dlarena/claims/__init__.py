"""The claims register: every checkable statement of the article dlarena was built to test
("PyTorch vs TensorFlow: A Data Scientist's Perspective", Alexis Kestler), checked against a
run's stored rows (``data/claims.toml``: the schema and the speed claims; ``data/article_claims.toml``:
the other criteria, the summary table and the "when to use" list).

Pure functions over stored rows: nothing is re-measured. Each claim has checks; a check names its
kind, a small evaluator in ``dlarena.claims.evaluators`` (speed checks use the one verdict rule,
``dlarena.measure.verdict``, and judge a stated size against the ratio's CI too). Parts become one
verdict by one rule, ``dlarena.claimkit.model.combine`` (every part supported: supported; some:
partly supported; ...). A figure older than ``dlarena.evidence.STALE_MONTHS`` never supports a
claim. A claim no run can decide says why (``not_checkable``) and shows its nearest measured
proxy; a claim this run holds no evidence for is "not measured", with the command that would
measure it (``evidence_hint``).
"""

from __future__ import annotations

import tomllib
from importlib import resources

from dlarena.claims.evaluators import EVALUATORS
from dlarena.claimkit.model import (DECIDED, NOT_CHECKABLE, NOT_MEASURED, PARTS, OUTCOMES, Check, CheckResult, Claim,
                                  ClaimResult, Comparison, Context, Side, combine)
from dlarena.criteria.speed.claims import HIGHER_IS_BETTER, aggregate
from dlarena.measure.verdict import DEFAULT_BAND

__all__ = ["Check", "CheckResult", "Claim", "ClaimResult", "Comparison", "Side", "HIGHER_IS_BETTER", "PARTS",
           "OUTCOMES", "aggregate", "combine", "article", "as_dict", "counts", "evaluate", "evaluate_all", "evaluate_check", "load", "parse"]

FILES = ("data/claims.toml", "data/article_claims.toml")

# Settings a check may carry: the Check fields of the speed kind, and each kind's own options.
CHECK_FIELDS = {"expect", "workloads", "min_params", "max_params", "equal_within", "claimed_ratio"}
COMMON = {"what", "kind", "informative", "proxy", "metric", "a", "b", "scenario", "scenarios"}
CONDITION = {"field", "equals", "one_of", "at_least", "at_most", "startswith", "contains"}
OPTIONS = {
    "speed": set(),
    "rows": CONDITION | {"need", "expect", "holds", "fails"},
    "scaling": {"multi_host"},
    "languages": {"runtimes", "includes", "expect", "holds", "fails"},
    "figure": {"expect", "claimed_a", "claimed_b", "tolerance"},
    "trend": {"expect", "holds", "fails"},
    "inventory": {"names", "package", "domain", "if_empty", "holds", "fails"},
    "exclusive": {"holds", "fails"},
    "show": {"metrics", "combine", "extra", "frameworks", "limit"},
    "claims": {"claims"},
    "dated": {"as_of", "source", "verdict", "fact"},
    "device": {"device"},
}
REQUIRED = {"speed": {"metric", "a", "b"}, "rows": {"a", "scenario"}, "scaling": {"a", "b"},
            "languages": {"a", "runtimes"}, "figure": {"metric", "a", "b"}, "trend": {"metric", "a", "expect"},
            "inventory": {"a", "names"}, "exclusive": {"a", "b"}, "show": set(), "claims": {"claims"},
            "dated": {"as_of", "source", "verdict"}, "device": {"a"}}
CLAIM_KEYS = {"id", "part", "text", "quote", "source", "evidence_hint", "not_checkable", "note", "check"}
assert set(OPTIONS) == set(EVALUATORS) == set(REQUIRED)


# -- loading ------------------------------------------------------------------------------
def _side(raw: dict | None) -> Side | None:
    if raw is None:
        return None
    return Side(raw["framework"], tuple(raw.get("modes", ())), raw.get("precision", "fp32"))


def _check(claim_id: str, k: dict) -> Check:
    kind = k.get("kind", "speed")
    where = f"claim '{claim_id}', check '{k.get('what', '?')}'"
    if kind not in EVALUATORS:
        raise ValueError(f"{where}: unknown kind '{kind}'; valid: {', '.join(EVALUATORS)}")
    if kind == "speed" and k.get("metric") not in HIGHER_IS_BETTER:
        raise ValueError(f"claim '{claim_id}': unknown metric '{k.get('metric')}'; valid: {', '.join(HIGHER_IS_BETTER)}")
    allowed = COMMON | OPTIONS[kind] | (CHECK_FIELDS if kind == "speed" else set())
    unknown = set(k) - allowed
    present = set(k) | ({"scenario"} if "scenarios" in k else set())
    missing = ({"what"} | REQUIRED[kind]) - present
    if unknown or missing:
        raise ValueError(f"{where}: " + "; ".join(
            ([f"unknown settings {sorted(unknown)} for kind '{kind}'"] if unknown else [])
            + ([f"missing {sorted(missing)}"] if missing else [])))
    for key in ("holds", "fails", "if_empty", "verdict"):
        if key in k and k[key] not in OUTCOMES:
            raise ValueError(f"{where}: {key} = '{k[key]}' is not an outcome; valid: {', '.join(OUTCOMES)}")
    if kind == "rows" and k.get("field", "status") != "status" and not CONDITION & set(k) - {"field"}:
        raise ValueError(f"{where}: field '{k['field']}' needs a condition: {', '.join(sorted(CONDITION - {'field'}))}")
    scenarios = k.get("scenarios") or ([k["scenario"]] if "scenario" in k else [])
    fields = {key: k[key] for key in CHECK_FIELDS if key in k and kind == "speed"}
    if "workloads" in fields:
        fields["workloads"] = tuple(fields["workloads"])
    options = {key: v for key, v in k.items() if key in OPTIONS[kind]}
    return Check(what=k["what"], metric=k.get("metric", ""), a=_side(k.get("a")), b=_side(k.get("b")), kind=kind,
                 scenarios=tuple(scenarios), informative=k.get("informative", False), proxy=k.get("proxy", False),
                 options=options, **fields)


def _source(article: dict, part: str) -> str:
    if not article:
        return PARTS.get(part, part)
    return f"{article['author']}, “{article['title']}”, {PARTS.get(part, part)}"


def parse(data: dict) -> list[Claim]:
    article = data.get("article", {})
    claims, seen = [], set()
    for c in data.get("claim", []):
        checks = [_check(c.get("id", "?"), k) for k in c.get("check", [])]
        unknown = set(c) - CLAIM_KEYS
        if unknown:
            raise ValueError(f"claim '{c.get('id', '?')}': unknown keys {sorted(unknown)}")
        part = c.get("part", "speed")
        if part not in PARTS:
            raise ValueError(f"claim '{c.get('id')}': unknown part '{part}'; valid: {', '.join(PARTS)}")
        if c["id"] in seen:
            raise ValueError(f"claim '{c['id']}' appears twice")
        seen.add(c["id"])
        not_checkable = c.get("not_checkable", "")
        if not_checkable:  # nothing decides it: its checks are the nearest measured proxies
            checks = [Check(**{**k.__dict__, "proxy": True}) for k in checks]
        elif not any(k.counts for k in checks):
            raise ValueError(f"claim '{c['id']}' has no deciding check and no not_checkable reason")
        claims.append(Claim(c["id"], c.get("text") or c.get("quote", ""), c.get("source") or _source(article, part),
                            tuple(checks), c.get("evidence_hint", ""), part, c.get("quote", ""), not_checkable,
                            c.get("note", "")))
    ids = {c.id for c in claims}
    for claim in claims:
        for k in claim.checks:
            unknown = [i for i in k.options.get("claims", []) if i not in ids]
            if unknown:
                raise ValueError(f"claim '{claim.id}' refers to unknown claims {unknown}")
    _order(claims)  # refuses cycles
    return sorted(claims, key=lambda c: list(PARTS).index(c.part))


def _refs(claim: Claim) -> list[str]:
    return [i for k in claim.checks if k.kind == "claims" for i in k.options["claims"]]


def _order(claims: list[Claim]) -> list[Claim]:
    """The claims with every claim after those it refers to."""
    by_id, done, out = {c.id: c for c in claims}, set(), []

    def visit(claim: Claim, path: tuple[str, ...]) -> None:
        if claim.id in done:
            return
        if claim.id in path:
            raise ValueError(f"claims refer to each other in a cycle: {' -> '.join(path + (claim.id,))}")
        for ref in _refs(claim):
            visit(by_id[ref], path + (claim.id,))
        done.add(claim.id)
        out.append(claim)

    for claim in claims:
        visit(claim, ())
    return out


def _read(name: str) -> dict:
    return tomllib.loads(resources.files("dlarena").joinpath(name).read_text(encoding="utf-8"))


def article() -> dict:
    """The article the register checks: {"title", "author"}."""
    return _read(FILES[0]).get("article", {})


def load(path=None) -> list[Claim]:
    """The shipped register (both data files), or one file of the same schema."""
    if path:
        return parse(tomllib.loads(open(path, encoding="utf-8").read()))
    merged: dict = {"claim": []}
    for name in FILES:
        data = _read(name)
        merged["claim"] += data.get("claim", [])
        merged["article"] = merged.get("article") or data.get("article", {})
    return parse(merged)


# -- evaluation ---------------------------------------------------------------------------
def evaluate_check(check: Check, rows: list[dict] | Context, band: float = DEFAULT_BAND, today=None) -> CheckResult:
    ctx = rows if isinstance(rows, Context) else Context(rows, band, today=today)
    return EVALUATORS[check.kind](check, ctx)


def _hint(claim: Claim, ctx: Context) -> str:
    if claim.evidence_hint:
        return claim.evidence_hint
    referred = [ctx.results[i] for i in _refs(claim) if i in ctx.results]
    return "; ".join(dict.fromkeys(r.measure_with for r in referred if r.outcome == NOT_MEASURED and r.measure_with))


def _detail(claim: Claim, outcome: str, results: list[CheckResult], hint: str, ctx: Context) -> str:
    if outcome == NOT_CHECKABLE and claim.not_checkable:
        return f"not checkable here: {claim.not_checkable}"
    if not any(r.check.counts for r in results):
        return "not checkable: every check of this claim is context or a proxy; none decides it"
    if outcome == NOT_MEASURED:
        return "not measured in this run" + (f"; measure with: {hint}" if hint else "")
    parts = []
    for r in (r for r in results if r.check.counts):
        if r.check.kind == "claims":
            refs = ", ".join(f"{i}: {ctx.results[i].label}" for i in r.check.options["claims"])
            parts.append(f"{r.check.what} ({refs})")
        else:
            note = f" ({r.note})" if r.note and r.outcome in DECIDED else ""
            parts.append(f"{r.check.what}: {r.outcome}{note}")
    text = "; ".join(parts)
    if any(r.outcome == NOT_MEASURED for r in results if r.check.counts) and hint:
        text += f" (measure the rest with: {hint})"
    return text


def evaluate(claim: Claim, rows: list[dict] | Context, band: float = DEFAULT_BAND, today=None) -> ClaimResult:
    ctx = rows if isinstance(rows, Context) else Context(rows, band, today=today)
    results = [evaluate_check(check, ctx) for check in claim.checks]
    if claim.not_checkable:
        outcome, partial = NOT_CHECKABLE, False
    else:
        deciding = [r for r in results if r.check.counts]
        outcome, partial = combine([r.outcome for r in deciding])
        partial = partial or any(r.partial for r in deciding if r.outcome in DECIDED)
    hint = _hint(claim, ctx)
    result = ClaimResult(claim, outcome, results, partial, _detail(claim, outcome, results, hint, ctx), hint)
    ctx.results[claim.id] = result
    return result


def evaluate_all(rows: list[dict], claims: list[Claim] | None = None, band: float = DEFAULT_BAND, *, cells=None,
                 today=None) -> list[ClaimResult]:
    """Every claim of the register (or ``claims``), in the register's order. ``cells``: the run's
    cells (``store.cells``), whose runtime tells the device and the hosts a cell ran on; without
    them those checks read the rows alone. ``today``: the date figures are judged against."""
    claims = claims if claims is not None else load()
    ctx = Context(rows, band, today=today, cell_rows=cells)
    for claim in _order(claims):
        evaluate(claim, ctx)
    return [ctx.results[c.id] for c in claims]


def counts(results: list[ClaimResult]) -> dict[str, dict[str, int]]:
    """{part: {verdict: number of claims}} and "all"."""
    out: dict[str, dict[str, int]] = {"all": {v: 0 for v in OUTCOMES}}
    for r in results:
        out.setdefault(r.claim.part, {v: 0 for v in OUTCOMES})[r.outcome] += 1
        out["all"][r.outcome] += 1
    return out


def as_dict(result: ClaimResult) -> dict:
    c = result.claim
    return {"id": c.id, "part": c.part, "text": c.text, "quote": c.quote, "source": c.source, "verdict": result.outcome,
            "partial": result.partial, "detail": result.detail, "not_checkable": c.not_checkable or None,
            "measure_with": result.measure_with or None, "note": c.note or None, "size": _size(result),
            "checks": [{"what": r.check.what, "kind": r.check.kind, "role": r.check.role, "outcome": r.outcome,
                        "note": r.note or None, "measured": r.lines, "evidence": r.evidence,
                        **({"comparisons": [_comparison(c, r.check) for c in r.comparisons]} if r.comparisons else {})}
                       for r in result.checks]}


def _size(result: ClaimResult) -> str | None:
    """The stated numbers of a claim against the measured CIs, over its deciding speed comparisons
    (None: the claim states no number, or none was measured)."""
    sizes = [c.size for r in result.checks if r.check.counts for c in r.comparisons if c.size]
    return combine(sizes)[0] if sizes else None


def _comparison(c: Comparison, check: Check) -> dict:
    """One speed comparison: its direction and, for a claim that states a number, its size."""
    return {"workload": c.workload, "batch": c.batch, "ratio": c.ratio, "ratio_low": c.ratio_low,
            "ratio_high": c.ratio_high, "claimed_ratio": check.claimed_ratio, "direction": c.direction,
            "size": c.size, "outcome": c.outcome, "size_detail": c.size_detail or None, "detail": c.detail}
