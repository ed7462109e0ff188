"""Every execution mode runs through the real isolated worker and yields sane measurements.

Slow (torch.compile's first call takes ~20 s on 2 cores): the default run checks one cell per
compiled mode on the mlp; DLARENA_FULL_TESTS=1 checks every workload x mode x scenario.
"""

import itertools

import pytest

from conftest import FULL
from dlarena import frameworks, workloads
from dlarena.config import Cell, build_config
from dlarena.criteria.speed import cells as speed
from dlarena.process.isolate import run_isolated

# torch.compile of a training step (forward and backward graphs) takes ~45 s on 2 cores, of inference ~20 s;
# the compiled training step is timed in every suite's cells and with DLARENA_FULL_TESTS=1 here
REDUCED = [("mlp", "torch", "compile", "infer_latency"), ("mlp", "tensorflow", "function", "infer_latency"),
           ("mlp", "tensorflow", "xla", "train"), ("mlp", "jax", "jit", "train")]
# The paper workloads at their tiny preset: the full shapes (ResNet-50 at 224, BERT-Large) take
# longer per cell on a 2-core CPU than a test may; they run through `--suite paper`.
EVERYTHING = [(w, fw, mode, sc) for w in build_config(workloads=workloads.names(), size="tiny").workloads
              for fw in frameworks.names() if not workloads.get(w).unavailable(frameworks.info(fw).model_module)
              for mode, sc in itertools.product(frameworks.info(fw).modes, ("infer_latency", "infer_throughput", "train"))]


@pytest.mark.slow
@pytest.mark.parametrize("workload,framework,mode,scenario", EVERYTHING if FULL else REDUCED)
def test_mode_runs_in_isolation(workload, framework, mode, scenario, tiny_timing):
    if not frameworks.info(framework).is_installed():
        pytest.skip(f"{framework} is not installed: {frameworks.info(framework).install_hint}")
    cell = Cell(workload=workload, framework=framework, mode=mode, scenario=scenario,
                batch=workloads.get(workload).batch_for(scenario))
    payload = {"cell": cell.model_dump(), "threads": 2, "interop_threads": 1, "seed": 0, "timing": tiny_timing}
    result = run_isolated(speed.ENTRY, payload, timeout_s=300, env={"TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result["status"] == "ok", result.get("error")
    metrics = {m["metric"]: m for m in result["metrics"]}
    headline = "latency_ms" if scenario == "infer_latency" else (
        "train_throughput_sps" if scenario == "train" else "throughput_sps")
    assert metrics[headline]["value"] > 0
    assert metrics[headline]["ci_low"] <= metrics[headline]["value"] <= metrics[headline]["ci_high"]
    assert len(metrics[headline]["samples"]) >= tiny_timing["min_iters"]
    # compilation happens on the first call, which is recorded apart from the samples
    assert metrics["time_to_first_step_s"]["value"] >= metrics["first_call_s"]["value"] > 0
    if framework == "torch":  # a compiled graph was loaded from inductor's cache or compiled into it
        cache = metrics["time_to_first_step_s"]["extra"]
        assert (cache["compile_cache_hits"] + cache["compile_cache_misses"] > 0) == (mode == "compile"), cache
    # XLA's CPU pool follows the machine unless one thread is asked for (recorded as such)
    assert result["runtime"]["intra_op_threads"] == 2 or framework == "jax"
    assert result["runtime"]["device"] in ("cpu", "CPU:0", "cuda", "GPU:0", "cpu:0", "gpu:0")


def test_unknown_mode_fails_as_a_result(tiny_timing):
    cell = Cell(workload="mlp", framework="torch", mode="xla", scenario="train", batch=4)
    payload = {"cell": cell.model_dump(), "threads": 1, "interop_threads": 1, "seed": 0, "timing": tiny_timing}
    result = run_isolated(speed.ENTRY, payload, timeout_s=120)
    assert result["status"] == "failed"
    assert "unknown PyTorch mode 'xla'; valid: eager, compile" in result["error"]
