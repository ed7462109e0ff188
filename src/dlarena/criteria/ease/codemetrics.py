"""Code metrics of a framework's implementation of a workload, computed from the source with
``ast`` and ``tokenize``: lines of code, tokens, distinct framework API symbols.

What counts:
- *lines of code*: lines holding at least one code token; blank lines, comments and docstrings
  do not count.
- *tokens*: Python tokens (names, operators, numbers, strings), excluding comments, docstrings
  and layout tokens (newlines, indentation).
- *API symbols*: distinct dotted names rooted at an import of the framework (``nn.Linear`` ->
  ``torch.nn.Linear``, ``layers.Dense`` -> ``keras.layers.Dense``), and *object API names*:
  distinct attributes used on other objects (``loss.backward``, ``tape.gradient``), excluding
  ``self``. The implementations measured use no other library's objects, so those are the
  framework's too.
- Excluded: the parity harness (``WEIGHT_MAP = ...``, ``def weight_map``) and top-level helpers
  used only by it; a user would not write them.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

HARNESS_NAMES = ("WEIGHT_MAP", "weight_map")
CODE_TOKENS = (tokenize.NAME, tokenize.NUMBER, tokenize.STRING, tokenize.OP)


@dataclass
class CodeMetrics:
    files: list[str]
    lines: int = 0
    tokens: int = 0
    api_symbols: list[str] = field(default_factory=list)
    object_api: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    @property
    def symbols(self) -> int:
        return len(self.api_symbols) + len(self.object_api)


def _defined_name(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _loaded_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def harness_nodes(tree: ast.Module) -> list[ast.stmt]:
    """The weight map and the top-level helpers referenced only from it (transitively)."""
    body = list(tree.body)
    excluded = [n for n in body if set(_defined_name(n)) & set(HARNESS_NAMES)]
    while True:
        kept = [n for n in body if n not in excluded]
        used_by_kept = set().union(*(_loaded_names(n) for n in kept)) if kept else set()
        used_by_excluded = set().union(*(_loaded_names(n) for n in excluded)) if excluded else set()
        more = [n for n in kept if isinstance(n, (ast.FunctionDef, ast.ClassDef))
                and n.name in used_by_excluded and n.name not in used_by_kept]
        if not more:
            return excluded
        excluded += more


def _docstring_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                lines.update(range(first.lineno, first.end_lineno + 1))
    return lines


def _aliases(tree: ast.Module, roots: tuple[str, ...]) -> dict[str, str]:
    """Local name -> fully qualified module path, for imports of the framework's packages."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in roots:
                    out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in roots:
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
    return out


def _chain(node: ast.AST) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def _symbols(nodes: list[ast.stmt], aliases: dict[str, str]) -> tuple[set[str], set[str]]:
    inner: set[int] = set()
    chains: list[list[str]] = []
    for stmt in nodes:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.Attribute):
                inner.add(id(node.value))
        for node in ast.walk(stmt):
            if isinstance(node, (ast.Attribute, ast.Name)) and id(node) not in inner:
                chain = _chain(node)
                if chain:
                    chains.append(chain)
    api, objects = set(), set()
    for chain in chains:
        root, rest = chain[0], chain[1:]
        if root in aliases:
            api.add(".".join([aliases[root], *rest]))
        elif rest and root != "self":
            objects.add(".".join(rest))
    return api, objects


def file_metrics(path: str | Path, roots: tuple[str, ...]) -> CodeMetrics:
    source = Path(path).read_text()
    tree = ast.parse(source)
    excluded = harness_nodes(tree)
    skip_lines = _docstring_lines(tree)
    for node in excluded:
        skip_lines.update(range(node.lineno, node.end_lineno + 1))
    lines, tokens = set(), 0
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in CODE_TOKENS and tok.start[0] not in skip_lines:
            tokens += 1
            lines.add(tok.start[0])
    kept = [n for n in tree.body if n not in excluded]
    api, objects = _symbols(kept, _aliases(tree, roots))
    return CodeMetrics([str(path)], len(lines), tokens, sorted(api), sorted(objects),
                       [name for n in excluded for name in _defined_name(n)])


def combined(paths: list[str | Path], roots: tuple[str, ...]) -> CodeMetrics:
    """Metrics of several files together: lines and tokens add up, symbols are the union."""
    parts = [file_metrics(p, roots) for p in paths]
    return CodeMetrics(
        files=[f for m in parts for f in m.files],
        lines=sum(m.lines for m in parts),
        tokens=sum(m.tokens for m in parts),
        api_symbols=sorted(set().union(*(m.api_symbols for m in parts))),
        object_api=sorted(set().union(*(m.object_api for m in parts))),
        excluded=[e for m in parts for e in m.excluded],
    )
