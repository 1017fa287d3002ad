"""RAG pattern: a local knowledge base the agent searches before answering.

Documents live in `knowledge/` at the project root. Build or refresh the index with
`uv run python -m {{ cookiecutter.__package }}.knowledge ingest`.
The agent's search tool is in `tool.py`: this module imports no livekit, so the command starts
in a second.
"""

from __future__ import annotations

import os
from pathlib import Path

# This file is <project>/src/<package>/knowledge/__init__.py, and `uv sync` installs the project
# in place (in the image too): the paths below do not depend on the working directory.
PROJECT_ROOT = Path(__file__).resolve().parents[3]
DOCUMENTS = PROJECT_ROOT / "knowledge"


def index_path() -> Path:
    """`KNOWLEDGE_INDEX` (relative to the project unless absolute), else the file in knowledge/."""
    configured = os.environ.get("KNOWLEDGE_INDEX")
    return PROJECT_ROOT / configured if configured else DOCUMENTS / ".index.sqlite3"
