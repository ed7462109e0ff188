"""Kept so that older imports work: the verdict rule lives in ``dlarena.measure.verdict``."""

from dlarena.measure.verdict import DEFAULT_BAND, Estimate, Verdict, compare

__all__ = ["DEFAULT_BAND", "Estimate", "Verdict", "compare"]
