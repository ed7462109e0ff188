"""Report section "LLM generation", laid out like the Keras 3 benchmarks table (keras.io "Keras 3
benchmarks": model x backend, ms per step and tokens/s), with what that table lacks: a 95% CI on
every number, each framework's parity status (logits within the noise floor and greedy ids
identical for 16 steps), the parameter count, and how close each framework comes to the machine's
limits (decode against memory bandwidth, prefill against the GEMM peak: roofline.py). A framework
that was not timed is a row saying why. Reads stored rows only."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

from dlarena import frameworks, workloads
from dlarena.criteria.llm import roofline
from dlarena.criteria.llm.cells import DECODE, METRIC, PER_TOKEN, PREFILL, parse
from dlarena.criteria.llm.scores import scope, verdicts
from dlarena.document import Section, fmt, md_cell

BANDWIDTH_METRIC = "memory_bandwidth_gb_per_s"  # the peak criterion's bandwidth probe
PEAK_METRIC = "peak_gflops_per_s"  # the peak criterion's GEMM probe
TRAIN = ("train", "train_throughput_sps")  # the speed criterion's training cell of the same workload
PARITY_SCENARIO = "parity"


@dataclass
class Line:
    workload: str
    framework: str
    mode: str
    status: str = "ok"
    why: str = ""
    values: dict[str, dict] = field(default_factory=dict)  # column key -> row


def _ci(row: dict | None, digits: int = 3) -> str:
    if not row or row.get("value") is None:
        return "–"
    if row.get("ci_low") is None:
        return fmt(row["value"], digits)
    return f"{fmt(row['value'], digits)} [{fmt(row['ci_low'], digits)}–{fmt(row['ci_high'], digits)}]"


def _parity(cells: list[dict], rows: list[dict], workload: str, framework: str) -> str:
    """The framework's parity status: ok with its greedy ids' identical steps (or as the reference)."""
    cell = next((c for c in cells if c["workload"] == workload and c["framework"] == framework
                 and c["scenario"] == PARITY_SCENARIO), None)
    if cell is None:
        return "not checked"
    if cell["status"] != "ok":
        return f"{cell['status']}: {cell.get('error') or ''}".strip(": ")
    mine = {r["metric"]: r for r in rows if r.get("workload") == workload and r.get("framework") == framework
            and r.get("scenario") == PARITY_SCENARIO}
    if "parity_reference" in mine:
        return "ok (the reference)"
    greedy = mine.get("parity_greedy_identical_steps")
    return f"ok, greedy ids {greedy['value']:.0f}/{greedy['extra'].get('horizon', 16)}" if greedy else "ok"


def lines(cells: list[dict], rows: list[dict]) -> list[Line]:
    """One line per (workload, framework, mode) of this criterion's cells, its rows by column."""
    out: dict[tuple, Line] = {}
    for c in cells:
        parsed = parse(c.get("scenario"))
        if not parsed:
            continue
        line = out.setdefault((c["workload"], c["framework"], c["mode"]), Line(c["workload"], c["framework"], c["mode"]))
        if c["status"] != "ok" and line.status == "ok":
            line.status, line.why = c["status"], c.get("error") or ""
    for r in rows:
        parsed = parse(r.get("scenario"))
        line = out.get((r.get("workload"), r.get("framework"), r.get("mode")))
        if not parsed or line is None:
            continue
        kind, prompt = parsed
        if r["metric"] in (METRIC[kind], PER_TOKEN[kind], "llm_bytes_per_token", "llm_flops_per_token"):
            line.values[f"{r['metric']}@{prompt}"] = r
        elif r["metric"] in ("llm_parameter_count", "peak_rss_mb"):
            known = line.values.get(r["metric"])
            if known is None or (r.get("value") or 0) > (known.get("value") or 0):
                line.values[r["metric"]] = r
    return sorted(out.values(), key=lambda l: (l.workload, list(frameworks.FRAMEWORKS).index(l.framework)
                                                if l.framework in frameworks.FRAMEWORKS else 99, l.mode))


def cache_bytes(rows: list[dict]) -> int | None:
    """The CPU's last-level cache size the bandwidth probe recorded, if any."""
    return next(((r.get("extra") or {}).get("last_level_cache_bytes") for r in rows
                 if r.get("metric") == BANDWIDTH_METRIC and (r.get("extra") or {}).get("last_level_cache_bytes")), None)


def machine(rows: list[dict]) -> tuple[float | None, float | None]:
    """The run's measured memory bandwidth (GB/s) and best fp32 GEMM peak (GFLOP/s), if measured."""
    bw = [r["value"] for r in rows if r.get("metric") == BANDWIDTH_METRIC and r.get("value")]
    peak = [r["value"] for r in rows if r.get("metric") == PEAK_METRIC and r.get("value")
            and (r.get("extra") or {}).get("precision", "fp32") == "fp32"]
    return (max(bw) if bw else None), (max(peak) if peak else None)


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def table(cells: list[dict], rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    """Column titles and one row of text per line (the not-timed ones say why)."""
    found = lines(cells, rows)
    prompts = sorted({p for c in cells if (parsed := parse(c.get("scenario"))) and parsed[0] == PREFILL
                      for p in [parsed[1]]})
    decode_at = sorted({parsed[1] for c in cells if (parsed := parse(c.get("scenario"))) and parsed[0] == DECODE})
    bandwidth, peak = machine(rows)
    cache = cache_bytes(rows)
    titles = ["model", "framework", "mode", "parameters", "parity"]
    for p in prompts:
        titles += [f"TTFT ms (prompt {p})", f"prefill tokens/s (prompt {p})"]
    titles += [f"TPOT ms (prompt {p})" for p in decode_at] + [f"decode tokens/s (prompt {p})" for p in decode_at]
    titles += ["decode / bandwidth roof", "prefill MFU", "peak RSS MB", "status"]
    out = []
    for line in found:
        v = line.values
        params = v.get("llm_parameter_count", {}).get("value")
        row = [line.workload, workloads.column_label(line.workload, line.framework), line.mode,
               f"{params / 1e6:.3g}M" if params else "–", _parity(cells, rows, line.workload, line.framework)]
        for p in prompts:
            row += [_ci(v.get(f"{PER_TOKEN[PREFILL]}@{p}")), _ci(v.get(f"{METRIC[PREFILL]}@{p}"))]
        row += [_ci(v.get(f"{PER_TOKEN[DECODE]}@{p}")) for p in decode_at]
        row += [_ci(v.get(f"{METRIC[DECODE]}@{p}")) for p in decode_at]
        decode = next((v[f"{METRIC[DECODE]}@{p}"] for p in decode_at if f"{METRIC[DECODE]}@{p}" in v), None)
        per_token = next((v[f"llm_bytes_per_token@{p}"] for p in decode_at if f"llm_bytes_per_token@{p}" in v), None)
        roof = roofline.decode_roof_tokens_per_s(bandwidth, per_token and per_token["value"])
        share = _pct(roofline.fraction(decode and decode["value"], roof))
        if share != "–" and cache and per_token and per_token["value"] <= cache:
            share += f" (the {per_token['value'] / 2**20:.3g} MB read per token fit in the {cache / 2**20:.3g} MB cache)"
        row.append(share)
        first = prompts[-1] if prompts else None
        prefill, flops = v.get(f"{METRIC[PREFILL]}@{first}"), v.get(f"llm_flops_per_token@{first}")
        achieved = prefill["value"] * flops["value"] / 1e9 if prefill and flops else None
        row.append(_pct(roofline.fraction(achieved, peak)))
        row.append(fmt(v.get("peak_rss_mb", {}).get("value"), 4))
        row.append("ok" if line.status == "ok" else f"not timed ({line.status}): {line.why}")
        out.append(row)
    return titles, out


def _tokens(row: dict) -> str:
    """`` × 64 tokens = 1,234 tokens/s`` for a training row of a token workload."""
    try:
        seq = workloads.get(row["workload"]).input_shape[0]
    except (KeyError, ValueError, TypeError, IndexError):
        return ""
    return f" × {seq} tokens = {fmt(row['value'] * seq)} tokens/s"


def build_section(cells: list[dict], rows: list[dict], band: float | None = None) -> Section | None:
    titles, body = table(cells, rows)
    if not body:
        return None
    bandwidth, peak = machine(rows)
    limits = (f"Machine: memory bandwidth {fmt(bandwidth)} GB/s (copy probe), " if bandwidth else
              "Memory bandwidth not measured in this run (add --criteria peak): no decode roofline; ")
    limits += f"fp32 GEMM peak {fmt(peak)} GFLOP/s." if peak else "GEMM peak not measured: no prefill MFU."
    intro = (f"Scope: {scope(cells, rows)}. Batch 1, greedy, random weights (nothing downloaded). Median "
             "[95% CI] over interleaved windows. TTFT: a 1-token generate after the prompt (prefill tokens/s = "
             "prompt / TTFT); TPOT: (generate of 1 + N tokens − generate of 1) / N. Each zoo's generate as its users "
             "call it: keras-hub pads the prompt to prompt + N and prefills that whole length, so its TPOT also "
             "carries the N padded positions' prefill; HF transformers prefills the prompt only. " + limits +
             " Decode roof = bandwidth / bytes read per token (every weight once + the KV cache); "
             "prefill MFU = prompt tokens/s × FLOPs per token / GEMM peak (largest prompt).")
    train = [r for r in rows if (r.get("scenario"), r.get("metric")) == TRAIN and r.get("workload") in
             {row[0] for row in body} and r.get("value")]
    notes = [f"Training step of {r['workload']} ({workloads.column_label(r['workload'], r['framework'])} {r['mode']}, the speed "
             f"criterion's train cell): {fmt(r['value'])} samples/s" + _tokens(r) for r in train]
    found = [v for _, _, v in verdicts(rows, band)]
    head = "".join(f"<th class='l'>{html.escape(t)}</th>" for t in titles)
    cells_html = "".join("<tr>" + "".join(f"<td class='l'>{html.escape(str(x))}</td>" for x in row) + "</tr>" for row in body)
    listed = "".join(f"<li>{html.escape(v.text)}</li>" for v in found + [])
    notes_html = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    md_table = ("| " + " | ".join(md_cell(t) for t in titles) + " |\n|" + "---|" * len(titles) + "\n"
                + "\n".join("| " + " | ".join(md_cell(x) for x in row) + " |" for row in body))
    md_lists = "\n".join(f"- {md_cell(v.text)}" for v in found) + ("\n" if found else "") + \
        "\n".join(f"- {md_cell(n)}" for n in notes)
    return Section(anchor="llm", title="LLM generation (zoo models, parity-checked)",
                   html=f"<p class='muted'>{html.escape(intro)}</p><table><tr>{head}</tr>{cells_html}</table>"
                        + (f"<ul>{listed}</ul>" if found else "") + (f"<ul>{notes_html}</ul>" if notes else ""),
                   markdown=f"{intro}\n\n{md_table}\n\n{md_lists}".rstrip() + "\n")


def build(store, run: dict, out_dir: Path) -> Section | None:
    from dlarena.measure.verdict import band_of

    run_id = run["run_id"]
    config = run.get("config")
    return build_section(store.cells(run_id), store.measurements(run_id), band_of(config if isinstance(config, dict) else None))
