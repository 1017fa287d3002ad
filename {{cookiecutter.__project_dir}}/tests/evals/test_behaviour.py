"""Judged by a real LLM: run with `uv run pytest -m evals` once the keys are set.

Deselected by default (they cost money and need the network) and skipped, saying what is
missing, when the keys are in neither the environment nor `.env.local` (see conftest.py).
"""

import pytest
from livekit.agents import {% if cookiecutter.__realtime_access == "inference" %}inference, {% endif %}llm
{%- if cookiecutter.__realtime_access == "plugins" %}
from livekit.plugins import {{ "google" if cookiecutter.__realtime_model == "gemini-live" else "openai" }}
{%- endif %}

from {{ cookiecutter.__package }} import providers, settings
{%- if cookiecutter.use_multi_agent %}
from {{ cookiecutter.__package }}.team import Greeter as EntryAgent
{%- else %}
from {{ cookiecutter.__package }}.assistant import Assistant as EntryAgent
{%- endif %}

from tests.evals.harness import new_session

pytestmark = pytest.mark.evals
{% if cookiecutter.architecture == "pipeline" %}

def language_model() -> llm.LLM:
    return providers.build_llm(settings.Settings.from_env())


@pytest.fixture
def judge() -> llm.LLM:
    return language_model()
{%- else %}

def language_model() -> llm.RealtimeModel:
    return providers.build_realtime_model(settings.Settings.from_env())


@pytest.fixture
def judge() -> llm.LLM:
    """A text model from the realtime model's provider judges its replies."""
{%- if cookiecutter.__realtime_access == "inference" %}
    return inference.LLM("openai/gpt-4.1-mini")
{%- elif cookiecutter.__realtime_model == "gemini-live" %}
    return google.LLM(model="gemini-2.5-flash")
{%- else %}
    return openai.LLM(model="gpt-4.1-mini")
{%- endif %}
{%- endif %}


async def test_offers_help_when_greeted(judge: llm.LLM) -> None:
    async with new_session(language_model()) as session:
        await session.start(EntryAgent())
        result = await session.run(user_input="Hello")
    reply = result.expect.contains_message(role="assistant")
    await reply.judge(judge, intent="Greets the user briefly and offers to help.")


async def test_admits_what_it_does_not_know(judge: llm.LLM) -> None:
    async with new_session(language_model()) as session:
        await session.start(EntryAgent())
        result = await session.run(user_input="What is my account balance?")
    reply = result.expect.contains_message(role="assistant")
    # Tool calls or a handoff may come first; the judged reply is the first thing it says.
    await reply.judge(
        judge,
        intent=(
            "Does not invent a balance: says it cannot know it, asks for what it needs to look "
            "it up, or passes the caller to someone who can."
        ),
    )
