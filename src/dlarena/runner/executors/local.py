"""The local executor: every unit on this machine, one after another (today's behaviour)."""

from __future__ import annotations

from dlarena.runner.scheduler import SuiteOutcome, SuiteRunner


class LocalExecutor:
    name = "local"

    def run(self, runner: SuiteRunner, done: dict[str, str]) -> SuiteOutcome:
        return runner.run(done)
