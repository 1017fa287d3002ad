{%- set userdata = cookiecutter.use_tool_calling or cookiecutter.use_multi_agent or cookiecutter.use_sip -%}
{%- set pipeline = cookiecutter.architecture == "pipeline" -%}
"""Drive the project's agent through one spoken conversation and collect its timeline."""

from __future__ import annotations

{% if pipeline -%}
import time
{% endif -%}
from collections.abc import Sequence

{% if pipeline -%}
from livekit.agents import (
    AgentSession,
    AgentStateChangedEvent,
    ConversationItemAddedEvent,
    TurnHandlingOptions,
    vad,
)
{%- else -%}
from livekit.agents import AgentSession, AgentStateChangedEvent, TurnHandlingOptions
{%- endif %}

{% if cookiecutter.use_multi_agent -%}
from {{ cookiecutter.__package }}.team import Greeter
{% else -%}
from {{ cookiecutter.__package }}.assistant import Assistant
{% endif -%}
{% if userdata -%}
from {{ cookiecutter.__package }}.userdata import UserData
{% endif %}
from .profile import Profile
{% if pipeline -%}
from .simulated import (
    ConversationInput,
    PlayoutRecorder,
    SimulatedLLM,
    SimulatedSTT,
    SimulatedTTS,
)
{%- elif cookiecutter.__tts != "none" -%}
from .simulated import (
    ConversationInput,
    PlayoutRecorder,
    SimulatedRealtimeModel,
    SimulatedTTS,
)
{%- else -%}
from .simulated import ConversationInput, PlayoutRecorder, SimulatedRealtimeModel
{%- endif %}
from .speech import Utterance
from .timeline import Timeline

REPLIES = (
    "Hello, how can I help?",
    "Of course, I can help with that. What is the order number?",
    "Thanks Alex, I found order four five two one. It shipped yesterday.",
    "It should arrive on Thursday. Is there anything else I can do?",
    "You are welcome. Have a great day!",
)


async def run_conversation(
    profile: Profile,
    utterances: Sequence[Utterance],
    *,
    turn_handling: TurnHandlingOptions,
{%- if pipeline %}
    voice_activity: vad.VAD,
{%- endif %}
) -> Timeline:
    timeline = Timeline()
    session = AgentSession[{% if userdata %}UserData{% else %}None{% endif %}](
{%- if userdata %}
        userdata=UserData(),
{%- endif %}
{%- if pipeline %}
        vad=voice_activity,
        stt=SimulatedSTT(profile, timeline, [u.text for u in utterances]),
        llm=SimulatedLLM(profile, timeline, REPLIES),
        tts=SimulatedTTS(profile, timeline),
{%- else %}
        vad=None,  # the realtime model hears when the caller speaks, as in src/agent.py
        llm=SimulatedRealtimeModel(profile, timeline, [u.text for u in utterances], REPLIES),
{%- if cookiecutter.__tts != "none" %}
        tts=SimulatedTTS(profile, timeline),
{%- endif %}
{%- endif %}
        turn_handling=turn_handling,
    )
{%- if pipeline %}

    max_delay = session.options.turn_handling["endpointing"]["max_delay"]

    @session.on("conversation_item_added")
    def _on_item(event: ConversationItemAddedEvent) -> None:
        item = event.item
        if item.type == "message" and item.role == "user":
            metrics = item.metrics
            stopped = metrics.get("stopped_speaking_at")
            delay = metrics.get("end_of_turn_delay")
            committed = stopped + delay if stopped and delay is not None else time.time()
            timeline.stamp("turn_committed", committed)
            if (turn := timeline.current) is not None and delay is not None:
                turn.waited_max_delay = delay >= max_delay - 0.05
{%- endif %}

    replies = 0

    @session.on("agent_state_changed")
    def _on_state(event: AgentStateChangedEvent) -> None:
        nonlocal replies
        if event.old_state == "speaking":
            replies += 1

    caller = ConversationInput(utterances, timeline, replies_finished=lambda: replies)
    session.input.audio = caller
    session.output.audio = PlayoutRecorder(timeline)
    await session.start(agent={% if cookiecutter.use_multi_agent %}Greeter(){% else %}Assistant(){% endif %})
    await caller.finished.wait()
    await session.aclose()
    return timeline
