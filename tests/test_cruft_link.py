"""A project generated with plain cookiecutter adopts cruft with the command its README prints.

Against a local git copy of this template (no network): generate with cookiecutter, run the
README's `cruft link` line with the URL and commit filled in, and check that cruft then sees a
project that matches its template exactly and updates like a `cruft create` one.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from bake import TEMPLATE, answers_with, bake
from pytest_cookies.plugin import Cookies

CRUFT = str(Path(sys.executable).parent / "cruft")
ANSWERS = answers_with(
    project_name="O'Brien & Sons <Support>",
    model_access="plugins",
    llm="ollama",
    use_rag=True,
    deploy_target="render",
)


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def snapshot_template(destination: Path) -> Path:
    for name in git("ls-files", "-co", "--exclude-standard", cwd=TEMPLATE).splitlines():
        if (TEMPLATE / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(TEMPLATE / name, destination / name)
    git("init", "-q", "-b", "main", cwd=destination)
    git("add", "-A", cwd=destination)
    git("commit", "-qm", "template", cwd=destination)
    return destination


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


def readme_link_command(project: Path, template_url: str, ref: str) -> list[str]:
    readme = (project / "README.md").read_text()
    line = next(line for line in readme.splitlines() if line.startswith("uvx cruft link"))
    line = line.replace("<template-url>", template_url).replace("<ref>", ref)
    return shlex.split(re.sub(r"^uvx cruft ", "", line))


def test_readme_cruft_link_adopts_a_cookiecutter_project(tmp_path: Path, cookies: Cookies) -> None:
    template = snapshot_template(tmp_path / "template")
    ref = git("rev-parse", "HEAD", cwd=template).strip()
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    baked = bake(cookies, **ANSWERS)
    project = baked.path
    git("init", "-q", "-b", "main", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-qm", "generated with cookiecutter", cwd=project)

    link = cruft(*readme_link_command(project, str(template), ref), cwd=project, tmp=system_tmp)
    assert link.returncode == 0, link.stderr

    record = json.loads((project / ".cruft.json").read_text())
    assert record["commit"] == ref
    recorded = record["context"]["cookiecutter"]
    answers = {key: value for key, value in baked.answers.items() if key != "run_setup"}
    assert {key: recorded[key] for key in answers} == answers
    diff = cruft("diff", "--exit-code", cwd=project, tmp=system_tmp)
    assert diff.returncode == 0, diff.stdout  # the linked template renders this very project
    assert cruft("check", cwd=project, tmp=system_tmp).returncode == 0
