"""Per-turn latency and a usage summary in the logs, and optional OpenTelemetry traces.

In production (`start`) livekit logs JSON, and these fields arrive as JSON keys next to the
room and job ids. Traces are exported only when OTEL_EXPORTER_OTLP_ENDPOINT (or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; the standard OTEL_* variables configure the rest.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from livekit.agents import AgentSession, ChatMessage, ConversationItemAddedEvent, JobContext
from livekit.agents.telemetry import set_tracer_provider
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

logger = logging.getLogger(__name__)

# Seconds, from livekit's per-message MetricsReport.
USER_TURN_METRICS = ("transcription_delay", "end_of_turn_delay", "on_user_turn_completed_delay")
AGENT_TURN_METRICS = ("e2e_latency", "llm_node_ttft", "llm_node_ttfs", "tts_node_ttfb")


def turn_metrics(message: ChatMessage) -> dict[str, float]:
    """The latency figures of one user or agent message, rounded to milliseconds."""
    keys = USER_TURN_METRICS if message.role == "user" else AGENT_TURN_METRICS
    return {
        key: round(value, 3)
        for key, value in message.metrics.items()
        if key in keys and isinstance(value, float)
    }


def log_turn_metrics(session: AgentSession) -> None:
    @session.on("conversation_item_added")
    def _on_item_added(event: ConversationItemAddedEvent) -> None:
        message = event.item
        if message.type == "message" and (figures := turn_metrics(message)):
            logger.info("%s turn latency", message.role, extra=figures)


def usage_summary(session: AgentSession) -> list[dict[str, object]]:
    """Tokens, characters and audio seconds per model, for cost tracking."""
    return [model_usage.model_dump() for model_usage in session.usage.model_usage]


def log_usage_at_shutdown(ctx: JobContext, session: AgentSession) -> None:
    async def _log_usage() -> None:
        logger.info("session usage", extra={"model_usage": usage_summary(session)})

    ctx.add_shutdown_callback(_log_usage)


def enable_tracing(
    environ: Mapping[str, str] = os.environ, exporter: SpanExporter | None = None
) -> TracerProvider | None:
    """Send livekit's session, turn, LLM and tool spans to an OTLP collector, if configured."""
    if not (
        environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    ):
        return None
    service = environ.get("OTEL_SERVICE_NAME", "{{ cookiecutter.project_slug }}")
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(exporter or OTLPSpanExporter()))
    set_tracer_provider(provider)
    return provider
