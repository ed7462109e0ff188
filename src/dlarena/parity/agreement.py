"""Which frameworks of a workload are compared: comparability is decided per framework, so one
framework that computes a different function does not void the others' comparison.

The rule, over the frameworks whose parity record was captured (selection order):

1. Two records *agree* when ``check.compare`` passes; for the count below each pair is compared
   once, the framework selected earlier as its reference.
2. The reference is the first selected framework, unless another framework's record agrees with
   strictly more of the other records: then the first framework with the most agreements is the
   reference (the first selected is the odd one out, and the parity results say so).
3. Every other framework is compared with the reference: one that agrees is timed, one that differs
   is not (its cells say where it differs); the reference is timed when at least one other record
   agrees with it, or when it is the only record.
4. When no two records agree (two of two differ, say) nothing is timed: no majority names the odd one.

Pairs beyond the reference's comparisons are computed only when some framework differs from the
first selected one. Agreement is not transitive: two frameworks that each agree with the reference
are compared with each other though their own pair was not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

Compare = Callable[[str, str], dict]  # (reference, other) -> a parity result (check.compare)


@dataclass(frozen=True)
class Standing:
    """One framework's parity outcome: the result to store in its parity cell, and why its other
    cells are not timed (None: timed)."""
    result: dict
    not_timed: str | None


def decide(recorded: list[str], compare: Compare, display: Callable[[str], str]) -> tuple[str | None, dict[str, Standing]]:
    """The reference and each recorded framework's standing, ``recorded`` in selection order. The
    reference's result holds the metric ``parity_reference``; the others', their comparison with it."""
    if not recorded:
        return None, {}
    pairs = _Pairs(compare, recorded)
    first, reference, counts = recorded[0], recorded[0], {}
    # every comparison with the first is kept (the stored results), not only up to the first failure
    if not all([pairs.agree(first, other) for other in recorded[1:]]):
        counts = {fw: sum(pairs.agree(fw, other) for other in recorded if other != fw) for fw in recorded}
        reference = max(recorded, key=lambda fw: (counts[fw], -recorded.index(fw)))  # ties: the first selected
    note = _odd_reference_note(first, reference, counts, len(recorded), display)
    standings = {fw: _judged(pairs.result(reference, fw), reference, note if fw == first else None, display)
                 for fw in recorded if fw != reference}
    standings[reference] = _reference_standing(reference, standings, note, display)
    return reference, standings


def _judged(result: dict, reference: str, note: str | None, display: Callable[[str], str]) -> Standing:
    """A framework compared with the reference (``note``: why the first selected is not the reference)."""
    if result.get("status") == "ok":
        return Standing(result, None)
    reason = f"differs from {display(reference)} at {result.get('finding') or result.get('error')}: not timed"
    if note:
        return Standing({**result, "error": f"{result.get('error')}; {note}"}, f"{reason}; {note}")
    return Standing(result, reason)


def _reference_standing(reference: str, others: dict[str, Standing], note: str | None,
                        display: Callable[[str], str]) -> Standing:
    extra = {"role": "reference", **({"note": note} if note else {})}
    metrics = [{"metric": "parity_reference", "unit": None, "value": 1.0, "extra": extra}]
    if not others or any(s.not_timed is None for s in others.values()):
        return Standing({"status": "ok", "metrics": metrics}, None)
    differ = ", ".join(display(fw) for fw in others) + (" differs" if len(others) == 1 else " differ")
    why = (f"no two frameworks' parity records agree ({differ} from {display(reference)}): "
           f"no majority names the odd one out, so none is timed")
    return Standing({"status": "not_comparable", "error": why, "metrics": metrics}, why)


def _odd_reference_note(first: str, reference: str, counts: dict[str, int], n: int,
                        display: Callable[[str], str]) -> str | None:
    if reference == first:
        return None
    return (f"{display(first)}, the first selected, is the odd one out: its record agrees with "
            f"{counts[first]} of the {n - 1} others, {display(reference)}'s with {counts[reference]}, "
            f"so {display(reference)} is the reference")


class _Pairs:
    """Comparisons run once each; agreement of a pair is read with the earlier-selected side first."""

    def __init__(self, compare: Compare, order: list[str]):
        self._compare = compare
        self._done: dict[tuple[str, str], dict] = {}
        self._order = order

    def result(self, reference: str, other: str) -> dict:
        if (reference, other) not in self._done:
            self._done[reference, other] = self._compare(reference, other)
        return self._done[reference, other]

    def agree(self, a: str, b: str) -> bool:
        earlier, later = sorted((a, b), key=self._order.index)
        return self.result(earlier, later).get("status") == "ok"
