"""Spoken text: rewrite what the agent says before it reaches TTS (the transcript is unchanged)."""

from __future__ import annotations

from collections.abc import AsyncIterable

from livekit.agents import AgentSession


async def say_percent(text: AsyncIterable[str]) -> AsyncIterable[str]:
    async for chunk in text:
        yield chunk.replace("%", " percent")


def session_with_spoken_percent(**session_options: object) -> AgentSession:
    # Naming the built-in transforms keeps them; passing only the custom one would drop them.
    return AgentSession(
        tts_text_transforms=["filter_markdown", "filter_emoji", say_percent], **session_options
    )
