"""Shared by the infrastructure tests: a report of measured numbers (build time, artifact sizes) that is
printed in pytest's terminal summary, so a plain `pytest -q` run shows them."""

from __future__ import annotations

import pytest

_REPORT = pytest.StashKey[list[str]]()


@pytest.fixture(scope="session")
def infra_report(pytestconfig: pytest.Config) -> list[str]:
    """Lines to print at the end of the run."""
    return pytestconfig.stash.setdefault(_REPORT, [])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    lines = config.stash.get(_REPORT, [])
    if lines:
        terminalreporter.section("infrastructure")
        for line in lines:
            terminalreporter.write_line(line)
