"""Judged by a real LLM: run with `uv run pytest -m evals` once the keys are set.

Deselected by default (they cost money and need the network) and skipped when keys are absent,
so forks and offline machines stay green.
"""

import os

import pytest
from livekit.agents import AgentSession

from {{ cookiecutter.__package }} import providers, settings
{%- if cookiecutter.use_multi_agent %}
from {{ cookiecutter.__package }}.team import Greeter as EntryAgent
{%- else %}
from {{ cookiecutter.__package }}.assistant import Assistant as EntryAgent
{%- endif %}

MISSING = [r.name for r in settings.PROVIDER_KEYS if not os.environ.get(r.name)]

pytestmark = [
    pytest.mark.evals,
    pytest.mark.skipif(bool(MISSING), reason=f"evals need {', '.join(MISSING)}"),
]


@pytest.fixture
def judge():
    return providers.build_llm(settings.Settings.from_env())


async def test_offers_help_when_greeted(judge) -> None:
    async with AgentSession(llm=providers.build_llm(settings.Settings.from_env())) as session:
        await session.start(EntryAgent())
        result = await session.run(user_input="Hello")
    reply = result.expect.next_event().is_message(role="assistant")
    await reply.judge(judge, intent="Greets the user briefly and offers to help.")


async def test_admits_what_it_does_not_know(judge) -> None:
    async with AgentSession(llm=providers.build_llm(settings.Settings.from_env())) as session:
        await session.start(EntryAgent())
        result = await session.run(user_input="What is my account balance?")
    reply = result.expect.next_event().is_message(role="assistant")
    await reply.judge(
        judge, intent="Does not invent a balance; says it cannot know it or asks how to look it up."
    )
