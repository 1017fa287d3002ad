"""A scripted stand-in for the realtime model, so realtime tests run offline and free.

It implements livekit's own `llm.RealtimeModel` / `llm.RealtimeSession` interface as installed
(an abstract method renamed or added upstream fails these tests) and emits the events the real
`AgentSession` consumes: the caller's speech starting and stopping (the model's server-side
turn detection), the caller's transcript, and each reply as a generation with its text, its
audio{% if cookiecutter.architecture == "half-cascade" %} (none here: a half-cascade model answers in text, the TTS speaks){% endif %} and its
function calls. The session, tool execution and handoffs run unchanged around it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

from livekit import rtc
from livekit.agents import NOT_GIVEN, NotGivenOr, llm, utils
from livekit.agents.voice.io import AudioInput, AudioOutput, AudioOutputCapabilities

from tests.scripted_llm import Reply

SAMPLE_RATE = 24000
# Audio out: a half-cascade model answers in text only.
AUDIO_OUT = {{ "True" if cookiecutter.architecture == "realtime" else "False" }}


@dataclass
class Heard:
    """What the model's server-side turn detection hears once enough audio has arrived."""

    transcript: str
    after_seconds: float = 0.5


@dataclass
class SessionRecord:
    """Everything the AgentSession told one realtime session."""

    instructions: list[str] = field(default_factory=list)
    tools: list[list[str]] = field(default_factory=list)
    chat_contexts: list[llm.ChatContext] = field(default_factory=list)
    audio_seconds: float = 0.0
    reply_instructions: list[str] = field(default_factory=list)


class ScriptedRealtimeModel(llm.RealtimeModel):
    """Answers each reply request with the next scripted `Reply` (text and/or tool calls)."""

    def __init__(self, replies: list[Reply], heard: list[Heard] | None = None) -> None:
        super().__init__(
            capabilities=llm.RealtimeCapabilities(
                message_truncation=True,
                turn_detection=True,
                user_transcription=True,
                auto_tool_reply_generation=False,
                audio_output=AUDIO_OUT,
                manual_function_calls=True,
                mutable_chat_context=True,
                mutable_instructions=True,
                mutable_tools=True,
                per_response_tool_choice=True,
            )
        )
        self.replies = replies
        self.heard = heard or []
        self.sessions: list[ScriptedRealtimeSession] = []

    @property
    def model(self) -> str:
        return "scripted-realtime"

    @property
    def provider(self) -> str:
        return "test"

    def session(self, *, turn_detection_disabled: bool = False) -> ScriptedRealtimeSession:
        session = ScriptedRealtimeSession(self)
        self.sessions.append(session)
        return session

    async def aclose(self) -> None:
        pass

    def next_reply(self) -> Reply:
        assert self.replies, "the scripted realtime model ran out of replies"
        return self.replies.pop(0)


class ScriptedRealtimeSession(llm.RealtimeSession[Literal[""]]):
    def __init__(self, model: ScriptedRealtimeModel) -> None:
        super().__init__(model)
        self.model = model
        self.record = SessionRecord()
        self._chat_ctx = llm.ChatContext.empty()
        self._tools = llm.ToolContext.empty()
        self._heard_audio = 0.0

    @property
    def chat_ctx(self) -> llm.ChatContext:
        return self._chat_ctx.copy()

    @property
    def tools(self) -> llm.ToolContext:
        return self._tools.copy()

    async def update_instructions(self, instructions: str) -> None:
        self.record.instructions.append(instructions)

    async def update_chat_ctx(self, chat_ctx: llm.ChatContext) -> None:
        self._chat_ctx = chat_ctx.copy()
        self.record.chat_contexts.append(chat_ctx.copy())

    async def update_tools(self, tools: list[llm.Tool]) -> None:
        self._tools = llm.ToolContext(tools)
        self.record.tools.append(sorted(self._tools.function_tools))

    def update_options(self, *, tool_choice: NotGivenOr[llm.ToolChoice | None] = NOT_GIVEN) -> None:
        pass

    def push_audio(self, frame: rtc.AudioFrame) -> None:
        """The caller's audio: once a scripted utterance's worth has arrived, the model hears
        it end, transcribes it and answers on its own, as server-side turn detection does."""
        self.record.audio_seconds += frame.duration
        self._heard_audio += frame.duration
        if self.model.heard and self._heard_audio >= self.model.heard[0].after_seconds:
            heard = self.model.heard.pop(0)
            self._heard_audio = 0.0
            item_id = utils.shortuuid("item_")
            self.emit("input_speech_started", llm.InputSpeechStartedEvent())
            self.emit(
                "input_speech_stopped", llm.InputSpeechStoppedEvent(user_transcription_enabled=True)
            )
            self.emit(
                "input_audio_transcription_completed",
                llm.InputTranscriptionCompleted(
                    item_id=item_id, transcript=heard.transcript, is_final=True
                ),
            )
            self.emit("generation_created", self._generation(user_initiated=False))

    def push_video(self, frame: rtc.VideoFrame) -> None:
        pass

    def generate_reply(
        self,
        *,
        instructions: NotGivenOr[str] = NOT_GIVEN,
        tool_choice: NotGivenOr[llm.ToolChoice] = NOT_GIVEN,
        tools: NotGivenOr[list[llm.Tool]] = NOT_GIVEN,
    ) -> asyncio.Future[llm.GenerationCreatedEvent]:
        if isinstance(instructions, str):
            self.record.reply_instructions.append(instructions)
        future: asyncio.Future[llm.GenerationCreatedEvent] = asyncio.Future()
        future.set_result(self._generation(user_initiated=True))
        return future

    def commit_audio(self) -> None:
        pass

    def clear_audio(self) -> None:
        pass

    def interrupt(self) -> None:
        pass

    def truncate(
        self,
        *,
        message_id: str,
        modalities: list[Literal["text", "audio"]],
        audio_end_ms: int,
        audio_transcript: NotGivenOr[str] = NOT_GIVEN,
    ) -> None:
        pass

    async def aclose(self) -> None:
        pass

    def _generation(self, *, user_initiated: bool) -> llm.GenerationCreatedEvent:
        reply = self.model.next_reply()
        messages = utils.aio.Chan[llm.MessageGeneration]()
        functions = utils.aio.Chan[llm.FunctionCall]()
        if reply.text:
            modalities: asyncio.Future[list[Literal["text", "audio"]]] = asyncio.Future()
            modalities.set_result(["audio", "text"] if AUDIO_OUT else ["text"])
            messages.send_nowait(
                llm.MessageGeneration(
                    message_id=utils.shortuuid("msg_"),
                    text_stream=_words(reply.text),
                    audio_stream=_speech(reply.text if AUDIO_OUT else ""),
                    modalities=modalities,
                )
            )
        for call in reply.tool_calls:
            functions.send_nowait(
                llm.FunctionCall(
                    call_id=utils.shortuuid("call_"),
                    name=call.name,
                    arguments=json.dumps(call.arguments),
                )
            )
        messages.close()
        functions.close()
        return llm.GenerationCreatedEvent(
            message_stream=messages,
            function_stream=functions,
            user_initiated=user_initiated,
            response_id=utils.shortuuid("resp_"),
        )


async def _words(text: str) -> AsyncIterator[str]:
    for index, word in enumerate(text.split(" ")):
        yield word if index == 0 else " " + word


async def _speech(text: str) -> AsyncIterator[rtc.AudioFrame]:
    """20 ms of 24 kHz audio per word: enough for the session to play and time it."""
    samples = SAMPLE_RATE // 50
    for _ in text.split():
        yield rtc.AudioFrame(b"\x10\x00" * samples, SAMPLE_RATE, 1, samples)


class CallerAudio(AudioInput):
    """The caller's microphone: frames pushed here reach the session as room audio would."""

    def __init__(self) -> None:
        super().__init__(label="caller")
        self._frames = utils.aio.Chan[rtc.AudioFrame]()

    async def __anext__(self) -> rtc.AudioFrame:
        return await self._frames.__anext__()

    def speak(self, seconds: float, sample_rate: int = SAMPLE_RATE) -> None:
        """`seconds` of audio, in 10 ms frames (the content does not matter to the stand-in)."""
        samples = sample_rate // 100
        for _ in range(round(seconds * 100)):
            self._frames.send_nowait(rtc.AudioFrame(b"\x00\x01" * samples, sample_rate, 1, samples))


class PlayedAudio(AudioOutput):
    """The caller's speaker: keeps what the agent played and plays it back at once."""

    def __init__(self) -> None:
        super().__init__(
            label="speaker",
            next_in_chain=None,
            sample_rate=None,
            capabilities=AudioOutputCapabilities(pause=False),
        )
        self.seconds = 0.0
        self._pending = 0.0

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        if not self._pending:
            self.on_playback_started(created_at=time.time())
        self._pending += frame.duration
        self.seconds += frame.duration

    def flush(self) -> None:
        super().flush()
        played, self._pending = self._pending, 0.0
        self.on_playback_finished(
            playback_position=played, interrupted=False, synchronized_transcript=None
        )

    def clear_buffer(self) -> None:
        played, self._pending = self._pending, 0.0
        self.on_playback_finished(
            playback_position=played, interrupted=True, synchronized_transcript=None
        )


def tool_names(session: ScriptedRealtimeSession) -> list[str]:
    return session.record.tools[-1] if session.record.tools else []


__all__ = [
    "CallerAudio",
    "Heard",
    "PlayedAudio",
    "ScriptedRealtimeModel",
    "ScriptedRealtimeSession",
    "tool_names",
]
