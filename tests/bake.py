"""Baking helpers shared by the template's tests: render a project, then check it.

A baked project is rendered once per answer set and cached for the whole session; the checks
(ruff, the project's own test suite) run on that one copy.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import CompletedProcess

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
DEFAULTS: dict[str, object] = {
    key: value[0] if isinstance(value, list) else value
    for key, value in json.loads((TEMPLATE / "cookiecutter.json").read_text()).items()
    if not key.startswith("_")
}
# Jinja that survived rendering: any opener ({{ {% {#) or statement/comment closer (%} #}).
# A bare `}}` is not searched for: JSON and Python f-strings close nested braces with it.
# Each generated suite has one real benchmark run (a worker process, ~15 s on an idle machine).
# The template runs it where the benchmark's generated code differs: the single assistant with
# and without UserData, and the team with every pattern; every other bake deselects it.
BENCH_RUNS = (
    {},
    {"use_tool_calling": False},
    {"use_rag": True, "use_multi_agent": True, "use_sip": True, "agent_name": "phone-agent"},
)


def project_pytest(*, with_bench: bool = False) -> tuple[str, ...]:
    """The generated project's own offline test command, with or without the benchmark run."""
    command = ("uv", "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider")
    return command if with_bench else (*command, "-m", "not evals and not bench")


JINJA_LEFTOVER = re.compile(r"\{\{|\{%|\{#|%\}|#\}")
# Legitimate look-alikes: (files, the text to disregard there, why it is not Jinja).
JINJA_ALLOWED = (
    (
        ".github/workflows/*.yml",
        re.compile(r"\$\{\{.*?\}\}"),
        "GitHub Actions expressions; these files are copied without rendering",
    ),
    (
        "src/*/knowledge/tokenizer.json",
        re.compile(r'"##\}"'),
        "the WordPiece token '##}' of the MiniLM vocabulary, copied without rendering",
    ),
)
PYENV_ROOT = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))


@dataclass
class BakedProject:
    path: Path
    answers: dict[str, object]
    overrides: dict[str, object] = field(default_factory=dict)

    def exists(self, relative: str) -> bool:
        return (self.path / relative).exists()

    def read(self, relative: str) -> str:
        return (self.path / relative).read_text(encoding="utf-8")

    def files(self) -> list[Path]:
        ignored = {".venv", ".pytest_cache", ".ruff_cache", "__pycache__", ".git"}
        return sorted(
            p
            for p in self.path.rglob("*")
            if p.is_file() and not ignored.intersection(p.relative_to(self.path).parts)
        )

    def relative_files(self) -> set[str]:
        return {str(p.relative_to(self.path)) for p in self.files()}

    def sync(self) -> subprocess.CompletedProcess[str]:
        return uv_sync(self.path, project_environment(str(self.answers["python_version"])))

    def run(self, *command: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command,
            cwd=self.path,
            env=project_environment(str(self.answers["python_version"])),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def uv_sync(path: Path, environ: dict[str, str], timeout: int = 900) -> CompletedProcess[str]:
    """`uv sync` in a baked project, and with no network, `uv sync --offline` from uv's cache.

    Baked projects have no uv.lock, so a plain sync asks the package index; once an online run
    has filled the cache, the offline retry lets the suite run without a network. Online comes
    first so that CI resolves current releases (its uv cache is restored from earlier runs).
    """

    def sync(*extra: str) -> CompletedProcess[str]:
        return subprocess.run(
            ["uv", "sync", "--quiet", *extra],
            cwd=path,
            env=environ,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    online = sync()
    if online.returncode == 0:
        return online
    offline = sync("--offline")
    if offline.returncode != 0:
        offline.stderr = f"uv sync:\n{online.stderr}\nuv sync --offline:\n{offline.stderr}"
    return offline


def answers_with(**overrides: object) -> dict[str, object]:
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise KeyError(f"not a prompt in cookiecutter.json: {sorted(unknown)}")
    return {**DEFAULTS, "run_setup": False, **overrides}


def bake(output_dir: Path, **overrides: object) -> BakedProject:
    answers = answers_with(**overrides)
    path = cookiecutter(
        str(TEMPLATE),
        no_input=True,
        extra_context=answers,
        output_dir=str(output_dir),
        overwrite_if_exists=False,
    )
    rendered = {**answers, "project_slug": Path(path).name}
    return BakedProject(Path(path), rendered, overrides)


def project_environment(python_version: str) -> dict[str, str]:
    """The environment for uv in a baked project.

    The rule for Python: a local interpreter when there is one, a download only when there is
    none. pyenv's `versions/X.Y.*` goes first on PATH (pyenv's shims resolve by
    .python-version and fail for other versions), and uv finds a `pythonX.Y` on PATH by itself
    (e.g. from actions/setup-python). With either, UV_PYTHON_DOWNLOADS=never keeps the run
    offline and on that interpreter. With neither (a fresh machine running .ci/run), uv's own
    setting applies: by default it downloads the version once into its store.
    """
    environ = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    environ.pop("UV_PROJECT_ENVIRONMENT", None)
    # The template's own venv holds real uv and ruff binaries (a pip-installed uv under pyenv
    # is a shim that resolves by .python-version and fails for other versions).
    path = [str(Path(sys.executable).parent), environ["PATH"]]
    candidates = sorted((PYENV_ROOT / "versions").glob(f"{python_version}.*"))
    if candidates:
        path.insert(0, str(candidates[-1] / "bin"))
    environ["PATH"] = os.pathsep.join(path)
    if candidates or shutil.which(f"python{python_version}", path=environ["PATH"]):
        environ["UV_PYTHON_DOWNLOADS"] = "never"
    return environ


def leftover_jinja(project: BakedProject) -> list[str]:
    """Files that still hold Jinja syntax, once JINJA_ALLOWED's look-alikes are disregarded."""
    found = []
    for path in project.files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        relative = path.relative_to(project.path).as_posix()
        for pattern, allowed, _reason in JINJA_ALLOWED:
            if fnmatch.fnmatch(relative, pattern):
                text = allowed.sub("", text)
        if JINJA_LEFTOVER.search(text):
            found.append(relative)
    return found


def uv_available() -> bool:
    return shutil.which("uv") is not None


def fake_uv(directory: Path, exit_code: int = 0, fail_on: str | None = None) -> Path:
    """An executable `uv` in `directory` that records its arguments; returns the log path.

    It exits with `exit_code`, or, given `fail_on` (a subcommand such as "run"), with
    `exit_code` for that subcommand only and 0 for the others.
    """
    directory.mkdir()
    log = directory / "calls.log"
    script = directory / "uv"
    fail = f'[ "$1" = "{fail_on}" ] && exit {exit_code}\nexit 0' if fail_on else f"exit {exit_code}"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\n{fail}\n')
    script.chmod(0o755)
    return log
