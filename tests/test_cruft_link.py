"""A project generated with plain cookiecutter adopts cruft with the command its README prints.

Against a local git copy of this template (no network): generate with cookiecutter from that
copy, as a user would from the template's repository, run the README's `cruft link` line as
printed (the post-generation hook filled in the template and commit), and check that cruft then
sees a project that matches its template exactly and updates like a `cruft create` one.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from bake import answers_with
from cookiecutter.main import cookiecutter
from template_copies import git, head, snapshot_template

CRUFT = str(Path(sys.executable).parent / "cruft")
ANSWERS = answers_with(
    project_name="O'Brien & Sons <Support>",
    model_access="plugins",
    llm="ollama",
    use_rag=True,
    deploy_target="render",
)


def cruft(*args: str, cwd: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    # Its own temporary directory: the hook treats renders under it as cruft's, not the user's.
    return subprocess.run(
        [CRUFT, *args],
        cwd=cwd,
        env={**os.environ, "TMPDIR": str(tmp)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def readme_link_command(project: Path) -> list[str]:
    readme = (project / "README.md").read_text()
    line = next(line for line in readme.splitlines() if line.startswith("uvx cruft link"))
    return shlex.split(re.sub(r"^uvx cruft ", "", line))


def test_readme_cruft_link_adopts_a_cookiecutter_project(tmp_path: Path) -> None:
    template = snapshot_template(tmp_path / "template")
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    project = Path(
        cookiecutter(
            str(template), no_input=True, output_dir=str(tmp_path / "out"), extra_context=ANSWERS
        )
    )
    git("init", "-q", "-b", "main", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-qm", "generated with cookiecutter", cwd=project)

    command = readme_link_command(project)
    assert "<commit>" not in command and "<template>" not in command
    link = cruft(*command, cwd=project, tmp=system_tmp)
    assert link.returncode == 0, link.stderr

    record = json.loads((project / ".cruft.json").read_text())
    assert record["commit"] == head(template)
    assert record["template"] == str(template)
    recorded = record["context"]["cookiecutter"]
    answers = json.loads(command[command.index("--extra-context") + 1])
    assert {key: recorded[key] for key in answers} == answers
    assert answers["project_name"] == ANSWERS["project_name"]
    assert answers["use_rag"] is True
    diff = cruft("diff", "--exit-code", cwd=project, tmp=system_tmp)
    assert diff.returncode == 0, diff.stdout  # the linked template renders this very project
    assert cruft("check", cwd=project, tmp=system_tmp).returncode == 0
