"""The mutmut 3 score of each decision module, from the results mutmut left in ``mutants/``.

    python tools/mutmut_scores.py                   # every set of MUTMUT_SETS (the make mutmut set)
    python tools/mutmut_scores.py --survivors       # and each survivor not listed as equivalent

A module's set is the mutant-name patterns of MUTMUT_SETS (whole small modules; the decision
functions of the big mixed ones). Survivors listed in ``tools/mutmut_equivalent.toml`` (name = why:
no input can tell them from the original) leave the denominator: score = killed / (mutants -
equivalent). "no tests": no fast test reached the function; counted as not killed. Exit status 0
only when every survivor is listed as equivalent.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT = Path(__file__).with_name("mutmut_equivalent.toml")
MUTANTS = ROOT / "mutants" / "src"

_E = "dlarena.runner.engine.xǁSpeedEngineǁ"
MUTMUT_SETS: dict[str, list[str]] = {
    "measure/verdict.py": ["dlarena.measure.verdict.*"],
    "measure/stats.py": ["dlarena.measure.stats.*"],
    "measure/drift.py": ["dlarena.measure.drift.*"],
    "parity/noise_floor.py": ["dlarena.parity.noise_floor.*"],
    "claims/evaluators.py (rows, claims, dated, device)": [
        f"dlarena.claims.evaluators.x_{f}__*" for f in ("rows", "claims", "dated", "device", "_device")],
    "recommend.py (priorities, latest factors, recommend, what would change, strongest)": [
        f"dlarena.recommend.x_{f}__*" for f in ("parse_priorities", "latest_factors", "recommend", "what_would_change",
                                                "strongest")],
    "runner/engine.py (scheduling, verdict-feeding)": ["dlarena.runner.engine.x_busy_note__*"] + [
        f"{_E}{f}__*" for f in ("run", "_replacement_rounds", "_next_round", "_undecided", "_estimate", "_finish",
                                "_add_between_run")],
    "store/db.py (resume, final status)": [
        f"dlarena.store.db.xǁResultStoreǁ{f}__*" for f in ("completed_cells", "cells", "finish_run", "mark_running", "run")],
    "deploy/protocol.py (request limits)": [
        f"dlarena.deploy.protocol.x_{f}__*" for f in ("conform", "_load_npy", "_load_npz", "_declared_members",
                                                      "_check_integers")],
}
KILLED_BY_TIMEOUT = {-24, 24, 36, 152, 255}


def results() -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for meta in MUTANTS.rglob("*.meta"):
        out.update(json.loads(meta.read_text())["exit_code_by_key"])
    return out


def status(code: int | None) -> str:
    if code is None:
        return "not checked"
    if code == 0:
        return "survived"
    if code == 33:
        return "no tests"
    return "timeout" if code in KILLED_BY_TIMEOUT else "killed"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--survivors", action="store_true", help="list the survivors not listed as equivalent")
    args = parser.parse_args()
    equivalent = tomllib.loads(EQUIVALENT.read_text()) if EQUIVALENT.exists() else {}
    codes = results()
    unexplained_total = 0
    print(f"{'module':<60} mutants killed survived equivalent no-tests unchecked  score")
    for module, patterns in MUTMUT_SETS.items():
        names = sorted(n for n in codes if any(fnmatch.fnmatchcase(n, p) for p in patterns))
        by = {n: status(codes[n]) for n in names}
        killed = sum(s in ("killed", "timeout") for s in by.values())
        survived = [n for n, s in by.items() if s == "survived"]
        equiv = [n for n in survived if n in equivalent]
        unexplained = [n for n, s in by.items() if s in ("survived", "no tests") and n not in equivalent]
        unexplained_total += len(unexplained)
        checked = len(names) - sum(s == "not checked" for s in by.values())
        denominator = checked - len(equiv)
        score = f"{killed / denominator:.1%}" if denominator else "-"
        print(f"{module[:60]:<60} {len(names):>7} {killed:>6} {len(survived) - len(equiv):>8} {len(equiv):>10} "
              f"{sum(s == 'no tests' for s in by.values()):>8} {len(names) - checked:>9} {score:>6}")
        if args.survivors:
            for n in unexplained:
                print(f"    {by[n]}: {n}")
    return 0 if unexplained_total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
