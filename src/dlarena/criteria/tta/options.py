"""Options of the time-to-accuracy criterion (``[tta]`` in a suite config)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


class TtaOptions(BaseModel):
    """Options of the ``tta`` criterion (time to accuracy): seeds per framework and mode, target test
    accuracy, epoch budget."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    # Flat keys of older configs (and recorded runs) -> option: ``tta_seeds = 2`` is ``tta.seeds = 2``.
    FLAT_KEYS: ClassVar[dict[str, str]] = {"tta_seeds": "seeds", "tta_target": "target", "tta_max_epochs": "max_epochs"}

    seeds: int = Field(3, ge=1, le=1000)
    target: float = Field(0.97, gt=0, le=1)
    max_epochs: int = Field(30, ge=1, le=10_000)
