"""The update path, proven with cruft against a local git copy of this template (no network).

cruft renders the template twice (old and new commit) in temporary directories and runs the
hooks each time; these tests check what users rely on: create matches cookiecutter, updates
apply, user edits survive, conflicts are visible, pruning is stable, answers can change, and
setup never runs inside the update renders.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bake import (
    answers_with,
    bake,
    fake_uv,
    project_environment,
    project_pytest,
    uv_sync,
)
from cookiecutter.main import cookiecutter
from pytest_cookies.plugin import Cookies
from template_copies import git, head, snapshot_template

CRUFT = str(Path(sys.executable).parent / "cruft")
ANSWERS = answers_with(use_tool_calling=False, deploy_target="docker")


def change_template(template: Path, relative: str, old: str, new: str) -> None:
    path = template / "{{cookiecutter.__project_dir}}" / relative
    text = path.read_text()
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1))
    git("commit", "-qam", f"change {relative}", cwd=template)


class Cruft:
    """Runs the cruft CLI with its own temporary directory, outside the projects it writes."""

    def __init__(self, root: Path) -> None:
        self.tmp = root / "system-tmp"
        self.tmp.mkdir()
        self.environ = {**os.environ, "TMPDIR": str(self.tmp)}

    def __call__(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CRUFT, *args],
            cwd=cwd,
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return snapshot_template(tmp_path / "template")


@pytest.fixture
def cruft(tmp_path: Path) -> Cruft:
    return Cruft(tmp_path)


def create(cruft: Cruft, template: Path, out: Path, **overrides: object) -> Path:
    out.mkdir(parents=True)
    context = json.dumps({**ANSWERS, **overrides})
    result = cruft("create", "--no-input", "--extra-context", context, str(template), cwd=out)
    assert result.returncode == 0, result.stderr
    project = out / "my-voice-agent"
    git("init", "-q", "-b", "main", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-qm", "generated", cwd=project)
    return project


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_cruft_create_matches_cookiecutter_plus_answers(
    template: Path, cruft: Cruft, tmp_path: Path
) -> None:
    project = create(cruft, template, tmp_path / "cruft")
    generated = cookiecutter(
        str(template), no_input=True, output_dir=str(tmp_path / "plain"), extra_context=ANSWERS
    )

    created = tree(project)
    record = json.loads(created.pop(".cruft.json"))
    assert created == tree(Path(generated))
    assert record["commit"] == head(template)
    assert record["context"]["cookiecutter"]["deploy_target"] == "docker"
    assert record["context"]["cookiecutter"]["use_tool_calling"] is False
    source = {"template": str(template), "commit": head(template)}
    assert json.loads(created[".template.json"]) == source


def test_update_applies_template_changes_and_keeps_user_edits(
    template: Path, cruft: Cruft, tmp_path: Path
) -> None:
    project = create(cruft, template, tmp_path / "out")
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nOur on-call rota: see the wiki.\n")
    git("commit", "-qam", "our notes", cwd=project)
    change_template(
        template, "AGENTS.md", "## Commands", "## Commands\n- Template fix: run ruff first."
    )

    assert cruft("check", cwd=project).returncode == 1
    update = cruft("update", "-y", cwd=project)
    assert update.returncode == 0, update.stderr

    assert "Template fix: run ruff first." in (project / "AGENTS.md").read_text()
    assert "Our on-call rota" in readme.read_text()
    assert not list(project.rglob("*.rej"))
    # The record and the README's link line moved to the new commit with the update.
    source = json.loads((project / ".template.json").read_text())
    assert source == {"template": str(template), "commit": head(template)}
    assert f"uvx cruft link --checkout {head(template)} " in readme.read_text()
    git("add", "-A", cwd=project)
    git("commit", "-qm", "update", cwd=project)
    assert cruft("check", cwd=project).returncode == 0

    environ = project_environment("3.11")
    sync = uv_sync(project, environ)  # falls back to uv's cache when there is no network
    assert sync.returncode == 0, sync.stderr
    tests = subprocess.run(
        [*project_pytest()],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout[-4000:]


def test_a_conflicting_edit_is_reported_not_lost(
    template: Path, cruft: Cruft, tmp_path: Path
) -> None:
    project = create(cruft, template, tmp_path / "out")
    prompt = next(project.glob("src/*/prompts/assistant.md"))
    prompt.write_text(prompt.read_text().replace("one to three short sentences", "two sentences"))
    git("commit", "-qam", "shorter answers", cwd=project)
    change_template(
        template,
        "src/{{cookiecutter.__package}}/prompts/assistant.md",
        "one to three short sentences",
        "one or two short sentences",
    )

    cruft("update", "-y", cwd=project)

    text = prompt.read_text()
    rejects = list(project.rglob("*.rej"))
    assert "<<<<<<<" in text or rejects, "a conflict must show as markers or a .rej file"
    assert "two sentences" in text, "the user's version must not be silently replaced"


def test_pruned_files_stay_absent_and_answers_can_change(
    template: Path, cruft: Cruft, tmp_path: Path
) -> None:
    project = create(cruft, template, tmp_path / "out")
    assert not (project / "deploy/kubernetes").exists()
    change_template(template, "deploy/kubernetes/hpa.yaml", "maxReplicas: 10", "maxReplicas: 12")

    assert cruft("update", "-y", cwd=project).returncode == 0
    assert not (project / "deploy/kubernetes").exists(), "a pruned file came back"
    git("add", "-A", cwd=project)
    git("commit", "-qm", "update", cwd=project)

    switch = cruft(
        "update", "-y", "--variables-to-update", '{"deploy_target": "kubernetes"}', cwd=project
    )
    assert switch.returncode == 0, switch.stderr
    assert "maxReplicas: 12" in (project / "deploy/kubernetes/hpa.yaml").read_text()
    assert not (project / "compose.yaml").exists()
    cruft_json = json.loads((project / ".cruft.json").read_text())
    assert cruft_json["context"]["cookiecutter"]["deploy_target"] == "kubernetes"


def test_setup_runs_on_create_but_never_inside_update_renders(
    template: Path, cruft: Cruft, tmp_path: Path
) -> None:
    log = fake_uv(tmp_path / "bin")
    cruft.environ["PATH"] = f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"
    cruft.environ.pop("LIVEKIT_TEMPLATE_SKIP_SETUP", None)
    project = create(cruft, template, tmp_path / "out", run_setup=True)
    assert log.read_text().splitlines() == ["sync", "run python -m livekit.agents download-files"]

    change_template(template, "AGENTS.md", "## Commands", "## Commands\n- New note.")
    assert cruft("update", "-y", cwd=project).returncode == 0
    assert "New note." in (project / "AGENTS.md").read_text()
    assert len(log.read_text().splitlines()) == 2, "setup ran inside cruft's update renders"


def test_cruft_create_into_the_temp_dir_still_runs_setup(
    template: Path, cruft: Cruft, tmp_path: Path
) -> None:
    """Under the system temp dir is not enough to be one of cruft's update renders (the hook
    looks for their exact layout; tests/test_hooks.py covers the layouts one by one)."""
    log = fake_uv(tmp_path / "bin")
    cruft.environ["PATH"] = f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"
    cruft.environ.pop("LIVEKIT_TEMPLATE_SKIP_SETUP", None)
    out = cruft.tmp / "work"
    out.mkdir()
    context = json.dumps({**ANSWERS, "run_setup": True})
    result = cruft("create", "--no-input", "--extra-context", context, str(template), cwd=out)
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == ["sync", "run python -m livekit.agents download-files"]
    assert f"Created my-voice-agent from {template} at commit {head(template)}." in result.stderr
    assert "Next:" in result.stderr

    project = out / "my-voice-agent"
    git("init", "-q", "-b", "main", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-qm", "generated", cwd=project)
    change_template(template, "AGENTS.md", "## Commands", "## Commands\n- New note.")
    update = cruft("update", "-y", cwd=project)
    assert update.returncode == 0, update.stderr
    assert "New note." in (project / "AGENTS.md").read_text()
    assert len(log.read_text().splitlines()) == 2, "setup ran inside cruft's update renders"
    assert "Next:" not in update.stderr, "update renders print the next-steps message"


def test_enabling_a_pattern_later_brings_in_its_files_only(
    template: Path, cruft: Cruft, tmp_path: Path, cookies: Cookies
) -> None:
    project = create(cruft, template, tmp_path / "out")
    package = project / "src" / "my_voice_agent"
    assert not (package / "knowledge").exists()
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nOur on-call rota: see the wiki.\n")
    git("commit", "-qam", "our notes", cwd=project)

    switch = cruft("update", "-y", "--variables-to-update", '{"use_rag": true}', cwd=project)
    assert switch.returncode == 0, switch.stderr

    for path in (
        "src/my_voice_agent/knowledge/__init__.py",
        "tests/unit/test_knowledge.py",
        "knowledge/returns.md",
        "tests/fixtures/knowledge/returns.md",
    ):
        assert (project / path).exists(), f"{path} did not come with the RAG pattern"
    assert "sqlean.py" in (project / "pyproject.toml").read_text()
    assert "Our on-call rota" in readme.read_text(), "the user's edit was lost"
    for pruned in ("src/my_voice_agent/tools.py", "tests/unit/test_tools.py", "render.yaml"):
        assert not (project / pruned).exists(), f"{pruned} came back"
    assert not list(project.rglob("*.rej"))
    record = json.loads((project / ".cruft.json").read_text())
    assert record["context"]["cookiecutter"]["use_rag"] is True

    # Apart from the user's edit, the project is what a fresh bake with RAG on would be.
    # (The fresh bake comes from this working tree: its .template.json names that, not the copy.)
    updated = tree(project)
    fresh = tree(bake(cookies, **{**ANSWERS, "use_rag": True}).path)
    for ours in ("README.md", ".cruft.json", ".template.json"):
        updated.pop(ours)
    for theirs in ("README.md", ".template.json"):
        fresh.pop(theirs)
    assert updated == fresh
