"""Checks for the code in docs/recipes/, run inside a baked project by tests/test_recipes.py.

Copied there as tests/unit/test_recipe_checks.py with the recipes as the `recipes` package, so
they run against the project's pinned livekit-agents with its scripted LLM, offline.
"""
# isort sees `recipes` and `tests` as first-party only inside the project.
# ruff: noqa: I001

from __future__ import annotations

from pathlib import Path

import pytest
from livekit.agents import Agent, AgentSession, BackgroundAudioPlayer, BuiltinAudioClip

# The function the session runs on the text it sends to TTS (private: checked against 1.8.9).
from livekit.agents.voice.transcription.text_transforms import _apply_text_transforms

from recipes.background_audio import office_background
from recipes.push_to_talk import end_turn, push_to_talk_session, start_turn
from recipes.spoken_text import session_with_spoken_percent
from recipes.structured_output import Callback, ScheduleCallback
from tests.scripted_llm import Reply, ScriptedLLM, ToolCall


async def test_structured_output_returns_the_typed_value() -> None:
    model = ScriptedLLM(
        [
            Reply(
                tool_calls=[
                    ToolCall("record_callback", {"name": " Ana ", "phone": "44 20 7946 0958"})
                ]
            ),
        ]
    )
    async with AgentSession(llm=model) as session:
        await session.start(ScheduleCallback())
        result = await session.run(
            user_input="Call me back, I'm Ana on 44 20 7946 0958.", output_type=Callback
        )
    assert result.final_output == Callback(name="Ana", phone="+442079460958")


async def test_structured_output_refuses_a_short_number() -> None:
    model = ScriptedLLM(
        [
            Reply(tool_calls=[ToolCall("record_callback", {"name": "Ana", "phone": "12"})]),
            Reply("Could you repeat the number?"),
        ]
    )
    async with AgentSession(llm=model) as session:
        await session.start(ScheduleCallback())
        result = await session.run(user_input="I'm Ana, call 12.", output_options=None)
    result.expect.contains_function_call_output(is_error=True)
    assert "too short" in str(model.requests[-1].items[-1].output)
    result.expect.contains_message(role="assistant")


async def test_spoken_text_says_percent_and_keeps_the_builtin_filters() -> None:
    session = session_with_spoken_percent()

    async def chunks():
        for chunk in ["**Rates** are ", "5% ", "today"]:
            yield chunk

    spoken = "".join(
        [c async for c in _apply_text_transforms(chunks(), session.options.tts_text_transforms)]
    )
    assert spoken == "Rates are 5 percent today"


def test_background_clips_ship_with_livekit() -> None:
    assert Path(BuiltinAudioClip.OFFICE_AMBIENCE.path()).is_file()
    assert Path(BuiltinAudioClip.KEYBOARD_TYPING2.path()).is_file()


async def test_background_audio_uses_the_builtin_office_clips() -> None:
    player = office_background()
    assert isinstance(player, BackgroundAudioPlayer)
    clips = [config.source for config in player._thinking_sound]
    assert clips == [BuiltinAudioClip.KEYBOARD_TYPING, BuiltinAudioClip.KEYBOARD_TYPING2]
    assert sum(config.probability for config in player._thinking_sound) == pytest.approx(1.0)


async def test_push_to_talk_controls_run_on_a_manual_turn_session() -> None:
    # Without a room there is no audio input or RPC: this runs the turn controls the RPC
    # handlers call on a started session; the RPC round trip needs a LiveKit server.
    model = ScriptedLLM([])
    async with push_to_talk_session(llm=model) as session:
        assert session.options.turn_handling["turn_detection"] == "manual"
        await session.start(Agent(instructions="Answer briefly."))
        start_turn(session)
        end_turn(session)
    assert model.requests == []  # an empty push-to-talk turn never reaches the model
