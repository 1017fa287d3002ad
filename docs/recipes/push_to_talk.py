"""Push-to-talk: the caller holds a button; the app calls `start_turn` / `end_turn` over RPC."""

from __future__ import annotations

from typing import Any

from livekit import rtc
from livekit.agents import AgentSession


# Any: AgentSession's keyword arguments (stt=, llm=, tts=, vad=, userdata=, ...) each have their
# own type and livekit defines no TypedDict of them to unpack, so mypy cannot check them here;
# an unknown keyword still fails when AgentSession is called.
def push_to_talk_session(**session_options: Any) -> AgentSession:
    # "manual": the session never ends a user turn by itself; end_turn commits it.
    return AgentSession(turn_handling={"turn_detection": "manual"}, **session_options)


def start_turn(session: AgentSession) -> None:
    session.interrupt()
    session.clear_user_turn()
    session.input.set_audio_enabled(True)


def end_turn(session: AgentSession) -> None:
    session.input.set_audio_enabled(False)
    session.commit_user_turn(transcript_timeout=10.0)


def register_push_to_talk(room: rtc.Room, session: AgentSession) -> None:
    """Call after `session.start(agent=..., room=room)`; audio stays off until start_turn."""
    session.input.set_audio_enabled(False)

    async def on_start_turn(data: rtc.RpcInvocationData) -> str:
        start_turn(session)
        return "ok"

    async def on_end_turn(data: rtc.RpcInvocationData) -> str:
        end_turn(session)
        return "ok"

    room.local_participant.register_rpc_method("start_turn", on_start_turn)
    room.local_participant.register_rpc_method("end_turn", on_end_turn)
