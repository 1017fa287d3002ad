{%- set pipeline = cookiecutter.architecture == "pipeline" -%}
{%- set half = cookiecutter.architecture == "half-cascade" -%}
{%- if pipeline -%}
"""Stand-ins for the STT, LLM and TTS providers, and for the caller's microphone and speaker.

They go through livekit's real streaming interfaces, so the session, VAD, end-of-turn model,
preemptive generation and audio pipeline all run unchanged; only the providers' network time
is replaced by waits taken from a profile. Each stand-in stamps what it sees on the timeline.
"""
{%- elif half -%}
"""Stand-ins for the realtime model and the TTS, and for the caller's microphone and speaker.

They go through livekit's real interfaces (`llm.RealtimeModel` and `RealtimeSession`, the
TTS's streaming one), so the session and its audio pipeline run unchanged; only the providers'
time is replaced by waits taken from a profile. Each stand-in stamps what it sees on the
timeline.
"""
{%- else -%}
"""Stand-ins for the realtime model, and for the caller's microphone and speaker.

They go through livekit's real interfaces (`llm.RealtimeModel` and `RealtimeSession`), so the
session and its audio pipeline run unchanged; only the provider's time is replaced by waits
taken from a profile. Each stand-in stamps what it sees on the timeline.
"""
{%- endif %}

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
{%- if pipeline %}
from typing import Any
{%- else %}
from typing import Literal
{%- endif %}
{%- if pipeline %}

import numpy as np
from livekit import rtc
from livekit.agents import APIConnectOptions, LanguageCode, llm, stt, tokenize, tts, utils
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS
{%- elif half %}

from livekit import rtc
from livekit.agents import NOT_GIVEN, APIConnectOptions, NotGivenOr, llm, tokenize, tts, utils
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS
{%- else %}

from livekit import rtc
from livekit.agents import NOT_GIVEN, NotGivenOr, llm, utils
{%- endif %}
from livekit.agents.voice import io
{%- if not pipeline %}

from {{ cookiecutter.__package }}.providers import REALTIME_INPUT_SAMPLE_RATE
{%- endif %}

from .profile import Profile
from .speech import Utterance
from .timeline import Timeline

{% if pipeline -%}
# What a LiveKit room delivers to the agent (room_io.AudioInputOptions defaults).
INPUT_SAMPLE_RATE = 24_000
{%- else -%}
# What the project's room options have the room deliver to the agent.
INPUT_SAMPLE_RATE = REALTIME_INPUT_SAMPLE_RATE
{%- endif %}
INPUT_FRAME_SECONDS = 0.05
TTS_SAMPLE_RATE = 24_000
# Speaking rate of the simulated voice, to size the audio of a reply.
SPOKEN_CHARACTERS_PER_SECOND = 15.0
SILENCE = bytes(int(INPUT_SAMPLE_RATE * INPUT_FRAME_SECONDS) * 2)
{%- if pipeline %}
# The STT finalises an utterance after this much silence following speech energy.
STT_SILENCE_SECONDS = 0.1


def rms(frame: rtc.AudioFrame) -> float:
    samples = np.frombuffer(frame.data, dtype=np.int16)
    return float(np.sqrt(np.mean(samples.astype(np.float32) ** 2))) if len(samples) else 0.0
{%- endif %}


class Simulated:
    """Names the stand-ins in livekit's metrics and usage reports."""

    @property
    def model(self) -> str:
        return "simulated"

    @property
    def provider(self) -> str:
        return "benchmark"

{%- if pipeline %}


class SimulatedSTT(Simulated, stt.STT):
    """A streaming STT that hears speech energy and returns the utterance's known text.

    The final transcript arrives `profile.stt_final_delay` after the speech ends, like a
    streaming provider that finalises shortly after the speaker stops.
    """

    def __init__(self, profile: Profile, timeline: Timeline, transcripts: Sequence[str]) -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=True, interim_results=True))
        self._profile = profile
        self._timeline = timeline
        self._transcripts = transcripts

    async def _recognize_impl(self, buffer: Any, **kwargs: Any) -> stt.SpeechEvent:
        raise NotImplementedError("the benchmark streams; batch recognition is not simulated")

    def stream(self, **kwargs: Any) -> SimulatedSTTStream:
        return SimulatedSTTStream(
            self, kwargs.get("conn_options", DEFAULT_API_CONNECT_OPTIONS), self._transcripts
        )


class SimulatedSTTStream(stt.RecognizeStream):
    def __init__(
        self, owner: SimulatedSTT, conn_options: APIConnectOptions, transcripts: Sequence[str]
    ) -> None:
        super().__init__(stt=owner, conn_options=conn_options)
        self._owner = owner
        self._transcripts = transcripts

    async def _run(self) -> None:
        speaking = False
        silence = 0.0
        finals: set[asyncio.Task[None]] = set()
        async for frame in self._input_ch:
            if not isinstance(frame, rtc.AudioFrame):
                continue
            loud = rms(frame) > 100.0
            if loud and not speaking:
                speaking, silence = True, 0.0
                self._send(stt.SpeechEventType.START_OF_SPEECH)
            elif speaking and not loud:
                silence += frame.duration
                if silence >= STT_SILENCE_SECONDS:
                    speaking = False
                    task = asyncio.create_task(self._finalise())
                    finals.add(task)
                    task.add_done_callback(finals.discard)
            elif loud:
                silence = 0.0
        await asyncio.gather(*finals)

    async def _finalise(self) -> None:
        timeline = self._owner._timeline
        turn = timeline.current
        if turn is None or turn.speech_end is None:
            return
        due = turn.speech_end + self._owner._profile.stt_final_delay
        await asyncio.sleep(max(0.0, due - time.time()))
        text = self._transcripts[turn.index % len(self._transcripts)]
        turn.stamp("stt_final", due)
        self._send(stt.SpeechEventType.FINAL_TRANSCRIPT, text)
        self._send(stt.SpeechEventType.END_OF_SPEECH)

    def _send(self, kind: stt.SpeechEventType, text: str = "") -> None:
        alternatives = [stt.SpeechData(language=LanguageCode("en"), text=text)] if text else []
        self._event_ch.send_nowait(stt.SpeechEvent(type=kind, alternatives=alternatives))


class SimulatedLLM(Simulated, llm.LLM):
    """Streams a canned reply: the first token after TTFT, then tokens at the profile's rate."""

    def __init__(self, profile: Profile, timeline: Timeline, replies: Sequence[str]) -> None:
        super().__init__()
        self._profile = profile
        self._timeline = timeline
        self._replies = replies

    def chat(self, *, chat_ctx: llm.ChatContext, **kwargs: Any) -> llm.LLMStream:
        turn = self._timeline.current
        reply = self._replies[(turn.index + 1 if turn else 0) % len(self._replies)]
        return SimulatedLLMStream(
            self,
            reply,
            chat_ctx=chat_ctx,
            tools=kwargs.get("tools") or [],
            conn_options=kwargs.get("conn_options", DEFAULT_API_CONNECT_OPTIONS),
        )


class SimulatedLLMStream(llm.LLMStream):
    def __init__(self, owner: SimulatedLLM, reply: str, **kwargs: Any) -> None:
        super().__init__(owner, **kwargs)
        self._owner = owner
        self._reply = reply

    async def _run(self) -> None:
        profile, turn = self._owner._profile, self._owner._timeline.current
        requested = time.time()
        if turn:
            turn.stamp("llm_request", requested)
        # One word per token is close enough for English at the sizes involved here.
        tokens = [word + " " for word in self._reply.split(" ")]
        due = [
            requested + profile.llm_ttft + i / profile.llm_tokens_per_second
            for i in range(len(tokens))
        ]
        if turn:
            turn.stamp_tokens_due(due)
        request_id = utils.shortuuid("bench-")
        for token, token_due in zip(tokens, due, strict=True):
            await asyncio.sleep(max(0.0, token_due - time.time()))
            delta = llm.ChoiceDelta(role="assistant", content=token)
            self._event_ch.send_nowait(llm.ChatChunk(id=request_id, delta=delta))
{%- else %}


class SimulatedRealtimeModel(Simulated, llm.RealtimeModel):
    """A realtime model that hears the caller's audio through the session and answers each
    turn with a canned reply, its first {% if half %}text{% else %}audio{% endif %} the profile's delay after the caller stopped.

    It decides the end of the turn itself, as a realtime model does at its provider, and emits
    the events livekit's session consumes from one: the caller's speech starting and stopping,
    their transcript, and each reply as a generation{% if half %} (text only: the TTS speaks it){% endif %}.
    """

    def __init__(
        self,
        profile: Profile,
        timeline: Timeline,
        transcripts: Sequence[str],
        replies: Sequence[str],
    ) -> None:
        super().__init__(
            capabilities=llm.RealtimeCapabilities(
                message_truncation=True,
                turn_detection=True,
                user_transcription=True,
                auto_tool_reply_generation=False,
                audio_output={{ "False" if half else "True" }},
                manual_function_calls=True,
                mutable_chat_context=True,
                mutable_instructions=True,
                mutable_tools=True,
                per_response_tool_choice=True,
            )
        )
        self._profile = profile
        self._timeline = timeline
        self._transcripts = transcripts
        self._replies = replies

    def session(self, *, turn_detection_disabled: bool = False) -> SimulatedRealtimeSession:
        return SimulatedRealtimeSession(self)

    async def aclose(self) -> None:
        pass


class SimulatedRealtimeSession(llm.RealtimeSession[Literal[""]]):
    def __init__(self, model: SimulatedRealtimeModel) -> None:
        super().__init__(model)
        self._model = model
        self._chat_ctx = llm.ChatContext.empty()
        self._tools = llm.ToolContext.empty()
        self._heard: set[int] = set()
        self._ended: set[int] = set()

    @property
    def chat_ctx(self) -> llm.ChatContext:
        return self._chat_ctx.copy()

    @property
    def tools(self) -> llm.ToolContext:
        return self._tools.copy()

    async def update_instructions(self, instructions: str) -> None:
        pass

    async def update_chat_ctx(self, chat_ctx: llm.ChatContext) -> None:
        self._chat_ctx = chat_ctx.copy()

    async def update_tools(self, tools: list[llm.Tool]) -> None:
        self._tools = llm.ToolContext(tools)

    def update_options(self, *, tool_choice: NotGivenOr[llm.ToolChoice | None] = NOT_GIVEN) -> None:
        pass

    def push_audio(self, frame: rtc.AudioFrame) -> None:
        """The caller's audio, as the session forwards it to the provider.

        The model ends the turn when the frame carrying the end of the utterance reaches it: the
        caller stamped that moment on the timeline, from the recording's known length, before
        sending the frame. Not Silero VAD on this audio: the profile's figure is measured from
        the end of the speech and already holds the provider's own wait for silence, so a VAD
        here would add its silence window on top, and its CPU, which a realtime agent does not
        spend. The reply is due the profile's figure after the end of the speech: a frame that
        reaches the model later than that (a busy event loop) delays it, into the remainder.
        """
        turn = self._model._timeline.current
        if turn is None:
            return
        if turn.index not in self._heard:
            self._heard.add(turn.index)
            self.emit("input_speech_started", llm.InputSpeechStartedEvent())
        if turn.speech_end is None or turn.index in self._ended:
            return
        self._ended.add(turn.index)
        item_id = utils.shortuuid("item_")
        transcripts = self._model._transcripts
        self.emit(
            "input_speech_stopped", llm.InputSpeechStoppedEvent(user_transcription_enabled=True)
        )
        self.emit(
            "input_audio_transcription_completed",
            llm.InputTranscriptionCompleted(
                item_id=item_id,
                transcript=transcripts[turn.index % len(transcripts)],
                is_final=True,
            ),
        )
        self.emit("generation_created", self._generation(turn.speech_end, user_initiated=False))

    def push_video(self, frame: rtc.VideoFrame) -> None:
        pass

    def generate_reply(
        self,
        *,
        instructions: NotGivenOr[str] = NOT_GIVEN,
        tool_choice: NotGivenOr[llm.ToolChoice] = NOT_GIVEN,
        tools: NotGivenOr[list[llm.Tool]] = NOT_GIVEN,
    ) -> asyncio.Future[llm.GenerationCreatedEvent]:
        """A reply the agent asks for (the greeting), timed from the request."""
        future: asyncio.Future[llm.GenerationCreatedEvent] = asyncio.Future()
        future.set_result(self._generation(time.time(), user_initiated=True))
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

    def _generation(self, heard_at: float, *, user_initiated: bool) -> llm.GenerationCreatedEvent:
        """The next reply, its first {% if half %}text{% else %}audio{% endif %} due the profile's delay after `heard_at`."""
        model, turn = self._model, self._model._timeline.current
        reply = model._replies[(turn.index + 1 if turn else 0) % len(model._replies)]
{%- if half %}
        first = heard_at + model._profile.realtime_first_text
        words = reply.split(" ")
        # One word per token, as the pipeline's simulated LLM counts them.
        due = [first + i / model._profile.realtime_tokens_per_second for i in range(len(words))]
        if turn is not None:
            turn.stamp("model_first_text", first)
            turn.stamp_tokens_due(due)
        modalities: asyncio.Future[list[Literal["text", "audio"]]] = asyncio.Future()
        modalities.set_result(["text"])
        message = llm.MessageGeneration(
            message_id=utils.shortuuid("msg_"),
            text_stream=_words_due(words, due),
            audio_stream=_no_audio(),
            modalities=modalities,
        )
{%- else %}
        due = heard_at + model._profile.realtime_first_audio
        if turn is not None:
            turn.stamp("model_first_audio", due)
        modalities: asyncio.Future[list[Literal["text", "audio"]]] = asyncio.Future()
        modalities.set_result(["audio", "text"])
        message = llm.MessageGeneration(
            message_id=utils.shortuuid("msg_"),
            text_stream=_words_due(reply.split(" "), [due] * len(reply.split(" "))),
            audio_stream=_speech(reply, due),
            modalities=modalities,
        )
{%- endif %}
        messages = utils.aio.Chan[llm.MessageGeneration]()
        messages.send_nowait(message)
        messages.close()
        functions = utils.aio.Chan[llm.FunctionCall]()
        functions.close()
        return llm.GenerationCreatedEvent(
            message_stream=messages,
            function_stream=functions,
            user_initiated=user_initiated,
            response_id=utils.shortuuid("resp_"),
        )


async def _words_due(words: list[str], due: list[float]) -> AsyncIterator[str]:
    """The reply's {% if half %}text{% else %}transcript{% endif %}, each word once it is due."""
    for index, (word, word_due) in enumerate(zip(words, due, strict=True)):
        await asyncio.sleep(max(0.0, word_due - time.time()))
        yield word if index == 0 else " " + word
{%- if half %}


async def _no_audio() -> AsyncIterator[rtc.AudioFrame]:
    """A half-cascade model answers in text: the TTS speaks it."""
    return
    yield
{%- else %}


async def _speech(text: str, due: float) -> AsyncIterator[rtc.AudioFrame]:
    """The reply's audio (silence: nothing listens to it), its first frame when it is due.

    The rest follows at once: the provider streams audio faster than it plays, and only the
    first frame is measured; the caller's speaker plays it all in real time.
    """
    await asyncio.sleep(max(0.0, due - time.time()))
    chunk_seconds = 0.1
    samples = int(TTS_SAMPLE_RATE * chunk_seconds)
    for _ in range(max(1, round(len(text) / SPOKEN_CHARACTERS_PER_SECOND / chunk_seconds))):
        yield rtc.AudioFrame(bytes(samples * 2), TTS_SAMPLE_RATE, 1, samples)
{%- endif %}
{%- endif %}
{%- if cookiecutter.__tts != "none" %}


class SimulatedTTS(Simulated, tts.TTS):
    """A streaming TTS: each sentence's audio starts TTFB after its text arrives and is
    produced at the profile's real-time factor (silence: nothing listens to it)."""

    def __init__(self, profile: Profile, timeline: Timeline) -> None:
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=True),
            sample_rate=TTS_SAMPLE_RATE,
            num_channels=1,
        )
        self._profile = profile
        self._timeline = timeline

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        return self._synthesize_with_stream(text, conn_options=conn_options)

    def stream(
        self, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> SimulatedTTSStream:
        return SimulatedTTSStream(tts=self, conn_options=conn_options)


class SimulatedTTSStream(tts.SynthesizeStream):
    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        owner: SimulatedTTS = self._tts  # type: ignore[assignment]
        profile, turn = owner._profile, owner._timeline.current
        request_id = utils.shortuuid("bench-")
        output_emitter.initialize(
            request_id=request_id,
            sample_rate=TTS_SAMPLE_RATE,
            num_channels=1,
            mime_type="audio/pcm",
            stream=True,
        )
        output_emitter.start_segment(segment_id=request_id)
        sentences = tokenize.blingfire.SentenceTokenizer().stream()

        async def forward_text() -> None:
            async for data in self._input_ch:
                if isinstance(data, self._FlushSentinel):
                    sentences.flush()
                else:
                    sentences.push_text(data)
            sentences.end_input()

        forwarding = asyncio.create_task(forward_text())
        first = True
        async for sentence in sentences:
            received = time.time()
            due = received + profile.tts_ttfb
            if first:
                self._mark_started()
                if turn:
                    turn.stamp_text_ready(len(sentence.token.split()))
                    turn.stamp("tts_request", received)
                    turn.stamp("tts_first_audio", due)
                first = False
            await asyncio.sleep(max(0.0, due - time.time()))
            await self._emit_audio(output_emitter, len(sentence.token), profile.tts_rtf)
        await forwarding
        output_emitter.end_input()

    @staticmethod
    async def _emit_audio(emitter: tts.AudioEmitter, characters: int, rtf: float) -> None:
        chunk_seconds = 0.1
        chunk = bytes(int(TTS_SAMPLE_RATE * chunk_seconds) * 2)
        chunks = max(1, round(characters / SPOKEN_CHARACTERS_PER_SECOND / chunk_seconds))
        for _ in range(chunks):
            emitter.push(chunk)
            await asyncio.sleep(chunk_seconds * rtf)
{%- endif %}


class ConversationInput(io.AudioInput):
    """The caller's microphone: each utterance once the agent has answered the previous one.

    Frames are paced in real time because the session's endpointing and the VAD run on the
    clock; between utterances the microphone sends silence, as a real one does.
    `replies_finished()` counts the agent's finished replies, the greeting included.
    """

    def __init__(
        self,
        utterances: Sequence[Utterance],
        timeline: Timeline,
        replies_finished: Callable[[], int],
        *,
        pause_before_speaking: float = 0.5,
        reply_timeout: float = 15.0,
    ) -> None:
        super().__init__(label="benchmark caller")
        self._timeline = timeline
        self._replies_finished = replies_finished
        self._pause = pause_before_speaking
        self._reply_timeout = reply_timeout
        self._frames = self._conversation(utterances)
        self.finished = asyncio.Event()

    async def __anext__(self) -> rtc.AudioFrame:
        return await self._frames.__anext__()

    async def _conversation(self, utterances: Sequence[Utterance]) -> AsyncIterator[rtc.AudioFrame]:
        clock = _FrameClock(INPUT_FRAME_SECONDS)
        for answered, utterance in enumerate(utterances, start=1):
            async for frame in self._silence_until_answered(clock, answered):
                yield frame
            turn = self._timeline.begin_turn()
            frames = utterance.frames(INPUT_SAMPLE_RATE, INPUT_FRAME_SECONDS)
            for i, (data, padding) in enumerate(frames):
                frame = await clock.next(data)
                if i == len(frames) - 1:
                    # A frame arrives when its last sample would; the speech ended before
                    # the zero padding that fills it up.
                    turn.speech_end = clock.delivered_at - padding
                yield frame
        # The last reply only needs to start: its first audio is the last thing measured.
        deadline = time.time() + self._reply_timeout
        while turn.first_audio_out is None and time.time() < deadline:
            yield await clock.next(SILENCE)
        self.finished.set()
        while True:
            yield await clock.next(SILENCE)

    async def _silence_until_answered(
        self, clock: _FrameClock, replies: int
    ) -> AsyncIterator[rtc.AudioFrame]:
        """Silence until `replies` replies have finished (or the timeout), then the pause."""
        deadline = time.time() + self._reply_timeout
        while self._replies_finished() < replies and time.time() < deadline:
            yield await clock.next(SILENCE)
        for _ in range(round(self._pause / INPUT_FRAME_SECONDS)):
            yield await clock.next(SILENCE)


class _FrameClock:
    """Releases one frame per frame duration of wall-clock time, like a live microphone."""

    def __init__(self, frame_seconds: float) -> None:
        self._frame_seconds = frame_seconds
        self._next: float | None = None
        self.delivered_at = 0.0

    async def next(self, data: bytes) -> rtc.AudioFrame:
        now = time.time()
        if self._next is None:
            self._next = now + self._frame_seconds
        await asyncio.sleep(max(0.0, self._next - now))
        self.delivered_at = self._next
        self._next += self._frame_seconds
        return rtc.AudioFrame(
            data=data,
            sample_rate=INPUT_SAMPLE_RATE,
            num_channels=1,
            samples_per_channel=len(data) // 2,
        )


class PlayoutRecorder(io.AudioOutput):
    """The caller's speaker: plays each reply in real time, can pause like a room's audio
    track does, and stamps the first frame of each reply on the timeline."""

    def __init__(self, timeline: Timeline) -> None:
        super().__init__(
            label="benchmark speaker",
            capabilities=io.AudioOutputCapabilities(pause=True),
            sample_rate=TTS_SAMPLE_RATE,
        )
        self._timeline = timeline
        self._pushed = 0.0
        self._played = 0.0
        self._resumed_at: float | None = None
        self._flushed = False
        self._finish: asyncio.TimerHandle | None = None

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        if self._resumed_at is None and not self._pushed:
            now = time.time()
            self._timeline.stamp("first_audio_out", now)
            self.on_playback_started(created_at=now)
            self._resumed_at = now
        self._pushed += frame.duration

    def flush(self) -> None:
        super().flush()
        self._flushed = True
        self._schedule_finish()

    def pause(self) -> None:
        if self._resumed_at is not None:
            self._played += time.time() - self._resumed_at
            self._resumed_at = None
            self._cancel_finish()

    def resume(self) -> None:
        if self._resumed_at is None and self._pushed:
            self._resumed_at = time.time()
            self._schedule_finish()

    def clear_buffer(self) -> None:
        if self._pushed:
            self._end_segment(interrupted=True)

    def _position(self) -> float:
        playing = time.time() - self._resumed_at if self._resumed_at is not None else 0.0
        return min(self._pushed, self._played + playing)

    def _schedule_finish(self) -> None:
        if not (self._flushed and self._pushed and self._resumed_at is not None):
            return
        self._cancel_finish()
        remaining = self._pushed - self._position()
        loop = asyncio.get_running_loop()
        self._finish = loop.call_later(remaining, self._end_segment, False)

    def _cancel_finish(self) -> None:
        if self._finish is not None:
            self._finish.cancel()
            self._finish = None

    def _end_segment(self, interrupted: bool) -> None:
        position = self._position()
        self._cancel_finish()
        self._pushed = self._played = 0.0
        self._resumed_at = None
        self._flushed = False
        self.on_playback_finished(playback_position=position, interrupted=interrupted)
