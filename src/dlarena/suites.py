"""Named suites, as data. A suite fixes defaults; command-line selections narrow it."""

from __future__ import annotations

from dlarena import criteria, frameworks, workloads
from dlarena.config import SPEED_SCENARIOS, ConfigError

SWEEP_WIDTHS = (32, 128, 512, 1024, 2048, 4096)
SWEEP_LAYERS = (1, 4, 8)


def _demo_criteria() -> dict:
    """The demo's criteria, each criterion's workloads and options in it: from the criteria that
    declare a part in the demo (``Criterion.demo``)."""
    parts = {c.name: c.demo for c in criteria.registered() if c.demo is not None}
    return {"criteria": list(parts),
            # the default workloads, then those a part adds (the LLM's decoder), when registered here
            "workloads": list(dict.fromkeys(list(workloads.DEFAULT) + [
                w for part in parts.values() for w in part.get("workloads", [])
                if workloads.parse(w)[0] in workloads.available()])),
            "criterion_workloads": {name: part["workloads"] for name, part in parts.items() if "workloads" in part},
            **{name: part["options"] for name, part in parts.items() if "options" in part}}


def _zoo_frameworks() -> list[str]:
    """Where the zoo models run: each native framework with a model for them, then the Keras 3
    backends that no native framework's column already runs (TensorFlow's and JAX's columns are the
    keras-hub model on TensorFlow and on JAX)."""
    zoo = workloads.get(workloads.ZOO[0])
    native = [fw for fw in frameworks.names() if not zoo.unavailable(frameworks.info(fw).model_module)]
    keras_run = {frameworks.info(fw).import_name for fw in native
                 if zoo.model_module_for(frameworks.info(fw).model_module) == "keras_model"}
    return native + [fw for fw in frameworks.keras_names() if frameworks.info(fw).import_name not in keras_run]


SUITES: dict[str, dict] = {
    # The whole comparison in a few minutes (`make demo`): every criterion that declares a part in
    # the demo, in a reduced but real form. Speed on the quick workloads through the engine (fewer
    # windows); deployment (without serving) and time to first result on the MLP only; distributed
    # training not (its criterion says why); the cells that measure no time (probes, code metrics,
    # inventories) run last, two at a time.
    "demo": {
        **_demo_criteria(),
        "frameworks": frameworks.names(),
        "modes": frameworks.all_modes(),
        "scenarios": list(SPEED_SCENARIOS),
        "timing": {"warmup_iters": 3, "warmup_s": 0.1, "min_iters": 3, "min_s": 0.1, "max_s": 3.0},
        # Timed in the quick suite. How JAX is used is jit; TensorFlow's op-by-op eager mode was never its best
        # mode in a demo (Keras's fit runs tf.function) and took 45% of the demo's timing windows.
        "skip_speed_modes": ["jax:eager", "tensorflow:eager"],
        "repetitions": {"min_windows": 3, "max_windows": 8},
        # Extra windows stop 240 s after the start: the LLM's windows and the untimed cells (about a
        # minute) follow, and `make demo` (with the report) stays within 6 minutes on a slow host too.
        "budget_s": 240.0,
    },
    # Every built-in workload, framework, mode and speed scenario, sized so the whole suite stays
    # within 5 minutes on a 2-core CPU: short windows, at least 4 per cell, interleaved; more only
    # where a verdict is still open, while the budget lasts.
    "quick": {
        "workloads": list(workloads.DEFAULT),
        "frameworks": frameworks.names(),
        "modes": frameworks.all_modes(),
        "scenarios": list(SPEED_SCENARIOS),
        "timing": {"warmup_iters": 3, "warmup_s": 0.1, "min_iters": 3, "min_s": 0.1, "max_s": 3.0},
        "repetitions": {"min_windows": 4, "max_windows": 12},
        "budget_s": 270.0,
    },
    # The same matrix with longer measurement windows, for numbers worth publishing.
    "speed": {
        "workloads": list(workloads.DEFAULT),
        "frameworks": frameworks.names(),
        "modes": frameworks.all_modes(),
        "scenarios": list(SPEED_SCENARIOS),
        "timing": {"warmup_iters": 10, "warmup_s": 1.0, "min_iters": 20, "min_s": 0.5, "max_s": 30.0},
        "repetitions": {"min_windows": 6, "max_windows": 20, "processes": 2},
    },
    # The workloads published speed claims are about (claims.toml), at the size preset "small"
    # by default so a 2-core CPU finishes (--size full for the real shapes, e.g. on a GPU); few,
    # long calls, so few repeats. Not part of quick: it takes far longer.
    "paper": {
        "workloads": ["resnet50_v1_5", "resnet50_v2", "bert_large", "lstm"],
        "criteria": ["speed", "peak"],
        "frameworks": frameworks.names(),
        "modes": frameworks.all_modes(),
        "scenarios": list(SPEED_SCENARIOS),
        "size": "small",
        "timeout_s": 1200.0,
        "timing": {"warmup_iters": 2, "warmup_s": 0.0, "min_iters": 3, "min_s": 0.5, "max_s": 30.0},
        # real-size models: one workload's models at a time in each worker
        "repetitions": {"min_windows": 3, "max_windows": 6, "interleave_workloads": False},
    },
    # Model-size sweep for claim 1 ("PyTorch is faster for smaller models"): the MLP from width 32
    # to 4096 (2.5k to 17M parameters) and the encoder at 1 to 8 layers; the report plots the
    # PyTorch/TensorFlow speed ratio against parameter count (crossover plot).
    "sweep": {
        "workloads": [f"mlp@width={w}" for w in SWEEP_WIDTHS] + [f"transformer@layers={n}" for n in SWEEP_LAYERS],
        "criteria": ["speed", "peak"],
        "frameworks": frameworks.names(),
        "modes": frameworks.all_modes(),
        "scenarios": list(SPEED_SCENARIOS),
        "timing": {"warmup_iters": 3, "warmup_s": 0.1, "min_iters": 5, "min_s": 0.2, "max_s": 3.0},
        "repetitions": {"min_windows": 3, "max_windows": 6},
    },
    # Minimal timing, for checking that everything runs (tests, CI).
    "smoke": {
        "workloads": ["mlp"],
        "frameworks": frameworks.names(),
        "modes": ["eager"],
        "scenarios": list(SPEED_SCENARIOS),
        "timing": {"warmup_iters": 1, "warmup_s": 0.0, "min_iters": 5, "min_s": 0.0, "max_s": 5.0},
        "repetitions": {"min_windows": 2, "max_windows": 2},
    },
    # The models people run (issue 27): a decoder LLM, an encoder and a vision model as Hugging Face
    # transformers (PyTorch) and keras-hub (Keras 3 on TensorFlow, JAX, PyTorch) ship them, at about
    # 100M parameters (size small: SmolLM-135M, bert-base, ViT-B/16), one canonical random parameter
    # set in both zoos, parity-checked, then timed in each framework's default fast path (PyTorch
    # eager, tf.function, JAX jit: keras-hub under Keras's jit on JAX, Keras on PyTorch eager) at batch 1: a forward pass and
    # a training step. Budgeted for about 10 minutes on 2 CPU cores (--size full: the published
    # 1B-335M-304M shapes, for GPUs).
    "zoo": {
        "workloads": list(workloads.ZOO),
        # llm: the decoder's generation (prefill at 32 and 128 tokens, decode), against the peaks' roofs
        "criteria": ["speed", "llm", "peak"],
        "frameworks": _zoo_frameworks(),
        "modes": ["eager", "function", "xla", "jit"],
        "skip_speed_modes": ["tensorflow:eager", "tensorflow:xla", "jax:eager"],
        "scenarios": ["infer_latency", "train"],
        "size": "small",
        "timeout_s": 1200.0,
        "timing": {"warmup_iters": 1, "warmup_s": 0.0, "min_iters": 2, "min_s": 0.0, "max_s": 30.0},
        # ~100M-parameter models: one workload's models at a time in each worker (memory)
        "repetitions": {"min_windows": 3, "max_windows": 5, "interleave_workloads": False},
        "untimed_parallel": 2,
        "budget_s": 480.0,
    },
    # Every export path of the default workloads, loaded in its runtime, and served over HTTP under
    # load (the paper workloads at full size, e.g. BERT-Large's 334M parameters through 15 paths,
    # and the zoo models are not covered: name them with -w).
    "deployment": {
        "criteria": ["deployment"],
        "workloads": workloads.DEFAULT,
        "frameworks": frameworks.names(),
        "timing": {"warmup_iters": 5, "warmup_s": 0.2, "min_iters": 20, "min_s": 0.6, "max_s": 10.0},
    },
}


def suite_defaults(name: str) -> dict:
    try:
        return {"suite": name, **SUITES[name]}
    except KeyError:
        raise ConfigError(f"unknown suite '{name}'; valid: {', '.join(SUITES)}") from None
