"""Knowledge base commands.

- `uv run python -m {{ cookiecutter.__package }}.knowledge ingest knowledge/`: chunk, embed and index
  Markdown and text files; re-running re-embeds only files that changed and drops deleted ones.
- `uv run python -m {{ cookiecutter.__package }}.knowledge search "how do returns work?"`: try a query.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import INDEX_PATH, KnowledgeStore
from .embedder import shared_embedder


def progress_bar(done: int, total: int, name: str) -> None:
    width = 30
    filled = width * done // total
    bar = "#" * filled + "-" * (width - filled)
    print(f"\r[{bar}] {done}/{total} {name[:40]:<40}", end="", file=sys.stderr, flush=True)
    if done == total:
        print(file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m {{ cookiecutter.__package }}.knowledge", description="The agent's knowledge base."
    )
    parser.add_argument("--index", type=Path, default=INDEX_PATH, help="index file (%(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest", help="index a directory of .md/.txt files")
    ingest.add_argument("directory", type=Path)
    search = commands.add_parser("search", help="print the passages a query retrieves")
    search.add_argument("query")
    args = parser.parse_args(argv)

    if args.command == "ingest" and not args.directory.is_dir():
        print(f"ingest: {args.directory} is not a directory of documents.", file=sys.stderr)
        return 2
    store = KnowledgeStore(args.index, shared_embedder())
    try:
        if args.command == "ingest":
            report = store.ingest(args.directory, progress_bar)
            print(
                f"embedded {len(report.embedded)}, unchanged {len(report.unchanged)}, "
                f"removed {len(report.removed)}; {store.chunk_count()} chunks in {args.index}"
            )
        else:
            for passage in store.search(args.query):
                print(f"{passage.distance:.3f}  [{passage.source}] {passage.text[:120]}")
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
