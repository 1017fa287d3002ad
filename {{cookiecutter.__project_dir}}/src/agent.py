"""Entry point: the worker, its per-process setup and the session for each call.

- `uv run python src/agent.py console`: talk to the agent in this terminal.
- `uv run python src/agent.py dev`: a worker against LIVEKIT_URL with debug logs.
- `uv run python src/agent.py start`: the production worker (JSON logs, drains on SIGTERM).
- `uv run python -m livekit.agents start src/agent.py`: the same through livekit's current CLI.
- `uv run python -m livekit.agents download-files`: fetch model files before the first run.
"""

import sys
import warnings

from livekit.agents import AgentServer, AgentSession, JobContext, JobProcess, cli

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
{%- if cookiecutter.use_multi_agent %}
from {{ cookiecutter.__package }}.team import Greeter
{%- endif %}
{%- if cookiecutter.use_sip %}
from {{ cookiecutter.__package }}.telephony import prepare_call, start_call
{%- endif %}
{%- if cookiecutter.use_tool_calling or cookiecutter.use_multi_agent or cookiecutter.use_sip %}
from {{ cookiecutter.__package }}.userdata import UserData
{%- endif %}

server = AgentServer(drain_timeout=settings.drain_timeout())


def prewarm(proc: JobProcess) -> None:
    """Runs once per worker process, before it takes a job, so calls start without loading."""
    proc.userdata["vad"] = providers.load_vad()
    enable_tracing()
{%- if cookiecutter.use_rag %}
    load_knowledge_base()
{%- endif %}
{%- if cookiecutter.stt == "faster-whisper" %}
    providers.preload_stt(settings.Settings.from_env())
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
    session = AgentSession[{% if cookiecutter.use_tool_calling or cookiecutter.use_multi_agent or cookiecutter.use_sip %}UserData{% else %}None{% endif %}](
{%- if cookiecutter.use_sip %}
        userdata=userdata,
{%- elif cookiecutter.use_tool_calling or cookiecutter.use_multi_agent %}
        userdata=UserData(),
{%- endif %}
        vad=ctx.proc.userdata["vad"],
        stt=providers.build_stt(config, vad_model=ctx.proc.userdata["vad"]),
        llm=providers.build_llm(config),
        tts=providers.build_tts(config),
        turn_handling=providers.build_turn_handling(),
    )
    log_turn_metrics(session)
    log_usage_at_shutdown(ctx, session)
    await session.start(
        agent={% if cookiecutter.use_multi_agent %}Greeter(){% else %}Assistant(){% endif %},
        room=ctx.room,
{%- if cookiecutter.noise_cancellation != "none" %}
        room_options=providers.build_room_options(),
{%- endif %}
    )
{%- if cookiecutter.use_sip %}
    await start_call(ctx, session)
{%- endif %}


def main() -> None:
    settings.check_before_start(sys.argv)
    # `python src/agent.py <command>` is livekit's older CLI; it still works in 1.8 but warns on
    # every run. `python -m livekit.agents start` is the current form (used by the Dockerfile).
    warnings.filterwarnings(
        "ignore", message="the built-in Python CLI is deprecated", category=DeprecationWarning
    )
    cli.run_app(server)


if __name__ == "__main__":
    main()
elif settings.launched_by_livekit_cli(sys.argv):
    # `python -m livekit.agents start src/agent.py` imports this module instead of running it.
    settings.check_before_start(sys.argv)
