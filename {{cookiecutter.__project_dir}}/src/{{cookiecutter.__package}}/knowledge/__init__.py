"""RAG pattern: a local knowledge base the agent searches before answering.

Build or refresh the index with `uv run python -m {{ cookiecutter.__package }}.knowledge ingest knowledge/`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from livekit.agents import RunContext, ToolError, function_tool

from .embedder import shared_embedder
from .store import KnowledgeStore

# The index file; the Dockerfile builds it at image build time from knowledge/.
INDEX_PATH = Path(os.environ.get("KNOWLEDGE_INDEX", "knowledge/.index.sqlite3"))
MAX_DISTANCE = 0.75  # cosine distance above which a passage is not about the question


@lru_cache(maxsize=1)
def knowledge_store() -> KnowledgeStore:
    return KnowledgeStore(INDEX_PATH, shared_embedder())


@function_tool
async def search_knowledge_base(context: RunContext, query: str) -> str:
    """Search the company knowledge base. Use it for any question about our products,
    policies, prices or procedures, and answer only from what it returns.

    Args:
        query: The user's question, rephrased as a standalone search query.
    """
    store = knowledge_store()
    if store.chunk_count() == 0:
        raise ToolError("The knowledge base is empty; tell the user you cannot look this up.")
    passages = [p for p in store.search(query) if p.distance <= MAX_DISTANCE]
    if not passages:
        return "Nothing in the knowledge base answers this. Say that you do not know."
    return "\n\n".join(f"[{p.source}] {p.text}" for p in passages)


__all__ = ["KnowledgeStore", "search_knowledge_base"]
