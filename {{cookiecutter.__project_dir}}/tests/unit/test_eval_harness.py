{%- set ollama = cookiecutter.__llm == "ollama" -%}
{%- set has_userdata = cookiecutter.use_tool_calling or cookiecutter.use_multi_agent or cookiecutter.use_sip -%}
"""The evals' set-up, checked offline: where their keys come from, why they skip, their session.

No LLM is called: these tests only ask the harness whether the evals could run.
"""

import os
{%- if ollama %}
import socket
{%- endif %}
from pathlib import Path

import pytest

{% if has_userdata -%}
from {{ cookiecutter.__package }}.userdata import UserData

{% endif -%}
from tests.evals.harness import {% if not ollama %}LLM_KEYS, {% endif %}new_session, skip_reason
from tests.scripted_llm import ScriptedLLM
{%- if ollama %}


@pytest.fixture(autouse=True)
def no_ollama_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OLLAMA_BASE_URL", raising=False)


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as server:
        return server.getsockname()[1]


def test_skips_while_no_ollama_server_answers(tmp_path: Path) -> None:
    env_file = tmp_path / ".env.local"
    url = f"http://127.0.0.1:{closed_port()}/v1"
    env_file.write_text(f"OLLAMA_BASE_URL={url}\n")
    assert skip_reason(env_file).startswith(f"evals need an Ollama server at {url} ")


def test_runs_once_env_local_points_at_a_server(tmp_path: Path) -> None:
    env_file = tmp_path / ".env.local"
    with socket.create_server(("127.0.0.1", 0)) as server:
        env_file.write_text(f"OLLAMA_BASE_URL=http://127.0.0.1:{server.getsockname()[1]}/v1\n")
        assert skip_reason(env_file) == ""
    assert "OLLAMA_BASE_URL" not in os.environ  # loaded for the evals only, then undone
{%- else %}


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LLM_KEYS:
        monkeypatch.delenv(name, raising=False)


def test_skips_naming_the_missing_keys(tmp_path: Path) -> None:
    reason = skip_reason(tmp_path / ".env.local")
    assert reason == f"evals need {', '.join(LLM_KEYS)} (set in the environment or .env.local)"


def test_runs_once_env_local_provides_the_keys(tmp_path: Path) -> None:
    env_file = tmp_path / ".env.local"
    env_file.write_text("".join(f"{name}=dummy-{name.lower()}\n" for name in LLM_KEYS))
    assert skip_reason(env_file) == ""
    assert not [name for name in LLM_KEYS if name in os.environ]  # loaded for the evals only


def test_the_environment_wins_over_env_local(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env.local"
    env_file.write_text("".join(f"{name}=from-the-file\n" for name in LLM_KEYS))
    monkeypatch.setenv(LLM_KEYS[0], "")  # set but empty, as an unset CI secret is
    assert skip_reason(env_file).startswith(f"evals need {LLM_KEYS[0]}")
{%- endif %}
{%- if has_userdata %}


async def test_session_carries_the_agents_userdata() -> None:
    # Tools and handoffs read `context.userdata`; without it every one of them would raise.
    async with new_session(ScriptedLLM([])) as session:
        assert isinstance(session.userdata, UserData)
{%- else %}


async def test_session_uses_the_given_model() -> None:
    model = ScriptedLLM([])
    async with new_session(model) as session:
        assert session.llm is model
{%- endif %}
