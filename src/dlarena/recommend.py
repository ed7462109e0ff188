"""The recommendation: every criterion's summary (score 0..1 per framework, one line, evidence
cell ids) from the latest results that measured it, weighted by the user's priorities, and a
plain-language "when to use which" paragraph generated from those numbers.

A criterion takes part when it is registered (``dlarena.criteria``) with ``weighed`` set: its
``scores(cells, rows, band) -> {framework: {"score", "line", "evidence", "grade", "scope"?}}``
(``band``: the run's equivalence band, see ``dlarena.measure.verdict``).
Only lines graded "measured" or "snapshot" (``dlarena.evidence``) enter the totals and the strongest
evidence; a stale or environment-dependent line is named as "not scored", never counted as 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from dlarena import criteria, evidence, frameworks
from dlarena.measure.verdict import DEFAULT_BAND, band_of

# The weighed criteria in order, and every criterion's title: from the registry.
ORDER = tuple(criteria.weighed())
TITLES = {c.name: c.title for c in criteria.registered()}
MAX_WEIGHT = 100  # a --priority weight: 0 (left out) to this
LEAD_MARGIN = 0.05  # score difference below which two frameworks are "about even" on a criterion


class PriorityError(ValueError):
    """Bad --priority input; the CLI prints it as one line."""



def _in_text(title: str) -> str:
    """A criterion's title inside a sentence: "Ease of use" -> "ease of use", "LLM generation" kept."""
    return title if title[:2].isupper() else title[:1].lower() + title[1:]

def parse_priorities(values: list[str] | None) -> dict[str, float]:
    weights = {name: 1.0 for name in ORDER}
    for value in values or []:
        for item in (v.strip() for v in value.split(",") if v.strip()):
            name, sep, number = item.partition("=")
            if not sep:
                raise PriorityError(f"priority '{item}' is not CRITERION=WEIGHT (e.g. speed=3)")
            if name not in weights:
                raise PriorityError(f"unknown criterion '{name}' in --priority; valid: {', '.join(ORDER)}")
            try:
                weights[name] = float(number)
            except ValueError:
                weights[name] = math.nan
            if not 0 <= weights[name] <= MAX_WEIGHT:  # NaN included
                raise PriorityError(f"weight of '{name}' must be a number from 0 to {MAX_WEIGHT}, got '{number}'")
    return weights


def _safe(fn, cells: list[dict], rows: list[dict], name: str, errors: dict[str, str] | None, *args) -> dict:
    """A criterion whose summary raises is reported, not fatal: the report and the others go on."""
    try:
        return fn(cells, rows, *args) or {}
    except Exception as exc:
        if errors is not None:
            errors[name] = f"summary failed: {type(exc).__name__}: {exc}"
        return {}


def summarize_run(cells: list[dict], rows: list[dict], errors: dict[str, str] | None = None,
                  band: float = DEFAULT_BAND) -> dict[str, dict]:
    """criterion -> {framework: summary}; criteria without results in these rows are left out
    (and those whose summary raised, with the reason in ``errors``)."""
    out = {}
    for name in ORDER:
        result = _safe(criteria.load(name).scores, cells, rows, name, errors, band)
        if result:
            out[name] = result
    return out


def unscored_lines(cells: list[dict], rows: list[dict]) -> dict[str, dict[str, str]]:
    """criterion -> {framework: line} for frameworks a criterion measured but could not score (its
    optional ``unscored``), so the summary says what was found instead of "not measured yet"."""
    return {name: found for name in ORDER if (found := _safe(criteria.load(name).unscored, cells, rows, name, None))}


@dataclass
class Factor:
    criterion: str
    weight: float
    run_id: str | None = None
    per_framework: dict[str, dict] = field(default_factory=dict)
    status: str = "not measured yet"  # "measured" | "not measured yet" | "no summary" (not installed) | "summary failed: ..."

    @property
    def title(self) -> str:
        return TITLES.get(self.criterion, self.criterion)


@dataclass
class Recommendation:
    factors: list[Factor]
    totals: dict[str, float]
    ranking: list[str]
    paragraph: str
    weights: dict[str, float]


def latest_factors(store, weights: dict[str, float], run_id: str | None = None) -> list[Factor]:
    """For each criterion, the summary of the most recent run (or the given run) that measured it."""
    runs = [store.run(run_id)] if run_id else store.runs()
    loaded: dict[str, tuple[list, list, float]] = {}
    factors = []
    for name in ORDER:
        fn = criteria.load(name).scores
        factor = Factor(name, weights.get(name, 1.0), status="not measured yet")
        for run in runs:
            rid = run["run_id"]
            if rid not in loaded:
                loaded[rid] = (store.cells(rid), store.measurements(rid), band_of((store.run(rid) or {}).get("config")))
            errors: dict[str, str] = {}
            cells, rows, band = loaded[rid]
            result = _safe(fn, cells, rows, name, errors, band)
            if errors:
                factor.status = errors[name]
            if result:
                factor.run_id, factor.per_framework, factor.status = rid, result, "measured"
                break
        factors.append(factor)
    return factors


def headline(summary: dict) -> str:
    """The summary's short form: its "headline" if it gives one, else the first clause of its line."""
    return summary.get("headline") or summary["line"].split("; ")[0]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def scored_lines(factor: Factor) -> dict[str, dict]:
    """The factor's lines that may be scored (measured here or a fresh dated snapshot)."""
    return {fw: s for fw, s in factor.per_framework.items() if evidence.counts(s)}


def recommend(factors: list[Factor]) -> Recommendation:
    weights = {f.criterion: f.weight for f in factors}
    measured = [f for f in factors if f.status == "measured" and f.weight > 0]
    lines = {f.criterion: scored_lines(f) for f in measured}
    coverage = {fw: sum(fw in f.per_framework for f in measured)
                for fw in dict.fromkeys(fw for f in factors for fw in f.per_framework)}
    # Compare the frameworks measured on the most criteria; one measured on fewer (e.g. JAX where
    # only speed covers it) is left out rather than letting its gaps shrink everyone's totals. A
    # line that may not be scored (stale, environment-dependent) keeps its framework compared and
    # takes the criterion out of the totals for all, named.
    # Unless leaving out the criteria some framework lacks keeps more scores than leaving out the
    # frameworks (e.g. a framework without the LLM criterion, where its generation was not measured:
    # 3 x 7 scores beat 2 x 8):
    # then every framework is compared and those criteria are shown, not counted.
    most = max(coverage.values(), default=0)
    fws = [fw for fw, n in coverage.items() if n == most]
    common = [f for f in measured if all(fw in f.per_framework for fw in coverage)]
    if len(coverage) * len(common) > len(fws) * most:
        fws = list(coverage)
    left_out = [fw for fw in coverage if fw not in fws]
    # Only criteria scored for every compared framework enter the totals: a missing number is no zero.
    scored = [f for f in measured if fws and all(fw in lines[f.criterion] for fw in fws)]
    total_weight = sum(f.weight for f in scored)
    totals = {fw: (sum(f.weight * f.per_framework[fw]["score"] for f in scored) / total_weight if total_weight else 0.0)
              for fw in fws}
    ranking = sorted(fws, key=lambda fw: -totals[fw])
    paragraph = _paragraph(factors, scored, totals, ranking)
    unscored = [f for f in measured if f not in scored]
    if unscored and ranking:
        paragraph += " Not scored, shown only: " + _join([_why_unscored(f, fws) for f in unscored]) + "."
    if left_out:
        paragraph += " Left out of the totals, measured on fewer criteria: " + _join(
            [f"{frameworks.display_name(fw)} ({coverage[fw]} of {len(measured)})" for fw in left_out]) + "."
    return Recommendation(factors, totals, ranking, paragraph, weights)


def _why_unscored(factor: Factor, fws: list[str]) -> str:
    """"community (stale: TensorFlow, PyTorch)": what keeps a measured criterion out of the totals."""
    by_grade: dict[str, list[str]] = {}
    for fw in fws or list(factor.per_framework):
        summary = factor.per_framework.get(fw)
        why = "not measured" if summary is None else evidence.label(summary)
        if summary is None or not evidence.counts(summary):
            by_grade.setdefault(why, []).append(frameworks.display_name(fw))
    reasons = "; ".join(f"{why}: {', '.join(names)}" for why, names in by_grade.items())
    return f"{_in_text(factor.title)} ({reasons})" if reasons else _in_text(factor.title)


def _paragraph(factors: list[Factor], scored: list[Factor], totals: dict[str, float], ranking: list[str]) -> str:
    if len(ranking) < 2 or not scored:
        missing = [_in_text(f.title) for f in factors if f.status != "measured"]
        return ("Not enough measured results to compare frameworks yet"
                + (f" ({_join(missing)} not measured)" if missing else "") + ". Run: dlarena run --criteria "
                + ",".join(f.criterion for f in factors if f.status == "not measured yet") + ".")
    first, second = ranking[0], ranking[1]
    raised = [f"{_in_text(f.title)} ×{f.weight:g}" for f in factors if f.weight != 1]
    prio = f"With your priorities ({', '.join(raised)}, every other criterion ×1)" if raised else "With equal priorities"
    scores = [f"{frameworks.display_name(first)} scores {totals[first]:.2f}"] + [f"{frameworks.display_name(fw)} {totals[fw]:.2f}" for fw in ranking[1:]]
    text = [f"{prio}, {_join(scores)} over {len(scored)} measured criteria."]
    # On each criterion the leader is the best score, by a margin over the runner-up.
    leads: dict[str, list[tuple[Factor, str]]] = {fw: [] for fw in ranking}
    even = []
    for f in scored:
        leader, runner_up = sorted(ranking, key=lambda fw: -f.per_framework[fw]["score"])[:2]
        if f.per_framework[leader]["score"] - f.per_framework[runner_up]["score"] < LEAD_MARGIN:
            even.append(_in_text(f.title))
        else:
            leads[leader].append((f, runner_up))
    for fw in ranking:
        if leads[fw]:
            items = [f"{_in_text(f.title)} ({f.per_framework[fw]['score']:.2f} vs "
                     f"{f.per_framework[runner_up]['score']:.2f}: {headline(f.per_framework[fw])})"
                     for f, runner_up in sorted(leads[fw], key=lambda lead: -lead[0].weight)]
            text.append(f"{frameworks.display_name(fw)} leads on {_join(items)}.")
    if even:
        text.append(f"{'They are about even' if len(ranking) == 2 else 'No framework leads clearly'} on {_join(even)}.")
    for fw in ranking:
        if leads[fw]:
            top = [_in_text(f.title) for f, _ in sorted(leads[fw], key=lambda lead: -lead[0].weight)[:2]]
            text.append(f"Use {frameworks.display_name(fw)} when {_join(top)} matter{'s' if len(top) == 1 else ''} most to you.")
    margin = totals[first] - totals[second]
    if margin < LEAD_MARGIN:
        text.append(f"The overall margin ({margin:.2f}) is small: a change of priorities can reverse it.")
    missing = [_in_text(f.title) for f in factors if f.status != "measured" and f.weight > 0]
    if missing:
        text.append(f"Not measured yet, so not counted: {_join(missing)}.")
    return " ".join(text)


def what_would_change(result: Recommendation) -> str | None:
    """The margin between the two leading frameworks and the smallest change of one priority that
    reverses the lead: the whole-number weight a criterion needs (the others unchanged) for another
    framework's total to pass the leader's."""
    if len(result.ranking) < 2:
        return None
    first, second = result.ranking[:2]
    scored = [f for f in result.factors if f.status == "measured" and f.weight > 0
              and all(fw in scored_lines(f) for fw in result.ranking)]
    if not scored:
        return None
    name1 = frameworks.display_name(first)
    text = f"{name1} leads {frameworks.display_name(second)} by {result.totals[first] - result.totals[second]:.2f}"
    options = []
    for other in result.ranking[1:]:
        gap = (result.totals[first] - result.totals[other]) * sum(f.weight for f in scored)  # in weighted sums
        for f in scored:
            edge = f.per_framework[other]["score"] - f.per_framework[first]["score"]
            if edge > 0:  # raising this weight by d closes the gap by d * edge; a tie keeps the lead
                options.append((math.floor(f.weight + gap / edge + 1e-9) + 1, other, f))
    if not options:
        return f"{text}; no priorities reverse it: no framework scores higher than {name1} on any scored criterion."
    weight, other, f = min(options, key=lambda o: o[0])
    if weight > MAX_WEIGHT:
        return f"{text}; no priorities reverse it (it would take {_in_text(f.title)} ×{weight}, above the largest weight, {MAX_WEIGHT})."
    name = frameworks.display_name(other)
    scores = f"{f.per_framework[other]['score']:.2f} vs {f.per_framework[first]['score']:.2f}"
    return (f"{text}. What would change it: {_in_text(f.title)} weighted ×{weight} (--priority {f.criterion}={weight}), "
            f"where {name} scores {scores}, puts {name} ahead of {name1}.")


def strongest(result: Recommendation, n: int = 3) -> list[str]:
    """The ``n`` criteria that separate the two leading frameworks most (weighted score gap),
    each with both scores, the leader's line and its first evidence cells."""
    if len(result.ranking) < 2:
        return []
    gaps = []
    for f in result.factors:
        if f.status != "measured" or f.weight <= 0 or not all(fw in scored_lines(f) for fw in result.ranking):
            continue
        leader, runner_up = sorted(result.ranking, key=lambda fw: -f.per_framework[fw]["score"])[:2]
        gap = f.per_framework[leader]["score"] - f.per_framework[runner_up]["score"]
        if gap >= LEAD_MARGIN:
            gaps.append((gap * f.weight, f, leader, runner_up))
    out = []
    for _, f, leader, runner_up in sorted(gaps, key=lambda g: -g[0])[:n]:
        lead, other = f.per_framework[leader], f.per_framework[runner_up]
        cells = ", ".join(lead.get("evidence", [])[:2])
        scope = f"; scope: {lead['scope']}" if lead.get("scope") else ""
        out.append(f"{f.title}: {frameworks.display_name(leader)} {lead['score']:.2f} vs {frameworks.display_name(runner_up)} {other['score']:.2f} "
                   f"— {headline(lead)} [{evidence.label(lead)}{scope}]" + (f" (evidence: {cells})" if cells else ""))
    return out
