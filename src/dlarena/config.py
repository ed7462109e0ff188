"""Validated configuration: what to run (SuiteConfig). The suite's own settings are declared here;
each criterion's options are its own model (``Criterion.options``, in its folder), composed into
SuiteConfig under the criterion's name from the registry, and handed to its cells under that one
payload key (``Criterion.payload``). The flat keys of older configs (``tta_seeds``...) are mapped
by the options model that declares them (``FLAT_KEYS``)."""

from __future__ import annotations

import os
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator, model_validator

from dlarena import criteria as criterion_registry
from dlarena import frameworks as framework_registry
from dlarena import workloads as workload_registry
from dlarena.cell import Cell  # noqa: F401 (part of a suite's vocabulary)
from dlarena.criteria.base import NoOptions, Selection
from dlarena.measure.env import physical_cores
from dlarena.measure.timer import TimingConfig
from dlarena.measure.verdict import DEFAULT_BAND

SPEED_SCENARIOS = ("infer_latency", "infer_throughput", "train")
PRECISIONS = ("fp32", "bf16")
PARITY = "parity"
# Stated ranges of the suite's numbers (past them a run breaks: timestamps overflow, thread pools crash).
MAX_THREADS = 1024
MAX_TIMEOUT_S = 7 * 24 * 3600
MAX_BUDGET_S = 30 * 24 * 3600
MAX_SEED = 2**32 - 1


class ConfigError(ValueError):
    """Bad user input; the CLI prints it as one line and exits with code 2."""


def _check(kind: str, values: list[str], valid: list[str]) -> list[str]:
    if not values:
        raise ValueError(f"no {kind}s selected; valid: {', '.join(valid)}")
    for value in values:
        if value not in valid:
            raise ValueError(f"unknown {kind} '{value}'; valid: {', '.join(valid)}")
    return list(dict.fromkeys(values))


# Keys of older configs (and CLI/TOML files users already have) -> (criterion, option).
FLAT_OPTION_KEYS = {key: (c.name, option) for c in criterion_registry.registered()
                    for key, option in getattr(c.options, "FLAT_KEYS", {}).items()}


class RepetitionConfig(BaseModel):
    """How timed cells are repeated (runner/engine.py). Each repetition is a window of
    ``timing`` calls; windows of all cells of a workload are interleaved in shuffled rounds."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    min_windows: int = Field(4, ge=1, le=10_000)  # windows every cell gets, budget or not
    max_windows: int = Field(12, ge=1, le=10_000)  # most windows a cell gets while its verdicts stay inconclusive
    processes: int = Field(1, ge=1, le=64)  # worker processes each (workload, framework) is measured in, in turn
    gap_s: float = Field(0.01, ge=0, le=60)  # pause before each window: idle thread pools of other workers settle
    retries: int = Field(3, ge=0, le=1000)  # extra windows per cell to replace windows measured under contention
    # A window is contended (flagged, left out, measured again) when other processes used more than
    # this share of all CPUs during it, or its calibration probe ran this many times slower than the
    # run's usual; a host with a constant background load of its own may raise them.
    contended_other_cpu_pct: float = Field(20.0, ge=0, le=100)
    contended_probe_slowdown: float = Field(1.5, ge=1, le=1e9)  # 1e9: never (tests on synthetic timings)
    # ... or, when set, its worker's threads waited more than this share of the window for a CPU
    # (run-queue wait; recorded always, judged only when set: see measure/noise.py).
    contended_runq_wait_pct: Optional[float] = Field(None, ge=0, le=1e9)  # summed over threads: may pass 100
    # Interleave the windows of every workload's cells (one worker per framework holds them all),
    # so each cell's windows span the whole suite; off: one workload at a time (bounded memory).
    interleave_workloads: bool = True
    # Run-level sigma (log scale) added to absolute CIs for the machine's drift between runs
    # (measure/drift.py); None: estimated from earlier runs on this machine; 0: within-run CIs only.
    between_run_sigma: float | None = Field(None, ge=0, le=1)

    @model_validator(mode="after")
    def _order(self):
        if self.max_windows < self.min_windows:
            raise ValueError(f"max_windows ({self.max_windows}) must be at least min_windows ({self.min_windows})")
        return self


class SuiteSettings(BaseModel):
    """The suite's own settings; SuiteConfig adds every registered criterion's options."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    suite: str = "custom"
    # User sources (dlarena run --workload PATH / --keras-model FILE), recorded so that --resume
    # re-registers them; they must precede `workloads`, whose names they make valid.
    workload_sources: list[str] = Field(default_factory=list)
    keras_input_shape: list[int] | None = None
    keras_models: list[str] = Field(default_factory=list)
    criteria: list[str] = Field(default_factory=lambda: ["speed"])
    # Per criterion, the selected workloads its per-workload cells run on (default: every selected
    # one); when none of them is selected, the first selected workload (e.g. the demo's deployment
    # on mlp only, yet on cnn for `--suite demo -w cnn`).
    criterion_workloads: dict[str, list[str]] = Field(default_factory=dict)
    workloads: list[str] = Field(default_factory=lambda: list(workload_registry.DEFAULT))
    frameworks: list[str] = Field(default_factory=framework_registry.names)
    modes: list[str] = Field(default_factory=framework_registry.all_modes)
    # "framework:mode" pairs the speed criterion leaves out (the demo: JAX's op-by-op eager mode,
    # whose per-op compilation costs 30 s of start-up), though other criteria still use the mode.
    skip_speed_modes: list[str] = Field(default_factory=list)
    scenarios: list[str] = Field(default_factory=lambda: list(SPEED_SCENARIOS))
    # Same intra-op threads for every framework (default: physical cores, since SMT siblings
    # share the FMA units that dense kernels saturate) and one inter-op thread, so neither
    # framework gets extra parallelism the other is denied.
    threads: int = Field(default_factory=physical_cores, ge=1, le=MAX_THREADS)
    interop_threads: int = Field(1, ge=1, le=MAX_THREADS)
    # How `threads` was chosen (measure/cores.py): "auto" fits the free cores at the run's start;
    # the CPUs' busy shares then, and the idlest CPUs first (where workers are pinned). None: set directly.
    threads_fit: Optional[dict] = None
    timeout_s: float = Field(600.0, gt=0, le=MAX_TIMEOUT_S)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    timing: TimingConfig = Field(default_factory=TimingConfig)
    # Size preset for workloads that have one (resnet50_*, bert_large, lstm): tiny (tests),
    # small (a CPU), full (the real shape). None: each workload's own default (full).
    size: Optional[Literal["tiny", "small", "full"]] = None
    # bf16 runs as mixed precision (torch.autocast / Keras "mixed_bfloat16"), as extra speed
    # cells whose mode is suffixed "+bf16"; recorded as skipped where the hardware lacks it.
    precisions: list[str] = Field(default_factory=lambda: ["fp32"])
    # auto: a GPU when the framework sees one, else the CPU; gpu: a GPU or an explicit skip.
    device: Literal["auto", "cpu", "gpu"] = "auto"

    @model_validator(mode="before")
    @classmethod
    def _flat_option_keys(cls, values):
        """``tta_seeds = 2`` (older configs, recorded runs) is ``tta.seeds = 2``."""
        if isinstance(values, dict) and any(k in values for k in FLAT_OPTION_KEYS):
            values = dict(values)
            for key, (criterion, option) in FLAT_OPTION_KEYS.items():
                if key in values:
                    nested = values.get(criterion)
                    nested = dict(nested.model_dump() if isinstance(nested, BaseModel) else nested or {})
                    nested.setdefault(option, values.pop(key))
                    values[criterion] = nested
        return values
    # Wall-time budget of a suite (s): repetitions beyond the minimum go to cells whose verdicts
    # are still inconclusive, while the budget lasts. None: up to max_windows for each.
    budget_s: Optional[float] = Field(None, gt=0, le=MAX_BUDGET_S)
    repetitions: RepetitionConfig = Field(default_factory=RepetitionConfig)
    # OpenMP wait policy for every worker (OMP_WAIT_POLICY); "default" leaves each runtime's own.
    omp_wait_policy: Literal["default", "passive", "active"] = "default"
    # Work that measures no time (parity captures; code metrics, probes, inventories, run last) runs
    # this many frameworks at a time: one more than the CPUs (up to 3), since much of it is waiting
    # on imports and the results do not depend on the CPU share.
    untimed_parallel: int = Field(default_factory=lambda: min(3, (os.cpu_count() or 1) + 1), ge=1, le=64)
    # Verdicts: two cells are "equivalent" when the 95% CI of their speed ratio lies within +-band.
    equivalence_band: float = Field(DEFAULT_BAND, gt=0, lt=1)

    @field_validator("criteria", "modes", "precisions", "scenarios")
    @classmethod
    def _names(cls, v, info):
        kind, valid = {"criteria": ("criterion", criterion_registry.names),
                       "modes": ("mode", framework_registry.all_modes),
                       "precisions": ("precision", lambda: list(PRECISIONS)),
                       "scenarios": ("scenario", lambda: list(SPEED_SCENARIOS))}[info.field_name]
        return _check(kind, v, valid())

    @field_validator("workload_sources")
    @classmethod
    def _workload_sources(cls, v):
        if v:
            workload_registry.register_sources(v)
        return v

    @field_validator("keras_models")
    @classmethod
    def _keras_models(cls, v, info):
        if v:
            shape = info.data.get("keras_input_shape")
            workload_registry.register_keras_models(v, tuple(shape) if shape else None)
        return v

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
        valid = framework_registry.names()
        if any(name.startswith("keras-") for name in v):
            valid = valid + framework_registry.keras_names()
        return _check("framework", v, valid)


    @model_validator(mode="after")
    def _criteria_accept(self):
        """Each selected criterion's own check of its options against the selection."""
        for name in self.criteria:
            criterion_registry.load(name).check(self.selection(), self.options_of(name))
        return self

    @field_validator("criterion_workloads")
    @classmethod
    def _criterion_workloads(cls, v):
        if v:
            _check("criterion", list(v), criterion_registry.names())
        return v

    @field_validator("skip_speed_modes")
    @classmethod
    def _skip_speed_modes(cls, v):
        for item in v:
            fw, _, mode = item.partition(":")
            if fw not in framework_registry.FRAMEWORKS or mode not in framework_registry.info(fw).modes:
                valid = [f"{f}:{m}" for f in framework_registry.names() for m in framework_registry.info(f).modes]
                raise ValueError(f"unknown framework:mode '{item}'; valid: {', '.join(valid)}")
        return v

    def workloads_of(self, criterion: str) -> list[str]:
        """The selected workloads ``criterion``'s per-workload cells run on (criterion_workloads)."""
        wanted = self.criterion_workloads.get(criterion)
        if wanted is None:
            return self.workloads
        sized = {workload_registry.with_size(name, self.size) for name in wanted}
        return [w for w in self.workloads if w in sized] or self.workloads[:1]

    def options_of(self, criterion: str) -> BaseModel:
        """``criterion``'s options (typed, its own model), NoOptions for one without."""
        value = getattr(self, criterion, None)
        return value if isinstance(value, BaseModel) else NoOptions()

    def selection(self) -> Selection:
        """What the criteria plan their cells from (not the whole config)."""
        return Selection.of(self)

    def parity_cells(self, workload: str) -> list[Cell]:
        batch = workload_registry.get(workload).batch_for(PARITY)
        return [Cell(workload=workload, framework=fw, mode="eager", scenario=PARITY, batch=batch) for fw in self.frameworks]


SuiteConfig = create_model(
    "SuiteConfig", __base__=SuiteSettings, __module__=__name__,
    **{c.name: (c.options, Field(default_factory=c.options)) for c in criterion_registry.registered()
       if c.options is not NoOptions})


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
