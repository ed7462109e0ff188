"""What a criterion is: the one contract every criterion implements, built in or third-party.

A criterion is a folder (``criteria/<name>/``) or an installed package registered under the
entry-point group ``dlarena.criteria`` (docs/adding-a-criterion.md). Its package defines one
``Criterion`` subclass and exposes an instance of it as ``CRITERION``. Everything else that names
criteria (the suite's options, the CLI's choices, the recommendation's weights, the report's
sections, the "when to use which" questions, the demo suite) is derived from these instances.

Words, one meaning each:
- a criterion's **score** is its 0..1 number per framework (``scores``), weighed by ``recommend``;
- a **verdict** is the ratio rule between two timed cells (``dlarena.measure.verdict``);
- a claim's **outcome** (supported, contradicted, ...) is the claims register's (``dlarena.claims``,
  its language in ``dlarena.claimkit``).

A criterion module is imported in the parent process: it must not import a framework at import
time (its ``entry`` runs inside an isolated worker, where it may).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from dlarena.cell import Cell

if TYPE_CHECKING:  # the report's section type; built by the criterion's own report module
    from dlarena.document import Section


class NoOptions(BaseModel):
    """The options of a criterion that has none."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


OptionsT = TypeVar("OptionsT", bound=BaseModel)


@dataclass(frozen=True)
class Selection:
    """What the user selected that a criterion plans its cells from: a narrow view of the suite's
    configuration (the criterion's own options come apart, typed)."""

    frameworks: tuple[str, ...]
    modes: tuple[str, ...]
    scenarios: tuple[str, ...] = ()
    precisions: tuple[str, ...] = ("fp32",)
    # "framework:mode" pairs the speed criterion leaves out (other criteria still use the mode)
    skip_speed_modes: tuple[str, ...] = ()
    size: str | None = None  # workload size preset
    seed: int = 0

    @classmethod
    def of(cls, config: Any) -> "Selection":
        """From a suite configuration (anything with these attributes)."""
        return cls(tuple(config.frameworks), tuple(config.modes), tuple(config.scenarios),
                   tuple(config.precisions), tuple(config.skip_speed_modes), config.size, config.seed)


class Criterion(Generic[OptionsT]):
    """One criterion. Subclasses set the class attributes and override the hooks they need; every
    hook has a default that contributes nothing."""

    name: ClassVar[str]  # as selected (--criteria) and stored with its cells
    title: ClassVar[str]  # as shown in the summary table and the recommendation
    order: ClassVar[int]  # its place wherever criteria are listed (lower first)
    entry: ClassVar[str] = ""  # "module:function" its cells run in, inside an isolated worker
    options: ClassVar[type[BaseModel]] = NoOptions  # nested in the suite config under ``name``
    needs_parity: ClassVar[bool] = True  # False: its cells run on a workload that failed parity
    timed_in_windows: ClassVar[bool] = False  # True: the speed engine times its cells in windows
    weighed: ClassVar[bool] = False  # True: ``scores`` enter the recommendation
    # "When to use which": question -> this criterion's weight in the answer, and what it stands
    # for in the answer's basis.
    use_cases: ClassVar[dict[str, float]] = {}
    stands_for: ClassVar[str] = ""
    # Its part of the demo suite: {"options": {...}, "workloads": [...]}; None: not in the demo.
    demo: ClassVar[dict | None] = None

    def check(self, selection: Selection, options: OptionsT) -> None:
        """Raise ValueError (one readable line) when its options cannot run with this selection."""

    def plan(self, selection: Selection, options: OptionsT, workload: str) -> list[Cell]:
        """Its cells for one selected workload (planned after that workload's parity check)."""
        return []

    def plan_global(self, selection: Selection, options: OptionsT) -> list[Cell]:
        """Its cells that belong to no workload (run after all workloads)."""
        return []

    def payload(self, options: OptionsT) -> dict:
        """What its cells receive besides the cell: its options under its name."""
        dumped = options.model_dump()
        return {self.name: dumped} if dumped else {}

    def window_driver(self) -> ModuleType:
        """For a criterion ``timed_in_windows``: the module the speed engine drives in the workers
        and the parent (``start``, ``window``, ``finish``, ``HEADLINE``, ``HIGHER_IS_BETTER``,
        ``to_unit``, ``estimate``, ``rows_from_windows``: see runner/engine.py)."""
        raise NotImplementedError(f"criterion '{self.name}' is not timed in windows")

    def untimed(self, cell: Cell) -> bool:
        """True for a cell that measures no time (code metrics, probes, inventories): run after
        every timed cell, several at a time, each still isolated with its timeout."""
        return False

    def side_by_side(self, cell: Cell) -> bool:
        """True for a cell run apart from the timed ones whose time is not compared (e.g. an
        export: its duration is shown, never judged): such cells of a workload run in workers side
        by side, one lane per framework (runner/lanes.py), in its plan's place, before the cells
        after them that may need their output."""
        return False

    def scores(self, cells: list[dict], rows: list[dict], band: float) -> dict[str, dict]:
        """Its score per framework from a run's rows: ``{framework: {"score": 0..1 or None,
        "line", "evidence": [cell ids], "grade", "scope"?, "unscored"?}}``; ``{}`` when the rows
        hold none of its cells. ``band`` is the run's equivalence band (``measure.verdict``)."""
        return {}

    def unscored(self, cells: list[dict], rows: list[dict]) -> dict[str, str]:
        """Framework -> why it has no score although the criterion ran (shown, never a 0)."""
        return {}

    def claim_kinds(self) -> dict[str, Callable]:
        """The claims register's check kinds this criterion owns: kind -> ``fn(check, ctx) ->
        CheckResult`` (``dlarena.claimkit``), e.g. speed's ratio comparison; the generic kinds
        (rows, show, dated, ...) are the register's."""
        return {}

    def sections(self, store: Any, run: dict, out_dir: Path) -> list["Section"]:
        """Its report sections for a stored run (none when the run holds none of its cells)."""
        return []

    def __repr__(self) -> str:
        return f"<criterion {self.name}>"
