"""The hooks: refusals before anything is written, derived values, pruning that keeps the
user's files, setup that survives failure, cruft safety."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
from bake import DEFAULTS, TEMPLATE, answers_with, bake, fake_uv, project_environment
from combinations import is_valid
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter
from pytest_cookies.plugin import Cookies
from static_checks import hook_module
from template_copies import copy_template, git, head, snapshot_template

CONTEXT = json.loads((TEMPLATE / "cookiecutter.json").read_text())
PROJECT_TEMPLATE = TEMPLATE / "{{cookiecutter.__project_dir}}"


def cookiecutter_cli(tmp_path: Path, *answers: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            str(TEMPLATE),
            "--no-input",
            "-o",
            str(tmp_path),
            "run_setup=no",
            *answers,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def pre_hook(tmp_path_factory: pytest.TempPathFactory):
    return hook_module("pre_gen_project.py", CONTEXT, tmp_path_factory.mktemp("hook"))


# Each answer the issue tracker saw break a project, and the words its refusal must hold.
REFUSED = {
    "bad-characters": (["project_slug=Bad Slug!"], ["project_slug='Bad Slug!'", "lowercase"]),
    "keyword": (["project_slug=import"], ["'import'", "Python keyword", "'import-agent'"]),
    "keyword-async": (["project_slug=async"], ["Python keyword"]),
    "stdlib": (["project_slug=typing"], ["standard library's typing module"]),
    "stdlib-json": (["project_slug=json"], ["standard library's json module"]),
    "test-tool": (["project_slug=pytest"], ["package the project depends on"]),
    "stdlib-test": (["project_slug=test"], ["standard library's test package"]),
    "entry-point": (["project_slug=agent"], ["src/agent.py"]),
    "dependency": (["project_slug=livekit-agents"], ["package the project depends on"]),
    "namespace": (["project_slug=livekit"], ["package the project depends on"]),
    "too-long": (["project_slug=" + "a" * 41], ["41 characters", "at most 40"]),
    "trailing-newline": (["project_slug=acme\n"], ["project_slug='acme\\n'"]),
    "empty-slug": (["project_slug="], ["project_slug is empty", "derive one from project_name"]),
    "agent-name": (["agent_name=my agent"], ["agent_name='my agent'", "leave it empty"]),
    "email": (["author_email=not an email"], ["author_email='not an email'", "leave it empty"]),
    "template-syntax": (["project_name={{ 7*7 }}"], ["project_name='{{ 7*7 }}'", "Jinja"]),
    "control-character": (["description=ring\x07"], ["description", "U+0007"]),
    "derived-override": (
        ["__package=../../escaped"],
        ["__package='../../escaped'", "leave it out"],
    ),
    "inference-only-voice-under-plugins": (
        ["model_access=plugins", "tts=rime"],
        [
            "tts=rime is served only through LiveKit Inference",
            "model_access=inference",
            "tts=cartesia",
        ],
    ),
    "voice-without-the-language": (
        ["language=es", "tts=rime"],
        ["tts=rime cannot speak language=es", "tts=deepgram-aura", "tts=inworld"],
    ),
    "local-whisper-cannot-detect": (
        ["language=multi", "stt=faster-whisper"],
        ["stt=faster-whisper cannot hear language=multi", "stt=deepgram"],
    ),
    "gemini-half-cascade": (
        ["architecture=half-cascade", "realtime_model=gemini-live"],
        ["realtime_model=gemini-live answers in audio only", "architecture=realtime"],
    ),
    "half-cascade-cannot-follow-the-language": (
        ["architecture=half-cascade", "language=multi"],
        ["language=multi with architecture=half-cascade", "tts=openai"],
    ),
}


@pytest.mark.parametrize(("answers", "expected"), REFUSED.values(), ids=REFUSED.keys())
def test_bad_answers_are_refused_with_a_message_and_nothing_written(
    tmp_path: Path, answers: list[str], expected: list[str]
) -> None:
    result = cookiecutter_cli(tmp_path, *answers)
    assert result.returncode != 0
    message = result.stderr[result.stderr.index("These answers cannot") :]
    for text in expected:
        assert text in message
    assert message.count("  - ") == 1, message
    assert "Nothing was written" in message
    assert list(tmp_path.iterdir()) == []


def test_every_problem_is_listed_at_once(pre_hook) -> None:
    answers = {
        **CONTEXT,
        **answers_with(project_slug="json", author_email="nope", agent_name="a b"),
    }
    answers.update(pre_hook.derived(answers))
    problems = [problem for check in pre_hook.CHECKS for problem in check(answers)]
    assert [problem.split("=")[0] for problem in problems] == [
        "project_slug",
        "agent_name",
        "author_email",
    ]


# Answers that used to be refused although a working value follows from the others.
DERIVED = {
    "whisper-via-inference": (
        {"stt": "faster-whisper"},
        {"__stt_access": "plugins", "__llm_access": "inference", "__model_access": "mixed"},
    ),
    "ollama-via-inference": (
        {"llm": "ollama"},
        {"__llm_access": "plugins", "__provider_keys": "", "__model_access": "mixed"},
    ),
    "claude-and-an-inference-only-voice": (
        {"llm": "anthropic-claude", "tts": "rime"},
        {
            "__llm_access": "plugins",
            "__tts_access": "inference",
            "__provider_keys": "ANTHROPIC_API_KEY",
        },
    ),
    "kokoro-via-inference": (
        {"tts": "kokoro"},
        {"__tts_access": "plugins", "__provider_keys": "", "__model_access": "mixed"},
    ),
    "nothing-inference-serves": (
        {"stt": "faster-whisper", "llm": "ollama", "tts": "elevenlabs"},
        {"__model_access": "plugins", "__provider_keys": "ELEVEN_API_KEY"},
    ),
    "realtime-uses-no-pipeline-models": (
        {
            "architecture": "realtime",
            "stt": "assemblyai",
            "tts": "elevenlabs",
            "turn_detection": "vad",
        },
        {"__stt": "none", "__llm": "none", "__tts": "none", "__turn_detection": "realtime"},
    ),
    "half-cascade-keeps-the-voice": (
        {"architecture": "half-cascade", "tts": "elevenlabs", "model_access": "plugins"},
        {
            "__stt": "none",
            "__tts": "elevenlabs",
            "__provider_keys": "ELEVEN_API_KEY OPENAI_API_KEY",
        },
    ),
    "pipeline-uses-no-realtime-model": (
        {"realtime_model": "gemini-live"},
        {"__realtime_model": "none", "__realtime_access": "none"},
    ),
    "batch-stt-endpointing": (
        {"model_access": "plugins", "stt": "openai", "turn_detection": "stt"},
        {"__turn_detection": "audio-model"},
    ),
    "sip-without-agent-name": ({"use_sip": True}, {"__agent_name": "my-voice-agent"}),
    "agent-name-with-newline": (
        {"agent_name": "phone-agent\n"},
        {"__agent_name": "phone-agent"},
    ),
    "emoji-only-name": ({"project_name": "😀"}, {"project_slug": "voice-agent"}),
    "keyword-name": ({"project_name": "Import"}, {"project_slug": "import-agent"}),
    "digit-name": ({"project_name": "7 Eleven"}, {"project_slug": "agent-7-eleven"}),
    "long-name": (
        {"project_name": "Acme Customer Support Voice Agent For Returns And Refunds"},
        {"project_slug": "acme-customer-support-voice-agent-agent"},
    ),
    "multi-line-description": (
        {"description": "# Heading\nsecond   line"},
        {"__description": "# Heading second line"},
    ),
}


@pytest.mark.parametrize(("answers", "expected"), DERIVED.values(), ids=DERIVED.keys())
def test_answers_that_cannot_work_as_given_are_derived_not_refused(
    cookies: Cookies, answers: dict[str, object], expected: dict[str, object]
) -> None:
    project = bake(cookies, **answers)
    assert {key: project.answers[key] for key in expected} == expected


def test_derived_values_are_announced(tmp_path: Path) -> None:
    result = cookiecutter_cli(tmp_path, "llm=ollama", "use_sip=yes", "turn_detection=stt")
    assert result.returncode == 0, result.stderr
    notes = result.stderr[result.stderr.index("Derived from your answers:") :]
    assert "LiveKit Inference does not serve llm=ollama: it uses its provider's plugin" in notes
    assert "agent_name=my-voice-agent" in notes


def test_answers_the_architecture_does_not_use_are_announced(tmp_path: Path) -> None:
    result = cookiecutter_cli(tmp_path, "architecture=realtime", "stt=assemblyai")
    assert result.returncode == 0, result.stderr
    notes = result.stderr[result.stderr.index("Derived from your answers:") :]
    assert "architecture=realtime does not use stt=assemblyai, llm=" in notes
    assert "turn_detection=audio-model." in notes


def test_the_hook_derives_what_cookiecutter_json_derives(cookies: Cookies, pre_hook) -> None:
    """The hook checks `__` values against its own derivation; both must agree."""
    for answers in ({}, {"llm": "ollama", "use_sip": True}, {"project_name": " Two\nLines "}):
        project = bake(cookies, **answers)
        derived = pre_hook.derived(project.answers)
        assert {key: project.answers[key] for key in derived} == derived


def test_pre_hook_and_the_test_matrix_agree_on_what_is_valid(pre_hook) -> None:
    """The matrix bakes effective answers only: none that the hook refuses, and none that a
    derivation changes (an unused answer other than its default, a turn detection the STT
    cannot do, model_access=inference when Inference serves none of the models)."""
    keys = (
        "model_access",
        "architecture",
        "realtime_model",
        "language",
        "stt",
        "llm",
        "tts",
        "turn_detection",
    )
    for values in itertools.product(*(CONTEXT[key] for key in keys), [True, False], ["", "a"]):
        answers = {
            **CONTEXT,
            **DEFAULTS,
            **dict(zip(keys, values[: len(keys)], strict=True)),
            "use_sip": values[-2],
            "agent_name": values[-1],
        }
        answers.update(pre_hook.derived(answers))
        unchanged = (
            not pre_hook.check_models(answers)
            and all(
                answers[key] == DEFAULTS[key]
                for key in ("stt", "llm", "tts", "realtime_model")
                if answers[f"__{key}"] == "none"
            )
            and answers["__turn_detection"] in (answers["turn_detection"], "realtime")
            and (
                answers["__turn_detection"] != "realtime"
                or answers["turn_detection"] == DEFAULTS["turn_detection"]
            )
            and answers["__model_access"] in (answers["model_access"], "mixed")
            and answers["__agent_name"] == answers["agent_name"]
        )
        assert unchanged == is_valid(answers), {key: answers[key] for key in keys}


@pytest.mark.parametrize("version", CONTEXT["python_version"])
def test_reserved_names_cover_every_offered_python(pre_hook, version: str) -> None:
    """The hook's list holds the standard library of 3.11-3.13, whichever Python runs it."""
    python = shutil.which(f"python{version}", path=project_environment(version)["PATH"])
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    code = "import sys; print(' '.join(sys.stdlib_module_names))"
    names = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    public = {name.lower() for name in names.stdout.split() if not name.startswith("_")}
    assert public - pre_hook.STDLIB_MODULES == set()


def test_derived_slugs_never_collide_with_a_reserved_name(pre_hook) -> None:
    """A derived slug ends in '-agent' or starts with 'agent-' (cookiecutter.json), and no
    reserved name does: so no project name can derive a refused slug."""
    reserved = pre_hook.STDLIB_MODULES | pre_hook.DEPENDENCY_NAMES | set(pre_hook.PROJECT_NAMES)
    assert [name for name in reserved if re.search(r"(^agent_|_agent$)", name)] == []


def test_quotes_and_backslashes_in_answers_are_data(cookies: Cookies) -> None:
    project = bake(
        cookies,
        project_name='Bob\'s "Voice" Agent',
        description='Says "hi" \\ and """ quotes',
        author_name='O\'Brien "Ops"',
    )
    assert project.path.name == "bob-s-voice-agent"
    metadata = tomllib.loads(project.read("pyproject.toml"))["project"]
    assert metadata["description"] == 'Says "hi" \\ and """ quotes'
    assert metadata["authors"][0]["name"] == 'O\'Brien "Ops"'


def test_emoji_and_empty_authors_make_valid_toml(cookies: Cookies) -> None:
    project = bake(cookies, description="Says hi 😀", author_name="Zoë 🎙", author_email="")
    metadata = tomllib.loads(project.read("pyproject.toml"))["project"]
    assert metadata["description"] == "Says hi 😀"
    assert metadata["authors"] == [{"name": "Zoë 🎙"}]
    nobody = bake(cookies, author_name="", author_email="")
    assert "authors" not in tomllib.loads(nobody.read("pyproject.toml"))["project"]


def bake_with_setup(tmp_path: Path, path_dirs: list[Path], monkeypatch, capfd) -> str:
    monkeypatch.setenv("PATH", os.pathsep.join(str(p) for p in path_dirs))
    monkeypatch.delenv("LIVEKIT_TEMPLATE_SKIP_SETUP", raising=False)
    cookiecutter(
        str(TEMPLATE),
        no_input=True,
        output_dir=str(tmp_path / "out"),
        extra_context=answers_with(run_setup=True),
    )
    return capfd.readouterr().err


def no_tools_dir(tmp_path: Path) -> Path:
    """A PATH entry with nothing in it: hooks run with cookiecutter's absolute interpreter."""
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    return empty


def test_setup_runs_uv_sync_then_download_files(tmp_path: Path, monkeypatch, capfd) -> None:
    log = fake_uv(tmp_path / "bin", 0)
    bake_with_setup(tmp_path, [tmp_path / "bin", no_tools_dir(tmp_path)], monkeypatch, capfd)
    assert log.read_text().splitlines() == [
        "sync",
        "run python -m livekit.agents download-files",
    ]


def test_failed_setup_prints_the_commands_and_keeps_the_project(
    tmp_path: Path, monkeypatch, capfd
) -> None:
    log = fake_uv(tmp_path / "bin", 2)
    stderr = bake_with_setup(
        tmp_path, [tmp_path / "bin", no_tools_dir(tmp_path)], monkeypatch, capfd
    )
    assert log.read_text().splitlines() == ["sync"]
    assert "Setup skipped: 'uv sync' exited with 2" in stderr
    assert "uv run python -m livekit.agents download-files" in stderr
    assert (tmp_path / "out" / "my-voice-agent" / "src" / "agent.py").exists()
    assert "Traceback" not in stderr


def test_missing_uv_prints_a_hint(tmp_path: Path, monkeypatch, capfd) -> None:
    stderr = bake_with_setup(tmp_path, [no_tools_dir(tmp_path)], monkeypatch, capfd)
    assert "uv is not on PATH" in stderr
    assert (tmp_path / "out" / "my-voice-agent" / "pyproject.toml").exists()


def test_a_failed_download_lists_only_the_commands_still_to_run(
    tmp_path: Path, monkeypatch, capfd
) -> None:
    log = fake_uv(tmp_path / "bin", 3, fail_on="run")
    stderr = bake_with_setup(
        tmp_path, [tmp_path / "bin", no_tools_dir(tmp_path)], monkeypatch, capfd
    )
    assert log.read_text().splitlines() == ["sync", "run python -m livekit.agents download-files"]
    hint = stderr[stderr.index("Setup skipped") :]
    assert "'uv run python -m livekit.agents download-files' exited with 3" in hint
    assert "    uv run python -m livekit.agents download-files" in hint
    assert "uv sync" not in hint, "uv sync already passed; the hint must not repeat it"


# Where a hook finds itself, relative to the system temp dir: cruft 2.16 renders update/diff
# copies at <tmp>/tmpXXXXXXXX/<slug> (tempfile.TemporaryDirectory in _generate_output).
RENDER_LAYOUTS = {
    "cruft-update-render": ("abc123", "tmp/tmpk3_9xq2a/my-voice-agent", [], True),
    "cruft-create-into-a-temp-dir": ("abc123", "tmp/work/my-voice-agent", [], False),
    "cruft-create-deeper-in-temp": ("abc123", "tmp/tmpk3_9xq2a/a/my-voice-agent", [], False),
    "cruft-create-into-a-mkdtemp-dir-in-use": (
        "abc123",
        "tmp/tmpk3_9xq2a/my-voice-agent",
        ["notes.txt"],
        False,
    ),
    "cruft-create-outside-temp": ("abc123", "home/me/my-voice-agent", [], False),
    "cookiecutter-into-a-render-like-dir": ("", "tmp/tmpk3_9xq2a/my-voice-agent", [], False),
}


@pytest.mark.parametrize(
    ("commit", "project", "siblings", "expected"),
    RENDER_LAYOUTS.values(),
    ids=RENDER_LAYOUTS.keys(),
)
def test_detects_only_cruft_update_renders(
    tmp_path: Path,
    monkeypatch,
    commit: str,
    project: str,
    siblings: list[str],
    expected: bool,
) -> None:
    context = {**answers_with(), "__package": "my_voice_agent", "_commit": commit}
    hook = hook_module("post_gen_project.py", context, tmp_path)
    root = tmp_path / "machine"
    (root / "tmp").mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(root / "tmp"))
    (root / project).mkdir(parents=True)
    for name in siblings:
        (root / project).parent.joinpath(name).write_text("mine\n")
    monkeypatch.setattr(hook, "PROJECT", root / project)
    assert hook.inside_cruft_render() is expected


def generate(template: Path | str, out: Path, **answers: object) -> Path:
    """Plain cookiecutter, in-process, as `uvx cookiecutter <template>` runs it."""
    cookiecutter(
        str(template), no_input=True, output_dir=str(out), extra_context=answers_with(**answers)
    )
    return out / "my-voice-agent"


def record_of(project: Path) -> dict[str, object]:
    return json.loads((project / ".template.json").read_text())


def link_line(project: Path) -> str:
    readme = (project / "README.md").read_text()
    return next(line for line in readme.splitlines() if line.startswith("uvx cruft link"))


def test_a_project_records_the_template_and_commit_it_came_from(tmp_path: Path, capfd) -> None:
    template = snapshot_template(tmp_path / "template")
    commit = head(template)
    project = generate(template, tmp_path / "out")

    assert record_of(project) == {"template": str(template), "commit": commit}
    assert link_line(project).startswith(f"uvx cruft link --checkout {commit} {template} -y ")
    assert f"Created my-voice-agent from {template} at commit {commit}." in capfd.readouterr().err


def test_the_readmes_own_command_records_the_checkout_as_an_absolute_path(
    tmp_path: Path, monkeypatch
) -> None:
    """`uvx cookiecutter@2.7.1 . --no-input` from a checkout: '.' means nothing in the project."""
    template = snapshot_template(tmp_path / "template")
    monkeypatch.chdir(template)
    monkeypatch.setenv("PWD", str(template))  # as the shell sets it
    project = generate(".", tmp_path / "out")
    assert record_of(project) == {"template": str(template), "commit": head(template)}


def test_uncommitted_template_changes_are_recorded(tmp_path: Path, capfd) -> None:
    template = snapshot_template(tmp_path / "template")
    (template / "docs" / "draft.md").write_text("not committed\n")
    project = generate(template, tmp_path / "out")
    assert record_of(project) == {
        "template": str(template),
        "commit": head(template),
        "uncommitted_changes": True,
    }
    assert f"at commit {head(template)} plus uncommitted changes." in capfd.readouterr().err


UNKNOWN_COMMIT = ["a-plain-directory", "untracked-in-another-repository", "no-git-on-path"]


@pytest.mark.parametrize("where", UNKNOWN_COMMIT)
def test_without_a_commit_the_placeholder_stays_and_generation_succeeds(
    tmp_path: Path, monkeypatch, capfd, where: str
) -> None:
    if where == "a-plain-directory":
        template = copy_template(tmp_path / "template")
    elif where == "untracked-in-another-repository":
        # Its HEAD is some other project's commit: not the template's.
        (tmp_path / "notes.md").write_text("mine\n")
        git("init", "-q", cwd=tmp_path)
        git("add", "notes.md", cwd=tmp_path)
        git("commit", "-qm", "notes", cwd=tmp_path)
        template = copy_template(tmp_path / "template")
    else:
        template = snapshot_template(tmp_path / "template")
        monkeypatch.setenv("PATH", str(no_tools_dir(tmp_path)))
    project = generate(template, tmp_path / "out")

    assert record_of(project) == {"template": str(template), "commit": None}
    assert link_line(project).startswith(f"uvx cruft link --checkout <commit> {template} -y ")
    stderr = capfd.readouterr().err
    assert f"from {template} (commit unknown" in stderr
    assert "Traceback" not in stderr


TEMPLATE_SOURCES = {
    "github-abbreviation": ("gh:acme/voice-template", "https://github.com/acme/voice-template.git"),
    "gitlab-abbreviation": ("gl:acme/voice-template", "https://gitlab.com/acme/voice-template.git"),
    "https-url": ("https://example.com/acme/t.git", "https://example.com/acme/t.git"),
    "ssh-url": ("git@github.com:acme/t.git", "git@github.com:acme/t.git"),
}


@pytest.mark.parametrize(
    ("given", "recorded"), TEMPLATE_SOURCES.values(), ids=TEMPLATE_SOURCES.keys()
)
def test_the_template_is_recorded_as_cruft_can_clone_it(
    tmp_path: Path, given: str, recorded: str
) -> None:
    """cruft clones what it is given and knows no cookiecutter abbreviation."""
    context = {**answers_with(), "__package": "my_voice_agent", "_template": given}
    assert hook_module("post_gen_project.py", context, tmp_path).template_location() == recorded


def test_cruft_renders_record_cruft_s_values_without_running_git(
    tmp_path: Path, monkeypatch
) -> None:
    """cruft's update and diff renders must write what the project holds: from the context."""
    context = {
        **answers_with(),
        "__package": "my_voice_agent",
        "_template": "https://example.com/acme/t.git",
        "_commit": "0123456789abcdef0123456789abcdef01234567",
    }
    hook = hook_module("post_gen_project.py", context, tmp_path)
    project = tmp_path / "render"
    project.mkdir()
    readme = "# x\n\nuvx cruft link --checkout <commit> <template> -y --extra-context '{}'\n"
    (project / "README.md").write_text(readme)
    monkeypatch.setattr(hook, "PROJECT", project)

    def no_git(*args: object, **kwargs: object) -> None:
        raise AssertionError("the hook ran a process inside a cruft render")

    monkeypatch.setattr(hook.subprocess, "run", no_git)
    hook.record_template_source()
    assert record_of(project) == {
        "template": context["_template"],
        "commit": context["_commit"],
    }
    assert link_line(project) == (
        f"uvx cruft link --checkout {context['_commit']} {context['_template']} -y "
        "--extra-context '{}'"
    )


def next_steps(stderr: str) -> list[str]:
    """The commands of the closing message's Next list, comments dropped."""
    lines = stderr[stderr.index("Next:") :].splitlines()[1:]
    return [line.split("#")[0].strip() for line in lines if line.startswith("    ")]


def test_the_closing_message_leads_with_the_current_commands(tmp_path: Path, capfd) -> None:
    generate(TEMPLATE, tmp_path / "out")
    stderr = capfd.readouterr().err
    assert next_steps(stderr) == [
        "cd my-voice-agent",
        "cp .env.example .env.local",
        "lk agent console",
        "uv run python src/agent.py console",
        "uv run pytest",
    ]
    fallback = next(line for line in stderr.splitlines() if "src/agent.py console" in line)
    assert "PortAudio" in fallback


def test_the_closing_message_lists_what_the_answers_need_first(tmp_path: Path, capfd) -> None:
    generate(
        TEMPLATE,
        tmp_path / "out",
        model_access="plugins",
        stt="faster-whisper",
        llm="ollama",
        use_rag=True,
    )
    steps = next_steps(capfd.readouterr().err)
    needed = [
        "uv run python -m livekit.agents download-files",
        "ollama pull llama3.1",
        "uv run python -m my_voice_agent.knowledge ingest",
    ]
    assert steps[2:5] == needed
    assert steps.index("lk agent console") == 5


def test_the_closing_message_says_a_keyless_project_needs_no_key(tmp_path: Path, capfd) -> None:
    generate(
        TEMPLATE,
        tmp_path / "out",
        model_access="plugins",
        stt="faster-whisper",
        llm="ollama",
        tts="kokoro",
    )
    stderr = capfd.readouterr().err
    assert next_steps(stderr)[2] == "uv run python -m livekit.agents download-files"
    copy = next(line for line in stderr.splitlines() if "cp .env.example" in line)
    assert "console needs no key" in copy


def test_a_refused_bake_raises_for_api_callers(cookies: Cookies) -> None:
    with pytest.raises(FailedHookException):
        bake(cookies, project_slug="json")


def template_files(package: str) -> set[str]:
    return {
        str(path.relative_to(PROJECT_TEMPLATE)).replace("{{cookiecutter.__package}}", package)
        for path in PROJECT_TEMPLATE.rglob("*")
        if path.is_file()
    }


def test_pruning_lists_name_every_file_of_the_directories_it_empties(
    cookies: Cookies, tmp_path: Path
) -> None:
    """Pruning deletes files by name: the lists must hold exactly the template's files."""
    project = bake(cookies)
    hook = hook_module("post_gen_project.py", project.answers, tmp_path)
    package = str(project.answers["__package"])
    listed = {
        path
        for name, value in vars(hook).items()
        if name.endswith("_FILES")
        for paths in (value.values() if isinstance(value, dict) else [value])
        for path in paths
    }
    files = template_files(package)
    assert listed - files == set(), "listed, but not in the template"
    owned = (
        f"src/{package}/knowledge/",
        "knowledge/",
        "tests/fixtures/knowledge/",
        f"src/{package}/team/",
        f"src/{package}/telephony/",
        "telephony/",
        "deploy/",
        "src/livekit/",
    )
    unlisted = {path for path in files - listed if path.startswith(owned)}
    assert unlisted == set(), "in a pruned directory, but no pruning rule names it"


def test_regenerating_over_a_project_keeps_the_users_own_files(cookies: Cookies) -> None:
    """`--overwrite-if-exists` with other answers prunes the template's files, never yours."""
    everything = {
        "use_rag": True,
        "use_multi_agent": True,
        "use_sip": True,
        "deploy_target": "kubernetes",
    }
    project = bake(cookies, **everything)
    mine = {
        "knowledge/private-notes.md": "our refund exceptions\n",
        "deploy/kubernetes/my-configmap.yaml": "kind: ConfigMap\n",
        f"src/{project.answers['__package']}/team/escalation.py": "RULES = []\n",
        "telephony/carrier-notes.txt": "trunk from ACME\n",
    }
    for relative, text in mine.items():
        (project.path / relative).write_text(text)
    (project.path / f"src/{project.answers['__package']}/knowledge/__pycache__").mkdir()
    cookiecutter(
        str(TEMPLATE),
        no_input=True,
        extra_context=answers_with(),
        output_dir=str(project.path.parent),
        overwrite_if_exists=True,
    )
    assert {relative: project.read(relative) for relative in mine} == mine
    package = project.path / "src" / str(project.answers["__package"])
    assert not (package / "knowledge").exists()
    assert not (project.path / "deploy/kubernetes/deployment.yaml").exists()
    assert not (package / "team/agents.py").exists()
    assert not (project.path / "telephony/dispatch-rule.json").exists()
