"""The llm criterion's options."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class LlmOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Prefill is timed at each of these prompt lengths (tokens); decoding after a prompt of the first.
    prompt_lengths: list[int] = Field(default_factory=lambda: [32, 128], min_length=1, max_length=8)
    # Tokens generated per decode sample (time per output token = the difference of a generate of
    # 1 + new_tokens tokens and one of 1 token, divided by new_tokens).
    new_tokens: int = Field(16, ge=2, le=4096)
    # "framework:mode" pairs left out (e.g. the demo leaves torch.compile's minutes of compilation out).
    skip_modes: list[str] = Field(default_factory=list)

    @field_validator("prompt_lengths")
    @classmethod
    def _lengths(cls, v):
        bad = [n for n in v if not 1 <= n <= 1_000_000]
        if bad:
            raise ValueError(f"prompt lengths must be 1..1000000 tokens, got {bad}")
        return list(dict.fromkeys(v))
