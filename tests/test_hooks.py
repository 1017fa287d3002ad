"""The hooks: refusals before anything is written, setup that survives failure, cruft safety."""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
from bake import DEFAULTS, TEMPLATE, answers_with, bake, fake_uv
from combinations import is_valid
from cookiecutter.environment import StrictEnvironment
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter


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


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["project_slug=Bad Slug!"], ["project_slug='Bad Slug!'", "lowercase letters"]),
        (
            ["stt=faster-whisper"],
            ["stt=faster-whisper", "model_access=inference", "Choose model_access=plugins"],
        ),
        (["llm=ollama"], ["llm=ollama", "model_access=inference"]),
        (
            ["model_access=plugins", "turn_detection=stt", "stt=openai"],
            ["turn_detection=stt", "stt=openai", "stt=deepgram"],
        ),
        (["use_sip=yes"], ["use_sip=yes", "agent_name is empty", "Set agent_name"]),
        (["agent_name=my agent"], ["agent_name='my agent'", "leave it empty"]),
    ],
    ids=[
        "slug",
        "whisper-via-inference",
        "ollama-via-inference",
        "stt-endpointing",
        "sip-without-agent-name",
        "agent-name",
    ],
)
def test_bad_answers_are_refused_with_a_message_and_nothing_written(
    tmp_path: Path, answers: list[str], expected: list[str]
) -> None:
    result = cookiecutter_cli(tmp_path, *answers)
    assert result.returncode != 0
    for text in expected:
        assert text in result.stderr
    assert "Nothing was written" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    result = cookiecutter_cli(tmp_path, "stt=faster-whisper", "tts=elevenlabs", "use_sip=yes")
    assert result.stderr.count("  - ") == 3


def render_hook(name: str, context: dict[str, object], directory: Path):
    """Render a hook like cookiecutter does and import it as a module."""
    source = (TEMPLATE / "hooks" / name).read_text()
    rendered = StrictEnvironment(context={"cookiecutter": context}).from_string(source)
    path = directory / name
    path.write_text(rendered.render(cookiecutter=context))
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pre_hook_and_the_test_matrix_agree_on_what_is_valid(tmp_path: Path) -> None:
    hook = render_hook("pre_gen_project.py", answers_with(), tmp_path)
    keys = ("model_access", "stt", "llm", "tts", "turn_detection")
    choices = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    for values in itertools.product(*(choices[key] for key in keys), [True, False], ["", "a"]):
        answers = {
            **DEFAULTS,
            "project_slug": "ok",
            **dict(zip(keys, values[:5], strict=True)),
            "use_sip": values[5],
            "agent_name": values[6],
        }
        refused = any(check(answers) for check in hook.CHECKS)
        assert refused == (not is_valid(answers)), answers


def test_quotes_and_backslashes_in_answers_are_data(tmp_path: Path) -> None:
    project = bake(
        tmp_path,
        project_name='Bob\'s "Voice" Agent',
        description='Says "hi" \\ and """ quotes',
        author_name='O\'Brien "Ops"',
    )
    assert project.path.name == "bob-s-voice-agent"
    metadata = tomllib.loads(project.read("pyproject.toml"))["project"]
    assert metadata["description"] == 'Says "hi" \\ and """ quotes'
    assert metadata["authors"][0]["name"] == 'O\'Brien "Ops"'


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
    hook = render_hook("post_gen_project.py", context, tmp_path)
    root = tmp_path / "machine"
    (root / "tmp").mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(root / "tmp"))
    (root / project).mkdir(parents=True)
    for name in siblings:
        (root / project).parent.joinpath(name).write_text("mine\n")
    monkeypatch.setattr(hook, "PROJECT", root / project)
    assert hook.inside_cruft_render() is expected


def test_a_refused_bake_raises_for_api_callers(tmp_path: Path) -> None:
    with pytest.raises(FailedHookException):
        bake(tmp_path, stt="faster-whisper", model_access="inference")
