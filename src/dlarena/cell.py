"""What a cell is: its identity (Cell: workload, framework, mode, scenario, batch), the outcome
that is not a failure (Skipped) and the row a measurement returns (metric). Below every layer."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict


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


class Skipped(Exception):
    """Raised inside a cell that cannot run here (no GPU, no bf16): recorded as ``skipped`` with
    the message as its reason, so what was not measured is visible, never silently absent."""

    status = "skipped"


def metric(name: str, unit: str, value: float, summary=None, samples=None, **extra) -> dict:
    row = {"metric": name, "unit": unit, "value": float(value), "extra": extra}
    if summary is not None:
        row.update(ci_low=summary.ci_low, ci_high=summary.ci_high, q1=summary.q1, q3=summary.q3, n=summary.n)
    if samples is not None:
        row["samples"] = [float(s) for s in samples]
    return row


def error_line(exc: BaseException, limit: int | None = 300) -> str:
    """An exception as one line: ``Type: first line of the message``. TensorFlow wraps the real
    error in an "in user code:" traceback and Keras appends the call's arguments: the line that
    repeats the exception type is the one, and for Keras's "Exception encountered when calling"
    the cause is the next line."""
    name = type(exc).__name__
    plain = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    lines = [line.strip() for line in plain.strip().splitlines() if line.strip()]
    if not lines:
        return name[:limit]
    at = next((i for i, line in enumerate(lines) if line.startswith(f"{name}:")), 0)
    text = lines[at]
    if "Exception encountered when calling" in text and at + 1 < len(lines):  # Keras: the cause is next
        text = f"{lines[at + 1]} ({text.split('calling ')[-1].rstrip('.')})"
    return (text if text.startswith(name) else f"{name}: {text}")[:limit]
