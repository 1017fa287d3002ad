{%- set pipeline = cookiecutter.architecture == "pipeline" -%}
{%- set half = cookiecutter.architecture == "half-cascade" -%}
"""What happened when, in one turn, and how the wait splits into stages.

Every simulated component stamps the moments it sees into the turn under way. A stage's
"nominal" end is when it would have finished on an idle machine (its start plus the profile's
figure); time the process spends beyond that (a late timer, a busy event loop, framework
hand-offs) lands in the remainder, which is what this benchmark exists to expose.
{%- if not pipeline %}

A realtime model hears, decides the end of the turn and answers at its provider, in one step
that nothing outside it can split: {% if half %}its first text, the rest of the sentence the TTS
starts with, and the TTS's first audio{% else %}its first audio{% endif %} are what can be told apart.
{%- endif %}
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

# In the order they happen on the critical path.
{%- if pipeline %}
STAGES = ("stt", "endpointing", "llm", "tts", "remainder")
{%- elif half %}
STAGES = ("model", "sentence", "tts", "remainder")
{%- else %}
STAGES = ("model", "remainder")
{%- endif %}


MARKS = (
    "speech_end",
{%- if pipeline %}
    "stt_final",
    "turn_committed",
    "llm_request",
    "llm_text_ready",
{%- elif half %}
    "model_first_text",
    "model_text_ready",
{%- else %}
    "model_first_audio",
{%- endif %}
{%- if cookiecutter.__tts != "none" %}
    "tts_request",
    "tts_first_audio",
{%- endif %}
    "first_audio_out",
)


@dataclass
class TurnMarks:
    """Wall-clock times (`time.time()`) in one user turn; None until seen."""

    index: int
    speech_end: float | None = None
    """The last sample of the user's speech was played into the agent."""
{%- if pipeline %}
    stt_final: float | None = None
    """The final transcript was due (speech end + the profile's STT figure)."""
    turn_committed: float | None = None
    """The session decided the user had finished (end-of-turn)."""
    llm_request: float | None = None
    llm_text_ready: float | None = None
    """The LLM had streamed the text the TTS starts with (TTFT + those tokens at the rate)."""
{%- elif half %}
    model_first_text: float | None = None
    """The realtime model's first text was due (speech end + the profile's figure)."""
    model_text_ready: float | None = None
    """The model had streamed the text the TTS starts with (those tokens at the rate)."""
{%- else %}
    model_first_audio: float | None = None
    """The realtime model's first audio was due (speech end + the profile's figure)."""
{%- endif %}
{%- if cookiecutter.__tts != "none" %}
    tts_request: float | None = None
    """The TTS had its first sentence of text."""
    tts_first_audio: float | None = None
    """The TTS's first audio was due (request + TTFB)."""
{%- endif %}
    first_audio_out: float | None = None
    """The agent's first audio frame of the reply reached the speaker."""
{%- if pipeline %}
    waited_max_delay: bool = False
    """The end-of-turn model thought the user might go on, so the session waited for
    the endpointing max_delay before answering."""
{%- endif %}
{%- if cookiecutter.__tts != "none" %}
    {{ "llm" if pipeline else "model" }}_tokens_due: list[float] = field(default_factory=list, repr=False)
    """When each token of the latest {{ "LLM request" if pipeline else "reply" }} was due."""
{%- endif %}

    def marks(self) -> dict[str, float | None]:
        return {name: getattr(self, name) for name in MARKS}

    def complete(self) -> bool:
        return all(value is not None for value in self.marks().values())

    def stamp(self, name: str, value: float) -> None:
        """Record `name`, until the reply has started playing.
{%- if pipeline %}

        Later values win before that point: when the session drops a preemptive reply and
        generates again, the request that was actually spoken is the last one.
{%- else %}

        Later values win before that point: the reply that was actually spoken is the last one.
{%- endif %}
        """
        if self.first_audio_out is None:
            setattr(self, name, value)
{%- if pipeline %}

    def stamp_tokens_due(self, due: list[float]) -> None:
        if self.first_audio_out is None:
            self.llm_tokens_due = due

    def stamp_text_ready(self, words: int) -> None:
        """The TTS started on the first `words` words: the LLM was done with them when the
        last of those tokens was due (one word per token)."""
        if self.llm_tokens_due:
            self.stamp(
                "llm_text_ready", self.llm_tokens_due[min(words, len(self.llm_tokens_due)) - 1]
            )
{%- elif half %}

    def stamp_tokens_due(self, due: list[float]) -> None:
        if self.first_audio_out is None:
            self.model_tokens_due = due

    def stamp_text_ready(self, words: int) -> None:
        """The TTS started on the first `words` words: the model was done with them when the
        last of those tokens was due (one word per token)."""
        if self.model_tokens_due:
            index = min(words, len(self.model_tokens_due)) - 1
            self.stamp("model_text_ready", self.model_tokens_due[index])
{%- endif %}


@dataclass
class Timeline:
    """The turns of one conversation, filled in by the simulated input, models and output."""

    turns: list[TurnMarks] = field(default_factory=list)

    def begin_turn(self) -> TurnMarks:
        turn = TurnMarks(index=len(self.turns))
        self.turns.append(turn)
        return turn

    @property
    def current(self) -> TurnMarks | None:
        """The turn under way, or None before the user first speaks (the greeting)."""
        return self.turns[-1] if self.turns else None

    def stamp(self, name: str, value: float) -> None:
        """Record `name` on the turn under way (nothing during the greeting)."""
        if (turn := self.current) is not None:
            turn.stamp(name, value)


def breakdown(turn: TurnMarks) -> dict[str, float]:
    """Split end-of-speech -> first agent audio into stages along the critical path.

    Stages run in order; each is charged only for the time it extends past everything before
{%- if pipeline %}
    it (preemptive generation hides LLM time behind endpointing, for example), and any gap
    between one stage finishing and the next starting is framework time: the remainder.
{%- else %}
    it, and any gap between one stage finishing and the next starting is framework time: the
    remainder.
{%- endif %}
    The stages always add up to `total`.
    """
    if not turn.complete():
        raise ValueError(f"turn {turn.index} is incomplete: {turn}")
    assert turn.speech_end is not None and turn.first_audio_out is not None
    spans = {
{%- if pipeline %}
        "stt": (turn.speech_end, turn.stt_final),
        "endpointing": (turn.speech_end, turn.turn_committed),
        "llm": (turn.llm_request, turn.llm_text_ready),
        "tts": (turn.tts_request, turn.tts_first_audio),
{%- elif half %}
        "model": (turn.speech_end, turn.model_first_text),
        "sentence": (turn.model_first_text, turn.model_text_ready),
        "tts": (turn.tts_request, turn.tts_first_audio),
{%- else %}
        "model": (turn.speech_end, turn.model_first_audio),
{%- endif %}
    }
    result = dict.fromkeys(STAGES, 0.0)
    cursor = turn.speech_end
    for stage, (start, end) in spans.items():
        assert start is not None and end is not None
        result["remainder"] += max(0.0, start - cursor)
        result[stage] = max(0.0, end - max(start, cursor))
        cursor = max(cursor, end)
    result["remainder"] += turn.first_audio_out - cursor
    result["total"] = turn.first_audio_out - turn.speech_end
    return result


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least pct% of values at or below."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def summarise(breakdowns: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """p50, p95 and max per stage (and the total), in seconds."""
    summary = {}
    for stage in (*STAGES, "total"):
        values = [b[stage] for b in breakdowns]
        summary[stage] = {
            "p50": statistics.median(values),
            "p95": percentile(values, 95),
            "max": max(values),
        }
    return summary
