"""Text-to-speech on this machine with Kokoro-82M (kokoro-onnx): no provider, no key, no text
leaves.

Kokoro is a batch model: livekit wraps this TTS in `tts.StreamAdapter`, which cuts the reply
into sentences and synthesizes each whole, so the first sentence plays while the next is made.
The model and the voices come from the model hub; `python -m livekit.agents download-files`
fetches them (this project's plugin under src/livekit/plugins/ registers the download), and at
run time they are only read from the local cache.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

import numpy as np
from huggingface_hub import hf_hub_download
from huggingface_hub.errors import LocalEntryNotFoundError
from kokoro_onnx import Kokoro
from kokoro_onnx.config import SAMPLE_RATE
from livekit.agents import APIConnectOptions, APIError, tts, utils
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS

# The model hub repository with kokoro-onnx's files: TTS_MODEL names an ONNX file in it.
KOKORO_REPO = "fastrtc/kokoro-onnx"
KOKORO_VOICES = "voices-v1.0.bin"
# espeak-ng's language for each Kokoro voice prefix (af_heart: American English, bf_emma:
# British, ...), as the kokoro package maps them; Japanese and Chinese voices need other
# phonemizers, so they are not offered here.
VOICE_LANGUAGES = {
    "a": "en-us",
    "b": "en-gb",
    "e": "es",
    "f": "fr-fr",
    "h": "hi",
    "i": "it",
    "p": "pt-br",
}


class KokoroModelUnavailableError(RuntimeError):
    pass


@lru_cache(maxsize=2)
def load_kokoro(model: str, cache_dir: str | None = None) -> Kokoro:
    """One model per process, shared by every session; read from the local cache only."""
    try:
        model_path, voices_path = (
            hf_hub_download(KOKORO_REPO, filename, cache_dir=cache_dir, local_files_only=True)
            for filename in (model, KOKORO_VOICES)
        )
    except LocalEntryNotFoundError as error:
        raise KokoroModelUnavailableError(
            f"Kokoro model TTS_MODEL={model!r} or its voices are not downloaded. Run "
            "`uv run python -m livekit.agents download-files` (the Dockerfile does it at build)."
        ) from error
    return Kokoro(model_path, voices_path)


def fetch_kokoro(model: str) -> list[str]:
    """Download the model and the voices into the model-hub cache; returns their paths."""
    return [hf_hub_download(KOKORO_REPO, filename) for filename in (model, KOKORO_VOICES)]


def check_voice(kokoro: Kokoro, setting: str, voice: str) -> None:
    """Fail at start, naming the setting, rather than on the first sentence of a call."""
    if voice[:1] not in VOICE_LANGUAGES or voice not in kokoro.get_voices():
        raise KokoroModelUnavailableError(
            f"{setting}={voice!r} is not a Kokoro voice this project can speak with; pick one "
            f"whose name starts with {', '.join(VOICE_LANGUAGES)} (af_heart, bf_emma, ...)."
        )


def to_pcm16(samples: np.ndarray) -> bytes:
    """Kokoro's float samples in [-1, 1] as the 16-bit PCM livekit plays."""
    return (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16).tobytes()


class LocalKokoroTTS(tts.TTS):
    def __init__(self, *, model: str, voice: str, speed: float = 1.0) -> None:
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=False),
            sample_rate=SAMPLE_RATE,
            num_channels=1,
        )
        self._model = model
        self._voice = voice
        self._speed = speed

    @property
    def model(self) -> str:
        return self._model

    @property
    def provider(self) -> str:
        return "kokoro-onnx"

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> KokoroChunkedStream:
        return KokoroChunkedStream(tts=self, input_text=text, conn_options=conn_options)

    def create(self, text: str) -> np.ndarray:
        """The samples for `text`; blocking, so the stream runs it in a worker thread."""
        samples, _rate = load_kokoro(self._model).create(
            text,
            voice=self._voice,
            speed=self._speed,
            lang=VOICE_LANGUAGES.get(self._voice[:1], "en-us"),
        )
        return samples


class KokoroChunkedStream(tts.ChunkedStream):
    def __init__(
        self, *, tts: LocalKokoroTTS, input_text: str, conn_options: APIConnectOptions
    ) -> None:
        super().__init__(tts=tts, input_text=input_text, conn_options=conn_options)
        self._kokoro = tts

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        output_emitter.initialize(
            request_id=utils.shortuuid(),
            sample_rate=SAMPLE_RATE,
            num_channels=1,
            mime_type="audio/pcm",
        )
        try:
            # ONNX inference holds the CPU for about as long as the sentence lasts: off the
            # event loop, or every session's audio in this process would stall meanwhile.
            samples = await asyncio.to_thread(self._kokoro.create, self.input_text)
        except Exception as error:  # the engine's own errors (unknown voice, missing files)
            # A local model fails the same way on every retry: not retryable, so a fallback
            # TTS (FALLBACK_TTS_*) takes over at once.
            raise APIError(f"Kokoro could not synthesize: {error}", retryable=False) from error
        # No flush(): livekit's ChunkedStream ends the input after _run, which sends the last
        # frame as the segment's final one (a flush first would add a 10 ms silent marker).
        output_emitter.push(to_pcm16(samples))
