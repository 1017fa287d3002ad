"""Shared fixtures: one bake per answer set and one project-suite run per code shape, each
shared by every pytest-xdist worker of the run.

Bakes go through pytest-cookies' `Cookies`, in-process. The bake matrix's table
travels in the test report's user_properties, so it reaches the summary from a pytest-xdist
worker too (a worker's stdout never does).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from bake import BakedProject, ProjectSuites, bake, locked
from combinations import combo_id
from pytest_cookies.plugin import Cookies

MATRIX_TABLE = "matrix_table"

# The slowest tests, longest first, so that no worker is left with a long one at the end (with
# `--dist load --maxschedchunk 1`, pyproject.toml, a worker takes the next test when it is free):
# the property test that bakes the most, the answer cases, each code shape's project suite
# (uv sync, mypy, the project's pytest), then the other multi-second ones. A test not listed
# keeps its collection order after these.
SLOW_FIRST = (
    "tests/test_answers.py::test_text_answers_arrive_intact",
    "tests/test_bake.py::test_answer_cases_bake_clean_projects_that_pass_their_suites",
    "tests/test_bake.py::test_project_types_and_suite_pass_offline",
    "tests/test_docs_commands.py::test_every_documented_command_runs_or_says_why_not",
    "tests/test_answers.py",
    "tests/test_cruft.py::test_update_applies_template_changes_and_keeps_user_edits",
    "tests/test_deploy.py::test_the_",
    "tests/test_recipes.py",
    "tests/test_deploy.py::test_an_image",
    "tests/test_cruft.py",
    "tests/test_web.py",
)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers per core. Much of the suite's wall time is waiting (uv, mypy and
    each project's pytest in subprocesses, agent sessions that run in real time): with one
    worker per core the cores were idle half the time. Three per core measured no faster."""
    return 2 * (os.cpu_count() or 1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first (SLOW_FIRST), and within the project suites the first bake of each code
    shape before the bakes that share it (their run is reused, no worker waits on another's)."""

    def rank(item: pytest.Item) -> int:
        return next(
            (i for i, prefix in enumerate(SLOW_FIRST) if item.nodeid.startswith(prefix)),
            len(SLOW_FIRST),
        )

    items.sort(key=rank)  # stable: the default suite's rows keep their order (code rows first)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name == MATRIX_TABLE:
                    terminalreporter.write_sep("=", "bake matrix")
                    terminalreporter.write_line(str(value))


def run_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory every pytest-xdist worker of this run sees."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def baked(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    _cookiecutter_config_file: object,
) -> Callable[..., BakedProject]:
    """`baked(**answers)`: the project for these answers, baked once per run. The first worker
    that asks bakes it and records where; the others read the same tree (tests only read it).

    Not in `cookies_session`'s directory: pytest-cookies removes that when its worker's session
    ends, while another worker may still be reading a bake there. These stay with the run's
    directory, which pytest removes three runs later."""
    shared = run_directory(tmp_path_factory) / "bakes"
    shared.mkdir(parents=True, exist_ok=True)
    output = shared / os.environ.get("PYTEST_XDIST_WORKER", "main")

    def make_directory(name: str) -> Path:
        (output / name).mkdir(parents=True)
        return output / name

    cookies = Cookies(request.config.option.template, make_directory, _cookiecutter_config_file)
    projects: dict[str, BakedProject] = {}

    def get(**overrides: object) -> BakedProject:
        key = combo_id(overrides)
        if key not in projects:
            record = shared / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"
            with locked(record.with_suffix(".lock")):
                if record.exists():
                    found = json.loads(record.read_text())
                    projects[key] = BakedProject(Path(found["path"]), found["answers"], overrides)
                else:
                    project = bake(cookies, **overrides)
                    record.write_text(
                        json.dumps({"path": str(project.path), "answers": project.answers})
                    )
                    projects[key] = project
        return projects[key]

    return get


@pytest.fixture(scope="session")
def project_suites(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> ProjectSuites:
    """Project-suite outcomes shared by every pytest-xdist worker of this run. mypy's cache
    outlives the run, in pytest's cache directory (.pytest_cache/d/mypy) when there is one:
    mypy checks each cached module's hash, so a later run reuses what is unchanged."""
    shared = run_directory(tmp_path_factory) / "project-suites"
    cache = getattr(request.config, "cache", None)
    return ProjectSuites(shared, cache.mkdir("mypy") if cache is not None else shared / "mypy")
