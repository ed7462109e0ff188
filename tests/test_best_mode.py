"""Best mode per framework: fp32 best, and best with bf16 cells competing, with the verdict."""

from dlarena.config import Cell
from dlarena.criteria.speed import best_mode
from dlarena.store.db import ResultStore


def test_best_mode_table_with_and_without_bf16(tmp_path):
    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r", "custom", {}, {})
    for fw, mode, sps in [("torch", "eager", 100), ("torch", "compile", 150), ("torch", "eager+bf16", 400),
                          ("tensorflow", "function", 120), ("tensorflow", "xla", 300), ("tensorflow", "xla+bf16", 290)]:
        store.record_cell("r", Cell(workload="cnn", framework=fw, mode=mode, scenario="train", batch=32),
                          {"status": "ok", "metrics": [{"metric": "train_throughput_sps", "unit": "samples/s", "value": sps,
                                                        "ci_low": sps * 0.95, "ci_high": sps * 1.05}]})
    store.record_cell("r", Cell(workload="cnn", framework="torch", mode="compile+bf16", scenario="train", batch=32),
                      {"status": "skipped", "error": "bf16 unsupported on this CPU"})
    section = best_mode.build(store, store.run("r"), tmp_path)
    lines = [line for line in section.markdown.splitlines() if line.startswith("| cnn")]
    assert lines == [
        "| cnn | train (train_throughput_sps) | fp32 | compile 150 | xla 300 | TensorFlow xla faster than PyTorch compile by 100% [86–115%] (2.0x) |",
        "| cnn | train (train_throughput_sps) | any precision | eager+bf16 400 | xla 300 | "
        "PyTorch eager+bf16 faster than TensorFlow xla by 33% [24–43%] |",
    ]


def test_three_frameworks_get_a_verdict_per_pair(tmp_path):
    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r", "custom", {}, {})
    for fw, mode, sps in [("torch", "compile", 150), ("tensorflow", "xla", 300), ("jax", "eager", 10), ("jax", "jit", 600)]:
        store.record_cell("r", Cell(workload="cnn", framework=fw, mode=mode, scenario="train", batch=32),
                          {"status": "ok", "metrics": [{"metric": "train_throughput_sps", "unit": "samples/s", "value": sps,
                                                        "ci_low": sps * 0.95, "ci_high": sps * 1.05}]})
    md = best_mode.build(store, store.run("r"), tmp_path).markdown
    assert "| workload | scenario | precision | PyTorch best | TensorFlow best | JAX best | verdict |" in md
    assert ("| cnn | train (train_throughput_sps) | fp32 | compile 150 | xla 300 | jit 600 | "
            "TensorFlow xla faster than PyTorch compile by 100% [86–115%] (2.0x); "
            "JAX jit faster than PyTorch compile by 300% [273–329%] (4.0x); "
            "JAX jit faster than TensorFlow xla by 100% [86–115%] (2.0x) |") in md


def test_verdicts_use_the_runs_band_and_stored_replicates(tmp_path):
    from dlarena.criteria.speed import views as data

    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r", "custom", {"equivalence_band": 0.25}, {})
    reps = {"torch": [100.0, 104.0] * 50, "tensorflow": [119.0, 121.0] * 50}
    for fw, mode, sps in [("torch", "eager", 102), ("tensorflow", "function", 120)]:
        store.record_cell("r", Cell(workload="cnn", framework=fw, mode=mode, scenario="train", batch=32),
                          {"status": "ok", "metrics": [{"metric": "train_throughput_sps", "unit": "samples/s", "value": sps,
                                                        "ci_low": sps * 0.5, "ci_high": sps * 1.5, "bootstrap": reps[fw]}]})
    [view] = data.build(store.cells("r"), store.measurements("r"))
    assert view.scenarios[0].entries[0].replicates == tuple(reps["torch"])
    # Replicates (not the wide stored CIs) decide: a ratio of ~1.18, a win within the default band ...
    assert view.scenarios[0].verdicts[0][1].text.startswith("TensorFlow function faster than PyTorch eager by 18% [")
    # ... and equivalent within the run's configured +-25%.
    md = best_mode.build(store, store.run("r"), tmp_path).markdown
    assert "PyTorch eager and TensorFlow function equivalent: ratio 0.85 [0.84–0.86], within ±25%" in md
