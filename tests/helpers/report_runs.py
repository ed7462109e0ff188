"""Two small synthetic runs of one machine for the report tests (charts, history, compare page, the
browser): MLP parity, batch-1 latency (TensorFlow eager 100x slower: a log axis) and throughput (the
winner flips between the runs), with bootstrap replicates, window counts and calibration probes."""

import numpy as np

from dlarena.config import Cell, build_config
from dlarena.measure.env import fingerprint
from dlarena.store.db import ResultStore

# run -> scenario -> (framework, mode) -> value
RUNS = {
    "a": {"infer_latency": {("torch", "eager"): 0.05, ("torch", "compile"): 0.07, ("tensorflow", "eager"): 5.0,
                            ("tensorflow", "function"): 0.4},
          "infer_throughput": {("torch", "eager"): 100.0, ("torch", "compile"): 90.0, ("tensorflow", "eager"): 40.0,
                               ("tensorflow", "function"): 130.0}},
    "b": {"infer_latency": {("torch", "eager"): 0.05, ("torch", "compile"): 0.07, ("tensorflow", "eager"): 5.0,
                            ("tensorflow", "function"): 0.4},
          "infer_throughput": {("torch", "eager"): 130.0, ("torch", "compile"): 90.0, ("tensorflow", "eager"): 40.0,
                               ("tensorflow", "function"): 100.0}},
}
PROBE_S = {"a": [0.010, 0.011, 0.012], "b": [0.020, 0.021, 0.022]}  # run b on a machine twice as slow
WINDOWS = 4
METRICS = {"infer_latency": ("latency_ms", "ms"), "infer_throughput": ("throughput_sps", "samples/s")}


def metric(name: str, unit: str, value: float, seed: int) -> dict:
    reps = value * np.exp(0.01 * np.random.default_rng(seed).standard_normal(500))
    low, high = np.quantile(reps, [0.025, 0.975])
    return {"metric": name, "unit": unit, "value": value, "ci_low": float(low), "ci_high": float(high),
            "bootstrap": reps.tolist(), "extra": {"windows": WINDOWS, "flagged_windows": 0}}


def build(path, runs=("a", "b")) -> ResultStore:
    store = ResultStore(path)
    env = fingerprint(2, 1)
    for run_id in runs:
        store.start_run(run_id, "custom", build_config(workloads=["mlp"], frameworks=["torch", "tensorflow"]).model_dump(), env)
        for fw in ("torch", "tensorflow"):
            store.record_cell(run_id, Cell(workload="mlp", framework=fw, mode="eager", scenario="parity", batch=16),
                              {"status": "ok", "metrics": []})
        seed = 0
        for scenario, cells in RUNS[run_id].items():
            name, unit = METRICS[scenario]
            for (fw, mode), value in cells.items():
                seed += 1
                cell = Cell(workload="mlp", framework=fw, mode=mode, scenario=scenario, batch=1)
                reps = [{"metric": name, "repetition": i, "median": value, "noise": {"probe_s": probe}}
                        for i, probe in enumerate(PROBE_S[run_id])] if (fw, mode) == ("torch", "eager") else []
                store.record_cell(run_id, cell, {"status": "ok", "metrics": [metric(name, unit, value, seed)],
                                                 "repetitions": reps})
        store.finish_run(run_id)
    return store
