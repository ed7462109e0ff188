"""Hand-made mutation testing of the code that decides what the user is told (issue 32).

Each mutation in ``tools/mutations.toml`` replaces one exact piece of code (``old``, found exactly
once in ``file``, or its ``occurrence``-th match) by ``new``; the tool applies it, runs the named
tests (``tests``: files or node ids) with ``PYTHONPATH`` pointing at this tree's ``src``, restores
the file byte for byte (and its modification time, so no stale bytecode survives) and prints
"caught" (the tests failed) or "survived" (they passed). The score is caught / tried.

    python tools/mutate.py                 # every mutation
    python tools/mutate.py M01 M07         # some
    python tools/mutate.py --baseline      # first check that every named test passes unmutated
    python tools/mutate.py --list          # the list, nothing run
    python tools/mutate.py --whole-files   # each mutation's whole test files (node ids and -k dropped)

Mutations marked ``equivalent = "why"`` are tried and reported, and left out of the score's
denominator only when they survive (an equivalent mutant cannot be caught by any test).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIST = Path(__file__).with_name("mutations.toml")


def load(path: Path = LIST) -> list[dict]:
    return tomllib.loads(path.read_text())["mutation"]


def run_tests(tests: list[str], timeout: float) -> tuple[int, float, str]:
    """pytest's exit status, the seconds it took and the first failing test ("" if none)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-n", "0", "-p", "no:cacheprovider", "-rf", *tests]
    start = time.monotonic()
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        rc, out = done.returncode, done.stdout
    except subprocess.TimeoutExpired:
        rc, out = -1, ""  # a mutant that hangs the tests is caught (by the timeout)
    failed = next((line.split()[1] for line in out.splitlines() if line.startswith(("FAILED ", "ERROR "))), "")
    return rc, time.monotonic() - start, failed


def whole_files(tests: list[str]) -> list[str]:
    """The test files of ``tests`` (pytest arguments): node ids cut to their file, ``-k EXPR`` dropped."""
    out, skip = [], False
    for arg in tests:
        if skip or arg == "-k":
            skip = not skip
            continue
        if not arg.startswith("-"):
            out.append(arg.split("::")[0])
    return list(dict.fromkeys(out))


def mutated(text: str, m: dict) -> str:
    old, new, nth = m["old"], m["new"], m.get("occurrence")
    count = text.count(old)
    if nth is None and count != 1:
        raise SystemExit(f"{m['id']}: 'old' occurs {count} times in {m['file']} (give 'occurrence' or more context)")
    index = -1
    for _ in range(nth or 1):
        index = text.find(old, index + 1)
        if index < 0:
            raise SystemExit(f"{m['id']}: occurrence {nth} of 'old' not found in {m['file']}")
    return text[:index] + new + text[index + len(old):]


def apply_and_test(m: dict, timeout: float) -> tuple[str, int, float, str]:
    path = ROOT / m["file"]
    original = path.read_bytes()
    stat = path.stat()
    changed = mutated(original.decode(), m)
    try:
        path.write_text(changed)
        rc, seconds, failed = run_tests(m["tests"], timeout)
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    if rc == 5:  # pytest: no tests collected -- nothing was tested, nothing caught
        return "no-tests", rc, seconds, failed
    return ("survived" if rc == 0 else "caught"), rc, seconds, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ids", nargs="*", help="mutation ids (default: all)")
    parser.add_argument("--list-file", type=Path, default=LIST)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per test run")
    parser.add_argument("--baseline", action="store_true", help="run every mutation's tests unmutated first")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--whole-files", action="store_true", help="run each mutation's whole test files")
    args = parser.parse_args(argv)
    mutations = [m for m in load(args.list_file) if not args.ids or m["id"] in args.ids]
    if args.whole_files:
        mutations = [{**m, "tests": whole_files(m["tests"])} for m in mutations]
    for m in mutations:  # every mutation applies to today's code, or nothing runs
        mutated((ROOT / m["file"]).read_text(), m)
    if args.list:
        for m in mutations:
            print(f"{m['id']}  {m['file']}: {m['old']!r} -> {m['new']!r}  [{' '.join(m['tests'])}]")
        return 0
    if args.baseline:
        for tests in dict.fromkeys(tuple(m["tests"]) for m in mutations):
            rc, seconds, _ = run_tests(list(tests), args.timeout)
            print(f"baseline {'pass' if rc == 0 else f'FAIL rc={rc}'} {seconds:5.1f}s {' '.join(tests)}", flush=True)
            if rc != 0:
                return 2
    caught = survived_equivalent = 0
    survivors, untested = [], []
    for m in mutations:
        verdict, rc, seconds, failed = apply_and_test(m, args.timeout)
        eq = m.get("equivalent")
        if verdict == "caught":
            caught += 1
        elif verdict == "no-tests":
            untested.append(m["id"])
        elif eq:
            survived_equivalent += 1
        else:
            survivors.append(m["id"])
        note = f"  (equivalent: {eq})" if eq and verdict == "survived" else ""
        by = f"  <- {failed}" if failed else ""
        print(f"{m['id']:5} {verdict:8} rc={rc:<3} {seconds:5.1f}s  {m['file']}: {m.get('what', m['new'])}{note}{by}",
              flush=True)
    scored = len(mutations) - survived_equivalent
    print(f"\nmutation score: {caught}/{scored} caught ({100 * caught / max(scored, 1):.0f}%), "
          f"{len(mutations)} tried, {survived_equivalent} equivalent, survivors: {', '.join(survivors) or 'none'}"
          + (f"; no tests collected (counted as survivors): {', '.join(untested)}" if untested else ""))
    return 0 if not survivors and not untested else 1


if __name__ == "__main__":
    sys.exit(main())
