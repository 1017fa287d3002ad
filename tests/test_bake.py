"""Bake the default suite (tests/combinations.py): the defaults, every single-answer variation,
the 16 pattern combinations with default providers and a pairwise top-up; check each.

Every bake must render without leftover Jinja, contain exactly the files its answers own, lint
clean, and pass its own offline test suite in its own uv environment.
"""

from __future__ import annotations

import re

import pytest
from bake import BENCH_RUNS, BakedProject, bake, leftover_jinja, project_pytest, uv_available
from combinations import combo_id, complete, default_suite
from expectations import owned_paths

DEFAULT_SUITE = default_suite()
BAKES: dict[str, BakedProject] = {}


@pytest.fixture(params=DEFAULT_SUITE, ids=combo_id)
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    key = combo_id(request.param)
    if key not in BAKES:
        BAKES[key] = bake(tmp_path_factory.mktemp("bake"), **request.param)
    return BAKES[key]


def test_renders_without_leftover_jinja(project: BakedProject) -> None:
    assert leftover_jinja(project) == []


def test_contains_exactly_the_files_its_answers_own(project: BakedProject) -> None:
    wrong = {
        path: ("missing" if wanted else "should have been pruned")
        for path, wanted in owned_paths(project.answers).items()
        if project.exists(path) != wanted
    }
    assert wrong == {}


def test_no_empty_files(project: BakedProject) -> None:
    empty = [
        str(p.relative_to(project.path))
        for p in project.files()
        if p.stat().st_size == 0 and p.name != "__init__.py"
    ]
    assert empty == []


def test_env_example_lists_exactly_the_required_keys(project: BakedProject) -> None:
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", project.read(".env.example"), re.MULTILINE))
    settings_source = project.read(
        f"src/{str(project.answers['project_slug']).replace('-', '_')}/settings.py"
    )
    required = set(re.findall(r'Requirement\(\s*"([A-Z0-9_]+)"', settings_source))
    assert listed == required


def test_fallback_settings_are_offered_commented_out(project: BakedProject) -> None:
    """Fallbacks are off by default: .env.example shows each one, never sets it."""
    example = project.read(".env.example")
    settings_source = project.read(
        f"src/{str(project.answers['project_slug']).replace('-', '_')}/settings.py"
    )
    names = re.findall(r'environ\.get\("(FALLBACK_[A-Z_]+)"', settings_source)
    assert sorted(names) == [
        "FALLBACK_LLM_MODEL",
        "FALLBACK_STT_MODEL",
        "FALLBACK_TTS_MODEL",
        "FALLBACK_TTS_VOICE",
    ]
    for name in names:
        assert re.search(rf"^# {name}=", example, re.MULTILINE), name
        assert not re.search(rf"^{name}=", example, re.MULTILINE), name


def test_ruff_check_and_format_pass(project: BakedProject) -> None:
    check = project.run("ruff", "check", "--no-cache", ".")
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = project.run("ruff", "format", "--check", "--no-cache", ".")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.skipif(not uv_available(), reason="uv is not installed")
def test_project_types_and_suite_pass_offline(project: BakedProject) -> None:
    sync = project.sync()
    assert sync.returncode == 0, sync.stderr[-3000:]
    types = project.run("uv", "run", "--no-sync", "mypy")
    assert types.returncode == 0, types.stdout[-3000:]
    result = project.run(*project_pytest(with_bench=project.overrides in BENCH_RUNS))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_defaults_need_no_adjustment() -> None:
    assert complete({}) == {}
