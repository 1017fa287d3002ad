from livekit.agents import Agent, AgentSession, ConversationItemAddedEvent, llm

from {{ cookiecutter.__package }}.observability import turn_metrics, usage_summary
from tests.scripted_llm import Reply, ScriptedLLM


def message_event(role: str, metrics: dict[str, float]) -> ConversationItemAddedEvent:
    item = llm.ChatMessage(role=role, content=["hello"], metrics=metrics)
    return ConversationItemAddedEvent(item=item)


def test_agent_turn_latency_is_reported_in_milliseconds_precision() -> None:
    event = message_event("assistant", {"e2e_latency": 0.61234, "llm_node_ttft": 0.2, "x": 1.0})
    assert turn_metrics(event) == {"e2e_latency": 0.612, "llm_node_ttft": 0.2}


def test_user_turn_reports_endpointing_and_transcription_delays() -> None:
    event = message_event("user", {"end_of_turn_delay": 0.3, "transcription_delay": 0.1})
    assert turn_metrics(event) == {"transcription_delay": 0.1, "end_of_turn_delay": 0.3}


def test_messages_without_metrics_report_nothing() -> None:
    assert turn_metrics(message_event("assistant", {})) == {}


async def test_usage_summary_counts_the_llm_tokens_of_a_session() -> None:
    model = ScriptedLLM([Reply("one two three")])
    async with AgentSession(llm=model) as session:
        await session.start(Agent(instructions="Be brief."))
        await session.run(user_input="Count to three.")
        summary = usage_summary(session)

    llm_usage = next(entry for entry in summary if entry["model"] == "scripted")
    assert llm_usage["input_tokens"] == 10
    assert llm_usage["output_tokens"] == 3
