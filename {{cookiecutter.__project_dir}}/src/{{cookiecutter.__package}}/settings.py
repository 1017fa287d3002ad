{%- set inference = "inference" in [cookiecutter.__stt_access, cookiecutter.__llm_access, cookiecutter.__tts_access, cookiecutter.__realtime_access] -%}
{%- set keyless = cookiecutter.__model_access == "plugins" and not cookiecutter.__provider_keys -%}
{%- set fields = [] -%}
{%- if cookiecutter.__stt != "none" %}{% set _ = fields.extend(["stt_model", "stt_language"]) %}{% endif -%}
{%- if cookiecutter.__llm != "none" %}{% set _ = fields.append("llm_model") %}{% endif -%}
{%- if cookiecutter.__llm == "ollama" %}{% set _ = fields.append("ollama_base_url") %}{% endif -%}
{%- if cookiecutter.__realtime_model != "none" %}{% set _ = fields.append("realtime_model") %}{% endif -%}
{%- if cookiecutter.architecture == "realtime" %}{% set _ = fields.append("realtime_voice") %}{% endif -%}
{%- if cookiecutter.__tts != "none" %}{% set _ = fields.extend(["tts_model", "tts_voice"]) %}{% endif -%}
{%- if cookiecutter.__tts not in ["none", "openai", "kokoro"] %}{% set _ = fields.append("tts_language") %}{% endif -%}
{%- set fallbacks = [] -%}
{%- if cookiecutter.__stt != "none" %}{% set _ = fallbacks.append("stt_model") %}{% endif -%}
{%- if cookiecutter.__llm != "none" %}{% set _ = fallbacks.append("llm_model") %}{% endif -%}
{%- if cookiecutter.__realtime_model != "none" %}{% set _ = fallbacks.append("realtime_model") %}{% endif -%}
{%- if cookiecutter.__tts != "none" %}{% set _ = fallbacks.extend(["tts_model", "tts_voice"]) %}{% endif -%}
"""Settings read from models.toml and the environment (and `.env.local`), checked before the
worker starts.

A missing key or a malformed value stops the process with one message that lists every such
variable, what it is for and where to get it, instead of a crash inside the first call or a
worker that retries a URL it can never reach.
"""

from __future__ import annotations

import importlib
import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlparse

from dotenv import load_dotenv

# Relative to the working directory: every command runs from the project root.
ENV_FILE = Path(".env.local")
# At the project's root, two levels above this file: found from whatever directory the worker
# (or a test) runs in, as the knowledge base finds its documents.
MODELS_FILE = Path(__file__).resolve().parents[2] / "models.toml"
# The settings models.toml holds; each is also read from its environment variable in capitals.
MODEL_SETTINGS = (
{%- for field in fields %}
    "{{ field }}",
{%- endfor %}
)


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

{%- if inference %}
INFERENCE_BILLING = "pays for the models served by LiveKit Inference"
{% endif %}
{%- if keyless %}
# Keys the models need: none, every model runs on this machine or a server of yours, so
# `console` runs with no key at all.
PROVIDER_KEYS: tuple[Requirement, ...] = ()
{%- else %}
# Keys the models need; `console` needs these and nothing else.
PROVIDER_KEYS: tuple[Requirement, ...] = (
{%- if inference %}
    Requirement("LIVEKIT_API_KEY", INFERENCE_BILLING, LIVEKIT_CLOUD_KEYS),
    Requirement("LIVEKIT_API_SECRET", INFERENCE_BILLING, LIVEKIT_CLOUD_KEYS),
{%- endif %}
{%- for name in cookiecutter.__provider_keys.split() %}
{%- set purpose, source = cookiecutter._key_sources[name] %}
{%- if (name | length) + (purpose | length) + (source | length) < 70 %}
    Requirement("{{ name }}", "{{ purpose }}", "{{ source }}"),
{%- else %}
    Requirement(
        "{{ name }}",
        "{{ purpose }}",
        "{{ source }}",
    ),
{%- endif %}
{%- endfor %}
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
    """The models and voice (models.toml), each overridable by its environment variable."""
{% for field in fields %}
    {{ field }}: str
{%- endfor %}
    # Fallbacks, used while the primary model fails (see providers.py). Empty: no fallback.
{%- for field in fallbacks %}
    fallback_{{ field }}: str = ""
{%- endfor %}

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] = os.environ, models_file: Path = MODELS_FILE
    ) -> Settings:
        """models.toml's values, with the environment's where set (STT_MODEL, TTS_VOICE...)."""
        chosen = read_models(models_file)
        return cls(
{%- for field in fields %}
            {{ field }}=environ.get("{{ field | upper }}") or chosen["{{ field }}"],
{%- endfor %}
{%- for field in fallbacks %}
            fallback_{{ field }}=environ.get("FALLBACK_{{ field | upper }}", "").strip(),
{%- endfor %}
        )


def read_models(path: Path = MODELS_FILE) -> dict[str, str]:
    """models.toml as text settings; stops with one message when it is missing or wrong."""
    try:
        chosen = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        problem = f"cannot be read ({error.strerror}): run the agent from the project root"
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problem = f"is not valid TOML ({error})"
    else:
        missing = [name for name in MODEL_SETTINGS if not isinstance(chosen.get(name), str)]
        if not missing:
            return {name: chosen[name] for name in MODEL_SETTINGS}
        problem = f"needs a text value for {', '.join(missing)}"
    print(f"{path} {problem}. The template wrote one next to pyproject.toml.", file=sys.stderr)
    raise SystemExit(2)


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
