"""Local Kokoro: everything but the weights runs here; the weights need the model hub.

The engine (kokoro_onnx's `Kokoro`, which needs the downloaded model) is an autospec of the real
class returning real samples; the TTS around it runs through livekit's own interfaces: its
ChunkedStream and AudioEmitter, and the StreamAdapter the session wraps a batch TTS in.
"""

import socket
import threading
from pathlib import Path
from unittest.mock import create_autospec

import numpy as np
import pytest
from kokoro_onnx import Kokoro
from livekit import rtc
from livekit.agents import APIError, Plugin, tokenize, tts

from {{ cookiecutter.__package }} import local_tts, providers
from {{ cookiecutter.__package }}.local_tts import (
    KokoroModelUnavailableError,
    LocalKokoroTTS,
    load_kokoro,
    to_pcm16,
)
from {{ cookiecutter.__package }}.settings import Settings

KOKORO_RATE = 24000
SENTENCE_SECONDS = 0.55
SENTENCE_SAMPLES = int(KOKORO_RATE * SENTENCE_SECONDS)
PLUGIN = "livekit.plugins.{{ cookiecutter.__package }}"
REPLY = "Your refund is on its way. It should reach your account within three days."


def speech(seconds: float) -> np.ndarray:
    """A real float32 waveform in [-1, 1], as Kokoro returns."""
    time = np.arange(int(KOKORO_RATE * seconds)) / KOKORO_RATE
    return (0.5 * np.sin(2 * np.pi * 220 * time)).astype(np.float32)


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Kokoro:
    kokoro = create_autospec(Kokoro, instance=True)
    kokoro.create.return_value = (speech(SENTENCE_SECONDS), KOKORO_RATE)
    voices = ["af_bella", "af_heart", "am_michael", "bf_emma", "ef_dora", "jf_alpha"]
    kokoro.get_voices.return_value = voices
    monkeypatch.setattr(local_tts, "load_kokoro", lambda model: kokoro)
    monkeypatch.setattr(providers, "load_kokoro", lambda model: kokoro)
    return kokoro


async def spoken(stream: tts.ChunkedStream) -> list[rtc.AudioFrame]:
    async with stream:
        return [audio.frame async for audio in stream]


def test_is_a_batch_tts_at_kokoros_rate() -> None:
    local = LocalKokoroTTS(model="kokoro-v1.0.onnx", voice="af_heart")
    assert local.capabilities.streaming is False
    assert (local.sample_rate, local.num_channels) == (KOKORO_RATE, 1)
    assert (local.provider, local.model) == ("kokoro-onnx", "kokoro-v1.0.onnx")


async def test_a_sentence_becomes_24khz_mono_frames_of_the_engines_samples(
    engine: Kokoro,
) -> None:
    frames = await spoken(LocalKokoroTTS(model="m.onnx", voice="af_heart").synthesize("Hello."))

    assert {(frame.sample_rate, frame.num_channels) for frame in frames} == {(KOKORO_RATE, 1)}
    assert sum(frame.samples_per_channel for frame in frames) == SENTENCE_SAMPLES
    assert b"".join(bytes(frame.data) for frame in frames) == to_pcm16(speech(SENTENCE_SECONDS))
    engine.create.assert_called_once_with("Hello.", voice="af_heart", speed=1.0, lang="en-us")


async def test_the_voice_speed_and_accent_reach_the_engine(engine: Kokoro) -> None:
    british = LocalKokoroTTS(model="m.onnx", voice="bf_emma", speed=1.2)
    await spoken(british.synthesize("Cheers."))
    engine.create.assert_called_once_with("Cheers.", voice="bf_emma", speed=1.2, lang="en-gb")


def test_samples_become_clipped_16_bit_pcm() -> None:
    pcm = np.frombuffer(to_pcm16(np.array([0.0, 0.5, -1.0, 1.7], dtype=np.float32)), np.int16)
    assert pcm.tolist() == [0, 16383, -32767, 32767]


async def test_inference_runs_off_the_event_loop(engine: Kokoro) -> None:
    threads: list[threading.Thread] = []

    def create(*args: object, **kwargs: object) -> tuple[np.ndarray, int]:
        threads.append(threading.current_thread())
        return speech(0.1), KOKORO_RATE

    engine.create.side_effect = create
    await spoken(LocalKokoroTTS(model="m.onnx", voice="af_heart").synthesize("Hello."))

    assert threads and threads[0] is not threading.main_thread()


async def test_the_sessions_adapter_speaks_a_reply_sentence_by_sentence(engine: Kokoro) -> None:
    # What Agent.tts_node does with a TTS that cannot stream (livekit 1.8).
    adapter = tts.StreamAdapter(
        tts=LocalKokoroTTS(model="m.onnx", voice="af_heart"),
        sentence_tokenizer=tokenize.blingfire.SentenceTokenizer(retain_format=True),
    )
    async with adapter.stream() as stream:
        for word in REPLY.split(" "):
            stream.push_text(word + " ")
        stream.end_input()
        frames = [audio.frame async for audio in stream]
    await adapter.aclose()

    sentences = [call.args[0].strip() for call in engine.create.call_args_list]
    assert sentences == [
        "Your refund is on its way.",
        "It should reach your account within three days.",
    ]
    # Both sentences' audio in order; the adapter may end the reply with a silent 10 ms marker.
    pcm = b"".join(bytes(frame.data) for frame in frames)
    both = to_pcm16(speech(SENTENCE_SECONDS)) * 2
    assert pcm[: len(both)] == both
    assert set(pcm[len(both) :]) <= {0} and len(pcm) - len(both) <= 2 * KOKORO_RATE // 100


async def test_an_engine_error_is_a_livekit_error_that_is_not_retried(engine: Kokoro) -> None:
    engine.create.side_effect = ValueError("Voice af_nope not found in available voices")
    local = LocalKokoroTTS(model="m.onnx", voice="af_nope")

    with pytest.raises(APIError, match="af_nope") as raised:
        await spoken(local.synthesize("Hello."))

    # A local model fails the same way every time: a fallback TTS takes over at once.
    assert raised.value.retryable is False
    assert engine.create.call_count == 1


def test_missing_files_give_a_clear_instruction(tmp_path: Path) -> None:
    with pytest.raises(KokoroModelUnavailableError, match="download-files"):
        load_kokoro("kokoro-v1.0.onnx", cache_dir=str(tmp_path))


@pytest.mark.usefixtures("engine")
def test_prewarm_checks_each_voice_against_the_model() -> None:
    providers.preload_tts(Settings.from_env({}))  # the default voice is one of Kokoro's
    providers.preload_tts(Settings.from_env({"FALLBACK_TTS_VOICE": "am_michael"}))
    for voice in ("af_nope", "jf_alpha"):  # unknown; Japanese, which needs another phonemizer
        with pytest.raises(KokoroModelUnavailableError, match=f"FALLBACK_TTS_VOICE='{voice}'"):
            providers.preload_tts(Settings.from_env({"FALLBACK_TTS_VOICE": voice}))


def test_download_files_fetches_the_model_and_its_voices(monkeypatch: pytest.MonkeyPatch) -> None:
    module = __import__(PLUGIN, fromlist=["ProjectModels"])
    fetched: list[tuple[str, str]] = []

    def hf_hub_download(repo_id: str, filename: str) -> str:
        fetched.append((repo_id, filename))
        return f"/cache/{filename}"

    monkeypatch.setattr(local_tts, "hf_hub_download", hf_hub_download)
    monkeypatch.setattr(module, "load_env_file", lambda: None)
    monkeypatch.setattr(module, "require_model_hub", lambda: None)
{%- if cookiecutter.__stt == "faster-whisper" %}
    monkeypatch.setattr(module, "fetch_whisper", lambda model: None)
{%- endif %}
{%- if cookiecutter.__turn_detection == "text-model" %}
    monkeypatch.setattr(module.text_turn_detector, "download_model", lambda: None)
{%- endif %}
    monkeypatch.delenv("TTS_MODEL", raising=False)
    monkeypatch.setenv("FALLBACK_TTS_MODEL", "kokoro-v1.0.fp16.onnx")

    next(p for p in Plugin.registered_plugins if p.package == PLUGIN).download_files()

    assert fetched == [
        ("fastrtc/kokoro-onnx", "kokoro-v1.0.onnx"),
        ("fastrtc/kokoro-onnx", "voices-v1.0.bin"),
        ("fastrtc/kokoro-onnx", "kokoro-v1.0.fp16.onnx"),
        ("fastrtc/kokoro-onnx", "voices-v1.0.bin"),
    ]


def test_download_files_stops_at_once_without_the_model_hub(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The model hub at a port nothing listens on: one line naming it, nothing fetched.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        hub = f"http://127.0.0.1:{probe.getsockname()[1]}"
    module = __import__(PLUGIN, fromlist=["constants"])
    monkeypatch.setattr(module.constants, "ENDPOINT", hub)
    monkeypatch.setattr(module.constants, "HF_HUB_OFFLINE", False)
    fetched: list[object] = []
    monkeypatch.setattr(local_tts, "hf_hub_download", lambda *args: fetched.append(args))

    with pytest.raises(SystemExit, match=f"^Cannot reach the model hub at {hub} "):
        next(p for p in Plugin.registered_plugins if p.package == PLUGIN).download_files()
    assert fetched == []
