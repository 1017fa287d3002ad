{%- set slot = "llm" if cookiecutter.architecture == "pipeline" else "realtime" -%}
{%- set choice = cookiecutter.__llm if slot == "llm" else cookiecutter.__realtime_model -%}
{%- set plugins = cookiecutter["__" ~ slot ~ "_access"] == "plugins" -%}
{%- set ollama = choice == "ollama" -%}
{%- set has_userdata = cookiecutter.use_tool_calling or cookiecutter.use_multi_agent or cookiecutter.use_sip -%}
"""What the evals run with: keys from the environment or `.env.local`, and the agent's session.

Only evals load `.env.local` (see conftest.py: loaded around each eval, then undone), so the
offline suite never sees a key.
"""

from __future__ import annotations

import os
{%- if ollama %}
import socket
{%- endif %}
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock
{%- if ollama %}
from urllib.parse import urlsplit
{%- endif %}

from livekit.agents import AgentSession, llm

from {{ cookiecutter.__package }} import settings
{%- if has_userdata %}
from {{ cookiecutter.__package }}.userdata import UserData
{%- endif %}
{%- if not ollama %}

# Evals talk to the {{ "language" if slot == "llm" else "realtime" }} model only (text in, text out), so only its keys matter.
{%- if plugins %}
LLM_KEYS = ("{{ cookiecutter._provider_keys[choice] }}",)
{%- else %}
LLM_KEYS = ("LIVEKIT_API_KEY", "LIVEKIT_API_SECRET")
{%- endif %}
{%- endif %}


@contextmanager
def env_file_loaded(path: Path = settings.ENV_FILE) -> Iterator[None]:
    """`os.environ` plus the settings in `path`, loaded as the agent loads them; undone on exit."""
    with mock.patch.dict(os.environ):
        settings.load_env_file(path)
        yield
{%- if ollama %}


def ollama_unreachable(base_url: str) -> bool:
    address = urlsplit(base_url)
    port = address.port or (443 if address.scheme == "https" else 80)
    try:
        with socket.create_connection((address.hostname or "localhost", port), timeout=1):
            return False
    except OSError:
        return True
{%- endif %}


def skip_reason(path: Path = settings.ENV_FILE) -> str:
    """Why the evals cannot run here, or "" when they can."""
    with env_file_loaded(path):
{%- if ollama %}
        config = settings.Settings.from_env()
        if ollama_unreachable(config.ollama_base_url):
            return (
                f"evals need an Ollama server at {config.ollama_base_url} (`ollama serve` and "
                f"`ollama pull {config.llm_model}`, or set OLLAMA_BASE_URL in {path.name})"
            )
{%- else %}
        missing = [name for name in LLM_KEYS if not os.environ.get(name, "").strip()]
        if missing:
            return f"evals need {', '.join(missing)} (set in the environment or {path.name})"
{%- endif %}
    return ""

{%- if has_userdata %}


def new_session(model: llm.LLM{% if slot == "realtime" %} | llm.RealtimeModel{% endif %}) -> AgentSession[UserData]:
    """A text-only session like the agent's, with the per-call `UserData` tools and handoffs use."""
    return AgentSession[UserData](userdata=UserData(), llm=model)
{%- else %}


def new_session(model: llm.LLM{% if slot == "realtime" %} | llm.RealtimeModel{% endif %}) -> AgentSession[None]:
    """A text-only session like the agent's."""
    return AgentSession[None](llm=model)
{%- endif %}
