"""A pytest plug-in: a test skipped for a reason outside tests/helpers/skips_allowed.py fails the session,
naming the test and the reason. Registered by tests/conftest.py (one instance per session)."""

from __future__ import annotations

import pytest

from helpers.skips_allowed import why_allowed


def skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


class SkipGuard:
    def __init__(self):
        self.unexpected: list[tuple[str, str]] = []

    def _note(self, report) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):
            reason = skip_reason(report)
            if why_allowed(reason) is None:
                self.unexpected.append((report.nodeid, reason))

    def pytest_runtest_logreport(self, report):
        self._note(report)

    def pytest_collectreport(self, report):  # a module-level skip (importorskip at import time)
        self._note(report)

    def pytest_terminal_summary(self, terminalreporter):
        if self.unexpected:
            terminalreporter.section("skips outside the allow-list (tests/helpers/skips_allowed.py)", red=True)
            for nodeid, reason in self.unexpected:
                terminalreporter.line(f"unexpected skip: {nodeid}: {reason}", red=True)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        if self.unexpected and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def register(config) -> None:
    config.pluginmanager.register(SkipGuard(), "dlarena_skip_guard")
