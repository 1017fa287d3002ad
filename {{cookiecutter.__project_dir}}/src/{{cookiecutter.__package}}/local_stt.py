"""Speech-to-text on this machine with faster-whisper: no provider, no key, no audio leaves.

Whisper is a batch model: the session buffers each utterance with VAD and hands it over whole,
so expect a few hundred milliseconds more than a streaming provider (more on a slow CPU or a
bigger model). The weights come from the model hub; `python -m livekit.agents download-files`
fetches them (this project's plugin under src/livekit/plugins/ registers the download), and at
run time they are only read from the local cache.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

import numpy as np
from faster_whisper import WhisperModel, download_model
from livekit import rtc
from livekit.agents import stt
from livekit.agents.language import LanguageCode
from livekit.agents.types import NOT_GIVEN, APIConnectOptions, NotGivenOr
from livekit.agents.utils import AudioBuffer

WHISPER_SAMPLE_RATE = 16000


class WhisperModelUnavailableError(RuntimeError):
    pass


@lru_cache(maxsize=2)
def load_whisper(model: str, cache_dir: str | None = None) -> WhisperModel:
    """One model per process, shared by every session; read from the local cache only."""
    try:
        return WhisperModel(
            model,
            device="cpu",
            compute_type="int8",
            download_root=cache_dir,
            local_files_only=True,
        )
    except ValueError as error:
        raise WhisperModelUnavailableError(f"STT_MODEL={model!r}: {error}") from error
    except OSError as error:
        raise WhisperModelUnavailableError(
            f"Whisper model {model!r} is not downloaded. Run "
            "`uv run python -m livekit.agents download-files` (the Dockerfile does it at build)."
        ) from error


def fetch_whisper(model: str) -> str:
    """Download the model into the model-hub cache; returns its directory."""
    return download_model(model)


def to_whisper_input(buffer: AudioBuffer) -> np.ndarray:
    """16 kHz mono float32 in [-1, 1], the input Whisper expects."""
    frame = rtc.combine_audio_frames(buffer)
    if frame.sample_rate != WHISPER_SAMPLE_RATE:
        resampler = rtc.AudioResampler(
            frame.sample_rate, WHISPER_SAMPLE_RATE, num_channels=frame.num_channels
        )
        frame = rtc.combine_audio_frames([*resampler.push(frame), *resampler.flush()])
    samples = np.frombuffer(frame.data, dtype=np.int16).reshape(-1, frame.num_channels)
    return samples.mean(axis=1).astype(np.float32) / 32768.0


class LocalWhisperSTT(stt.STT):
    def __init__(self, *, model: str, language: str) -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=False, interim_results=False))
        self._model = model
        self._language = language

    @property
    def model(self) -> str:
        return self._model

    @property
    def provider(self) -> str:
        return "faster-whisper"

    async def _recognize_impl(
        self,
        buffer: AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions,
    ) -> stt.SpeechEvent:
        spoken_language = language or self._language
        audio = to_whisper_input(buffer)
        text = await asyncio.to_thread(self._transcribe, audio, spoken_language)
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            alternatives=[stt.SpeechData(language=LanguageCode(spoken_language), text=text)],
        )

    def _transcribe(self, audio: np.ndarray, language: str) -> str:
        segments, _info = load_whisper(self._model).transcribe(
            audio, language=language, beam_size=1, condition_on_previous_text=False
        )
        return " ".join(segment.text.strip() for segment in segments).strip()
