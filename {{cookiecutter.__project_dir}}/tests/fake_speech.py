"""Offline stand-ins for speech providers: one that answers, one that fails like an outage.

The counterparts of `ScriptedLLM` and `FailingLLM` in tests/scripted_llm.py, for STT and TTS, so
fallback tests run the real livekit adapters without a provider, key or network.
"""

from __future__ import annotations

from livekit.agents import APIConnectionError, stt, tts, utils
from livekit.agents.language import LanguageCode
from livekit.agents.types import (
    DEFAULT_API_CONNECT_OPTIONS,
    NOT_GIVEN,
    APIConnectOptions,
    NotGivenOr,
)


class ScriptedSTT(stt.STT):
    """A batch STT that transcribes every utterance as `text`."""

    def __init__(self, text: str = "") -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=False, interim_results=False))
        self.text = text
        self.calls = 0

    @property
    def model(self) -> str:
        return "scripted"

    @property
    def provider(self) -> str:
        return "test"

    async def _recognize_impl(
        self,
        buffer: utils.AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions,
    ) -> stt.SpeechEvent:
        self.calls += 1
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            alternatives=[stt.SpeechData(language=LanguageCode("en"), text=self.text)],
        )


class FailingSTT(ScriptedSTT):
    """An STT whose every request fails like a provider outage."""

    @property
    def model(self) -> str:
        return "failing"

    async def _recognize_impl(
        self,
        buffer: utils.AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions,
    ) -> stt.SpeechEvent:
        self.calls += 1
        raise APIConnectionError("scripted provider outage")


class ScriptedTTS(tts.TTS):
    """A TTS that answers each text with 100 ms of audio and keeps the texts it was given."""

    def __init__(self, sample_rate: int = 24000) -> None:
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=False),
            sample_rate=sample_rate,
            num_channels=1,
        )
        self.texts: list[str] = []

    @property
    def model(self) -> str:
        return "scripted"

    @property
    def provider(self) -> str:
        return "test"

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        self.texts.append(text)
        return _ScriptedAudio(tts=self, input_text=text, conn_options=conn_options)


class _ScriptedAudio(tts.ChunkedStream):
    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        rate = self._tts.sample_rate
        output_emitter.initialize(
            request_id=utils.shortuuid("scripted-"),
            sample_rate=rate,
            num_channels=1,
            mime_type="audio/pcm",
        )
        output_emitter.push(b"\x10\x00" * (rate // 10))  # 100 ms of 16-bit mono
        output_emitter.flush()


class FailingTTS(ScriptedTTS):
    """A TTS whose every request fails like a provider outage."""

    @property
    def model(self) -> str:
        return "failing"

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        self.texts.append(text)
        return _FailingAudio(tts=self, input_text=text, conn_options=conn_options)


class _FailingAudio(tts.ChunkedStream):
    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        raise APIConnectionError("scripted provider outage")
