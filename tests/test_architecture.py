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
                  "deploy", "measure", "distributed", "debugging", "pretrained", "process", "cell.py",
                  "parity", "cellkit", "document", "claimkit", "workloads/*.py"]
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
# records a cell. ``config`` composes the registered criteria's options, so it sits above
# ``criteria``, which receive a narrow ``Selection`` and their own options, never the config.
# Below the criteria: what several of them share (the parity check, cell helpers, report
# building blocks, the claims register's language), then the frameworks' plug-ins (their folders' modules, loaded inside workers),
# the libraries those plug-ins share with the criteria, and at the bottom the framework registry
# (metadata only: ``frameworks/__init__.py``, each framework folder's ``__init__.py``).
LAYERS = [
    ("cli",),
    ("report", "recommend", "convert"),
    ("claims",),
    ("runner",),
    ("suites",),
    ("config",),
    ("criteria",),
    ("parity",),
    ("cellkit", "document", "claimkit"),
    ("framework_plugins",),
    ("deploy", "distributed", "debugging", "pretrained"),
    ("workloads",),
    ("frameworks",),
    ("store",),
    ("measure", "evidence", "process", "cell"),
]
RANK = {name: len(LAYERS) - i for i, names in enumerate(LAYERS) for name in names}
REGISTRY_MODULES = {"threads", "compile_cache"}  # frameworks/ modules that are registry-side


def _layer(parts: list[str]) -> str:
    """The layer of module ``dlarena.<parts>``: a framework folder's modules are its plug-ins, its
    ``__init__`` (registry entry) and the registry's own modules are the registry."""
    if parts[0] != "frameworks" or len(parts) == 1:
        return parts[0]
    if len(parts) == 2:  # dlarena.frameworks.X: a framework folder (its registry entry) or a module
        return "framework_plugins" if parts[1] == "base" else "frameworks"
    return "frameworks" if parts[2] == "__init__" or parts[1] in REGISTRY_MODULES else "framework_plugins"


def _top(module: str) -> str | None:
    parts = module.split(".")
    return _layer(parts[1:]) if parts[0] == "dlarena" and len(parts) > 1 else None


def imported_modules(source: str, packages: tuple[str, ...] = ("dlarena",)) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in ``source`` (module level or inside functions);
    ``from P import name`` counts as module ``P.name`` for P in ``packages`` (names there are modules)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, f"{node.module}.{a.name}" if node.module in packages else node.module)
                      for a in node.names]
    return found


def upward_imports(source: str, own: str) -> list[str]:
    """Imports in ``source`` of a layer above ``own``'s."""
    return [f"{line}: {m}" for line, m in dict.fromkeys(imported_modules(source))
            if RANK.get(_top(m) or "", 0) > RANK[own]]


def test_every_module_has_a_layer_and_imports_only_its_own_or_lower_layers():
    unplaced, upward = [], []
    for file in sorted(SRC.rglob("*.py")):
        parts = list(file.relative_to(SRC).with_suffix("").parts)
        if parts == ["__init__"]:
            continue
        own = _layer(parts)
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
    # the registry may not import a framework's plug-ins; a plug-in may import the registry
    assert upward_imports("import dlarena.frameworks.torch.adapter", "frameworks") == ["1: dlarena.frameworks.torch.adapter"]
    assert upward_imports("from dlarena.frameworks import FrameworkInfo", "framework_plugins") == []
    assert upward_imports("from dlarena import config", "criteria") == ["1: dlarena.config"]


CRITERIA_DIR = SRC / "criteria"


def _criterion_folders() -> list[str]:
    return sorted(p.name for p in CRITERIA_DIR.iterdir() if (p / "__init__.py").exists())


def cross_criterion_imports(source: str, own: str, folders: list[str]) -> list[str]:
    """Imports in a file of criterion ``own`` of another criterion's folder."""
    found = []
    for line, m in imported_modules(source, ("dlarena.criteria",)):
        parts = m.split(".")
        if parts[:2] == ["dlarena", "criteria"] and len(parts) > 2 and parts[2] in folders and parts[2] != own:
            found.append(f"{line}: {m}")
    return found


def test_no_criterion_imports_another_criterions_folder():
    folders = _criterion_folders()
    assert {"speed", "deployment", "ease", "community"} <= set(folders)
    crossing = [f"{file.relative_to(SRC)}:{hit}" for folder in folders
                for file in sorted((CRITERIA_DIR / folder).rglob("*.py"))
                for hit in cross_criterion_imports(file.read_text(), folder, folders)]
    assert crossing == []


def test_the_criterion_check_would_catch_a_crossing():
    folders = ["speed", "ease"]
    assert cross_criterion_imports("from dlarena.criteria.speed.views import build", "ease", folders) == \
        ["1: dlarena.criteria.speed.views"]
    assert cross_criterion_imports("from dlarena.criteria import speed", "ease", folders) == ["1: dlarena.criteria.speed"]
    assert cross_criterion_imports("from dlarena.criteria.base import Criterion", "ease", folders) == []
    assert cross_criterion_imports("from dlarena.criteria.ease import cells", "ease", folders) == []


def test_every_criterion_folder_is_registered_and_nothing_lists_criteria_by_hand():
    from dlarena import criteria

    assert set(_criterion_folders()) == set(criteria.names())
    hand_lists = []
    for file in sorted(SRC.rglob("*.py")):
        text = file.read_text()
        # a literal list of three or more built-in criterion names is a hand-kept list
        if re.search(r"""["'](speed|ease|deployment)["'],\s*["'](speed|ease|deployment|distributed)["'],\s*["']""", text):
            hand_lists.append(str(file.relative_to(SRC)))
    assert hand_lists == []


# Where a newcomer finds the tests of a source package (or criterion folder): area -> test files.
# Every test file is listed, every area has one; the check below keeps the map true. Shared test
# helpers live in tests/helpers/, not among the test files.
TESTS_OF = {
    "cli": ["test_cli", "test_usability_cli", "test_cli_cluster", "test_hardening"],
    "report": ["test_report_first_screen", "test_compare_runs", "test_drift", "test_report_charts",
               "test_report_browser"],
    "recommend": ["test_recommend", "test_recommend_grades"],
    "convert": ["test_custom_workloads"],
    "claims": ["test_claims", "test_claims_register"],
    "runner": ["test_engine", "test_suite", "test_contention", "test_ray_executor", "test_gpu_skip",
               "test_parity_agreement", "test_lanes"],
    "suites": ["test_demo"],
    "config": ["test_modes"],
    "criteria": ["test_architecture", "test_criterion_plugin"],
    "criteria/speed": ["test_speed_scores", "test_best_mode", "test_sweep_report", "test_jax_precision"],
    "criteria/ease": ["test_ease"],
    "criteria/deployment": ["test_deployment", "test_deployment_jax", "test_deployment_torch_paths", "test_serving"],
    "criteria/distributed": ["test_distributed"],
    "criteria/pretrained": ["test_pretrained", "test_pretrained_ecosystem"],
    "criteria/debugging": ["test_debugging"],
    "criteria/community": ["test_community"],
    "criteria/peak": ["test_flops_and_peak"],
    "criteria/tta": ["test_tta"],
    "criteria/zoo": ["test_zoo"],
    "criteria/llm": ["test_llm"],
    "parity": ["test_parity", "test_parity_agreement", "test_parity_randomness", "test_keras_model",
               "test_keras_model_random"],
    "cellkit": ["test_zoo"],
    "document": ["test_report_first_screen", "test_report_charts"],
    "claimkit": ["test_claims_register"],
    "framework_plugins": ["test_framework_plugin"],
    "deploy": ["test_serve_hardening", "test_json_numbers"],
    "distributed": ["test_distributed"],
    "debugging": ["test_debugging"],
    "pretrained": ["test_pretrained"],
    "workloads": ["test_workload_variants", "test_zoo_workloads"],
    "frameworks": ["test_framework_plugin"],
    "store": ["test_store"],
    "measure": ["test_stats_and_verdict"],
    "evidence": ["test_recommend_grades"],
    "process": ["test_isolate", "test_lifeline"],
    "cell": ["test_suite"],
    "tests/helpers": ["test_skip_guard", "test_xdist_files"],
}


def test_every_test_file_and_every_source_area_is_in_the_map():
    tests_dir = Path(__file__).parent
    files = {p.stem for p in tests_dir.glob("test_*.py")}
    mapped = {t for ts in TESTS_OF.values() for t in ts}
    assert sorted(mapped - files) == [] and sorted(files - mapped) == []
    areas = {name for names in LAYERS for name in names} | {f"criteria/{c}" for c in _criterion_folders()}
    assert sorted(areas - set(TESTS_OF)) == []
    # nothing but tests among the test files: shared code is in tests/helpers/
    helpers = [p.name for p in tests_dir.glob("*.py") if not p.name.startswith("test_") and p.name != "conftest.py"]
    assert helpers == []
