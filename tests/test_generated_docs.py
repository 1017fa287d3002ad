"""The generated README.md and AGENTS.md, read as a user would, for every bake of the default suite.

Rendering only (no uv, no network): each answer set is baked once and its documents are checked
for what the answers promise: the keys by name, set-up for local models, an aligned layout of
files that exist, a deploy section for the chosen target, and the way to adopt cruft.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from bake import BakedProject
from combinations import combo_id, default_suite

HEADING = re.compile(r"^(#{1,3}) (.+)$", re.MULTILINE)
# `src/pkg/x.py`, `knowledge/`, `telephony/*.json`, `tools.py`: file names in inline code.
PATH_TOKEN = re.compile(r"`([\w.*-]+(?:/[\w.*-]*)+|[\w-]+\.(?:py|md|json|toml|yaml|sh))(?::\w+)?`")
# Files the README tells the user to create, or that a command it names writes.
NOT_PROJECT_FILES = {"secrets.json", "bench-results/", "livekit.toml"}


@pytest.fixture(params=default_suite(), ids=combo_id)
def project(request: pytest.FixtureRequest, baked: Callable[..., BakedProject]) -> BakedProject:
    return baked(**request.param)


def package(project: BakedProject) -> str:
    return str(project.answers["project_slug"]).replace("-", "_")


def section(text: str, title: str) -> str:
    """The body under the heading that starts with `title`, up to the next heading."""
    match = re.search(rf"^#+ {re.escape(title)}.*$", text, re.MULTILINE)
    assert match, f"no heading {title!r}"
    following = HEADING.search(text, match.end())
    return text[match.end() : following.start() if following else len(text)]


def unresolved_paths(project: BakedProject, text: str) -> list[str]:
    """Path-like names in inline code that exist neither at the root nor in the package."""
    roots = [project.path, project.path / "src" / package(project)]
    missing = []
    for token in PATH_TOKEN.findall(text):
        if token in NOT_PROJECT_FILES or token.startswith((".venv/", "http")):
            continue
        found = any(
            list(root.glob(token.rstrip("/"))) if "*" in token else (root / token).exists()
            for root in roots
        )
        if not found:
            missing.append(token)
    return missing


def test_readme_sections_are_never_empty_or_glued(project: BakedProject) -> None:
    readme = project.read("README.md")
    headings = list(HEADING.finditer(readme))
    empty = [
        heading.group(2)
        for heading, following in zip(headings, [*headings[1:], None], strict=True)
        if not readme[heading.end() : following.start() if following else None].strip()
    ]
    assert empty == []
    assert not re.search(r"[^\s#]#{1,3} ", readme), "a heading glued to the line before it"
    assert "\n\n\n" not in readme
    assert not re.search(r"[ \t]$", readme, re.MULTILINE), "trailing whitespace"


def test_readme_names_every_key_the_project_checks(project: BakedProject) -> None:
    settings = project.read(f"src/{package(project)}/settings.py")
    required = set(re.findall(r'Requirement\(\s*"([A-Z0-9_]+)"', settings))
    keys = section(project.read("README.md"), "Keys")
    listed = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", keys, re.MULTILINE))
    assert required <= listed
    for line in keys.splitlines():
        if line.startswith("| `"):
            assert line.rstrip(" |").split("|")[-1].strip(), f"no source for {line}"


def test_readme_layout_is_aligned_and_lists_real_files(project: BakedProject) -> None:
    block = re.search(r"```\n(.*?)```", section(project.read("README.md"), "Layout"), re.S)
    assert block
    lines = block.group(1).splitlines()
    columns = {len(line) - len(line.split("  ", 1)[1].lstrip()) for line in lines}
    assert len(columns) == 1, f"descriptions start at columns {sorted(columns)}"
    paths = [line.split()[0] for line in lines]
    assert [p for p in paths if not (project.path / p).exists()] == []


def test_readme_and_agents_md_name_only_files_that_exist(project: BakedProject) -> None:
    assert unresolved_paths(project, project.read("README.md")) == []
    assert unresolved_paths(project, project.read("AGENTS.md")) == []


def test_agents_md_covers_every_module_of_the_package(project: BakedProject) -> None:
    agents_md = project.read("AGENTS.md")
    source = project.path / "src" / package(project)
    modules = [
        p.name + ("/" if p.is_dir() else "")
        for p in source.iterdir()
        if p.name not in {"__init__.py", "__pycache__"}
    ]
    assert [m for m in modules if m.rstrip("/") not in agents_md] == []


def test_readme_shows_how_a_cookiecutter_project_adopts_cruft(project: BakedProject) -> None:
    updating = section(project.read("README.md"), "Updating from the template")
    command = next(line for line in updating.splitlines() if "cruft link" in line)
    recorded = json.loads(re.search(r"--extra-context '([^']*)'", command).group(1))
    expected = {
        k: v for k, v in project.answers.items() if k != "run_setup" and not k.startswith("_")
    }
    assert recorded == expected
    # The template and commit it came from, as the hook recorded them (tests/test_hooks.py
    # covers a template without git, where the placeholder stays).
    source = json.loads(project.read(".template.json"))
    commit = source["commit"] or "<commit>"
    assert command.startswith(
        f"uvx cruft link --checkout {commit} {shlex.quote(source['template'])} -y "
    )
    assert "[tool.cruft] skip" in updating


def test_readme_sets_up_local_models(project: BakedProject) -> None:
    readme = project.read("README.md")
    if project.answers["__llm"] == "ollama":
        ollama = section(readme, "Ollama")
        assert "ollama pull llama3.1" in ollama
        assert "OLLAMA_BASE_URL" in ollama
        assert "https://ollama.com/download" in ollama
    else:
        assert "Ollama" not in readme
    if project.answers["__stt"] == "faster-whisper":
        whisper = section(readme, "Local speech-to-text")
        assert "download-files" in whisper
        assert "CPU" in whisper
    else:
        assert "Whisper" not in readme
    if project.answers["__tts"] == "kokoro":
        kokoro = section(readme, "Local text-to-speech")
        assert "download-files" in kokoro
        assert "espeak-ng (GPL-3.0" in kokoro  # the licence a user distributing it must know
    else:
        assert "Kokoro" not in readme


DEPLOY_HEADINGS = {
    "livekit-cloud": "LiveKit Cloud",
    "docker": "Docker Compose",
    "kubernetes": "Kubernetes",
    "render": "Render",
    "railway": "Railway",
    "aws-ecs": "AWS ECS on Fargate",
}


def test_readme_deploys_to_the_chosen_target_only(project: BakedProject) -> None:
    readme = project.read("README.md")
    target = str(project.answers["deploy_target"])
    deploy = section(readme, f"Deploy to {DEPLOY_HEADINGS[target]}")
    grace = json.loads((Path(__file__).parents[1] / "cookiecutter.json").read_text())[
        "_shutdown_grace_seconds"
    ][target]
    assert f"the image sets {grace - 10} s" in deploy
    others = [name for key, name in DEPLOY_HEADINGS.items() if key != target]
    assert [name for name in others if f"Deploy to {name}" in readme] == []
