{%- set plugins = cookiecutter.__model_access == "plugins" -%}
{%- set models = cookiecutter._models[cookiecutter.__model_access] -%}
"""Settings read from the environment (and `.env.local`), checked before the worker starts.

A missing key stops the process with one message that lists every missing variable, what it
is for and where to get it, instead of a crash inside the first call.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from dotenv import load_dotenv

# Relative to the working directory: every command runs from the project root.
ENV_FILE = Path(".env.local")


@dataclass(frozen=True)
class Requirement:
    name: str
    purpose: str
    source: str


LIVEKIT_CLOUD_KEYS = "LiveKit Cloud -> your project -> Settings -> API Keys"

LIVEKIT_SERVER = (
    Requirement("LIVEKIT_URL", "the LiveKit server the worker registers with", LIVEKIT_CLOUD_KEYS),
    Requirement("LIVEKIT_API_KEY", "authenticates the worker", LIVEKIT_CLOUD_KEYS),
    Requirement("LIVEKIT_API_SECRET", "authenticates the worker", LIVEKIT_CLOUD_KEYS),
)

{%- if not plugins %}
INFERENCE_BILLING = "pays for STT, LLM and TTS through LiveKit Inference"
{% endif %}
# Keys the models need; `console` needs these and nothing else.
PROVIDER_KEYS = (
{%- if not plugins %}
    Requirement("LIVEKIT_API_KEY", INFERENCE_BILLING, LIVEKIT_CLOUD_KEYS),
    Requirement("LIVEKIT_API_SECRET", INFERENCE_BILLING, LIVEKIT_CLOUD_KEYS),
{%- else %}
{%- if cookiecutter.stt == "deepgram" %}
    Requirement("DEEPGRAM_API_KEY", "Deepgram speech-to-text", "https://console.deepgram.com"),
{%- elif cookiecutter.stt == "assemblyai" %}
    Requirement(
        "ASSEMBLYAI_API_KEY",
        "AssemblyAI speech-to-text",
        "https://www.assemblyai.com/app/api-keys",
    ),
{%- endif %}
{%- if cookiecutter.stt == "openai" or cookiecutter.llm in ["openai-gpt-4.1-mini", "openai-gpt-4o"] or cookiecutter.tts == "openai" %}
    Requirement("OPENAI_API_KEY", "OpenAI models", "https://platform.openai.com/api-keys"),
{%- endif %}
{%- if cookiecutter.llm == "anthropic-claude" %}
    Requirement(
        "ANTHROPIC_API_KEY", "Anthropic Claude", "https://console.anthropic.com/settings/keys"
    ),
{%- elif cookiecutter.llm == "groq-llama-3.3-70b" %}
    Requirement("GROQ_API_KEY", "Groq-hosted Llama", "https://console.groq.com/keys"),
{%- endif %}
{%- if cookiecutter.tts == "cartesia" %}
    Requirement("CARTESIA_API_KEY", "Cartesia text-to-speech", "https://play.cartesia.ai/keys"),
{%- elif cookiecutter.tts == "elevenlabs" %}
    Requirement(
        "ELEVEN_API_KEY",
        "ElevenLabs text-to-speech",
        "https://elevenlabs.io/app/settings/api-keys",
    ),
{%- endif %}
{%- endif %}
)

{% if cookiecutter.__agent_name -%}
# Explicit dispatch: rooms get this agent only when a dispatch names it (see README).
AGENT_NAME = "{{ cookiecutter.__agent_name }}"

{% endif -%}
# Seconds a worker that got SIGTERM keeps serving active calls before it exits. It stays under
# the {{ cookiecutter.deploy_target }} shutdown grace period ({{ cookiecutter._shutdown_grace_seconds[cookiecutter.deploy_target] }} s); raise both together.
DEFAULT_DRAIN_TIMEOUT_SECONDS = {{ cookiecutter._shutdown_grace_seconds[cookiecutter.deploy_target] - 10 }}

# Commands that register a worker; `console` runs in-process. Others need no settings.
SERVER_COMMANDS = frozenset({"dev", "start", "connect"})
{%- if cookiecutter.deploy_target == "railway" %}

# The worker's health server port under `start` (livekit's production default). Railway sends
# its deploy health check to the port in PORT, so the service variable PORT must equal it.
HEALTH_PORT = 8081
{%- endif %}


@dataclass(frozen=True)
class Settings:
    """Model choices. Change a model or voice here or through the environment, not in code."""

    stt_model: str = "{{ models.stt[cookiecutter.stt] }}"
    stt_language: str = "en"
    llm_model: str = "{{ models.llm[cookiecutter.llm] }}"
{%- if cookiecutter.llm == "ollama" %}
    ollama_base_url: str = "http://localhost:11434/v1"
{%- endif %}
    tts_model: str = "{{ models.tts[cookiecutter.tts] }}"
    tts_voice: str = "{{ cookiecutter._voices[cookiecutter.tts] }}"
    # Fallbacks, used while the primary model fails (see providers.py). Empty: no fallback.
    fallback_stt_model: str = ""
    fallback_llm_model: str = ""
    fallback_tts_model: str = ""  # empty with a fallback voice set: the primary model
    fallback_tts_voice: str = ""  # empty with a fallback model set: the primary voice

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        defaults = cls()
        return cls(
            stt_model=environ.get("STT_MODEL") or defaults.stt_model,
            stt_language=environ.get("STT_LANGUAGE") or defaults.stt_language,
            llm_model=environ.get("LLM_MODEL") or defaults.llm_model,
{%- if cookiecutter.llm == "ollama" %}
            ollama_base_url=environ.get("OLLAMA_BASE_URL") or defaults.ollama_base_url,
{%- endif %}
            tts_model=environ.get("TTS_MODEL") or defaults.tts_model,
            tts_voice=environ.get("TTS_VOICE") or defaults.tts_voice,
            fallback_stt_model=environ.get("FALLBACK_STT_MODEL", "").strip(),
            fallback_llm_model=environ.get("FALLBACK_LLM_MODEL", "").strip(),
            fallback_tts_model=environ.get("FALLBACK_TTS_MODEL", "").strip(),
            fallback_tts_voice=environ.get("FALLBACK_TTS_VOICE", "").strip(),
        )


{% if cookiecutter.use_sip -%}
class SettingError(ValueError):
    """A setting with a value the agent cannot use; the message names it and the fix."""


@dataclass(frozen=True)
class TelephonySettings:
    """How phone calls behave (see telephony/README.md)."""

    # "cold": the carrier moves the caller to SIP_TRANSFER_NUMBER, who hears it ring;
    # "warm": the agent calls that number first, briefs the person, then joins the caller.
    transfer_mode: str = "cold"
    # Premium-rate and shared-cost ranges (telephony/numbers.py) are refused unless true.
    allow_premium_rate: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> TelephonySettings:
        mode = environ.get("SIP_TRANSFER_MODE", "").strip().lower() or cls.transfer_mode
        if mode not in ("cold", "warm"):
            raise SettingError(
                f"SIP_TRANSFER_MODE={mode!r} is neither cold nor warm; unset it for cold transfers."
            )
        premium = environ.get("SIP_ALLOW_PREMIUM_RATE", "").strip().lower()
        if premium not in ("", "true", "false"):
            raise SettingError(
                f"SIP_ALLOW_PREMIUM_RATE={premium!r} is neither true nor false; unset it to "
                "refuse premium-rate numbers."
            )
        return cls(transfer_mode=mode, allow_premium_rate=premium == "true")


{% endif -%}
def drain_timeout(environ: Mapping[str, str] = os.environ) -> int:
    value = environ.get("DRAIN_TIMEOUT_SECONDS", "").strip()
    if not value:
        return DEFAULT_DRAIN_TIMEOUT_SECONDS
    if not value.isdigit():
        print(
            f"DRAIN_TIMEOUT_SECONDS={value!r} is not a whole number of seconds; "
            f"unset it for the default ({DEFAULT_DRAIN_TIMEOUT_SECONDS}).",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return int(value)


def load_env_file(path: Path = ENV_FILE) -> None:
    """Read `.env.local` if present; real environment variables win."""
    load_dotenv(path, override=False)


def requirements_for(command: str) -> tuple[Requirement, ...]:
    needed: tuple[Requirement, ...]
    if command == "console":
        needed = PROVIDER_KEYS
    elif command in SERVER_COMMANDS:
        needed = LIVEKIT_SERVER + PROVIDER_KEYS
    else:
        return ()
    # One line per variable; a variable with two jobs (with LiveKit Inference the LiveKit key
    # both registers the worker and pays for the models) keeps both purposes.
    merged: dict[str, Requirement] = {}
    for requirement in needed:
        seen = merged.get(requirement.name)
        if seen is None:
            merged[requirement.name] = requirement
        elif requirement.purpose not in seen.purpose:
            merged[requirement.name] = replace(
                seen, purpose=f"{seen.purpose} and {requirement.purpose}"
            )
    return tuple(merged.values())


def missing_for(command: str, environ: Mapping[str, str] = os.environ) -> list[Requirement]:
    return [r for r in requirements_for(command) if not environ.get(r.name, "").strip()]


def describe_missing(command: str, missing: list[Requirement]) -> str:
    width = max(len(r.name) for r in missing)
    lines = [f"Cannot run `{command}`: these settings are missing or empty:"]
    lines += [f"  {r.name:<{width}}  {r.purpose} (from {r.source})" for r in missing]
    lines.append(f"Set them in the environment or in {ENV_FILE.name} (copy .env.example).")
    return "\n".join(lines)


def exit_if_missing(command: str, environ: Mapping[str, str] = os.environ) -> None:
    """Stop with exit code 2 and a readable message when `command` lacks settings."""
    if missing := missing_for(command, environ):
        print(describe_missing(command, missing), file=sys.stderr)
        raise SystemExit(2)


def command_from_argv(argv: list[str]) -> str:
    """The agent command in `agent.py console --text` or `-m livekit.agents start agent.py`."""
    return next((arg for arg in argv[1:] if arg == "console" or arg in SERVER_COMMANDS), "")


def launched_by_livekit_cli(argv: list[str]) -> bool:
    """True under `python -m livekit.agents ...`, which imports agent.py rather than running it."""
    return Path(argv[0]).parts[-3:] == ("livekit", "agents", "__main__.py")


def exit_if_no_audio_library() -> None:
    """livekit's console imports sounddevice, which needs PortAudio, even with `--text`."""
    try:
        importlib.import_module("sounddevice")
    except (OSError, ImportError):
        print(
            "Cannot run `console`: the PortAudio library is missing. Install it with "
            "`sudo apt-get install libportaudio2` (Debian/Ubuntu) or `brew install portaudio` "
            "(macOS), then run the command again.",
            file=sys.stderr,
        )
        raise SystemExit(2) from None


{%- if cookiecutter.deploy_target == "railway" %}


def exit_if_health_check_misses(command: str, environ: Mapping[str, str] = os.environ) -> None:
    """Stop when Railway would health-check a port the worker does not listen on."""
    port = environ.get("PORT", "").strip()
    if command == "start" and port and port != str(HEALTH_PORT):
        print(
            f"PORT={port}, but the worker's health server listens on {HEALTH_PORT}, and Railway "
            f"sends its deploy health check to PORT. Set the service variable "
            f"PORT={HEALTH_PORT} (railway variables --set PORT={HEALTH_PORT}).",
            file=sys.stderr,
        )
        raise SystemExit(2)
{%- endif %}


def check_before_start(argv: list[str]) -> None:
    """Load `.env.local`, then stop before the CLI starts if the command cannot run."""
    load_env_file()
    command = command_from_argv(argv)
    exit_if_missing(command)
{%- if cookiecutter.use_sip %}
    if command:
        try:
            TelephonySettings.from_env()
        except SettingError as error:
            print(error, file=sys.stderr)
            raise SystemExit(2) from None
{%- endif %}
{%- if cookiecutter.deploy_target == "railway" %}
    exit_if_health_check_misses(command)
{%- endif %}
    if command == "console":
        exit_if_no_audio_library()
