"""Background audio: office ambience while connected, keyboard sounds while the agent thinks."""

from __future__ import annotations

from livekit import rtc
from livekit.agents import AgentSession, AudioConfig, BackgroundAudioPlayer, BuiltinAudioClip


def office_background() -> BackgroundAudioPlayer:
    return BackgroundAudioPlayer(
        ambient_sound=AudioConfig(BuiltinAudioClip.OFFICE_AMBIENCE, volume=0.8),
        thinking_sound=[
            AudioConfig(BuiltinAudioClip.KEYBOARD_TYPING, volume=0.8, probability=0.6),
            AudioConfig(BuiltinAudioClip.KEYBOARD_TYPING2, volume=0.7, probability=0.4),
        ],
    )


async def start_office_background(room: rtc.Room, session: AgentSession) -> BackgroundAudioPlayer:
    """Call after `session.start(...)`; `await player.aclose()` when the call ends."""
    player = office_background()
    await player.start(room=room, agent_session=session)
    return player
