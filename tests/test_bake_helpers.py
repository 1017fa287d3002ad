"""The helpers in tests/bake.py that every bake relies on."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import bake
import pytest


@pytest.fixture
def bare_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No pyenv versions and nothing on PATH but an empty directory (and the template's venv,
    which project_environment always adds)."""
    monkeypatch.setattr(bake, "PYENV_ROOT", tmp_path / "pyenv")
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("UV_PYTHON_DOWNLOADS", raising=False)
    return tmp_path


def test_a_pyenv_python_is_used_and_nothing_is_downloaded(bare_machine: Path) -> None:
    version_bin = bare_machine / "pyenv" / "versions" / "3.99.1" / "bin"
    version_bin.mkdir(parents=True)
    environ = bake.project_environment("3.99")
    assert environ["PATH"].split(os.pathsep)[0] == str(version_bin)
    assert environ["UV_PYTHON_DOWNLOADS"] == "never"


def test_a_python_on_path_is_used_and_nothing_is_downloaded(bare_machine: Path) -> None:
    python = bare_machine / "bin" / "python3.99"
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    assert bake.project_environment("3.99")["UV_PYTHON_DOWNLOADS"] == "never"


def test_uv_may_download_a_python_that_is_not_installed(
    bare_machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "UV_PYTHON_DOWNLOADS" not in bake.project_environment("3.99")
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "manual")
    assert bake.project_environment("3.99")["UV_PYTHON_DOWNLOADS"] == "manual"


def test_the_template_venv_tools_come_before_the_callers_path(bare_machine: Path) -> None:
    path = bake.project_environment("3.99")["PATH"].split(os.pathsep)
    assert path[0] == str(Path(sys.executable).parent)


LEFTOVERS = {
    "README.md": "# {{ cookiecutter.project_name }}\n",
    "src/app.py": "x = 1\n{% if cookiecutter.use_rag %}\nimport rag\n",
    "src/loose.py": "NAME = '{{ project_name }}'\n",
    "src/comment.py": "{# a Jinja comment the template forgot #}\nx = 1\n",
    "src/closer.toml": "a = 1 %}\n",
    ".github/workflows/ci.yml": "run: echo ${{ github.ref }} {{ cookiecutter.slug }}\n",
}
CLEAN = {
    ".github/workflows/deploy.yml": "group: ${{ github.workflow }}-${{ github.ref }}\n",
    "src/pkg/knowledge/tokenizer.json": '{"vocab": {"##{": 1, "##}": 2}}}\n',
    "src/fmt.py": 'line = f"{name:<{width}}"\n',
    "rule.json": '{"rule": {"dispatch": {"prefix": "call-"}}}\n',
}


def test_leftover_jinja_finds_any_opener_or_closer_but_not_allowed_look_alikes(
    tmp_path: Path,
) -> None:
    for relative, text in {**LEFTOVERS, **CLEAN}.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "image.png").write_bytes(b"\x89PNG\xff{{")
    project = bake.BakedProject(tmp_path, {})
    assert sorted(bake.leftover_jinja(project)) == sorted(LEFTOVERS)
