"""Options of the deployment criterion (``[deployment]`` in a suite config)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dlarena import deploy

# Dynamic-range int8 quantizes weights only; on these workloads its outputs move by ~1-4% of
# the output scale (measured), so it is judged against this stated, looser bound.
INT8_TOLERANCE = 5e-2


class DeploymentOptions(BaseModel):
    """Options of the ``deployment`` criterion."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    paths: list[str] = Field(default_factory=deploy.path_keys)
    # Artifacts served over HTTP and load-tested: each framework's native artifact, and ONNX Runtime
    # (the paths marked ``served`` in the registry).
    serve: list[str] = Field(default_factory=deploy.served_keys)
    serve_s: float = Field(3.0, gt=0, le=120)
    serve_concurrency: int = Field(4, ge=1, le=64)
    serve_batch_max: int = Field(1, ge=1, le=1024)  # 1: no dynamic batching
    serve_batch_timeout_ms: float = Field(2.0, ge=0, le=1000)
    int8_tolerance: float = Field(INT8_TOLERANCE, gt=0, le=1)

    @field_validator("paths", "serve")
    @classmethod
    def _known(cls, v):
        return [p.key for p in deploy.select(v)] if v else []
