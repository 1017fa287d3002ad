"""GitHub workflows and Dependabot config, of the template and of a generated project."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from bake import TEMPLATE, BakedProject

TOOLS = Path(sys.executable).parent


@pytest.fixture(scope="module")
def project_github(baked: Callable[..., BakedProject]) -> Path:
    return baked().path / ".github"


def workflow_files(github: Path) -> list[Path]:
    return sorted((github / "workflows").glob("*.yml"))


def tool(name: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TOOLS / name), *map(str, args)], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("where", ["template", "generated"])
def test_workflows_pass_schema_and_actionlint(where: str, project_github: Path) -> None:
    github = TEMPLATE / ".github" if where == "template" else project_github
    files = workflow_files(github)
    assert files
    schema = tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *files)
    assert schema.returncode == 0, schema.stdout + schema.stderr
    lint = tool("actionlint", *files)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    dependabot = tool(
        "check-jsonschema", "--builtin-schema", "vendor.dependabot", github / "dependabot.yml"
    )
    assert dependabot.returncode == 0, dependabot.stdout + dependabot.stderr


@pytest.mark.parametrize("where", ["template", "generated"])
def test_every_job_has_a_timeout(where: str, project_github: Path) -> None:
    github = TEMPLATE / ".github" if where == "template" else project_github
    for path in workflow_files(github):
        jobs = yaml.safe_load(path.read_text())["jobs"]
        assert all("timeout-minutes" in job for job in jobs.values()), path.name


def test_generated_workflow_keeps_github_expressions(project_github: Path) -> None:
    text = (project_github / "workflows" / "ci.yml").read_text()
    assert "${{ secrets.LIVEKIT_API_KEY != '' }}" in text


def test_generated_evals_never_run_on_plain_pushes(project_github: Path) -> None:
    workflow = yaml.safe_load((project_github / "workflows" / "ci.yml").read_text())
    evals = workflow["jobs"]["evals"]
    assert "schedule" in evals["if"] and "run-evals" in evals["if"]
    assert "push" not in evals["if"]
    gated = [step for step in evals["steps"] if "pytest -m evals" in step.get("run", "")]
    assert gated and all(step["if"] == "env.HAS_KEYS == 'true'" for step in gated)
