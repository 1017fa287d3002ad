{%- set plugins = cookiecutter.__model_access == "plugins" -%}
{%- set models = cookiecutter._models[cookiecutter.__model_access] -%}
{%- set keyless = plugins and not (cookiecutter._provider_keys[cookiecutter.stt] or cookiecutter._provider_keys[cookiecutter.llm] or cookiecutter._provider_keys[cookiecutter.tts]) -%}
"""Settings read from the environment (and `.env.local`), checked before the worker starts.

A missing key or a malformed value stops the process with one message that lists every such
variable, what it is for and where to get it, instead of a crash inside the first call or a
worker that retries a URL it can never reach.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlparse

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
{%- if keyless %}
# Keys the models need: none, every model runs on this machine or a server of yours, so
# `console` runs with no key at all.
PROVIDER_KEYS: tuple[Requirement, ...] = ()
{%- else %}
# Keys the models need; `console` needs these and nothing else.
PROVIDER_KEYS: tuple[Requirement, ...] = (
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
{%- endif %}

{% if cookiecutter.__agent_name -%}
# Explicit dispatch: rooms get this agent only when a dispatch names it (see README).
AGENT_NAME = "{{ cookiecutter.__agent_name }}"

{% endif -%}
# Seconds a worker that got SIGTERM keeps serving active calls before it exits: livekit's own
# default. The image sets DRAIN_TIMEOUT_SECONDS just under its platform's shutdown grace period
# (Dockerfile); raise both together.
DEFAULT_DRAIN_TIMEOUT_SECONDS = 3600

# How often the worker retries LiveKit, at start or after losing the connection, before it
# stops with exit code 1: livekit's default, 16 retries over about two minutes.
DEFAULT_CONNECT_RETRIES = 16

{%- if cookiecutter.deploy_target == "aws-ecs" %}
# How long ECS task scale-in protection lasts once a call starts (see server.py): a redeploy
# waits at most this long for a busy task, and a task still busy after it loses protection.
DEFAULT_TASK_PROTECTION_MINUTES = 60
MAX_TASK_PROTECTION_MINUTES = 2880  # ECS's limit (48 hours)
{%- endif %}

# Commands that register a worker; `console` runs in-process. Others need no settings.
SERVER_COMMANDS = frozenset({"dev", "start", "connect"})
# The URL forms livekit's worker accepts (it turns http(s) into ws(s) itself).
LIVEKIT_URL_SCHEMES = ("ws", "wss", "http", "https")
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
    return whole_number("DRAIN_TIMEOUT_SECONDS", DEFAULT_DRAIN_TIMEOUT_SECONDS, environ)


def connect_retries(environ: Mapping[str, str] = os.environ) -> int:
    return whole_number("LIVEKIT_CONNECT_RETRIES", DEFAULT_CONNECT_RETRIES, environ)


{%- if cookiecutter.deploy_target == "aws-ecs" %}


def task_protection_minutes(environ: Mapping[str, str] = os.environ) -> int:
    minutes = whole_number("TASK_PROTECTION_MINUTES", DEFAULT_TASK_PROTECTION_MINUTES, environ)
    if not 1 <= minutes <= MAX_TASK_PROTECTION_MINUTES:
        print(
            f"TASK_PROTECTION_MINUTES={minutes} is outside the 1-{MAX_TASK_PROTECTION_MINUTES} "
            f"minutes ECS allows; unset it for the default ({DEFAULT_TASK_PROTECTION_MINUTES}).",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return minutes
{%- endif %}


def whole_number(name: str, default: int, environ: Mapping[str, str]) -> int:
    value = environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        print(
            f"{name}={value!r} is not a whole number; unset it for the default ({default}).",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return int(value)


def load_env_file(path: Path = ENV_FILE) -> None:
    """Read `.env.local` if present; real environment variables win."""
    try:
        load_dotenv(path, override=False, encoding="utf-8")
    except UnicodeDecodeError as error:
        print(
            f"{path} is not UTF-8 text: byte 0x{error.object[error.start]:02x} at offset "
            f"{error.start}. Save it as UTF-8 (a copy of .env.example is), then run again.",
            file=sys.stderr,
        )
        raise SystemExit(2) from None


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


def malformed_for(command: str, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Set values the command cannot use: variable -> what is wrong with it."""
    url = environ.get("LIVEKIT_URL", "").strip()
    if command not in SERVER_COMMANDS or not url or is_livekit_url(url):
        return {}
    return {"LIVEKIT_URL": not_a_livekit_url(url)}


def is_livekit_url(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in LIVEKIT_URL_SCHEMES and bool(parsed.hostname)


def not_a_livekit_url(url: str) -> str:
    """What is wrong with a LIVEKIT_URL that `is_livekit_url` refuses."""
    schemes = ", ".join(f"{scheme}://" for scheme in LIVEKIT_URL_SCHEMES)
    return (
        f"{url!r} is not a server URL: it needs {schemes} and a host, "
        "as in wss://<project>.livekit.cloud or ws://localhost:7880"
    )


def describe_problems(
    command: str, missing: list[Requirement], malformed: Mapping[str, str]
) -> str:
    lines = [f"Cannot run `{command}`:"]
    if missing:
        width = max(len(r.name) for r in missing)
        lines.append("these settings are missing or empty:")
        lines += [f"  {r.name:<{width}}  {r.purpose} (from {r.source})" for r in missing]
    if malformed:
        width = max(map(len, malformed))
        lines.append("these settings are malformed:")
        lines += [f"  {name:<{width}}  {problem}" for name, problem in malformed.items()]
    lines.append(f"Set them in the environment or in {ENV_FILE.name} (copy .env.example).")
    return "\n".join(lines)


def exit_if_unusable(command: str, environ: Mapping[str, str] = os.environ) -> None:
    """Stop with exit code 2 and one readable message when `command` lacks usable settings."""
    missing, malformed = missing_for(command, environ), malformed_for(command, environ)
    if missing or malformed:
        print(describe_problems(command, missing, malformed), file=sys.stderr)
        raise SystemExit(2)


def command_from_argv(argv: list[str]) -> str:
    """The agent command in `agent.py console --text` or `-m livekit.agents start agent.py`;
    none for `--help`, which needs no settings."""
    if "--help" in argv or "-h" in argv:
        return ""
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
    """Load `.env.local`, then stop before the CLI starts if the command cannot run.

    Runs before agent.py builds the worker, which reads the LiveKit settings, the drain timeout
    and the connection retries from the environment this fills in.
    """
    load_env_file()
    command = command_from_argv(argv)
    exit_if_unusable(command)
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
