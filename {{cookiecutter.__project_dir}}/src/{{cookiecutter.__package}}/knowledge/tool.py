"""The agent's side of the knowledge base: the search tool, and opening the index in prewarm."""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache

from livekit.agents import RunContext, ToolError, function_tool

from . import index_path
from .embedder import shared_embedder
from .store import IndexUnavailable, KnowledgeStore

logger = logging.getLogger(__name__)

MAX_DISTANCE = 0.75  # cosine distance above which a passage is not about the question


@lru_cache(maxsize=1)
def knowledge_store() -> KnowledgeStore | None:
    """The index, opened read-only once per process; None (logged) when there is none to open."""
    try:
        return KnowledgeStore(index_path(), shared_embedder(), read_only=True)
    except IndexUnavailable as error:
        logger.error(
            "%s: the agent cannot search the knowledge base. Build the index with "
            "`uv run python -m {{ cookiecutter.__package }}.knowledge ingest` "
            "(the Dockerfile does).",
            error,
        )
        return None


def load_knowledge_base() -> None:
    """Open the index and load the model now (about 0.3 s): the worker's prewarm calls this in
    every job process, so no call waits for them in the middle of its first answer."""
    knowledge_store()


def answer(query: str) -> str:
    """What the tool returns for `query`: the close passages, or what to tell the user."""
    store = knowledge_store()
    if store is None or store.chunk_count() == 0:
        raise ToolError("The knowledge base is empty; tell the user you cannot look this up.")
    passages = [p for p in store.search(query) if p.distance <= MAX_DISTANCE]
    if not passages:
        return "Nothing in the knowledge base answers this. Say that you do not know."
    return "\n\n".join(f"[{p.source}] {p.text}" for p in passages)


@function_tool
async def search_knowledge_base(context: RunContext, query: str) -> str:
    """Search the company knowledge base. Use it for any question about our products,
    policies, prices or procedures, and answer only from what it returns.

    Args:
        query: The user's question, rephrased as a standalone search query.
    """
    # Embedding the query and scanning the index are CPU work: on a worker thread they leave the
    # event loop free to carry the call's audio meanwhile.
    return await asyncio.to_thread(answer, query)
