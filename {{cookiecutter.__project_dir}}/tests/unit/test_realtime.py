{%- set realtime = cookiecutter.architecture == "realtime" -%}
{%- set has_userdata = cookiecutter.use_tool_calling or cookiecutter.use_multi_agent or cookiecutter.use_sip -%}
"""The agent on its realtime model, through the real AgentSession: a scripted stand-in of
livekit's `RealtimeModel` interface hears the caller's audio, answers in {{ "speech and a transcript" if realtime else "text that the TTS speaks" }},
calls a tool and hands the caller to another agent, whose instructions and tools then reach
the same conversation."""

from __future__ import annotations

import asyncio

from livekit.agents import (
    Agent,
    AgentSession,
    ConversationItemAddedEvent,
    RunContext,
    function_tool,
{%- if not realtime %}
    tts,
{%- endif %}
)

from {{ cookiecutter.__package }} import providers
{%- if cookiecutter.use_multi_agent %}
from {{ cookiecutter.__package }}.team import Greeter as EntryAgent
{%- else %}
from {{ cookiecutter.__package }}.assistant import Assistant as EntryAgent
{%- endif %}
{%- if has_userdata %}
from {{ cookiecutter.__package }}.userdata import UserData
{%- endif %}

{% if not realtime -%}
from tests.fake_speech import ScriptedTTS
{% endif -%}
from tests.scripted_llm import Reply, ToolCall
from tests.scripted_realtime import (
    CallerAudio,
    Heard,
    PlayedAudio,
    ScriptedRealtimeModel,
    tool_names,
)


def new_session(
    model: ScriptedRealtimeModel,
{%- if not realtime %}
    voice: tts.TTS | None = None,
{%- endif %}
) -> AgentSession{% if has_userdata %}[UserData]{% endif %}:
    """A session set up as the entry point sets it up, on the stand-in model."""
    return AgentSession{% if has_userdata %}[UserData]{% endif %}(
{%- if has_userdata %}
        userdata=UserData(),
{%- endif %}
        vad=None,
        llm=model,
{%- if not realtime %}
        tts=voice or ScriptedTTS(),
{%- endif %}
        turn_handling=providers.build_turn_handling(),
    )


async def said(session: AgentSession{% if has_userdata %}[UserData]{% endif %}, text: str) -> None:
    """Wait until the agent's transcript holds `text`."""
    done = asyncio.Event()

    def added(event: ConversationItemAddedEvent) -> None:
        if event.item.type == "message" and event.item.text_content == text:
            done.set()

    session.on("conversation_item_added", added)
    if not any(
        item.type == "message" and item.text_content == text for item in session.history.items
    ):
        await asyncio.wait_for(done.wait(), 5)


async def test_the_callers_speech_is_heard_and_answered_{{ "in_speech" if realtime else "through_the_tts" }}() -> None:
    model = ScriptedRealtimeModel(
        [Reply("Hello! How can I help?"), Reply("We open at nine in the morning.")],
        heard=[Heard("When do you open?")],
    )
    caller, speaker = CallerAudio(), PlayedAudio()
{%- if not realtime %}
    voice = ScriptedTTS()
{%- endif %}
    async with new_session(model{% if not realtime %}, voice{% endif %}) as session:
        session.input.audio = caller
        session.output.audio = speaker
        await session.start(EntryAgent())
        await said(session, "Hello! How can I help?")
        caller.speak(0.6)
        await said(session, "We open at nine in the morning.")

    messages = [
        (item.role, item.text_content) for item in session.history.items if item.type == "message"
    ]
    assert messages == [
        ("assistant", "Hello! How can I help?"),
        ("user", "When do you open?"),
        ("assistant", "We open at nine in the morning."),
    ]
    assert model.sessions[0].record.audio_seconds >= 0.5, "the caller's audio reached the model"
    assert speaker.seconds > 0, "the caller heard the answers"
{%- if not realtime %}
    assert voice.texts == ["Hello! How can I help?", "We open at nine in the morning."]
{%- endif %}


class FrontDesk(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="You are the front desk.")

    @function_tool
    async def opening_hours(self, day: str) -> str:
        """The shop's opening hours on a day.

        Args:
            day: The day of the week.
        """
        return "nine to five"

    @function_tool
    async def transfer_to_billing(self, context: RunContext) -> Agent:
        """Hand the caller to billing."""
        return Billing()


class Billing(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="You are billing.")

    async def on_enter(self) -> None:
        self.session.generate_reply()

    @function_tool
    async def refund(self, order: str) -> str:
        """Refund an order.

        Args:
            order: The order number.
        """
        return "refunded"


async def test_a_tool_call_and_a_handoff_run_on_the_realtime_model() -> None:
    model = ScriptedRealtimeModel(
        [
            Reply(tool_calls=[ToolCall("opening_hours", {"day": "monday"})]),
            Reply("We open at nine on Monday."),
            Reply(tool_calls=[ToolCall("transfer_to_billing")]),
            Reply("Billing here. Which order should I refund?"),
        ]
    )
    async with new_session(model) as session:
        await session.start(FrontDesk())
        hours = await session.run(user_input="When do you open on Monday?")
        handoff = await session.run(user_input="I need a refund.")

    hours.expect.next_event().is_function_call(name="opening_hours", arguments={"day": "monday"})
    hours.expect.next_event().is_function_call_output(output="nine to five")
    hours.expect.next_event().is_message(role="assistant")
    handoff.expect.contains_function_call(name="transfer_to_billing")
    handoff.expect.contains_agent_handoff(new_agent_type=Billing)
    handoff.expect.contains_message(role="assistant")
    # The agent handed to speaks on the realtime model with its own instructions and tools.
    conversation = model.sessions[-1]
    assert "You are billing." in conversation.record.instructions[-1]
    assert tool_names(conversation) == ["refund"]
{%- if cookiecutter.use_multi_agent %}


async def test_the_team_hands_off_on_the_realtime_model() -> None:
    from {{ cookiecutter.__package }}.team import Sales
    from {{ cookiecutter.__package }}.team.agents import instructions_for

    model = ScriptedRealtimeModel(
        [
            Reply("Hello! How can I help?"),
            Reply(tool_calls=[ToolCall("transfer_to_department", {"department": "sales"})]),
            Reply("Sales here. Which plan interests you?"),
        ]
    )
    async with new_session(model) as session:
        await session.start(EntryAgent())
        result = await session.run(user_input="I want to upgrade my plan.")

    result.expect.contains_agent_handoff(new_agent_type=Sales)
    conversation = model.sessions[-1]
    assert instructions_for("sales") in conversation.record.instructions[-1]
    assert "transfer_to_front_desk" in tool_names(conversation)
{%- endif %}
