"""Report section: pretrained models, measured. Per framework and zoo: whose native users the zoo
serves, whether it is installed and importable here (with why not), the representative
architectures built and run here (random weights, nothing downloaded) and the names it lists
(context); then the families built per framework, failed builds with their error line, and the
ecosystem figures (dated, sourced, graded; context, not scored)."""

from __future__ import annotations

from dlarena import frameworks
from dlarena.criteria.pretrained import cells as pretrained_criterion
from dlarena.document.fragments import cut, html_table, md_table, muted, para
from dlarena.store.db import ResultStore

SHOW_NAMES = 40


def _tables(rows: list[dict]) -> tuple[list[list], list[list], list[str]]:
    zoo_table, family_table, failed = [], [], []
    for r in rows:
        fw = frameworks.display_name(r["framework"])
        if r["metric"] == "pretrained_architectures":
            for z in r["extra"].get("zoos", []):
                d = z.get("domains", {})
                builds = z.get("builds") or []
                built = [b for b in builds if b["status"] == "built"]
                zoo_table.append([fw, z.get("label", z["name"]), z.get("native") or "", z["status"], z.get("version"),
                                  f"{len(built)} of {len(builds)}" if builds else "–",
                                  ", ".join(b["arch"] for b in built) or "–",
                                  *(len(d.get(k, [])) if z["status"] == "ok" else None for k in ("vision", "text", "audio")),
                                  cut(z.get("note"))])
                failed += [f"{fw}, {z.get('label', z['name'])}: {b['arch']} failed: {b['error']}"
                           for b in builds if b["status"] == "failed"]
        elif r["metric"] == pretrained_criterion.FAMILIES_METRIC:
            extra = r["extra"]
            family_table.append([fw, f"{r['value']:.0f} of {len(extra['of'])}",
                                 "; ".join(f"{f} ({', '.join(z)})" for f, z in extra["families"].items()) or "–",
                                 ", ".join(extra["missing"]) or "–"])
    return zoo_table, family_table, failed


def _ecosystem(store: ResultStore) -> tuple[list[str], list[list]]:
    from dlarena.pretrained import refresh as eco

    headers = ["library", "figure", "value", "as of", "grade", "source"]
    try:
        figures = eco.load(store.path.parent)
    except Exception:  # the section still shows what was measured
        return headers, []
    return headers, [[f["library"], f["metric"], eco.value_text(f), f.get("as_of") or "–", f["grade"],
                      f"{f.get('source', '')} {f.get('url', '')}".strip()] for f in figures]


def build(store: ResultStore, run: dict, out_dir):
    cells = [c for c in store.cells(run["run_id"]) if c["scenario"] == pretrained_criterion.SCENARIO]
    if not cells:
        return None
    from dlarena.document import Section

    rows = [r for r in store.measurements(run["run_id"]) if r["scenario"] == pretrained_criterion.SCENARIO]
    zoo_table, family_table, failed = _tables(rows)
    zoo_headers = ["framework", "zoo", "serves natively", "status", "version", "built here", "architectures built",
                   "vision names", "text names", "audio names", "note"]
    family_headers = ["framework", "families built", "family (zoos that built it)", "not built"]
    note = ("Score: the share of 8 representative families (llama, gemma, qwen, gpt2, bert, vit, resnet, whisper) "
            "that a framework's users could build and run here from some zoo available to them, each built from a "
            "config at tiny size (2 layers, hidden 32) with random weights and run forward once in that framework's "
            "worker; nothing is downloaded. Keras 3 zoos (keras.applications, keras-hub) serve Keras users on any "
            "backend and are credited to PyTorch, TensorFlow and JAX users alike; transformers 5 is PyTorch only. "
            "A zoo not installed or not importable here is reported with why; when a family it would offer was not "
            "built, the line is graded environment-dependent and not scored. Names listed are context, not scored.")
    exclusive = pretrained_criterion.only_in(rows)
    lines = [f"Names only in {frameworks.display_name(fw)}'s zoos ({len(names)}): {', '.join(names[:SHOW_NAMES])}"
             f"{' …' if len(names) > SHOW_NAMES else ''}" for fw, names in exclusive.items() if names]
    cell_failures = [f"{c['framework']}: {c['status']} {cut(c['error'])}" for c in cells if c["status"] != "ok"]
    eco_headers, eco_table = _ecosystem(store)
    eco_note = ("Ecosystem figures (context, not scored): as published, with their date and grade; "
                "`dlarena pretrained --refresh` adds Hugging Face Hub model counts per library where the Hub is reachable.")
    html = [muted(note), html_table(family_headers, family_table), html_table(zoo_headers, zoo_table),
            *(para(line) for line in failed + cell_failures + lines),
            muted(eco_note), html_table(eco_headers, eco_table)]
    md = [note, "", md_table(family_headers, family_table), "", md_table(zoo_headers, zoo_table),
          *(f"- {line}" for line in failed + cell_failures + lines), "", eco_note, "", md_table(eco_headers, eco_table)]
    return Section("pretrained", "Pretrained models", "\n".join(html), "\n".join(md))
