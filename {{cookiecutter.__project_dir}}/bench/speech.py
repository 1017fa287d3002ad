"""The caller's side of the benchmark conversation: speech recordings and what they say.

The built-in recordings were made with espeak-ng (voice en-us+f3, 160 words per minute) and
trimmed with sox. Pass your own with `--speech DIR`: 16-bit mono WAV files and a
conversation.json listing them in order with their text.
"""

from __future__ import annotations

import json
import wave
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from livekit import rtc

SPEECH_DIR = Path(__file__).parent / "speech"


class SpeechError(ValueError):
    """Recordings that cannot be used; the message names the file and the fix."""


@dataclass(frozen=True)
class Utterance:
    text: str
    path: Path

    def check(self) -> None:
        _read_wav(self.path)

    def frames(self, sample_rate: int, frame_seconds: float) -> list[tuple[bytes, float]]:
        """The speech as frames of `frame_seconds` at `sample_rate`, each with the seconds of
        zero padding it carries (only the last one has any)."""
        samples = _resampled(self.path, sample_rate)
        per_frame = int(sample_rate * frame_seconds)
        padding = -len(samples) % per_frame
        padded = np.concatenate([samples, np.zeros(padding, dtype=np.int16)])
        chunks = [padded[i : i + per_frame].tobytes() for i in range(0, len(padded), per_frame)]
        return [(chunk, 0.0) for chunk in chunks[:-1]] + [(chunks[-1], padding / sample_rate)]


@cache
def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                raise SpeechError(
                    f"{path}: expected 16-bit mono PCM (sox in.wav -b 16 -c 1 out.wav)"
                )
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
            return samples, wav.getframerate()
    except (OSError, EOFError, wave.Error) as error:
        raise SpeechError(f"{path}: not a readable WAV file ({error})") from None


@cache
def _resampled(path: Path, sample_rate: int) -> np.ndarray:
    samples, rate = _read_wav(path)
    if rate == sample_rate:
        return samples
    resampler = rtc.AudioResampler(rate, sample_rate, num_channels=1)
    frames = [*resampler.push(rtc.AudioFrame(samples.tobytes(), rate, 1, len(samples)))]
    frames += resampler.flush()
    return np.concatenate([np.frombuffer(frame.data, dtype=np.int16) for frame in frames])


def conversation(directory: Path = SPEECH_DIR) -> list[Utterance]:
    """The utterances `directory/conversation.json` lists, in order."""
    manifest = directory / "conversation.json"
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8"))
        utterances = [Utterance(text=e["text"], path=directory / e["file"]) for e in entries]
    except OSError as error:
        raise SpeechError(f"cannot read {manifest}: {error.strerror}") from None
    except (json.JSONDecodeError, TypeError, KeyError) as error:
        raise SpeechError(
            f'{manifest}: expected a JSON list of objects with "file" and "text" ({error})'
        ) from None
    if not utterances:
        raise SpeechError(f"{manifest} lists no utterance")
    return utterances
