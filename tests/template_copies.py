"""Copies of this template as a user's machine holds them: a fresh Git repository of the working
tree (committed or not), or the same files outside Git. Offline; for cruft and the hooks' record."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from bake import TEMPLATE


def git(*args: str, cwd: Path) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def copy_template(destination: Path) -> Path:
    """This working tree's files (committed or not, minus what .gitignore ignores)."""
    for name in git("ls-files", "-co", "--exclude-standard", cwd=TEMPLATE).splitlines():
        source = TEMPLATE / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def snapshot_template(destination: Path) -> Path:
    """This working tree as a fresh one-commit git repository."""
    copy_template(destination)
    git("init", "-q", "-b", "main", cwd=destination)
    git("add", "-A", cwd=destination)
    git("commit", "-qm", "template", cwd=destination)
    return destination


def head(repository: Path) -> str:
    return git("rev-parse", "HEAD", cwd=repository).strip()
