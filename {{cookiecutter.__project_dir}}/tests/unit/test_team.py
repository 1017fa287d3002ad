"""The team, driven by the scripted LLM: handoffs, the instructions in force after each one,
shared userdata, the bounded context carried over, and the account number (spoken{% if cookiecutter.use_sip %} or keyed{% endif %})."""

from __future__ import annotations

import asyncio

{% if cookiecutter.use_sip -%}
from livekit import rtc
{% endif -%}
from livekit.agents import AgentSession
{% if cookiecutter.use_sip -%}
from livekit.agents.beta.workflows.utils import DtmfEvent, dtmf_event_to_code
{% endif -%}
from livekit.agents.testing import fake_job_context

from {{ cookiecutter.__package }}.team import Billing, Greeter, Sales, Support
from {{ cookiecutter.__package }}.team.agents import (
    CARRIED_TURNS,
    NO_ACCOUNT,
    instructions_for,
    recent_turns,
)
from {{ cookiecutter.__package }}.userdata import UserData

from tests.scripted_llm import Reply, ScriptedLLM, ToolCall


def instructions_of(request) -> str:
    return request.items[0].text_content


async def test_greeter_hands_off_to_sales_with_the_callers_name() -> None:
    userdata = UserData()
    model = ScriptedLLM(
        [
            Reply("Hello! How can I help?"),
            Reply(
                "Let me get you to sales.",
                [ToolCall("transfer_to_department", {"department": "sales", "caller_name": "Ana"})],
            ),
            Reply("Hi Ana, I can help you choose a plan."),
        ]
    )
    async with AgentSession[UserData](llm=model, userdata=userdata) as session:
        await session.start(Greeter())
        result = await session.run(user_input="Hi, I'm Ana and I want to upgrade my plan.")

    result.expect.contains_function_call(
        name="transfer_to_department", arguments={"department": "sales", "caller_name": "Ana"}
    )
    result.expect.contains_agent_handoff(new_agent_type=Sales)
    assert instructions_of(model.requests[-1]) == instructions_for("sales")
    assert userdata.caller_name == "Ana"
    assert isinstance(userdata.previous_agent, Greeter)
    # The sales agent saw the caller's words, not the tool traffic.
    carried = [item.text_content for item in model.requests[-1].items if item.type == "message"]
    assert "Hi, I'm Ana and I want to upgrade my plan." in carried


async def test_billing_confirms_a_spoken_account_number_first() -> None:
    userdata = UserData()
    model = ScriptedLLM(
        [
            Reply("Hello! How can I help?"),
            Reply(tool_calls=[ToolCall("transfer_to_department", {"department": "billing"})]),
            Reply("What is your eight-digit account number?"),
            Reply("That is 1 2 3 4 5 6 7 8, correct?"),
            Reply(tool_calls=[ToolCall("confirm_inputs", {"inputs": list("12345678")})]),
            Reply("Thanks, your account is verified. How can I help with billing?"),
        ]
    )
    # livekit's GetDtmfTask listens to the job's room for keypad presses.
    with fake_job_context():
        async with AgentSession[UserData](llm=model, userdata=userdata) as session:
            await session.start(Greeter())
            first = await session.run(user_input="I was charged twice.")
            first.expect.contains_agent_handoff(new_agent_type=Billing)
            await session.run(user_input="It's 1234 5678.")
            await session.run(user_input="Yes, that's right.")
            await session.wait_for_idle()

    assert userdata.account_id == "12345678"
    assert instructions_of(model.requests[-1]) == instructions_for("billing")
    assert "12345678 is verified" in model.requests[-1].items[-1].text_content
{%- if cookiecutter.use_sip %}


async def test_billing_takes_a_keyed_account_number_with_one_reply_not_one_per_key() -> None:
    userdata = UserData()
    asked = "Please key in your eight-digit account number, then press pound."
    model = ScriptedLLM(
        [
            Reply("Hello! How can I help?"),
            Reply(tool_calls=[ToolCall("transfer_to_department", {"department": "billing"})]),
            Reply(asked),
            Reply("You keyed 1 2 3 4 5 6 7 8. Is that right?"),
            Reply(tool_calls=[ToolCall("confirm_inputs", {"inputs": list("12345678")})]),
            Reply("Thanks, your account is verified. How can I help with billing?"),
        ]
    )
    room = rtc.Room()
    with fake_job_context(room=room):
        async with AgentSession[UserData](llm=model, userdata=userdata) as session:
            await session.start(Greeter())
            await session.run(user_input="I was charged twice.")
            await session.wait_for_idle()
            before_keys = len(model.requests)
            for digit in "12345678#":
                code = dtmf_event_to_code(DtmfEvent(digit))
                room.emit("sip_dtmf_received", rtc.SipDTMF(code=code, digit=digit))
            read_back = asyncio.Event()
            session.on(
                "conversation_item_added",
                lambda event: read_back.set() if "You keyed" in str(event.item) else None,
            )
            await asyncio.wait_for(read_back.wait(), 5)
            # Eight keys and the terminator: one reply, the read-back.
            assert len(model.requests) == before_keys + 1
            assert "1 2 3 4 5 6 7 8" in model.requests[-1].items[-1].text_content
            await session.run(user_input="Yes.")
            await session.wait_for_idle()

    assert userdata.account_id == "12345678"
{%- endif %}


async def test_an_account_number_of_the_wrong_length_is_asked_again_then_given_up() -> None:
    model = ScriptedLLM(
        [
            Reply("Hello!"),
            Reply(tool_calls=[ToolCall("transfer_to_department", {"department": "billing"})]),
            Reply("What is your account number?"),
            Reply(tool_calls=[ToolCall("confirm_inputs", {"inputs": list("123")})]),
            Reply("That seems short; could you say it again?"),
            Reply(tool_calls=[ToolCall("confirm_inputs", {"inputs": list("1234567*")})]),
            Reply("I could not confirm your account. I can still help with general questions."),
        ]
    )
    userdata = UserData()
    with fake_job_context():
        async with AgentSession[UserData](llm=model, userdata=userdata) as session:
            await session.start(Greeter())
            await session.run(user_input="Billing question.")
            await session.run(user_input="123")
            await session.run(user_input="1 2 3 4 5 6 7 star")
            await session.wait_for_idle()

    assert userdata.account_id is None
    assert model.requests[-1].items[-1].text_content == NO_ACCOUNT


async def test_hanging_up_during_the_account_step_ends_billing_cleanly() -> None:
    # Closing the session cancels the running task; billing must end without an error.
    model = ScriptedLLM(
        [
            Reply("Hello!"),
            Reply(tool_calls=[ToolCall("transfer_to_department", {"department": "billing"})]),
            Reply("What is your account number?"),
        ]
    )
    userdata = UserData()
    with fake_job_context():
        async with AgentSession[UserData](llm=model, userdata=userdata) as session:
            await session.start(Greeter())
            await session.run(user_input="Billing question.")
            on_enter = [
                task for task in asyncio.all_tasks() if task.get_name().endswith("on_enter")
            ]

        done, _ = await asyncio.wait(on_enter, timeout=5)
    assert on_enter
    assert done == set(on_enter)
    assert [task.exception() for task in done] == [None] * len(done)
    assert userdata.account_id is None


async def test_greeter_hands_product_problems_to_support() -> None:
    userdata = UserData()
    model = ScriptedLLM(
        [
            Reply("Hello! How can I help?"),
            Reply(
                "Support can help with that.",
                [ToolCall("transfer_to_department", {"department": "support"})],
            ),
            Reply("Hi, I'm support. Let's get your app working again."),
        ]
    )
    async with AgentSession[UserData](llm=model, userdata=userdata) as session:
        await session.start(Greeter())
        result = await session.run(user_input="The app crashes when I open it.")
        assert isinstance(session.current_agent, Support)

    result.expect.contains_function_call(
        name="transfer_to_department", arguments={"department": "support"}
    )
    result.expect.contains_agent_handoff(new_agent_type=Support)
    result.expect.contains_message(role="assistant")
    assert instructions_of(model.requests[-1]) == instructions_for("support")
    assert isinstance(userdata.previous_agent, Greeter)
    carried = [item.text_content for item in model.requests[-1].items if item.type == "message"]
    assert "The app crashes when I open it." in carried


async def test_going_back_returns_to_the_same_greeter_with_the_recent_turns() -> None:
    userdata = UserData()
    greeter = Greeter()
    model = ScriptedLLM(
        [
            Reply("Hello!"),
            Reply(tool_calls=[ToolCall("transfer_to_department", {"department": "sales"})]),
            Reply("Sales here. The plus plan is ten dollars a month."),
            Reply(tool_calls=[ToolCall("transfer_to_front_desk")]),
            Reply("Front desk again. What else can I do?"),
            Reply(tool_calls=[ToolCall("transfer_to_department", {"department": "sales"})]),
            Reply("Sales again."),
        ]
    )
    async with AgentSession[UserData](llm=model, userdata=userdata) as session:
        await session.start(greeter)
        await session.run(user_input="Prices?")
        sales = session.current_agent
        back = await session.run(user_input="Actually, something else.")
        assert session.current_agent is greeter
        greeter_request = model.requests[-1]
        await session.run(user_input="No, back to sales please.")
        assert session.current_agent is sales

    back.expect.contains_agent_handoff(new_agent_type=Greeter)
    assert userdata.agents == {"greeter": greeter, "sales": sales}
    # The returning greeter was given the turns it missed while sales had the caller.
    carried = [i.text_content for i in greeter_request.items if i.type == "message"]
    assert "Sales here. The plus plan is ten dollars a month." in carried
    assert "Actually, something else." in carried
    assert instructions_of(greeter_request) == instructions_for("greeter")


def test_carried_context_is_bounded_and_has_no_tool_calls() -> None:
    from livekit.agents import llm

    history = llm.ChatContext()
    history.add_message(role="system", content="old instructions")
    for turn in range(10):
        history.add_message(role="user", content=f"question {turn}")
        history.add_message(role="assistant", content=f"answer {turn}")
    carried = recent_turns(history)
    assert len(carried.items) == CARRIED_TURNS
    assert all(item.type == "message" and item.role != "system" for item in carried.items)
    assert carried.items[-1].text_content == "answer 9"
