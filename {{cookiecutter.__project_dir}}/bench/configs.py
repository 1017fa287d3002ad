{%- if cookiecutter.architecture == "pipeline" -%}
"""The session configurations the benchmark can run: this project's, and baselines to compare."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from livekit.agents import TurnHandlingOptions, vad
from livekit.plugins import silero

from {{ cookiecutter.__package }}.providers import build_turn_handling

from .profile import Profile
from .run import run_conversation
from .speech import Utterance
from .timeline import Timeline
{%- if cookiecutter.__turn_detection == "text-model" %}

END_OF_TURN_MODEL = "The multilingual text end-of-turn model (livekit-plugins-turn-detector)"
{%- elif cookiecutter.__turn_detection == "audio-model" %}

END_OF_TURN_MODEL = "LiveKit's end-of-turn audio model (livekit-local-inference)"
{%- endif %}


class CallFailed(Exception):
    """A benchmark call that could not run; the message says why and what to do, in one line."""


@dataclass(frozen=True)
class SessionConfig:
    name: str
    description: str
    turn_handling: Callable[[], TurnHandlingOptions]
    voice_activity: Callable[[], vad.VAD] | None = None
    """None: the VAD the worker's prewarm loaded, as in production."""

    async def run(
        self,
        profile: Profile,
        utterances: Sequence[Utterance],
        *,
        turns: int,
        prewarmed_vad: vad.VAD,
    ) -> Timeline:
{%- if cookiecutter.__turn_detection in ["audio-model", "text-model"] %}
        try:
            turn_handling = self.turn_handling()
        except Exception as error:
            raise CallFailed(
                f"{END_OF_TURN_MODEL} did not load in the call process ({error}). Fetch the"
                " project's models first: `uv run python -m livekit.agents download-files`"
                " (it needs the network), then `uv run python -m"
                " {{ cookiecutter.__package }}.models` names any still missing."
            ) from error
{%- else %}
        turn_handling = self.turn_handling()
{%- endif %}
        return await run_conversation(
            profile,
            [utterances[i % len(utterances)] for i in range(turns)],
            turn_handling=turn_handling,
            voice_activity=self.voice_activity() if self.voice_activity else prewarmed_vad,
        )


def starter_turn_handling() -> TurnHandlingOptions:
    # livekit-examples/agent-starter-python: preemptive LLM generation and livekit's default
    # endpointing (0.5 s / 3.0 s with its text turn detector), interruption defaults. Its
    # text model needs a model-hub download, so this baseline keeps the project's detector.
    turn_detection = build_turn_handling().get("turn_detection")
    return TurnHandlingOptions(
        turn_detection=turn_detection,
        endpointing={"min_delay": 0.5, "max_delay": 3.0},
        preemptive_generation={"enabled": True},
    )


CONFIGS = {
    "project": SessionConfig(
        "project", "this project's turn handling and VAD", build_turn_handling
    ),
    "starter": SessionConfig(
        "starter",
        "LiveKit's agent-starter-python settings (Silero VAD defaults, preemptive LLM only)",
        starter_turn_handling,
        silero.VAD.load,
    ),
}


class ConfigError(ValueError):
    """A configuration name or file that cannot be used."""


OVERRIDABLE = ("endpointing", "interruption", "preemptive_generation", "user_turn_limit")


def session_config(name: str) -> SessionConfig:
    """A named configuration, or a JSON file whose keys override the project's turn handling
    (e.g. {"preemptive_generation": {"enabled": false}})."""
    if name in CONFIGS:
        return CONFIGS[name]
    path = Path(name)
    try:
        overrides = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(
            f"{name!r} is neither a configuration ({', '.join(CONFIGS)}) nor a readable file"
            f" ({error.strerror})"
        ) from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(overrides, dict) or not set(overrides) <= set(OVERRIDABLE):
        raise ConfigError(f"{path}: expected an object with keys among {', '.join(OVERRIDABLE)}")

    def turn_handling() -> TurnHandlingOptions:
        return TurnHandlingOptions(**{**build_turn_handling(), **overrides})

    return SessionConfig(path.stem, f"the project's turn handling with {path.name}", turn_handling)
{%- else -%}
"""The session configuration the benchmark runs: this project's.

A realtime model takes the turns at its provider: there is no VAD, end-of-turn model or
preemptive generation here to vary, so no other configuration to run or compare with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from livekit.agents import TurnHandlingOptions

from {{ cookiecutter.__package }}.providers import build_turn_handling

from .profile import Profile
from .run import run_conversation
from .speech import Utterance
from .timeline import Timeline


class CallFailed(Exception):
    """A benchmark call that could not run; the message says why and what to do, in one line."""


@dataclass(frozen=True)
class SessionConfig:
    name: str
    description: str
    turn_handling: Callable[[], TurnHandlingOptions]

    async def run(
        self, profile: Profile, utterances: Sequence[Utterance], *, turns: int
    ) -> Timeline:
        return await run_conversation(
            profile,
            [utterances[i % len(utterances)] for i in range(turns)],
            turn_handling=self.turn_handling(),
        )


CONFIGS = {
    "project": SessionConfig(
        "project",
        "this project's turn handling, the realtime model{% if cookiecutter.__tts != "none" %} and the TTS{% endif %} simulated",
        build_turn_handling,
    ),
}


class ConfigError(ValueError):
    """A configuration name that cannot be used."""


def session_config(name: str) -> SessionConfig:
    """The named configuration: only the project's."""
    if name not in CONFIGS:
        raise ConfigError(f"{name!r} is not a configuration (only: {', '.join(CONFIGS)})")
    return CONFIGS[name]
{%- endif %}
