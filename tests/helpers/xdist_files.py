"""How `make test` (pytest -n) splits the suite between its workers: whole files, so that a file's
fixtures are built once, files that share a session fixture together, the slowest first so that
no worker is left with a long file at the end. Registered by tests/conftest.py where pytest-xdist
is installed; only the order of the files depends on the weights below, never a result."""

from __future__ import annotations

from collections import OrderedDict

from xdist.scheduler import LoadScopeScheduling

# Files built on another file's session fixture run in that file's worker.
SAME_WORKER_AS = {"tests/test_keras_model_random.py": "tests/test_keras_model.py"}  # keras_run (keras_runs.py)

# Seconds each file takes alone (pytest --durations=0, 2 cores, 2026-11-30); files not listed come after.
SECONDS = {
    "tests/test_keras_model.py": 78, "tests/test_distributed.py": 65, "tests/test_ray_executor.py": 36,
    "tests/test_deployment.py": 32, "tests/test_debugging.py": 32, "tests/test_workload_variants.py": 30,
    "tests/test_custom_workloads.py": 28, "tests/test_modes.py": 26, "tests/test_engine.py": 24,
    "tests/test_zoo.py": 16, "tests/test_parity.py": 15, "tests/test_ease.py": 13, "tests/test_tta.py": 12,
    "tests/test_deployment_jax.py": 10, "tests/test_hardening.py": 10, "tests/test_cli.py": 10,
    # added 2026-12-07 (estimates under load, halved): start the new multi-process files early
    "tests/test_parity_agreement.py": 35, "tests/test_criterion_plugin.py": 30, "tests/test_isolate.py": 15,
    "tests/test_serve_hardening.py": 15,
    # added for issue 29 (under load, halved): the browser starts a Chromium process
    "tests/test_report_browser.py": 20,
    "tests/test_zoo_workloads.py": 50,  # 108 s under load average ~11 (2026-12-07), halved
    "tests/test_llm.py": 50,  # 100 s under load average ~10 (2026-12-07), halved
}


def scope_of(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    return SAME_WORKER_AS.get(path, path)


class FileScheduling(LoadScopeScheduling):
    def _split_scope(self, nodeid: str) -> str:
        return scope_of(nodeid)

    def _assign_work_unit(self, node) -> None:
        # Slowest known files first; the others in xdist's order (most tests first).
        self.workqueue = OrderedDict(sorted(self.workqueue.items(), key=lambda kv: -SECONDS.get(kv[0], 0)))
        super()._assign_work_unit(node)


def pytest_xdist_make_scheduler(config, log):
    return FileScheduling(config, log)
