"""Bake the default suite (tests/combinations.py) and check each bake.

Every bake must render without leftover Jinja, contain exactly the files its answers own and
lint clean; every code row must pass its own offline suite in its own uv environment. A
variant row (another deploy target that only runs the image, another license) must hold its
code row's code (tests/bake.py, `code_shape`) and shares that row's run; so does an answer
case whose code equals a row's.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable

import pytest
from bake import (
    BakedProject,
    ProjectSuites,
    code_shape,
    exit_abort_after_a_green_run,
    leftover_jinja,
    uv_available,
)
from combinations import (
    CODE_TOKENS,
    DIMENSIONS,
    bench_rows,
    code_row_for,
    combo_id,
    complete,
    default_suite,
    token,
)
from expectations import owned_paths
from static_checks import reserved_names, static_problems

DEFAULT_SUITE = default_suite()


@pytest.fixture(params=DEFAULT_SUITE, ids=combo_id)
def project(request: pytest.FixtureRequest, baked: Callable[..., BakedProject]) -> BakedProject:
    return baked(**request.param)


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
    settings_source = project.read(f"src/{project.answers['__package']}/settings.py")
    required = set(re.findall(r'Requirement\(\s*"([A-Z0-9_]+)"', settings_source))
    assert listed == required


def test_fallback_settings_are_offered_commented_out(project: BakedProject) -> None:
    """Fallbacks are off by default: .env.example shows each one, never sets it."""
    example = project.read(".env.example")
    settings_source = project.read(f"src/{project.answers['__package']}/settings.py")
    names = re.findall(r"^    fallback_([a-z_]+): str = \"\"$", settings_source, re.MULTILINE)
    expected = {  # a fallback for each model the architecture uses
        "pipeline": ["llm_model", "stt_model", "tts_model", "tts_voice"],
        "realtime": ["realtime_model"],
        "half-cascade": ["realtime_model", "tts_model", "tts_voice"],
    }
    assert sorted(names) == expected[str(project.answers["architecture"])]
    names = [f"FALLBACK_{name.upper()}" for name in names]
    for name in names:
        assert re.search(rf"^# {name}=", example, re.MULTILINE), name
        assert not re.search(rf"^{name}=", example, re.MULTILINE), name


def test_ruff_check_and_format_pass(project: BakedProject) -> None:
    check = project.run("ruff", "check", "--no-cache", ".")
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = project.run("ruff", "format", "--check", "--no-cache", ".")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


# The benchmark's real run, where its generated code differs (tests/bake.py, BENCH_RUNS).
BENCH_ROWS = {combo_id(row) for row in bench_rows()}


@pytest.mark.skipif(not uv_available(), reason="uv is not installed")
def test_project_types_and_suite_pass_offline(
    project: BakedProject,
    project_suites: ProjectSuites,
    baked: Callable[..., BakedProject],
    request: pytest.FixtureRequest,
) -> None:
    row = request.node.callspec.id
    base = code_row_for(project.overrides)
    if base is not None and combo_id(base) != row:
        # A variant row (another deploy target that only runs the image, another license):
        # its code row runs the suite. Holding the same code is all it must show, and it need
        # not wait for that run.
        assert code_shape(project) == code_shape(baked(**base)), f"not the code of {base}"
        return
    run = project_suites.run(project, row, with_bench=row in BENCH_ROWS)
    assert not run.failed, f"{run.failed} failed (shape first baked as {run.first}):\n{run.output}"
    # No installed module or distribution may be a name a slug could take (the hook's list).
    own = {project.answers["__package"], str(project.answers["project_slug"]).replace("-", "_")}
    possible = {name for name in run.installed if name.isidentifier() and name[0] != "_"}
    unlisted = possible - own - reserved_names()
    assert unlisted == set(), "add these to DEPENDENCY_NAMES in hooks/pre_gen_project.py"


# Answers users or the property test (tests/test_answers.py) found breaking a project. Each
# bakes clean and passes its own suite; one whose code equals a default row's shares its run.
ANSWER_CASES = {
    # A 40-character package (the longest allowed) in every file any answer can add; every
    # model local, so `console` needs no key at all.
    "long-slug-everywhere": {
        "project_slug": "acme-customer-support-voice-agent-eu-1x",
        "model_access": "plugins",
        "stt": "faster-whisper",
        "llm": "ollama",
        "tts": "kokoro",
        "turn_detection": "text-model",
        "use_rag": True,
        "use_multi_agent": True,
        "use_sip": True,
        "deploy_target": "kubernetes",
    },
    # Free text that broke TOML, Markdown or imports; values the hook now derives.
    "tricky-text-derived-values": {
        "project_name": "😀",  # slug voice-agent: a package sorting after `tests`
        "description": '# Returns & "refunds"\n1. back\\slash 🎙',
        "author_name": "Zoë O'Brien 🎙",
        "author_email": "",
        "llm": "ollama",  # LiveKit Inference cannot serve it: plugins for every model
        "use_sip": True,  # no agent name: the slug
    },
}


@pytest.mark.skipif(not uv_available(), reason="uv is not installed")
@pytest.mark.parametrize("answers", ANSWER_CASES.values(), ids=ANSWER_CASES.keys())
def test_answer_cases_bake_clean_projects_that_pass_their_suites(
    answers: dict[str, object], baked: Callable[..., BakedProject], project_suites: ProjectSuites
) -> None:
    project = baked(**answers)
    assert static_problems(project) == []
    run = project_suites.run(project, combo_id(answers))
    assert not run.failed, f"{run.failed} failed (shape first baked as {run.first}):\n{run.output}"


def test_values_that_share_a_code_token_bake_the_same_code(
    baked: Callable[..., BakedProject],
) -> None:
    """The suite runs a project's tests once per token (tests/combinations.py, CODE_TOKENS):
    values sharing one must give identical src/ and tests/, values that do not must differ."""
    for key in CODE_TOKENS:
        shapes: dict[object, set[str]] = {}
        for value in DIMENSIONS[key]:
            shapes.setdefault(token(key, value), set()).add(code_shape(baked(**{key: value})))
        assert all(len(found) == 1 for found in shapes.values()), (key, shapes)
        assert len(set.union(*shapes.values())) == len(shapes), (key, shapes)


def test_defaults_need_no_adjustment() -> None:
    assert complete({}) == {}


PANIC = "thread caused non-unwinding panic. aborting."


@pytest.mark.parametrize(
    ("returncode", "stdout", "stderr", "retried"),
    [
        (-6, "96 passed, 1 skipped in 59.11s", PANIC, True),
        (-6, "1 failed, 95 passed in 59.11s", PANIC, False),
        (-6, "96 passed, 1 error in 59.11s", PANIC, False),
        (-6, "", PANIC, False),  # died mid-run
        (1, "96 passed in 59.11s", "Segmentation fault", False),
        (0, "96 passed in 59.11s", "", False),
    ],
    ids=["abort-after-green", "failed", "error", "no-summary", "other-crash", "green"],
)
def test_only_livekits_exit_abort_after_a_green_run_is_retried(
    returncode: int, stdout: str, stderr: str, retried: bool
) -> None:
    result = subprocess.CompletedProcess(["pytest"], returncode, stdout, stderr)
    assert exit_abort_after_a_green_run(result) is retried
