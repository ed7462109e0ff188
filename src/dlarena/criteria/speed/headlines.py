"""The speed scenarios' headline metrics, one table: each scenario's metric, its unit, which way is
better and its title. Every other view of it (by scenario, by metric) is derived here."""

from __future__ import annotations

from typing import NamedTuple


class Headline(NamedTuple):
    metric: str
    higher_is_better: bool
    title: str
    unit: str


BY_SCENARIO: dict[str, Headline] = {
    "infer_latency": Headline("latency_ms", False, "Inference latency, batch 1 (ms, lower is better)", "ms"),
    "infer_throughput": Headline("throughput_sps", True, "Inference throughput (samples/s, higher is better)", "samples/s"),
    "train": Headline("train_throughput_sps", True, "Training throughput (samples/s, higher is better)", "samples/s"),
}
METRIC_OF = {scenario: h.metric for scenario, h in BY_SCENARIO.items()}  # scenario -> metric
SCENARIO_OF = {h.metric: scenario for scenario, h in BY_SCENARIO.items()}  # metric -> scenario
HIGHER_IS_BETTER = {h.metric: h.higher_is_better for h in BY_SCENARIO.values()}  # metric -> bool
