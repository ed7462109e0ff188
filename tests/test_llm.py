"""LLM generation (criteria/llm, parity/generation.py, frameworks/*/llm.py): the greedy-divergence
rule at its edges, the roofline arithmetic, the memory-bandwidth probe, the report table (a
framework not timed says why), and rows from real tiny runs (a 1-layer Llama) on PyTorch (HF
transformers) and keras-hub on JAX."""

import numpy as np
import pytest

from conftest import FULL
from dlarena import frameworks, workloads
from dlarena.cell import Cell
from dlarena.criteria.llm import cells as llm
from dlarena.criteria.llm import report, roofline, scores
from dlarena.criteria.peak import cells as peak
from dlarena.measure import bandwidth
from dlarena.parity import generation

STEPS = generation.GREEDY_STEPS


# --- the greedy rule ---------------------------------------------------------------------------

def test_identical_ids_agree_for_the_whole_horizon():
    ids = np.arange(STEPS)
    assert generation.first_divergence(ids, ids.copy()) is None


def test_a_divergence_at_step_0_and_at_the_last_checked_step_is_named():
    ids = np.arange(STEPS)
    first, last = ids.copy(), ids.copy()
    first[0], last[STEPS - 1] = 99, 99
    assert generation.first_divergence(ids, first) == 0
    assert generation.first_divergence(ids, last) == STEPS - 1 == 15


def test_a_divergence_beyond_the_horizon_is_not_a_divergence():
    ids = np.arange(STEPS + 4)
    later = ids.copy()
    later[STEPS] = 99  # step 16: past the 16 steps checked
    assert generation.first_divergence(ids, later) is None


def test_a_missing_step_counts_as_a_divergence():
    ids = np.arange(STEPS)
    assert generation.first_divergence(ids, ids[:10]) == 10


def _record(tmp_path, name: str, ids, logits=None):
    prompt = generation.prompt(4096, generation.PROMPT_TOKENS, 0)
    arrays = {generation.PREFIX + "prompt": prompt, generation.PREFIX + "ids": np.asarray(ids),
              generation.PREFIX + "mode": np.array("eager")}
    if logits is not None:
        arrays[generation.PREFIX + "logits"] = logits
    np.savez(tmp_path / f"{name}.npz", **arrays)
    return np.load(tmp_path / f"{name}.npz")


def test_compare_names_the_first_step_and_the_margin_there(tmp_path):
    logits = np.zeros((STEPS, 8), np.float32)
    logits[:, 1], logits[:, 2] = 1.0, 0.999  # the reference's two best ids, 1e-3 apart at every step
    other = logits.copy()
    other[3, 2] = 1.5
    ids = np.ones(STEPS, int)
    diverged = ids.copy()
    diverged[3] = 2
    rows, failure = generation.compare(_record(tmp_path, "a", ids, logits), _record(tmp_path, "b", diverged, other))
    assert failure.startswith("greedy decoding: token ids differ first at step 3 of 16 (reference id 1, this framework 2)")
    assert "1.00e-03 apart" in failure and "differ by up to 5.01e-01" in failure
    assert rows[0]["metric"] == "parity_greedy_identical_steps" and rows[0]["value"] == 3
    assert rows[0]["extra"]["first_divergent_step"] == 3 and rows[0]["extra"]["distinct_reference_ids"] == 1
    same_rows, none = generation.compare(_record(tmp_path, "c", ids), _record(tmp_path, "d", ids))
    assert none is None and same_rows[0]["value"] == STEPS


def test_records_without_greedy_ids_are_not_compared(tmp_path):
    np.savez(tmp_path / "plain.npz", forward=np.zeros(2))
    plain = np.load(tmp_path / "plain.npz")
    assert generation.compare(plain, _record(tmp_path, "a", np.arange(STEPS))) == ([], None)


def test_prompts_are_ordinary_ids_and_the_same_everywhere():
    p = generation.prompt(4096, 32, 0)
    assert p.shape == (1, 32) and p.dtype == np.int32 and p.min() >= generation.FIRST_ORDINARY_ID and p.max() < 4096
    assert np.array_equal(p, generation.prompt(4096, 32, 0)) and not np.array_equal(p, generation.prompt(4096, 32, 1))


# --- roofline arithmetic ----------------------------------------------------------------------

TINY_1 = dict(vocab_size=4096, hidden_size=256, intermediate_size=704, num_hidden_layers=1, num_attention_heads=4,
              num_key_value_heads=2, tie_word_embeddings=True)


def test_the_parameter_count_is_what_transformers_counts():
    assert roofline.shape_of(TINY_1).parameters == 1_786_624  # LlamaForCausalLM(LlamaConfig(**TINY_1))
    assert roofline.shape_of({"llama": TINY_1, "seq_len": 64}).parameters == 1_786_624
    assert roofline.shape_of({"hidden_size": 8}) is None


def test_decode_bytes_per_token_and_the_bandwidth_fraction():
    shape = roofline.shape_of(TINY_1)
    kv = 2 * 1 * 2 * 64 * 4  # k and v, 1 layer, 2 kv heads, head_dim 64, fp32
    assert shape.kv_bytes_per_position() == kv == 1024
    assert roofline.decode_bytes_per_token(shape, 40) == 1_786_624 * 4 + 40 * kv
    untied = roofline.shape_of({**TINY_1, "tie_word_embeddings": False})
    assert untied.parameters == 1_786_624 + 4096 * 256
    assert roofline.decode_bytes_per_token(untied, 0) == (untied.parameters - 4095 * 256) * 4  # one embedding row read
    roof = roofline.decode_roof_tokens_per_s(10.0, 5e6)  # 10 GB/s over 5 MB per token
    assert roof == pytest.approx(2000.0)
    assert roofline.fraction(500.0, roof) == pytest.approx(0.25)
    assert roofline.fraction(500.0, None) is None and roofline.fraction(None, roof) is None
    assert roofline.fraction(1.0, 0.0) is None and roofline.decode_roof_tokens_per_s(None, 5e6) is None


def test_prefill_flops_per_token():
    shape = roofline.shape_of(TINY_1)
    matmuls = 2 * (shape.layer_params - 2 * 256)  # one layer's weights minus its two norms
    attention = 2 * 2 * 1 * 256 * (32 + 1) / 2
    assert roofline.prefill_flops_per_token(shape, 32) == pytest.approx(matmuls + attention + 2 * 4096 * 256 / 32)


def test_the_copy_probe_counts_read_and_written_bytes():
    rates = bandwidth.copy_rates_gb_per_s(n_bytes=8 * 2**20, threads=2, repeats=3)
    assert len(rates) == 3 and all(r > 0 for r in rates)


def test_the_last_level_cache_is_the_largest_data_cache(tmp_path):
    for index, (level, kind, size) in enumerate([(1, "Data", "48K"), (1, "Instruction", "32K"), (2, "Unified", "2048K"),
                                                 (3, "Unified", "32M")]):
        folder = tmp_path / f"index{index}"
        folder.mkdir()
        for name, value in (("level", level), ("type", kind), ("size", size)):
            (folder / name).write_text(f"{value}\n")
    assert bandwidth.last_level_cache_bytes(tmp_path) == 32 * 2**20
    assert bandwidth.last_level_cache_bytes(tmp_path / "absent") is None


def test_the_bandwidth_cell_is_planned_once_beside_the_gemm_cells():
    from dlarena.config import build_config
    from helpers.planning import planned

    ids = [c.id for c in planned(build_config(frameworks=["torch", "tensorflow"]), "peak")]
    assert ids == ["gemm/torch/eager/peak_fp32/b0", "gemm/tensorflow/eager/peak_fp32/b0",
                   "memory_bandwidth/torch/numpy/memory_bandwidth/b0"]
    only = planned(build_config(frameworks=["torch"], peak={"probes": ["memory_bandwidth"]}), "peak")
    assert [c.scenario for c in only] == ["memory_bandwidth"]
    result = peak.run_bandwidth({"threads": 1})
    best = [r for r in result["metrics"] if r["metric"] == peak.BANDWIDTH_METRIC]
    assert len(best) == 1 and best[0]["value"] > 0 and "STREAM copy" in best[0]["extra"]["convention"]


# --- scenarios, plan, options -----------------------------------------------------------------

def test_scenario_names_carry_the_prompt_length():
    assert llm.scenario("decode", 32) == "llm_decode_p32" and llm.parse("llm_prefill_p128") == ("prefill", 128)
    assert llm.parse("infer_latency") is None and llm.parse("llm_prefill_pX") is None
    assert llm.HEADLINE["llm_prefill_p7"] == "llm_prefill_tokens_per_s" and llm.HIGHER_IS_BETTER["llm_decode_p1"]
    assert llm.HEADLINE.get("train") is None and sorted(set(llm.HEADLINE.values())) == [
        "llm_decode_tokens_per_s", "llm_prefill_tokens_per_s"]
    cell = Cell(workload="w", framework="torch", mode="eager", scenario="llm_prefill_p32", batch=1)
    assert llm.to_unit(cell, np.array([0.5])).tolist() == [64.0]  # 32 prompt tokens in 0.5 s
    decode = cell.model_copy(update={"scenario": "llm_decode_p32"})
    assert llm.to_unit(decode, np.array([0.01])).tolist() == [pytest.approx(100.0)]


def test_a_workload_that_is_not_a_decoder_plans_no_generation_cell():
    from dlarena.config import build_config
    from helpers.planning import planned

    assert planned(build_config(workloads=["transformer"]), "llm", "transformer") == []


def test_a_mode_whose_greedy_ids_differ_from_its_parity_record_is_not_timed(tmp_path):
    cell = Cell(workload="w", framework="torch", mode="compile", scenario="llm_decode_p8", batch=1)
    ids = np.arange(3, 3 + STEPS)
    (tmp_path / "parity").mkdir()
    np.savez(tmp_path / "parity" / "w__torch.npz", **{generation.PREFIX + "prompt": generation.prompt(64, 32, 0),
                                                      generation.PREFIX + "ids": ids,
                                                      generation.PREFIX + "mode": np.array("eager")})
    payload = {"artifacts": str(tmp_path)}
    same = llm.check_mode(lambda prompt, n: ids[None, :n], payload, cell, None)
    assert same == {"mode_greedy_check": "identical to the parity-checked eager ids for 16 steps"}
    off = ids.copy()
    off[5] = 0
    with pytest.raises(llm.ModeDiverges, match="^greedy ids in mode compile differ from PyTorch's parity-checked "
                                               "eager ids at step 5 of 16: not timed$"):
        llm.check_mode(lambda prompt, n: off[None, :n], payload, cell, None)
    assert llm.ModeDiverges.status == "not_comparable"  # the worker records the cell as not comparable
    unchecked = llm.check_mode(lambda prompt, n: off[None, :n], {"artifacts": str(tmp_path / "none")}, cell, None)
    assert unchecked["mode_greedy_check"].startswith("no parity record")


def test_paired_decode_samples_drop_a_non_positive_difference():
    assert llm._per_token(1.0, 0.2, 8) == pytest.approx(0.1)
    assert llm._per_token(0.2, 0.2, 8) is None and llm._per_token(0.1, 0.2, 8) is None


def test_a_window_without_a_valid_sample_fails_with_its_reason():
    timing = {"warmup_iters": 0, "warmup_s": 0.0, "min_iters": 3, "min_s": 0.0, "max_s": 5.0}
    noisy = llm.Generating(sample=lambda: None, sync=lambda: None, adapter=None, runtime={})
    with pytest.raises(RuntimeError, match="no valid sample in this window"):
        llm.window(noisy, timing)
    counted = iter(range(100))
    steady = llm.Generating(sample=lambda: 0.01 if next(counted) % 2 else None, sync=lambda: None, adapter=None,
                            runtime={})
    assert llm.window(steady, timing) == [0.01, 0.01]  # 3 samples after the untimed one; the 2nd invalid


def test_a_bad_skip_mode_is_one_line():
    from dlarena.config import ConfigError, build_config

    with pytest.raises((ConfigError, ValueError), match="not framework:mode"):
        build_config(criteria=["llm"], llm={"skip_modes": ["compile"]})


def test_every_generation_plugin_names_its_modes():
    assert list(frameworks.plugin_module("torch", "llm").modes("torch")) == ["eager", "compile"]
    keras = frameworks.plugin_module("keras-jax", "llm")
    assert list(keras.modes("keras-jax")) == ["xla"] and list(keras.modes("keras-torch")) == ["eager"]
    assert list(frameworks.plugin_module("tensorflow", "llm").modes("tensorflow")) == ["function", "xla"]
    assert frameworks.with_plugin("llm", ["torch", "jax", "keras-jax"]) == ["torch", "jax", "keras-jax"]
    jax = frameworks.plugin_module("jax", "llm")  # keras-hub on JAX, under JAX's compiled mode's name
    assert list(jax.modes("jax")) == ["jit"] and "keras-hub on JAX" in jax.modes("jax")["jit"]
    with pytest.raises(ValueError, match="^unknown generation mode 'xla' for jax; valid: jit$"):
        jax.generator(None, "xla", "jax")


# --- scores and the report --------------------------------------------------------------------

def _head(fw: str, mode: str, scenario: str, value: float, spread: float = 0.01, params: int = 1_786_624):
    reps = list(np.random.default_rng(abs(hash((fw, scenario))) % 2**32).normal(value, value * spread, 200))
    base = dict(workload="llama@size=tiny", framework=fw, mode=mode, scenario=scenario, batch=1, status="ok",
                cell_id=f"llama@size=tiny/{fw}/{mode}/{scenario}/b1")
    kind = llm.parse(scenario)[0]
    return [dict(base, metric=llm.METRIC[kind], value=value, ci_low=value * 0.98, ci_high=value * 1.02,
                 bootstrap=reps, extra={}),
            dict(base, metric=llm.PER_TOKEN[kind], value=1e3 / value, ci_low=None, ci_high=None, extra={}),
            dict(base, metric="llm_parameter_count", value=params, extra={}),
            dict(base, metric="peak_rss_mb", value=900.0, extra={})]


def _cell(fw, mode, scenario, status="ok", error=None):
    return dict(workload="llama@size=tiny", framework=fw, mode=mode, scenario=scenario, batch=1, status=status,
                error=error, cell_id=f"llama@size=tiny/{fw}/{mode}/{scenario}/b1",
                runtime={"device": "cpu", "intra_op_threads": 2})


def _run():
    why = "differs from PyTorch at greedy decoding: token ids differ first at step 3 of 16: not timed"
    cells = [_cell("torch", "eager", "llm_prefill_p32"), _cell("torch", "eager", "llm_decode_p32"),
             _cell("keras-jax", "xla", "llm_prefill_p32"), _cell("keras-jax", "xla", "llm_decode_p32"),
             _cell("keras-torch", "eager", "llm_prefill_p32", "not_comparable", why),
             _cell("keras-torch", "eager", "llm_decode_p32", "not_comparable", why),
             dict(_cell("torch", "eager", "parity"), workload="llama@size=tiny"),
             dict(_cell("keras-torch", "eager", "parity", "not_comparable", "greedy decoding: ... step 3")),
             dict(_cell("keras-jax", "eager", "parity"))]
    rows = (_head("torch", "eager", "llm_prefill_p32", 1000.0) + _head("torch", "eager", "llm_decode_p32", 50.0)
            + _head("keras-jax", "xla", "llm_prefill_p32", 3000.0) + _head("keras-jax", "xla", "llm_decode_p32", 50.5))
    rows.append(dict(_head("torch", "eager", "llm_decode_p32", 1)[0], metric="llm_bytes_per_token", value=8e6,
                     ci_low=None, bootstrap=None))
    parity = dict(workload="llama@size=tiny", mode="eager", scenario="parity", batch=2, status="ok", value=1.0)
    rows += [dict(parity, framework="torch", metric="parity_reference", extra={}),
             dict(parity, framework="keras-jax", metric="parity_greedy_identical_steps", value=16.0,
                  extra={"horizon": 16})]
    rows.append(dict(workload="memory_bandwidth", framework="torch", mode="numpy", scenario="memory_bandwidth",
                     batch=0, status="ok", metric="memory_bandwidth_gb_per_s", value=10.0,
                     extra={"last_level_cache_bytes": 4 * 2**20}))
    return cells, rows


def test_scores_come_from_verdicts_between_best_modes():
    cells, rows = _run()
    s = scores.scores(cells, rows, 0.05)
    assert set(s) == {"torch", "keras-jax"}  # keras-torch not timed: no comparison, no score
    assert s["keras-jax"]["wins"] == 1 and s["keras-jax"]["ties"] == 1 and s["keras-jax"]["score"] == 0.75
    assert s["torch"]["losses"] == 1 and s["torch"]["ties"] == 1 and s["torch"]["score"] == 0.25
    assert "scope: cpu, 2 threads, 1.79M parameters" in s["torch"]["line"]
    assert "below 20M parameters a decoded token measures the generate loop's per-token overhead" in s["torch"]["line"]


@pytest.mark.parametrize("params,toy", [(scores.TOY_PARAMS - 1, True), (scores.TOY_PARAMS, False)])
def test_a_toy_sized_decoder_says_its_verdicts_measure_per_token_overhead(params, toy):
    cells, rows = _run()
    rows = [dict(r, value=params) if r["metric"] == "llm_parameter_count" else r for r in rows]
    line = scores.scores(cells, rows, 0.05)["torch"]["line"]
    assert ("per-token overhead, not an LLM's memory-bound decode" in line) == toy
    assert f"{params / 1e6:.3g}M parameters" in line


def test_jax_s_column_says_it_is_keras_hub_on_jax_in_the_table_verdicts_and_score_line():
    cells = [_cell("torch", "eager", "llm_decode_p32"), _cell("jax", "jit", "llm_decode_p32")]
    rows = _head("torch", "eager", "llm_decode_p32", 50.0) + _head("jax", "jit", "llm_decode_p32", 80.0)
    s = scores.scores(cells, rows, 0.05)
    assert s["jax"]["line"].startswith("JAX (keras-hub on JAX): faster in 1, ") and s["jax"]["score"] == 1.0
    assert s["torch"]["line"].startswith("faster in 0, ")  # PyTorch's column is its own zoo: nothing to say
    titles, body = report.table(cells, rows)
    assert [r[1:3] for r in body] == [["PyTorch", "eager"], ["JAX (keras-hub on JAX)", "jit"]]
    assert any(v.text.startswith("JAX (keras-hub on JAX) jit") for _, _, v in scores.verdicts(rows, 0.05))


def test_the_table_shows_a_framework_not_timed_and_the_roofline():
    cells, rows = _run()
    titles, body = report.table(cells, rows)
    assert titles[:7] == ["model", "framework", "mode", "parameters", "parity", "TTFT ms (prompt 32)",
                          "prefill tokens/s (prompt 32)"]
    by_fw = {r[1]: dict(zip(titles, r)) for r in body}
    assert by_fw["PyTorch"]["decode tokens/s (prompt 32)"] == "50 [49–51]"
    assert by_fw["PyTorch"]["decode / bandwidth roof"] == "4.0%"  # 50 tok/s of 10 GB/s / 8 MB = 1250 tok/s
    cached = [dict(r, extra={"last_level_cache_bytes": 16 * 2**20}) if r["metric"] == "memory_bandwidth_gb_per_s" else r
              for r in rows]
    in_cache = dict(zip(titles, report.table(cells, cached)[1][0]))["decode / bandwidth roof"]
    assert in_cache == "4.0% (the 7.63 MB read per token fit in the 16 MB cache)"
    assert by_fw["PyTorch"]["parameters"] == "1.79M" and by_fw["PyTorch"]["parity"] == "ok (the reference)"
    assert by_fw["Keras 3 on JAX"]["parity"] == "ok, greedy ids 16/16"
    not_timed = by_fw["Keras 3 on PyTorch"]
    assert not_timed["status"].startswith("not timed (not_comparable): differs from PyTorch at greedy decoding")
    assert not_timed["decode tokens/s (prompt 32)"] == "–" and not_timed["parity"].startswith("not_comparable")
    section = report.build_section(cells, rows, 0.05)
    assert "| Keras 3 on PyTorch | eager |" in section.markdown and "memory bandwidth 10 GB/s" in section.markdown
    assert "GEMM peak not measured" in section.markdown and "Scope: cpu, 2 threads, 1.79M parameters" in section.markdown
    assert report.build_section([], [], 0.05) is None
    train = dict(workload="llama@size=tiny", framework="torch", mode="eager", scenario="train", batch=8, status="ok",
                 metric="train_throughput_sps", value=10.0, extra={})
    assert ("Training step of llama@size=tiny (PyTorch eager, the speed criterion's train cell): 10 samples/s × 64 "
            "tokens = 640 tokens/s") in report.build_section(cells, rows + [train], 0.05).markdown


# --- real tiny runs (a 1-layer Llama; the zoo workload) ------------------------------------------

WORKLOAD = "llama@size=tiny,layers=1"
TIMING = {"warmup_iters": 1, "warmup_s": 0.0, "min_iters": 2, "min_s": 0.0, "max_s": 5.0}


def _payload(tmp_path, framework: str, mode: str, scenario: str, **extra) -> dict:
    cell = Cell(workload=WORKLOAD, framework=framework, mode=mode, scenario=scenario, batch=1)
    return {"cell": cell.model_dump(), "threads": 1, "interop_threads": 1, "seed": 0, "timing": TIMING,
            "device": "cpu", "timeout_s": 300, "artifacts": str(tmp_path), "windows": 2,
            "llm": {"prompt_lengths": [8], "new_tokens": 4}, **extra}


def test_without_a_gpu_a_gpu_cell_is_skipped_before_anything_is_built(tmp_path):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU is present: the CUDA path runs instead")
    from dlarena.cell import Skipped

    with pytest.raises(Skipped, match="no GPU"):
        llm.start(_payload(tmp_path, "torch", "eager", "llm_decode_p8", device="gpu"))


def test_an_unknown_size_or_architecture_is_one_line_listing_the_valid_ones():
    with pytest.raises(ValueError, match=r"^workload 'llama': unknown size 'huge'; valid: tiny, small, full$"):
        workloads.get("llama@size=huge")
    with pytest.raises(KeyError, match=r"unknown workload 'gpt'; valid: .*llama"):
        workloads.get("gpt")


def test_the_zoo_suite_times_the_decoders_generation_in_each_frameworks_modes():
    from dlarena.suites import suite_defaults
    from dlarena.config import build_config
    from helpers.planning import planned

    config = build_config(**suite_defaults("zoo"))
    assert {"llm", "peak"} <= set(config.criteria)
    modes = {(c.framework, c.mode) for c in planned(config, "llm", "llama@size=small")}
    assert modes == {("torch", "eager"), ("tensorflow", "function"), ("tensorflow", "xla"), ("keras-torch", "eager"),
                     ("jax", "jit")}
    assert planned(config, "llm", "bert@size=small") == []  # an encoder generates nothing


def test_a_decoder_workload_plans_prefill_and_decode_per_mode():
    from dlarena.config import build_config
    from helpers.planning import planned

    config = build_config(criteria=["llm"], workloads=[WORKLOAD], frameworks=["torch", "keras-jax"],
                          llm={"prompt_lengths": [32, 128], "skip_modes": ["torch:compile"]})
    ids = [c.id for c in planned(config, "llm", WORKLOAD)]
    assert ids == [f"{WORKLOAD}/{fw}/llm_{kind}/b1" for fw in ("torch/eager", "keras-jax/xla")
                   for kind in ("prefill_p32", "prefill_p128", "decode_p32")]


# Default: PyTorch's decode and keras-hub's prefill on Keras 3's PyTorch backend (neither compiles);
# the compiled paths (XLA compiles generate for each shape: minutes on a loaded 2-core host) in full.
# keras-hub cells take 20 s and more each on 2 cores: one real cell (HF) by default, keras-hub with FULL
REAL_RUNS = [("torch", "eager", "llm_decode_p8")] + (
    [("keras-torch", "eager", "llm_prefill_p8"), ("keras-jax", "xla", "llm_decode_p8"), ("keras-tensorflow", "xla", "llm_decode_p8"),
     ("jax", "jit", "llm_decode_p8")] if FULL else [])


@pytest.mark.parametrize("framework, mode, scenario", REAL_RUNS)
def test_a_real_tiny_generation_cell_gives_its_rows(tmp_path, framework, mode, scenario):
    from dlarena.process.isolate import run_isolated

    result = run_isolated(llm.ENTRY, _payload(tmp_path, framework, mode, scenario), 900,
                          {"OMP_NUM_THREADS": "1", "XLA_FLAGS": ""})
    assert result["status"] == "ok", result.get("error")
    rows = {r["metric"]: r for r in result["metrics"]}
    kind = llm.parse(scenario)[0]
    head, per_token = rows[llm.METRIC[kind]], rows[llm.PER_TOKEN[kind]]
    assert head["unit"] == "tokens/s" and head["value"] > 0 and head["ci_low"] <= head["value"] <= head["ci_high"]
    assert head["extra"]["windows"] == 2 and head["extra"]["prompt_tokens"] == 8
    assert per_token["unit"] == "ms" and 0 < per_token["ci_low"] <= per_token["value"] <= per_token["ci_high"]
    assert rows["llm_parameter_count"]["value"] == 1_786_624  # the 1-layer tiny Llama, as transformers counts it
    if kind == "decode":
        assert rows["llm_bytes_per_token"]["value"] == pytest.approx(1_786_624 * 4 + 10 * 1024)  # context 8 + 4 / 2
    else:
        assert rows["llm_flops_per_token"]["value"] == pytest.approx(
            roofline.prefill_flops_per_token(roofline.shape_of(TINY_1), 8))
    assert rows["peak_rss_mb"]["value"] > 0 and rows["first_call_s"]["value"] > 0
    assert result["runtime"]["generation"]["mode_greedy_check"].startswith("no parity record")
