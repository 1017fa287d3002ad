"""Spoken text: rewrite what the agent says before it reaches TTS (the transcript is unchanged)."""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Any

from livekit.agents import AgentSession


async def say_percent(text: AsyncIterable[str]) -> AsyncIterable[str]:
    async for chunk in text:
        yield chunk.replace("%", " percent")


# Any: AgentSession's keyword arguments each have their own type (see push_to_talk.py).
def session_with_spoken_percent(**session_options: Any) -> AgentSession:
    # Naming the built-in transforms keeps them; passing only the custom one would drop them.
    return AgentSession(
        tts_text_transforms=["filter_markdown", "filter_emoji", say_percent], **session_options
    )
