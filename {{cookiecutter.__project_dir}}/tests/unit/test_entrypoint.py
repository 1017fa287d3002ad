"""The real entry point, run as users run it: with nothing configured it stops with a clear
message before livekit's CLI starts (which would otherwise exit 0 or crash inside a job)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).parents[2]
LIVEKIT_KEYS = ("LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    from {{ cookiecutter.__package }} import settings

    blank = {r.name for r in settings.LIVEKIT_SERVER + settings.PROVIDER_KEYS}
    environ = {key: value for key, value in os.environ.items() if key not in blank}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "command",
    [
        ("src/agent.py", "start"),
        ("src/agent.py", "dev"),
        ("-m", "livekit.agents", "start", "src/agent.py"),
    ],
    ids=["agent.py start", "agent.py dev", "python -m livekit.agents start"],
)
def test_worker_commands_stop_on_missing_settings(command: tuple[str, ...], tmp_path: Path) -> None:
    # Run from a copy so a developer's own .env.local cannot fill the gaps.
    (tmp_path / "src").symlink_to(PROJECT / "src")
    result = run(*command, cwd=tmp_path)

    assert result.returncode == 2, result.stderr
    assert "these settings are missing or empty" in result.stderr
    for name in LIVEKIT_KEYS:
        assert name in result.stderr
    assert "Traceback" not in result.stderr


def test_help_needs_no_settings(tmp_path: Path) -> None:
    (tmp_path / "src").symlink_to(PROJECT / "src")
    result = run("src/agent.py", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "console" in result.stdout
