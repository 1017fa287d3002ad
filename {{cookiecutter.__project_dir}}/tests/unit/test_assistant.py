"""The real Assistant in a real AgentSession, driven by a scripted LLM (no network, no keys)."""

from livekit.agents import AgentSession, llm

from {{ cookiecutter.__package }}.assistant import GREETING_INSTRUCTIONS, Assistant
from {{ cookiecutter.__package }}.prompts import load_prompt
{%- if cookiecutter.use_tool_calling or cookiecutter.use_sip %}
from {{ cookiecutter.__package }}.userdata import UserData
{%- endif %}

from tests.scripted_llm import Reply, ScriptedLLM


def new_session(model: llm.LLM) -> AgentSession{% if cookiecutter.use_tool_calling or cookiecutter.use_sip %}[UserData]{% endif %}:
    return AgentSession({% if cookiecutter.use_tool_calling or cookiecutter.use_sip %}userdata=UserData(), {% endif %}llm=model)


async def test_greets_the_user_on_start() -> None:
    model = ScriptedLLM([Reply("Hi, I'm here to help. What can I do for you?")])
    async with new_session(model) as session:
        greeting = await session.start(Assistant(), capture_run=True)

    greeting.expect.next_event().is_agent_handoff(new_agent_type=Assistant)
    greeting.expect.next_event().is_message(role="assistant")
    greeting.expect.no_more_events()
    request = model.requests[0]
    assert request.items[0].text_content == load_prompt("assistant")
    assert GREETING_INSTRUCTIONS in request.items[-1].text_content


async def test_answers_a_user_turn_with_its_instructions_in_force() -> None:
    model = ScriptedLLM([Reply("Hello! How can I help?"), Reply("We open at nine in the morning.")])
    async with new_session(model) as session:
        await session.start(Assistant())
        result = await session.run(user_input="When do you open?")

    result.expect.next_event().is_message(role="assistant")
    result.expect.no_more_events()
    reply = result.expect[0].event().item
    assert reply.text_content == "We open at nine in the morning."
    request = model.requests[-1]
    assert request.items[0].text_content == load_prompt("assistant")
    assert request.items[-1].role == "user"
    assert request.items[-1].text_content == "When do you open?"


def test_instructions_are_written_for_speech() -> None:
    instructions = load_prompt("assistant")
    assert "no markdown" in instructions.lower()


def test_instructions_say_which_language_to_answer_in() -> None:
    instructions = load_prompt("assistant")
{%- if cookiecutter.language == "multi" %}
    assert "Answer in the language the user speaks to you" in instructions
{%- else %}
    assert "Always answer in {{ cookiecutter._languages[cookiecutter.language] }}" in instructions
{%- endif %}
