"""Validated configuration: what to run (SuiteConfig) and the unit of measurement (Cell)."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dlarena import frameworks as framework_registry
from dlarena import workloads as workload_registry
from dlarena.measure.env import physical_cores
from dlarena.measure.timer import TimingConfig

SPEED_SCENARIOS = ("infer_latency", "infer_throughput", "train")
PRECISIONS = ("fp32", "bf16")
PARITY = "parity"


class ConfigError(ValueError):
    """Bad user input; the CLI prints it as one line and exits with code 2."""


class Cell(BaseModel):
    """One measurement: a workload, run by a framework in a mode, under a scenario."""

    model_config = ConfigDict(frozen=True)
    workload: str
    framework: str
    mode: str
    scenario: str
    batch: int

    @property
    def id(self) -> str:
        return f"{self.workload}/{self.framework}/{self.mode}/{self.scenario}/b{self.batch}"


def _check(kind: str, values: list[str], valid: list[str]) -> list[str]:
    if not values:
        raise ValueError(f"no {kind}s selected; valid: {', '.join(valid)}")
    for value in values:
        if value not in valid:
            raise ValueError(f"unknown {kind} '{value}'; valid: {', '.join(valid)}")
    return list(dict.fromkeys(values))


class SuiteConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    suite: str = "custom"
    criteria: list[str] = Field(default_factory=lambda: ["speed"])
    workloads: list[str] = Field(default_factory=lambda: list(workload_registry.DEFAULT))
    frameworks: list[str] = Field(default_factory=framework_registry.names)
    modes: list[str] = Field(default_factory=framework_registry.all_modes)
    scenarios: list[str] = Field(default_factory=lambda: list(SPEED_SCENARIOS))
    # Same intra-op threads for every framework (default: physical cores, since SMT siblings
    # share the FMA units that dense kernels saturate) and one inter-op thread, so neither
    # framework gets extra parallelism the other is denied.
    threads: int = Field(default_factory=physical_cores, ge=1)
    interop_threads: int = Field(1, ge=1)
    timeout_s: float = Field(600.0, gt=0)
    seed: int = 0
    timing: TimingConfig = Field(default_factory=TimingConfig)
    # Size preset for workloads that have one (resnet50_*, bert_large, lstm): tiny (tests),
    # small (a CPU), full (the real shape). None: each workload's own default (full).
    size: Optional[Literal["tiny", "small", "full"]] = None
    # bf16 runs as mixed precision (torch.autocast / Keras "mixed_bfloat16"), as extra speed
    # cells whose mode is suffixed "+bf16"; recorded as skipped where the hardware lacks it.
    precisions: list[str] = Field(default_factory=lambda: ["fp32"])
    # auto: a GPU when the framework sees one, else the CPU; gpu: a GPU or an explicit skip.
    device: Literal["auto", "cpu", "gpu"] = "auto"
    # Time to accuracy (criterion "tta"): seeds per framework and mode, target test accuracy, budget.
    tta_seeds: int = Field(3, ge=1)
    tta_target: float = Field(0.97, gt=0, le=1)
    tta_max_epochs: int = Field(30, ge=1)

    @field_validator("criteria")
    @classmethod
    def _criteria(cls, v):
        from dlarena import criteria

        return _check("criterion", v, criteria.names())

    @field_validator("workloads")
    @classmethod
    def _workloads(cls, v):
        if not v:
            raise ValueError(f"no workloads selected; valid: {', '.join(workload_registry.names())}")
        for name in v:
            try:
                workload_registry.get(name)
            except (KeyError, ValueError, TypeError) as exc:
                raise ValueError(str(exc.args[0] if exc.args else exc)) from None
        return list(dict.fromkeys(v))

    @model_validator(mode="after")
    def _sized_workloads(self):
        # The size becomes part of each sized workload's name (hence of cell ids and results).
        sized = [workload_registry.with_size(name, self.size) for name in self.workloads]
        self.workloads = list(dict.fromkeys(sized))
        return self

    @field_validator("frameworks")
    @classmethod
    def _frameworks(cls, v):
        return _check("framework", v, framework_registry.names())

    @field_validator("modes")
    @classmethod
    def _modes(cls, v):
        return _check("mode", v, framework_registry.all_modes())

    @field_validator("precisions")
    @classmethod
    def _precisions(cls, v):
        return _check("precision", v, list(PRECISIONS))

    @field_validator("scenarios")
    @classmethod
    def _scenarios(cls, v):
        return _check("scenario", v, list(SPEED_SCENARIOS))

    def parity_cells(self, workload: str) -> list[Cell]:
        batch = workload_registry.get(workload).batch_for(PARITY)
        return [Cell(workload=workload, framework=fw, mode="eager", scenario=PARITY, batch=batch) for fw in self.frameworks]


def one_line(exc: ValidationError) -> str:
    """The first validation problem, as one readable line."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"] if not isinstance(p, int))
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] in ("extra_forbidden", "missing"):
        return f"config field '{where}': {msg.lower()}"
    return msg if msg.startswith(("unknown", "no ")) else f"config field '{where}': {msg}"


def build_config(**values) -> SuiteConfig:
    try:
        return SuiteConfig(**values)
    except ValidationError as exc:
        raise ConfigError(one_line(exc)) from None
