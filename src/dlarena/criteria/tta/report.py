"""Report section "Time to accuracy": per framework and mode, seeds that reached the target, median
wall time and epochs to it, and the test-accuracy curves against training time."""

from __future__ import annotations

import base64
import statistics
from pathlib import Path

from dlarena import frameworks
from dlarena.criteria.tta.cells import SCENARIO_PREFIX
from dlarena.document import plots
from dlarena.document import Section


def runs(rows: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """(framework, mode) -> one dict per seed: metric name -> row."""
    cells: dict[str, dict] = {}
    for r in rows:
        if r["scenario"].startswith(SCENARIO_PREFIX):
            cells.setdefault(r["cell_id"], {"framework": r["framework"], "mode": r["mode"], "status": r["status"],
                                            "error": r["error"], "metrics": {}})["metrics"][r["metric"]] = r
    out: dict[tuple[str, str], list[dict]] = {}
    for cell in cells.values():
        out.setdefault((cell["framework"], cell["mode"]), []).append(cell)
    return out


def summary(seeds: list[dict]) -> dict:
    ok = [s for s in seeds if s["status"] == "ok"]
    reached = [s for s in ok if s["metrics"].get("reached_target", {}).get("value")]
    times = [s["metrics"]["time_to_target_s"]["value"] for s in reached]
    epochs = [s["metrics"]["epochs_to_target"]["value"] for s in reached]
    return {"seeds": len(seeds), "reached": len(reached), "failed": len(seeds) - len(ok),
            "median_s": statistics.median(times) if times else None, "min_s": min(times, default=None),
            "max_s": max(times, default=None), "median_epochs": statistics.median(epochs) if epochs else None}


def build(store, run: dict, out_dir: Path) -> Section | None:
    grouped = runs(store.measurements(run["run_id"]))
    if not grouped:
        return None
    target = next((s["metrics"]["reached_target"]["extra"].get("target") for seeds in grouped.values() for s in seeds
                   if "reached_target" in s["metrics"]), None)
    table = []
    for (fw, mode), seeds in grouped.items():
        s = summary(seeds)
        name = f"{frameworks.info(fw).display_name} {mode}"
        spread = "–" if s["median_s"] is None else f"{s['median_s']:.2f} ({s['min_s']:.2f}–{s['max_s']:.2f})"
        epochs = "–" if s["median_epochs"] is None else f"{s['median_epochs']:g}"
        errors = "; ".join(sorted({c["error"] for c in seeds if c["error"]}))
        table.append((name, f"{s['reached']}/{s['seeds']}", spread, epochs, errors))
    intro = (f"scikit-learn digits, MLP 64-256-256-10, same initial weights, split, data order, SGD (momentum 0.9) and "
             f"batch in both frameworks; target test accuracy {target}. Time = training steps only (first epoch "
             "includes compilation); median over seeds (min–max).")
    png = plots.tta_figure(grouped)
    (out_dir / "tta.png").write_bytes(png)
    img = f'<img alt="accuracy curves" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
    head = ("<tr><th class='l'>framework / mode</th><th>seeds reaching target</th><th>time to target (s)</th>"
            "<th>epochs to target</th><th class='l'>errors</th></tr>")
    body = "".join(f"<tr><td class='l'>{n}</td><td>{r}</td><td>{t}</td><td>{e}</td><td class='l'>{err}</td></tr>"
                   for n, r, t, e, err in table)
    md = "\n".join(f"| {n} | {r} | {t} | {e} | {err} |" for n, r, t, e, err in table)
    return Section(anchor="tta", title="Time to accuracy",
                   html=f"<p class='muted'>{intro}</p>{img}<table>{head}{body}</table>",
                   markdown=f"{intro}\n\n| framework / mode | seeds reaching target | time to target (s) | epochs to target | errors |\n"
                            f"|---|---:|---:|---:|---|\n{md}")
