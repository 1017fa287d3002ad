"""Shared fixtures: one bake per answer set, one project-suite run per code shape.

Bakes go through pytest-cookies (`cookies_session`), in-process. The bake matrix's table
travels in the test report's user_properties, so it reaches the summary from a pytest-xdist
worker too (a worker's stdout never does).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from bake import BakedProject, ProjectSuites, bake
from combinations import combo_id
from pytest_cookies.plugin import Cookies

MATRIX_TABLE = "matrix_table"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name == MATRIX_TABLE:
                    terminalreporter.write_sep("=", "bake matrix")
                    terminalreporter.write_line(str(value))


@pytest.fixture(scope="session")
def baked(cookies_session: Cookies) -> Callable[..., BakedProject]:
    """`baked(**answers)`: the project for these answers, baked once per session and worker."""
    projects: dict[str, BakedProject] = {}

    def get(**overrides: object) -> BakedProject:
        key = combo_id(overrides)
        if key not in projects:
            projects[key] = bake(cookies_session, **overrides)
        return projects[key]

    return get


@pytest.fixture(scope="session")
def project_suites(tmp_path_factory: pytest.TempPathFactory) -> ProjectSuites:
    """Project-suite outcomes shared by every pytest-xdist worker of this run."""
    base = tmp_path_factory.getbasetemp()
    return ProjectSuites(
        (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "project-suites"
    )
