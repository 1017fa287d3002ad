"""The worker: livekit's `AgentServer`, made to exit non-zero when it fails.

livekit's CLI (`python -m livekit.agents start`, `lk agent ...`, `src/agent.py start`) catches
the exception `AgentServer.run()` raises when the worker cannot go on (LiveKit unreachable
after every retry, the health port taken, ...), logs "worker failed", drains, closes the worker
and returns normally: the process would exit 0, and an orchestrator would treat a dead worker as
a clean stop. `Server` keeps that exception and, once livekit has closed the worker, ends the
process with exit code 1 and one line on stderr that says what failed and what to do.
{%- if cookiecutter.deploy_target == "aws-ecs" %}

On ECS it also protects its task from scale-in while it has calls (`TaskProtection`).
{%- endif %}
"""

from __future__ import annotations

{% if cookiecutter.deploy_target == "aws-ecs" -%}
import asyncio
{% endif -%}
import errno
{% if cookiecutter.deploy_target == "aws-ecs" -%}
import json
import logging
{% endif -%}
import multiprocessing
import os
import sys
{%- if cookiecutter.deploy_target == "aws-ecs" %}
import urllib.request
from collections.abc import Mapping
{%- endif %}

from livekit.agents import AgentServer

from . import settings
{%- if cookiecutter.deploy_target == "aws-ecs" %}

logger = logging.getLogger(__name__)
{%- endif %}

# The exit code of a worker that stopped because it failed (2 is a settings problem at start).
FAILED = 1
{%- if cookiecutter.architecture == "pipeline" or cookiecutter.use_rag %}
# Imported once in the forkserver the call processes are forked from, so the models they load
# are shared by every call process instead of loaded in each (preload.py).
PRELOAD_MODULES = [f"{__package__}.preload"]
{%- endif %}


class Server(AgentServer):
    def __init__(self, *, drain_timeout: int, max_retry: int) -> None:
{%- if cookiecutter.architecture == "pipeline" or cookiecutter.use_rag %}
        super().__init__(
            drain_timeout=drain_timeout, max_retry=max_retry, preload_modules=PRELOAD_MODULES
        )
{%- else %}
        # No model to share: the realtime model runs at its provider.
        super().__init__(drain_timeout=drain_timeout, max_retry=max_retry)
{%- endif %}
        self.failure: str | None = None
{%- if cookiecutter.deploy_target == "aws-ecs" %}
        self.protection = TaskProtection.from_env()
        self.following: asyncio.Task[None] | None = None
        if self.protection is not None:
            self.on("worker_started", self.follow_calls)

    def follow_calls(self) -> None:
        assert self.protection is not None
        self.following = asyncio.create_task(self.protection.follow(self))
{%- endif %}

    async def run(self, *, devmode: bool = False, unregistered: bool = False) -> None:
        try:
            await super().run(devmode=devmode, unregistered=unregistered)
        except Exception as error:
            self.failure = explain(error)
            raise  # livekit logs it with its traceback, then drains and closes the worker

    async def aclose(self) -> None:
{%- if cookiecutter.deploy_target == "aws-ecs" %}
        if self.following is not None:
            self.following.cancel()
{%- endif %}
        await super().aclose()
        if self.failure is not None:
            failure, self.failure = self.failure, None
            # A failure during start-up leaves processes livekit had started (the inference
            # process) running, and Python's exit would wait for them for about a minute.
            for child in multiprocessing.active_children():
                child.terminate()
            print(f"Worker stopped: {failure}", file=sys.stderr)
            raise SystemExit(FAILED)


def explain(error: Exception) -> str:
    """What failed and what to do, in one line, for the failures an operator can fix."""
    if isinstance(error, OSError) and error.errno == errno.EADDRINUSE:
        return (
            f"its health server cannot listen ({error}). Another process holds that port, "
            "often a second worker on the same host: stop it, or run one worker per container."
        )
    if str(error).startswith("failed to connect to livekit"):  # AgentServer's last retry
        return (
            f"could not connect to LiveKit at {os.environ.get('LIVEKIT_URL', '')} "
            f"(LIVEKIT_CONNECT_RETRIES={settings.connect_retries()} retries). Check LIVEKIT_URL, "
            "that the server is reachable from here, and LIVEKIT_API_KEY/LIVEKIT_API_SECRET."
        )
    return f"{type(error).__name__}: {error}"
{%- if cookiecutter.deploy_target == "aws-ecs" %}


class TaskProtection:
    """ECS task scale-in protection while the worker has calls.

    On a redeploy or a scale-in ECS stops tasks and gives each its StopTimeout (120 s at most on
    Fargate) to finish, which cuts longer calls. ECS does not pick a protected task for either
    until the protection is cleared or expires. The worker protects its task when its first call
    starts and clears the protection when its last call ends, through the ECS agent's endpoint
    inside the task (the task role needs ecs:UpdateTaskProtection; see cloudformation.yaml).
    """

    def __init__(self, agent_uri: str, minutes: int) -> None:
        self.url = agent_uri.rstrip("/") + "/task-protection/v1/state"
        self.minutes = minutes
        self.protected = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> TaskProtection | None:
        """ECS sets ECS_AGENT_URI in every task; elsewhere there is nothing to protect."""
        agent_uri = environ.get("ECS_AGENT_URI", "")
        if not agent_uri:
            return None
        return cls(agent_uri, settings.task_protection_minutes(environ))

    async def follow(self, server: AgentServer, interval: float = 1.0) -> None:
        """Keep the protection in step with the worker's active calls until cancelled."""
        while True:
            await self.update(len(server.active_jobs))
            await asyncio.sleep(interval)

    async def update(self, active_calls: int) -> None:
        wanted = active_calls > 0
        if wanted == self.protected:
            return
        # A failed request is logged, not retried: a protection that failed to clear expires.
        self.protected = wanted
        state: dict[str, object] = {"ProtectionEnabled": wanted}
        if wanted:
            state["ExpiresInMinutes"] = self.minutes
        action = "set" if wanted else "clear"
        try:
            # The agent answers on a link-local address; a thread keeps the event loop free
            # without adding an HTTP client dependency.
            await asyncio.to_thread(put_json, self.url, state)
        except (OSError, ValueError) as error:
            logger.warning("could not %s ECS task scale-in protection: %s", action, error)
        else:
            logger.info("ECS task scale-in protection %s", "set" if wanted else "cleared")


def put_json(url: str, body: Mapping[str, object]) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        answer = json.load(response)
    if "error" in answer:  # the agent reports a refused change in the body
        raise ValueError(answer["error"])
{%- endif %}
