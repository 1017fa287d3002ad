"""Knowledge base commands (`uv run python -m {{ cookiecutter.__package }}.knowledge`).

- `ingest [directory]`: chunk, embed and index the Markdown and text files in `knowledge/` (or
  `directory`); re-running re-embeds only files that changed and drops deleted ones. A file
  that cannot be indexed (binary, not UTF-8, a link out of the directory) is skipped with one
  line naming it and why, and the rest is indexed.
- `search "how do returns work?"`: print the passages a query retrieves, with their distances.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

import sqlean

from . import DOCUMENTS, index_path
from .embedder import shared_embedder
from .store import IndexUnavailable, KnowledgeStore, Progress

INGEST = "uv run python -m {{ cookiecutter.__package }}.knowledge ingest"


def passages(count: int) -> str:
    return f"{count} passage{'' if count == 1 else 's'}"


class ProgressPrinter:
    """Ingest progress: a bar redrawn in place on a terminal; in a log (a Docker build), a line
    per embedded document, and one per tenth of the way through a long one."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._terminal = stream.isatty()
        self._drawn = False
        self._tenths = 0

    def __call__(self, progress: Progress) -> None:
        if self._terminal:
            self._draw(progress)
        else:
            self._log(progress)

    def _draw(self, progress: Progress) -> None:
        width = 30
        within = progress.embedded / progress.passages if progress.passages else 1
        filled = int(width * (progress.number - 1 + within) / progress.files)
        bar = "#" * filled + "-" * (width - filled)
        done = f"{progress.embedded}/{progress.passages}" if progress.passages else ""
        line = f"[{bar}] {progress.number}/{progress.files} {progress.source[:40]:<40} {done}"
        print(f"\r{line:<90}", end="", file=self._stream, flush=True)
        self._drawn = True

    def _log(self, progress: Progress) -> None:
        if not progress.passages:
            return
        where = f"[{progress.number}/{progress.files}] {progress.source}"
        if progress.embedded == progress.passages:
            print(f"{where}: embedded ({passages(progress.passages)})", file=self._stream)
            self._tenths = 0
            return
        tenths = 10 * progress.embedded // progress.passages
        if tenths > self._tenths:
            self._tenths = tenths
            print(f"{where}: {tenths * 10}% of {passages(progress.passages)}", file=self._stream)

    def finish(self) -> None:
        if self._drawn:
            print(file=self._stream)


def ingest(args: argparse.Namespace) -> int:
    if not args.directory.is_dir():
        print(f"ingest: {args.directory} is not a directory of documents.", file=sys.stderr)
        return 2
    try:
        store = KnowledgeStore(args.index, shared_embedder())
    except (OSError, sqlean.Error) as error:
        print(f"ingest: cannot write the index {args.index}: {error}", file=sys.stderr)
        return 2
    printer = ProgressPrinter(sys.stderr)
    try:
        report = store.ingest(args.directory, printer)
        chunks = store.chunk_count()
    finally:
        printer.finish()
        store.close()
    for source, reason in report.skipped.items():
        print(f"skipped {source}: {reason}", file=sys.stderr)
    print(
        f"embedded {len(report.embedded)}, unchanged {len(report.unchanged)}, "
        f"removed {len(report.removed)}, skipped {len(report.skipped)}; "
        f"{chunks} chunks in {args.index}"
    )
    return 0


def search(args: argparse.Namespace) -> int:
    try:
        store = KnowledgeStore(args.index, shared_embedder(), read_only=True)
    except IndexUnavailable as error:
        print(f"search: {error}. Build it with `{INGEST}`.", file=sys.stderr)
        return 1
    try:
        if store.chunk_count() == 0:
            print(
                f"search: the index {args.index} is empty. Put Markdown or text files in "
                f"{DOCUMENTS} and run `{INGEST}`.",
                file=sys.stderr,
            )
            return 1
        for passage in store.search(args.query):
            print(f"{passage.distance:.3f}  [{passage.source}] {passage.text[:120]}")
    finally:
        store.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m {{ cookiecutter.__package }}.knowledge",
        description="The agent's knowledge base.",
    )
    parser.add_argument("--index", type=Path, default=index_path(), help="index file (%(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)
    ingest_command = commands.add_parser("ingest", help="index a directory of .md/.txt files")
    ingest_command.add_argument(
        "directory", type=Path, nargs="?", default=DOCUMENTS, help="documents (%(default)s)"
    )
    search_command = commands.add_parser("search", help="print the passages a query retrieves")
    search_command.add_argument("query")
    args = parser.parse_args(argv)
    return ingest(args) if args.command == "ingest" else search(args)


if __name__ == "__main__":
    sys.exit(main())
