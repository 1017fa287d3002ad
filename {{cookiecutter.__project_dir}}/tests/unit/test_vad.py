"""Real Silero VAD on real speech: the model ships in the wheel, the clip in tests/fixtures.

The clip is espeak-ng speech ("Hello there. I would like to book a table...") with one second
of silence before and after, 16 kHz mono.
"""

import wave
from pathlib import Path

from livekit import rtc
from livekit.agents import vad

from {{ cookiecutter.__package }} import providers

CLIP = Path(__file__).parents[1] / "fixtures" / "speech_16k.wav"
FRAME_MS = 10


def clip_frames(pcm: bytes, sample_rate: int) -> list[rtc.AudioFrame]:
    samples_per_frame = sample_rate * FRAME_MS // 1000
    step = samples_per_frame * 2
    return [
        rtc.AudioFrame(pcm[i : i + step], sample_rate, 1, samples_per_frame)
        for i in range(0, len(pcm) - step + 1, step)
    ]


async def speech_events(pcm: bytes, sample_rate: int) -> list[vad.VADEvent]:
    stream = providers.load_vad().stream()
    for frame in clip_frames(pcm, sample_rate):
        stream.push_frame(frame)
    stream.end_input()
    return [
        event
        async for event in stream
        if event.type in (vad.VADEventType.START_OF_SPEECH, vad.VADEventType.END_OF_SPEECH)
    ]


async def test_detects_the_spoken_sentence_and_its_end() -> None:
    with wave.open(str(CLIP)) as clip:
        sample_rate = clip.getframerate()
        pcm = clip.readframes(clip.getnframes())

    events = await speech_events(pcm, sample_rate)

    assert events, "no speech detected in a clip that is mostly speech"
    assert events[0].type == vad.VADEventType.START_OF_SPEECH
    assert events[-1].type == vad.VADEventType.END_OF_SPEECH
    assert 0.8 <= events[0].timestamp <= 1.6
    assert events[-1].timestamp >= 4.5


async def test_ignores_silence() -> None:
    sample_rate = 16000
    assert await speech_events(bytes(2 * sample_rate * 3), sample_rate) == []
