"""How `make test` (pytest -n) splits the suite between its workers: whole files, so that a file's
fixtures are built once, files that share a session fixture together, the slowest first so that
no worker is left with a long file at the end. Registered by tests/conftest.py where pytest-xdist
is installed; only the order of the files depends on the weights below, never a result."""

from __future__ import annotations

from collections import OrderedDict

from xdist.scheduler import LoadScopeScheduling

# Files built on another file's session fixture run in that file's worker.
SAME_WORKER_AS = {"tests/test_keras_model_random.py": "tests/test_keras_model.py"}  # keras_run (keras_runs.py)

# Seconds each file took in `make test` (2 workers, 2 cores, quiet, 2026-12-07; DLARENA_TEST_TIMES), less what
# moved behind DLARENA_FULL_TESTS since; files not listed come after.
SECONDS = {
    "tests/test_keras_model.py": 195, "tests/test_deployment.py": 114, "tests/test_distributed.py": 86,
    "tests/test_ray_executor.py": 71, "tests/test_usability_cli.py": 58, "tests/test_hardening.py": 58,
    "tests/test_engine.py": 56, "tests/test_modes.py": 55, "tests/test_parity.py": 54,
    "tests/test_workload_variants.py": 52, "tests/test_custom_workloads.py": 51, "tests/test_debugging.py": 49,
    "tests/test_zoo_workloads.py": 31, "tests/test_tta.py": 25, "tests/test_ease.py": 25,
    "tests/test_cli.py": 25, "tests/test_deployment_jax.py": 23, "tests/test_report_browser.py": 21,
    "tests/test_framework_plugin.py": 20, "tests/test_deployment_torch_paths.py": 19,
    "tests/test_recommend.py": 18, "tests/test_criterion_plugin.py": 18, "tests/test_serving.py": 15,
    "tests/test_serve_hardening.py": 15, "tests/test_gpu_skip.py": 14, "tests/test_compare_runs.py": 14,
    "tests/test_llm.py": 12, "tests/test_isolate.py": 12, "tests/test_report_first_screen.py": 11,
    "tests/test_claims_register.py": 11, "tests/test_sweep_report.py": 10,
    "tests/test_parity_agreement.py": 10, "tests/test_store.py": 9, "tests/test_report_charts.py": 8,
    "tests/test_zoo.py": 6,
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
