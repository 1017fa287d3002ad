"""Latency profiles: how long each simulated provider takes, from published figures.

The `profile` mode of the benchmark prints the default (profile.json); edit a copy and pass it
back with `--profile FILE` to model your own measurements or other providers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path


@dataclass(frozen=True)
class Profile:
    """Seconds unless stated; each figure's source is in `sources`."""

    name: str
{%- if cookiecutter.architecture == "pipeline" %}
    stt_final_delay: float
    """From the end of speech to the final transcript."""
    llm_ttft: float
    """From the request to the first token."""
    llm_tokens_per_second: float
{%- elif cookiecutter.architecture == "realtime" %}
    realtime_first_audio: float
    """From the end of the caller's speech to the model's first audio: the model's own
    end-of-turn decision and its answer, at its provider."""
{%- else %}
    realtime_first_text: float
    """From the end of the caller's speech to the model's first text: the model's own
    end-of-turn decision and its answer, at its provider."""
    realtime_tokens_per_second: float
{%- endif %}
{%- if cookiecutter.__tts != "none" %}
    tts_ttfb: float
    """From the first sentence of text to the first audio."""
    tts_rtf: float
    """Seconds of synthesis per second of audio (below 1 keeps ahead of playback)."""
{%- endif %}
    sources: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: Path) -> Profile:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise ProfileError(f"cannot read profile {path}: {error.strerror}") from None
        except json.JSONDecodeError as error:
            raise ProfileError(f"{path} is not valid JSON: {error}") from None
        return cls.from_dict(data, origin=str(path))

    @classmethod
    def from_dict(cls, data: object, *, origin: str = "profile") -> Profile:
        if not isinstance(data, dict):
            raise ProfileError(f"{origin}: expected a JSON object with the profile's figures")
        known = {f.name for f in fields(cls)}
        if unknown := sorted(set(data) - known):
            raise ProfileError(f"{origin}: unknown field(s) {', '.join(unknown)}")
        numbers = [f.name for f in fields(cls) if f.name not in ("name", "sources")]
        if missing := [name for name in numbers if name not in data]:
            raise ProfileError(f"{origin}: missing field(s) {', '.join(missing)}")
        for name in numbers:
            value = data[name]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ProfileError(
                    f"{origin}: {name} must be a number of seconds >= 0, got {value!r}"
                )
{%- set rate = {"pipeline": "llm_tokens_per_second", "half-cascade": "realtime_tokens_per_second"}.get(cookiecutter.architecture) %}
{%- if rate %}
        if data["{{ rate }}"] <= 0:
            raise ProfileError(f"{origin}: {{ rate }} must be above 0")
{%- endif %}
        return cls(
            name=str(data.get("name", origin)),
            sources=dict(data.get("sources", {})),
            **{name: float(data[name]) for name in numbers},
        )


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the field and the fix."""


# Published figures for the providers this project was generated with, and their sources.
DEFAULT_PROFILE = Path(__file__).parent / "profile.json"
