"""The peak criterion's options."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PeakOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # gemm: a square GEMM per framework and precision (the MFU roof); memory_bandwidth: one host copy
    # probe (the roof of batch-1 LLM decoding)
    probes: list[Literal["gemm", "memory_bandwidth"]] = Field(default_factory=lambda: ["gemm", "memory_bandwidth"],
                                                              min_length=1)
