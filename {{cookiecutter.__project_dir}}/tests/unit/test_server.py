"""The worker's failure line{% if cookiecutter.deploy_target == "aws-ecs" %} and its ECS task protection{% endif %} (server.py).

The exit code and the line from a real worker process are in test_entrypoint.py.
"""

{% if cookiecutter.deploy_target == "aws-ecs" -%}
import asyncio
{% endif -%}
import errno
{%- if cookiecutter.deploy_target == "aws-ecs" %}
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import PropertyMock, create_autospec
{%- endif %}

import pytest
{%- if cookiecutter.deploy_target == "aws-ecs" %}
from livekit.agents import AgentServer
from livekit.agents.job import RunningJobInfo
{%- endif %}

{% if cookiecutter.deploy_target == "aws-ecs" -%}
from {{ cookiecutter.__package }} import settings
from {{ cookiecutter.__package }}.server import Server, TaskProtection, explain
{%- else -%}
from {{ cookiecutter.__package }}.server import explain
{%- endif %}


def test_a_taken_health_port_says_which_and_what_to_do() -> None:
    error = OSError(errno.EADDRINUSE, "error while attempting to bind on address ('0.0.0.0', 8081)")
    line = explain(error)
    assert "8081" in line and "health server" in line and "stop it" in line


def test_an_unreachable_livekit_names_the_url_and_the_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIVEKIT_URL", "wss://example.livekit.cloud")
    monkeypatch.setenv("LIVEKIT_CONNECT_RETRIES", "3")
    line = explain(RuntimeError("failed to connect to livekit after 3 attempts"))
    assert "wss://example.livekit.cloud" in line
    assert "LIVEKIT_CONNECT_RETRIES=3" in line
    assert "LIVEKIT_API_KEY" in line


def test_any_other_failure_keeps_livekits_words() -> None:
    assert explain(ValueError("api_key is required")) == "ValueError: api_key is required"
{%- if cookiecutter.deploy_target == "aws-ecs" %}


@dataclass
class EcsAgent:
    """A stand-in for the ECS agent's task protection endpoint: records requests in order."""

    uri: str = ""
    requests: list[tuple[str, str, object]] = field(default_factory=list)
    refuse: bool = False  # answer like ECS when a deployment is blocked


@pytest.fixture
def ecs_agent() -> Iterator[EcsAgent]:
    agent = EcsAgent()

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            agent.requests.append((self.command, self.path, body))
            if agent.refuse:
                answer: object = {"error": {"Code": "DEPLOYMENT_BLOCKED", "Message": "blocked"}}
            else:
                answer = {"protection": {"ProtectionEnabled": body["ProtectionEnabled"]}}
            payload = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    agent.uri = f"http://127.0.0.1:{server.server_port}/api/task-id"
    yield agent
    server.shutdown()
    server.server_close()


async def test_the_task_is_protected_from_the_first_call_until_the_last_ends(
    ecs_agent: EcsAgent,
) -> None:
    # The worker's active calls, one value per look; then the worker stops following them.
    calls = [0, 1, 2, 2, 1, 0, 0, 1, 0]
    server = create_autospec(AgentServer, instance=True)
    job = create_autospec(RunningJobInfo, instance=True)
    type(server).active_jobs = PropertyMock(
        side_effect=[[job] * count for count in calls] + [asyncio.CancelledError]
    )
    protection = TaskProtection.from_env({"ECS_AGENT_URI": ecs_agent.uri})
    assert protection is not None

    with pytest.raises(asyncio.CancelledError):
        await protection.follow(server, interval=0)

    state = "/api/task-id/task-protection/v1/state"
    minutes = settings.DEFAULT_TASK_PROTECTION_MINUTES
    protect = ("PUT", state, {"ProtectionEnabled": True, "ExpiresInMinutes": minutes})
    release = ("PUT", state, {"ProtectionEnabled": False})
    assert ecs_agent.requests == [protect, release, protect, release]


async def test_the_worker_follows_its_calls_only_on_ecs(monkeypatch: pytest.MonkeyPatch) -> None:
    assert TaskProtection.from_env({}) is None
    assert Server(drain_timeout=1, max_retry=0).protection is None

    monkeypatch.setenv("ECS_AGENT_URI", "http://169.254.170.2/api/task-id")
    server = Server(drain_timeout=1, max_retry=0)
    server.emit("worker_started")
    assert server.following is not None
    server.following.cancel()


async def test_a_refused_protection_is_logged_and_the_worker_goes_on(
    ecs_agent: EcsAgent, caplog: pytest.LogCaptureFixture
) -> None:
    ecs_agent.refuse = True
    protection = TaskProtection.from_env({"ECS_AGENT_URI": ecs_agent.uri})
    assert protection is not None

    with caplog.at_level(logging.WARNING):
        await protection.update(1)
        await protection.update(2)  # not asked again while the same calls go on

    assert len(ecs_agent.requests) == 1
    assert "DEPLOYMENT_BLOCKED" in caplog.text


def test_the_protection_length_is_a_setting_within_ecs_limits() -> None:
    environ = {"ECS_AGENT_URI": "http://agent", "TASK_PROTECTION_MINUTES": "15"}
    protection = TaskProtection.from_env(environ)
    assert protection is not None and protection.minutes == 15
    with pytest.raises(SystemExit):
        TaskProtection.from_env({**environ, "TASK_PROTECTION_MINUTES": "3000"})
{%- endif %}
