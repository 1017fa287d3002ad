"""Entry point: the worker, its per-process setup and the session for each call.

- `lk agent console` / `lk agent dev`: talk to the agent, or run a worker with debug logs
  (the LiveKit CLI drives `python -m livekit.agents` for both).
- `uv run python -m livekit.agents start src/agent.py`: the production worker (JSON logs,
  health check on :8081, drains on SIGTERM, exits 1 if it fails).
- `uv run python -m livekit.agents download-files`: fetch model files before the first run.
- `uv run python src/agent.py console|dev|start`: livekit's older built-in CLI, deprecated
  (it warns on every run, see `main`); the fallback where the LiveKit CLI is not installed.
"""

import sys
import warnings

from livekit.agents import AgentSession, JobContext, JobProcess, cli

from {{ cookiecutter.__package }} import providers, settings
{%- if not cookiecutter.use_multi_agent %}
from {{ cookiecutter.__package }}.assistant import Assistant
{%- endif %}
{%- if cookiecutter.use_rag %}
from {{ cookiecutter.__package }}.knowledge.tool import load_knowledge_base
{%- endif %}
from {{ cookiecutter.__package }}.observability import (
    enable_tracing,
    log_turn_metrics,
    log_usage_at_shutdown,
)
from {{ cookiecutter.__package }}.server import Server
{%- if cookiecutter.use_multi_agent %}
from {{ cookiecutter.__package }}.team import Greeter
{%- endif %}
{%- if cookiecutter.use_sip %}
from {{ cookiecutter.__package }}.telephony import prepare_call, start_call
{%- endif %}
{%- if cookiecutter.use_tool_calling or cookiecutter.use_multi_agent or cookiecutter.use_sip %}
from {{ cookiecutter.__package }}.userdata import UserData
{%- endif %}

if __name__ == "__main__" or settings.launched_by_livekit_cli(sys.argv):
    # Read .env.local and check the settings before the worker is built: it takes the LiveKit
    # URL and keys, the drain timeout and the retries from the environment.
    settings.check_before_start(sys.argv)

server = Server(drain_timeout=settings.drain_timeout(), max_retry=settings.connect_retries())


def prewarm(proc: JobProcess) -> None:
{%- if cookiecutter.architecture == "pipeline" %}
    """Runs once per call process, before it takes a call, so calls start without loading.

    The models come from `preload`, which the worker's forkserver imported before it forked
    this process: every call process shares that memory. The import is here, not at the top,
    so the worker's main process (which runs no call) does not load them too.
    """
{%- else %}
    """Runs once per call process, before it takes a call, so calls start without loading."""
{%- endif %}
{%- if cookiecutter.architecture == "pipeline" %}
    from {{ cookiecutter.__package }} import preload

    proc.userdata["vad"] = preload.VAD
{%- endif %}
    enable_tracing()
{%- if cookiecutter.use_rag %}
    load_knowledge_base()
{%- endif %}
{%- if cookiecutter.__stt == "faster-whisper" or cookiecutter.__tts == "kokoro" %}
    config = settings.Settings.from_env()
{%- endif %}
{%- if cookiecutter.__stt == "faster-whisper" %}
    providers.preload_stt(config)
{%- endif %}
{%- if cookiecutter.__tts == "kokoro" %}
    providers.preload_tts(config)
{%- endif %}


server.setup_fnc = prewarm


@server.rtc_session({% if cookiecutter.__agent_name %}agent_name=settings.AGENT_NAME{% endif %})
async def entrypoint(ctx: JobContext) -> None:
    ctx.log_context_fields = {"room": ctx.room.name, "job_id": ctx.job.id}
    config = settings.Settings.from_env()
{%- if cookiecutter.use_sip %}
    # Built before the session starts, so the first agent knows whether it may greet.
    userdata = prepare_call(ctx)
    if userdata is None:
        return  # the job asked to dial a number outside SIP_ALLOWED_NUMBERS
{%- endif %}
{%- if cookiecutter.language == "multi" and cookiecutter.__tts not in ["none", "openai"] %}
    caller_language = providers.CallerLanguage()
{%- endif %}
    session = AgentSession[{% if cookiecutter.use_tool_calling or cookiecutter.use_multi_agent or cookiecutter.use_sip %}UserData{% else %}None{% endif %}](
{%- if cookiecutter.use_sip %}
        userdata=userdata,
{%- elif cookiecutter.use_tool_calling or cookiecutter.use_multi_agent %}
        userdata=UserData(),
{%- endif %}
{%- if cookiecutter.architecture == "pipeline" %}
        vad=ctx.proc.userdata["vad"],
        stt=providers.build_stt(config, vad_model=ctx.proc.userdata["vad"]),
        llm=providers.build_llm(config),
{%- else %}
        vad=None,  # the realtime model hears when the caller speaks
        llm=providers.build_realtime_model(config),
{%- endif %}
{%- if cookiecutter.__tts != "none" %}
        tts=providers.build_tts(config{% if cookiecutter.language == "multi" and cookiecutter.__tts != "openai" %}, caller_language{% endif %}),
{%- endif %}
        turn_handling=providers.build_turn_handling(),
    )
{%- if cookiecutter.language == "multi" and cookiecutter.__tts not in ["none", "openai"] %}
    caller_language.follow(session)
{%- endif %}
    log_turn_metrics(session)
    log_usage_at_shutdown(ctx, session)
    await session.start(
        agent={% if cookiecutter.use_multi_agent %}Greeter(){% else %}Assistant(){% endif %},
        room=ctx.room,
{%- if cookiecutter.noise_cancellation != "none" or cookiecutter.architecture != "pipeline" %}
        room_options=providers.build_room_options(),
{%- endif %}
    )
{%- if cookiecutter.use_sip %}
    await start_call(ctx, session)
{%- endif %}


LEGACY_CLI_WARNING = "the built-in Python CLI is deprecated"


def main() -> None:
    """`python src/agent.py <command>`: livekit's built-in CLI, the documented fallback.

    livekit {{ cookiecutter._livekit_agents_version }} deprecates it (in favour of `lk agent ...` and `python -m livekit.agents`)
    and will remove it. The warning is hidden here so every run does not print it, but
    tests/unit/test_livekit_deprecations.py lists it, so an upgrade that drops it fails there.
    """
    warnings.filterwarnings("ignore", message=LEGACY_CLI_WARNING, category=DeprecationWarning)
    cli.run_app(server)


if __name__ == "__main__":
    main()
