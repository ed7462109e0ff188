"""The code that plans, runs, stores and reports names no framework: per-framework knowledge lives
in the framework's folder (frameworks/<name>/: registry entry and plug-in modules), so a fourth
framework needs no edit here (tests/test_framework_plugin.py adds one). And the layers call down
only: the table below is the order, top to bottom."""

import ast
import re
from pathlib import Path

from dlarena import frameworks

SRC = Path(frameworks.__file__).parents[1]
# Every package below the CLI except frameworks/ (and the per-workload folders, whose model files
# are per framework by design): the shared modules of workloads/ are its top-level files.
FRAMEWORK_FREE = ["criteria", "report", "runner", "store", "claims", "recommend.py", "cli.py", "config.py", "suites.py",
                  "deploy", "measure", "distributed", "debugging", "ease", "pretrained", "process", "cell.py",
                  "community.py", "workloads/*.py"]
NAMES = "|".join(frameworks.names())
LITERAL = re.compile(rf"""["']({NAMES})["']""")


def test_no_framework_is_named_outside_the_registry_and_its_modules():
    offenders = []
    for entry in FRAMEWORK_FREE:
        path = SRC / entry
        files = sorted(SRC.glob(entry)) if "*" in entry else sorted(path.rglob("*.py")) if path.is_dir() else [path]
        assert files, entry
        for file in files:
            for number, line in enumerate(file.read_text().splitlines(), 1):
                if LITERAL.search(line):
                    offenders.append(f"{file.relative_to(SRC)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_check_would_catch_a_named_framework():
    assert LITERAL.search('if cell.framework == "torch":')
    assert LITERAL.search("EXPORTERS = {'jax': 'x'}")
    assert not LITERAL.search("import torch  # inside a worker")


def test_the_claims_check_calls_down_only():
    """The claims register reads stored rows with the criteria's own helpers; the report and the CLI
    call it, never the other way round."""
    upward = []
    for file in sorted((SRC / "claims").rglob("*.py")):
        for node in ast.walk(ast.parse(file.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            upward += [f"{file.name}: {n}" for n in names if n.startswith(("dlarena.report", "dlarena.cli", "dlarena.runner"))]
    assert upward == []


# Top to bottom; a module may import its own layer and those below. ``process`` (a function run in
# its own process with a timeout) and ``cell`` (what a cell is) sit below everything that starts or
# records a cell; ``config`` validates names against the registries below it.
LAYERS = [
    ("cli",),
    ("report", "recommend", "convert"),
    ("claims",),
    ("runner",),
    ("criteria",),
    ("suites",),
    ("config",),
    ("deploy", "distributed", "debugging", "ease", "pretrained", "workloads", "frameworks", "community"),
    ("store",),
    ("measure", "evidence", "process", "cell"),
]
RANK = {name: len(LAYERS) - i for i, names in enumerate(LAYERS) for name in names}


def _top(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "dlarena" and len(parts) > 1 else None


def upward_imports(source: str, own: str) -> list[str]:
    """Imports in ``source`` (module level or inside functions) of a layer above ``own``'s."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [f"dlarena.{a.name}" for a in node.names] if node.module == "dlarena" else [node.module]
        else:
            continue
        found += [f"{node.lineno}: {m}" for m in modules if RANK.get(_top(m) or "", 0) > RANK[own]]
    return found


def test_every_module_has_a_layer_and_imports_only_its_own_or_lower_layers():
    unplaced, upward = [], []
    for file in sorted(SRC.rglob("*.py")):
        own = file.relative_to(SRC).with_suffix("").parts[0]
        if own == "__init__":
            continue
        if own not in RANK:
            unplaced.append(own)
            continue
        upward += [f"{file.relative_to(SRC)}:{hit}" for hit in upward_imports(file.read_text(), own)]
    assert unplaced == [] and upward == []


def test_the_layer_check_would_catch_an_upward_import():
    assert upward_imports("from dlarena.report.data import _best", "criteria") == ["1: dlarena.report.data"]
    assert upward_imports("def f():\n    from dlarena import cli\n", "criteria") == ["2: dlarena.cli"]
    assert upward_imports("import dlarena.runner.isolate", "workloads") == ["1: dlarena.runner.isolate"]
    assert upward_imports("from dlarena.measure.verdict import compare\nfrom dlarena import frameworks", "criteria") == []
