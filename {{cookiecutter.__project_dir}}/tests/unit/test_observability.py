from livekit.agents import Agent, AgentSession, llm
from livekit.agents.telemetry import set_tracer_provider
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from {{ cookiecutter.__package }}.observability import (
    enable_tracing,
    turn_metrics,
    usage_summary,
)

from tests.scripted_llm import Reply, ScriptedLLM


def message(role: str, metrics: dict[str, float]) -> llm.ChatMessage:
    return llm.ChatMessage(role=role, content=["hello"], metrics=metrics)


def test_agent_turn_latency_is_reported_in_milliseconds_precision() -> None:
    item = message("assistant", {"e2e_latency": 0.61234, "llm_node_ttft": 0.2, "x": 1.0})
    assert turn_metrics(item) == {"e2e_latency": 0.612, "llm_node_ttft": 0.2}


def test_user_turn_reports_endpointing_and_transcription_delays() -> None:
    item = message("user", {"end_of_turn_delay": 0.3, "transcription_delay": 0.1})
    assert turn_metrics(item) == {"transcription_delay": 0.1, "end_of_turn_delay": 0.3}


def test_messages_without_metrics_report_nothing() -> None:
    assert turn_metrics(message("assistant", {})) == {}


async def test_usage_summary_counts_the_llm_tokens_of_a_session() -> None:
    model = ScriptedLLM([Reply("one two three")])
    async with AgentSession(llm=model) as session:
        await session.start(Agent(instructions="Be brief."))
        await session.run(user_input="Count to three.")
        summary = usage_summary(session)

    llm_usage = next(entry for entry in summary if entry["model"] == "scripted")
    assert llm_usage["input_tokens"] == 10
    assert llm_usage["output_tokens"] == 3


def test_tracing_stays_off_without_an_otlp_endpoint() -> None:
    assert enable_tracing({}) is None


async def test_tracing_exports_session_spans_when_an_endpoint_is_set() -> None:
    exporter = InMemorySpanExporter()
    provider = enable_tracing({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, exporter)
    assert provider is not None
    try:
        async with AgentSession(llm=ScriptedLLM([Reply("Hello.")])) as session:
            await session.start(Agent(instructions="Be brief."))
            await session.run(user_input="Hi")
        provider.force_flush()
        names = {span.name for span in exporter.get_finished_spans()}
        assert {"agent_session", "llm_node"} <= names
    finally:
        set_tracer_provider(TracerProvider())
