"""The code that plans, runs, stores and reports names no framework: per-framework knowledge lives
in the registry (frameworks/__init__.py) and the modules it points to, so a fourth framework needs
no edit here (tests/test_framework_plugin.py adds one)."""

import ast
import re
from pathlib import Path

from dlarena import frameworks

SRC = Path(frameworks.__file__).parents[1]
FRAMEWORK_FREE = ["criteria", "report", "runner", "store", "claims", "recommend.py", "cli.py", "config.py", "suites.py"]
NAMES = "|".join(frameworks.names())
LITERAL = re.compile(rf"""["']({NAMES})["']""")


def test_no_framework_is_named_outside_the_registry_and_its_modules():
    offenders = []
    for entry in FRAMEWORK_FREE:
        path = SRC / entry
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
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
