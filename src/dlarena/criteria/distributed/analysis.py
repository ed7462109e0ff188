"""Scaling tables, the verdict on the claim and the per-framework summary, from stored rows.

Reads what the distributed cells stored; never re-measures. Scaling efficiency is derived here:
throughput(N) / ((N / N0) x throughput(N0)), N0 being the smallest world size that succeeded
(normally 1), with a conservative interval from the two medians' 95% CIs. Throughputs and
efficiencies are compared with the one verdict rule (``dlarena.measure.verdict``), an efficiency's
conservative interval standing in for its 95% CI. Which frameworks take part, their runtimes'
names and any published claim about them come from the frameworks' ``distributed`` plugin
modules; nothing here names a framework.

``compare_scaling(cells, rows, a, b)`` is the one framework-vs-framework scaling comparison: the
report's section and the claims check both show its number. ``scope`` / ``spans_hosts`` say what
the cells ran on (hosts, cores, workers): one host's result is about process overhead there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from dlarena import frameworks
from dlarena.measure.verdict import DEFAULT_BAND, Estimate, Verdict, compare

SCENARIO = "distributed_train"
AREA = "distributed"
INCONCLUSIVE = "inconclusive"
CAVEAT = "This verdict is about this machine only: N worker processes on loopback sharing its CPU cores."


def runtime(framework: str):
    return frameworks.plugin_module(framework, AREA)


def takes_part(framework: str) -> bool:
    return bool(frameworks.with_plugin(AREA, [framework]))


def mode_for(framework: str, workers: int) -> str:
    return f"{runtime(framework).MODE_PREFIX}-{workers}w"


def label(framework: str) -> str:
    return f"{frameworks.info(framework).display_name} {runtime(framework).ENGINE}"


@dataclass(frozen=True)
class Claim:
    framework: str  # whose runtime the claim says scales best
    text: str
    caveat: str


def claims(selected=None) -> list[Claim]:
    """The published claims the frameworks' runtimes carry (plugin attribute ``CLAIM``)."""
    out = []
    for fw in frameworks.with_plugin(AREA, selected if selected is not None else frameworks.FRAMEWORKS):
        module = runtime(fw)
        if getattr(module, "CLAIM", None):
            out.append(Claim(fw, module.CLAIM, " ".join([CAVEAT, getattr(module, "CLAIM_CAVEAT", "")]).strip()))
    return out


@dataclass
class Point:
    cell_id: str
    workload: str
    framework: str
    workers: int
    status: str
    error: str | None
    metrics: dict[str, dict] = field(default_factory=dict)  # metric name -> stored row
    runtime: dict = field(default_factory=dict)
    efficiency: float | None = None
    eff_low: float | None = None
    eff_high: float | None = None

    def value(self, name: str) -> float | None:
        return self.metrics.get(name, {}).get("value")

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.throughput is not None

    @property
    def throughput(self) -> float | None:
        return self.value("global_throughput_sps")

    def estimate(self, label: str) -> Estimate:
        return Estimate.from_row(label, self.metrics["global_throughput_sps"])

    def efficiency_estimate(self) -> Estimate:
        return Estimate(self.label, self.efficiency, self.eff_low, self.eff_high)

    @property
    def label(self) -> str:
        return label(self.framework)


def points(cells: list[dict], rows: list[dict]) -> list[Point]:
    by_cell: dict[str, dict[str, dict]] = {}
    for r in rows:
        by_cell.setdefault(r["cell_id"], {})[r["metric"]] = r
    out = []
    for c in cells:
        if c["scenario"] != SCENARIO or not takes_part(c["framework"]):
            continue
        runtime = c.get("runtime") or {}
        if isinstance(runtime, str):
            runtime = json.loads(runtime) if runtime else {}
        out.append(Point(c["cell_id"], c["workload"], c["framework"], int(c["mode"].rsplit("-", 1)[1][:-1]),
                         c["status"], c.get("error"), by_cell.get(c["cell_id"], {}), runtime))
    return out


def scaling(pts: list[Point]) -> dict[tuple[str, str], list[Point]]:
    """(workload, framework) -> points sorted by workers, efficiency filled where derivable."""
    series: dict[tuple[str, str], list[Point]] = {}
    for p in pts:
        series.setdefault((p.workload, p.framework), []).append(p)
    for ps in series.values():
        ps.sort(key=lambda p: p.workers)
        ok = [p for p in ps if p.ok]
        if not ok:
            continue
        base = ok[0]
        b = base.metrics["global_throughput_sps"]
        for p in ok:
            r = p.metrics["global_throughput_sps"]
            scale = p.workers / base.workers
            p.efficiency = r["value"] / (scale * b["value"])
            if p is base:
                p.eff_low = p.eff_high = 1.0
            elif None not in (r["ci_low"], r["ci_high"], b["ci_low"], b["ci_high"]):
                p.eff_low = r["ci_low"] / (scale * b["ci_high"])
                p.eff_high = r["ci_high"] / (scale * b["ci_low"])
    return series


LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0", ""})


def _host(addr) -> str:
    host = str(addr or "").rsplit(":", 1)[0].strip("[]")
    return "loopback" if host in LOOPBACK else host


def host_count(pts: list[Point]) -> int:
    """How many machines the workers of these cells ran on, from what the cells recorded
    (``nodes``, the workers' addresses); 1 when they recorded neither."""
    n = 1
    for p in pts:
        nodes = p.runtime.get("nodes")
        if isinstance(nodes, (int, float)):
            n = max(n, int(nodes))
        n = max(n, len({_host(a) for a in p.runtime.get("worker_addrs") or []}))
    return n


@dataclass(frozen=True)
class Scope:
    hosts: int
    cores: int | None  # the cores the workers of one host shared (threads per worker x workers on the host)
    workers: tuple[int, ...]

    @property
    def single_host(self) -> bool:
        return self.hosts <= 1

    @property
    def text(self) -> str:
        """"1 host, 2 cores, 1–2 workers"."""
        parts = [f"{self.hosts} host{'s' if self.hosts != 1 else ''}"]
        if self.cores:
            parts.append(f"{self.cores} core{'s' if self.cores != 1 else ''}" + (" per host" if self.hosts > 1 else ""))
        if self.workers:
            low, high = min(self.workers), max(self.workers)
            parts.append(f"{low}–{high} workers" if low != high else f"{low} worker{'s' if low != 1 else ''}")
        return ", ".join(parts)

    @property
    def caveat(self) -> str:
        """What a single-host result can and cannot say ("" when the workers spanned hosts)."""
        if not self.single_host:
            return ""
        return ("every worker shared this one host's cores over loopback, so this measures process and "
                "communication overhead on this host and says nothing about multi-machine scaling")


def scope(pts: list[Point]) -> Scope:
    """The hosts, cores and worker counts the distributed cells ran with (their stored runtime)."""
    hosts = host_count(pts)
    cores = set()
    for p in pts:
        threads, local = p.runtime.get("threads_per_worker"), p.runtime.get("workers_on_this_node")
        local = local if isinstance(local, (int, float)) and local > 0 else max(1, p.workers // hosts)
        if isinstance(threads, (int, float)) and threads > 0 and not p.runtime.get("oversubscribed"):
            cores.add(int(threads) * int(local))
    return Scope(hosts, max(cores) if cores else None, tuple(sorted({p.workers for p in pts})))


def spans_hosts(cells: list[dict], rows: list[dict]) -> bool:
    """True when a successful distributed cell's workers ran on more than one machine: only then
    does the run say anything about multi-machine training."""
    return not scope([p for p in points(cells, rows) if p.ok]).single_host


@dataclass
class ScalingComparison:
    """One framework-vs-framework scaling comparison at one world size: THE number the report's
    distributed section and the claims check both show (``compare_scaling``)."""

    workload: str
    workers: int
    a: Point
    b: Point
    outcome: str  # "faster" (a winner), "equivalent", or "inconclusive"
    winner: str | None  # framework with the higher scaling efficiency, None without one
    text: str  # "mlp, 2 workers: scaling efficiency 80% (PyTorch DDP) vs 50% (...): PyTorch DDP higher by 60% [..]"
    efficiency: Verdict | None  # the verdict on the efficiency ratio a / b (None: not comparable)
    throughput: Verdict  # global throughput a vs b (a different quantity, labelled as such)
    scope: Scope
    result: str = ""  # the verdict part of ``text``: "PyTorch DDP higher by 60% [..] (ratio ..)"

    @property
    def evidence(self) -> list[str]:
        return [self.a.cell_id, self.b.cell_id]


def _pair(workload: str, n: int, p: Point, q: Point, band: float, where: Scope) -> ScalingComparison:
    head = f"{workload}, {n} workers: scaling efficiency {p.efficiency:.0%} ({p.label}) vs {q.efficiency:.0%} ({q.label})"
    verdict = None
    if p.eff_low is None or q.eff_low is None:
        outcome, winner, text = INCONCLUSIVE, None, "inconclusive: efficiency intervals unavailable"
    elif p.eff_low > 1 or q.eff_low > 1:
        outcome, winner, text = INCONCLUSIVE, None, "inconclusive: superlinear, a 1-worker baseline ran below capacity"
    else:
        verdict = compare(p.efficiency_estimate(), q.efficiency_estimate(), True, band)
        outcome = verdict.outcome
        ratio = f"ratio {verdict.ratio:.2f} [{verdict.ratio_low:.2f}–{verdict.ratio_high:.2f}]"
        if verdict.outcome == "faster":
            best, other = (p, q) if verdict.winner == p.label else (q, p)
            winner = best.framework
            low, high = (verdict.ratio_low, verdict.ratio_high) if best is p else (1 / verdict.ratio_high, 1 / verdict.ratio_low)
            r = verdict.ratio if best is p else 1 / verdict.ratio
            text = (f"{best.label} higher by {(verdict.speedup_pct or 0):.0f}% [{(low - 1) * 100:.0f}–{(high - 1) * 100:.0f}%]"
                    f" (ratio {best.label} / {other.label} {r:.2f} [{low:.2f}–{high:.2f}])")
        elif verdict.outcome == "equivalent":
            winner, text = None, f"{p.label} and {q.label} equivalent, within ±{band * 100:g}% ({ratio})"
        else:
            winner, text = None, f"{p.label} vs {q.label} inconclusive ({ratio})"
    throughput = compare(p.estimate(p.label), q.estimate(q.label), True, band)
    return ScalingComparison(workload, n, p, q, outcome, winner, f"{head}: {text}", verdict, throughput, where, text)


def compare_scaling(cells: list[dict], rows: list[dict], a: str, b: str, workers=None,
                    band: float = DEFAULT_BAND) -> list[ScalingComparison]:
    """THE scaling comparison of framework ``a`` against ``b``: per workload, at each world size in
    ``workers`` (default: every size above the smallest that both measured), the ratio of their
    scaling efficiencies by the one verdict rule, with its 95% CI. The report's distributed
    section and the claims check both call this, so a comparison reads the same everywhere."""
    ok_pts = [p for p in points(cells, rows)]
    series = scaling(ok_pts)
    where = scope([p for p in ok_pts if p.ok])
    out = []
    for workload in dict.fromkeys(w for w, _ in series):
        at = {}
        for fw in (a, b):
            ok = [p for p in series.get((workload, fw), []) if p.ok]
            at[fw] = {p.workers: p for p in ok if p.workers > ok[0].workers and p.efficiency is not None}
        sizes = workers if workers is not None else sorted(set(at[a]) & set(at[b]))
        for n in sizes:
            p, q = at[a].get(n), at[b].get(n)
            if p is not None and q is not None:
                out.append(_pair(workload, n, p, q, band, where))
    return out


@dataclass
class WorkloadVerdict:
    workload: str
    workers: int
    efficiency_text: str
    efficiency_winner: str | None  # framework name, None for a tie
    throughput_text: str
    evidence: list[str]
    frameworks: list[str] = field(default_factory=list)  # those compared
    pairs: list[ScalingComparison] = field(default_factory=list)  # every pair of frameworks compared


def _largest_common(series: dict, workload: str) -> tuple[int, dict[str, Point]] | None:
    """The largest world size at which two or more frameworks succeeded, and their points there."""
    per_fw = {fw: {p.workers: p for p in ps if p.ok and p.workers > 1}
              for (w, fw), ps in series.items() if w == workload}
    counts: dict[int, int] = {}
    for by_n in per_fw.values():
        for n in by_n:
            counts[n] = counts.get(n, 0) + 1
    shared = [n for n, k in counts.items() if k >= 2]
    if not shared:
        return None
    n = max(shared)
    return n, {fw: v[n] for fw, v in per_fw.items() if n in v}


def _ratio(v: Verdict, best: Point, other: Point | None) -> str:
    """The efficiency ratio best / other and its CI; the names only where several rivals are listed."""
    names = f"{best.label} / {other.label} " if other else ""
    return f"{names}{v.ratio:.2f} [{v.ratio_low:.2f}–{v.ratio_high:.2f}]" if v.ratio is not None else f"{names}n/a"


def _efficiency(pts: list[Point], band: float) -> tuple[str, str | None]:
    superlinear = [p for p in pts if p.eff_low is not None and p.eff_low > 1.0]
    if any(p.eff_low is None for p in pts):
        return "efficiency intervals unavailable", None
    if superlinear:
        # Weak scaling cannot beat N x the baseline unless the baseline ran below capacity
        # (on a shared CPU: intra-op threads descheduled by other load); no fair comparison.
        return ("inconclusive: " + ", ".join(f"{p.label} efficiency {p.efficiency:.0%}" for p in superlinear)
                + " is superlinear, so its 1-worker baseline ran below capacity (typically its intra-op "
                  "threads losing the CPU to other load); efficiencies are not comparable here"), INCONCLUSIVE
    best = max(pts, key=lambda p: p.efficiency)
    rivals = [p for p in pts if p is not best]
    verdicts = [compare(best.efficiency_estimate(), p.efficiency_estimate(), True, band) for p in rivals]
    if any(v.winner != best.label for v in verdicts):
        outcomes = {v.outcome for v in verdicts}
        kind = ("equivalent" if outcomes == {"equivalent"} else "inconclusive" if "inconclusive" in outcomes
                else "no single best")
        within = f", within ±{band * 100:g}%" if kind == "equivalent" else ""
        return (f"{kind}: scaling efficiency " + " vs ".join(f"{p.efficiency:.0%} ({p.label})" for p in pts)
                + "; ratio " + ", ".join(_ratio(v, best, p if len(rivals) > 1 else None) for p, v in zip(rivals, verdicts))
                + within), None
    return (f"{best.label} scales {'better' if len(rivals) == 1 else 'best'}: efficiency {best.efficiency:.0%} vs "
            + ", ".join(f"{p.efficiency:.0%} ({p.label})" for p in rivals)), best.framework


def workload_verdicts(series: dict, band: float = DEFAULT_BAND) -> list[WorkloadVerdict]:
    out = []
    where = scope([p for ps in series.values() for p in ps if p.ok])
    for workload in dict.fromkeys(w for w, _ in series):
        found = _largest_common(series, workload)
        if not found:
            continue
        n, at = found
        pts = list(at.values())
        eff_text, eff_winner = _efficiency(pts, band)
        fastest = max(pts, key=lambda p: p.throughput)
        thr = "; ".join(compare(fastest.estimate(fastest.label), p.estimate(p.label), True, band).text
                        for p in pts if p is not fastest)
        smaller = [p.cell_id for fw in at for p in series[(workload, fw)] if p.ok and p.workers < n]
        pairs = []  # every pair, higher efficiency first: each reads as ``compare_scaling`` gives it
        if all(p.efficiency is not None for p in pts):
            ranked = sorted(pts, key=lambda p: -p.efficiency)
            pairs = [_pair(workload, n, p, q, band, where) for i, p in enumerate(ranked) for q in ranked[i + 1:]]
        out.append(WorkloadVerdict(workload, n, eff_text, eff_winner, f"global throughput: {thr}",
                                   [p.cell_id for p in pts] + smaller[:2 * len(pts)], list(at), pairs))
    return out


def claim_verdict(verdicts: list[WorkloadVerdict], subject: str) -> str:
    """The verdict on the claim that ``subject``'s runtime scales best, over the workloads."""
    verdicts = [v for v in verdicts if subject in v.frameworks]
    if not verdicts:
        return (f"not measured: no workload has successful multi-worker cells for {label(subject)} and another "
                "framework at the same number of workers")
    decided = [v for v in verdicts if v.efficiency_winner != INCONCLUSIVE]
    unsure = [v for v in verdicts if v.efficiency_winner == INCONCLUSIVE]
    unsure_where = ", ".join(f"{v.workload} at {v.workers} workers" for v in unsure)
    if not decided:
        return f"inconclusive on this machine: the 1-worker baselines were degraded ({unsure_where})"
    note = f"; inconclusive for {unsure_where}" if unsure else ""
    where = ", ".join(f"{v.workload} at {v.workers} workers" for v in decided)
    winners = {v.efficiency_winner for v in decided}
    if winners == {subject}:
        return f"supported on this machine: {label(subject)}'s scaling efficiency is higher ({where}){note}"
    if subject not in winners and None not in winners:
        better = " / ".join(label(w) for w in sorted(winners))
        return f"not supported on this machine: {better}'s scaling efficiency is higher ({where}){note}"
    return f"not shown on this machine: no consistent difference in scaling efficiency ({where}){note}"


def _headline(ps: list[Point]) -> Point | None:
    ok = [p for p in ps if p.ok]
    return max(ok, key=lambda p: p.workers) if ok else None


def scores(cells: list[dict], rows: list[dict]) -> dict[str, dict]:
    """framework -> {"score": 0..1, "line": one article-style sentence, "evidence": [cell ids]}.

    Score: mean over workloads of 0.5 x scaling efficiency (capped at 1) at the framework's
    largest successful world size + 0.5 x its global throughput there relative to the best
    framework at that world size (1.0 when it is the only one); relative throughput alone when
    the efficiency is unknown or superlinear (a degraded baseline). 0 when nothing succeeded.
    Every line carries ``grade`` "measured" and its ``scope`` (hosts, cores, worker counts); when
    every worker shared one host, the line says so: process overhead there, not multi-machine scaling;
    CPU workers on one host get no score (``unscored`` says why), so no lead is drawn from them.
    """
    series = scaling(points(cells, rows))
    where = scope([p for ps in series.values() for p in ps if p.ok] or [p for ps in series.values() for p in ps])
    out: dict[str, dict] = {}
    for fw in dict.fromkeys(fw for _, fw in series):
        scores, parts, evidence = [], [], []
        failed = []
        for (workload, f), ps in series.items():
            if f != fw:
                continue
            evidence += [p.cell_id for p in ps]
            head = _headline(ps)
            if head is None:
                failed.append(f"{workload}: {ps[0].error or ps[0].status}")
                continue
            rivals = [q for (w, g), qs in series.items() if w == workload for q in qs
                      if q.ok and q.workers == head.workers]
            relative = head.throughput / max(q.throughput for q in rivals)
            superlinear = head.eff_low is not None and head.eff_low > 1.0
            if head.efficiency is None or superlinear:
                scores.append(relative)
            else:
                scores.append(0.5 * min(head.efficiency, 1.0) + 0.5 * relative)
            if head.workers == ps[0].workers or head.efficiency is None:
                parts.append(f"{workload}: {head.throughput:,.0f} samples/s with {head.workers} worker(s)")
            else:
                parts.append(f"{workload}: {head.workers} workers reach {head.throughput:,.0f} samples/s, "
                             f"{head.efficiency:.0%} scaling efficiency"
                             + (" (superlinear: its 1-worker baseline ran below capacity)" if superlinear else ""))
        name = label(fw)
        graded = {"grade": "measured", "scope": where.text, "single_host": where.single_host}
        if not scores:
            out[fw] = {"score": 0.0, "scaling_score": 0.0, "line": f"{name}: no successful distributed cell ({'; '.join(failed)})",
                       "evidence": evidence, **graded}
            continue
        where_text = f"on one host ({where.text})" if where.single_host else f"on {where.text}"
        line = f"{name} {where_text}: " + "; ".join(parts)
        if failed:
            line += f" (failed: {'; '.join(failed)})"
        if where.single_host:
            line += f"; {where.caveat}"
        headline = parts[0] + (f" ({where.text}: process overhead on one host, not multi-machine scaling)"
                               if where.single_host else f" ({where.text})")
        # CPU workers sharing one host's cores measure process overhead there: shown, not scored
        # (a careful reader would not pick a framework for multi-machine training on it).
        cpu_only = all(str(q.runtime.get("device", "cpu")).lower().startswith("cpu") for qs in series.values() for q in qs)
        unscored = (where.single_host and cpu_only)
        scaling_score = round(sum(scores) / len(scores), 3)
        out[fw] = {"score": None if unscored else scaling_score, "scaling_score": scaling_score, "line": line + ".",
                   "headline": headline, "evidence": evidence, **graded}
        if unscored:
            out[fw]["unscored"] = ("CPU workers on one host: process overhead, not multi-machine scaling; "
                                   "run across hosts (--nodes, or --executor ray) or on GPUs to score it")
    return out
