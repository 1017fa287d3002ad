"""The knowledge index: an SQLite file with sqlite-vec, embedded in the process, no server.

`sqlean` is SQLite built with extension loading (many Python builds, pyenv's among them, lack
it). Files are tracked by content hash, so `ingest` re-embeds only what changed.
"""

from __future__ import annotations

import hashlib
import os
import re
import textwrap
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlean
import sqlite_vec

from .embedder import BATCH, DIMENSIONS, Embedder

SUFFIXES = {".md", ".markdown", ".txt"}
CHUNK_CHARS = 700

SCHEMA = f"""
create table if not exists files (path text primary key, sha256 text not null);
create table if not exists chunks (id integer primary key, path text not null, text text not null);
create virtual table if not exists chunk_vectors
    using vec0(embedding float[{DIMENSIONS}] distance_metric=cosine);
"""


class IndexUnavailable(Exception):
    """There is no index to search at the path given (never built, or not an index)."""


class Unreadable(Exception):
    """A document that cannot be indexed; the message says why and what to do."""


@dataclass(frozen=True)
class Passage:
    source: str
    text: str
    distance: float


@dataclass(frozen=True)
class IngestReport:
    embedded: list[str]
    unchanged: list[str]
    removed: list[str]  # no longer in the index: deleted, or now skipped
    skipped: dict[str, str]  # source -> why it was not indexed


@dataclass(frozen=True)
class Progress:
    """Document `number` of `files` (`source`): `embedded` of its `passages` done so far.

    Reported after every batch of a document being embedded, and once (0 of 0 passages) for a
    document that has not changed.
    """

    number: int
    files: int
    source: str
    embedded: int
    passages: int


def split_block(block: str) -> Iterator[str]:
    """`block` in pieces of at most CHUNK_CHARS, cut at line breaks, else between words.

    The model reads only the first 256 tokens of a passage, and the tool hands whole passages to
    the LLM: a document without blank lines must not become one huge passage.
    """
    if len(block) <= CHUNK_CHARS:
        yield block
        return
    current = ""
    for line in block.splitlines():
        for part in textwrap.wrap(line, CHUNK_CHARS) if len(line) > CHUNK_CHARS else [line]:
            if current and len(current) + 1 + len(part) > CHUNK_CHARS:
                yield current
                current = ""
            current = f"{current}\n{part}" if current else part
    if current:
        yield current


def chunk_markdown(text: str) -> list[str]:
    """Paragraph-sized chunks, each starting with the heading it sits under."""
    chunks: list[str] = []
    heading, current = "", ""
    for block in (b.strip() for b in re.split(r"\n\s*\n", text)):
        if block.startswith("#"):
            if current:
                chunks.append(current)
                current = ""
            heading, _, block = block.partition("\n")
            heading, block = heading.lstrip("#").strip(), block.strip()
        if not block:
            continue
        for piece in split_block(block):
            if current and len(current) + len(piece) > CHUNK_CHARS:
                chunks.append(current)
                current = ""
            if current:
                current = f"{current}\n\n{piece}"
            else:
                current = f"{heading}: {piece}" if heading else piece
    if current:
        chunks.append(current)
    return chunks


def find_documents(root: Path) -> tuple[dict[str, Path], dict[str, str]]:
    """The documents under `root` (source name -> file), and those left out with the reason.

    The index is read back to callers, so nothing outside `root` may get into it: links are
    followed only to files inside `root`, and linked directories are not entered.
    """
    root = root.resolve()
    documents: dict[str, Path] = {}
    skipped: dict[str, str] = {}
    for directory, subdirectories, names in os.walk(root):  # does not enter linked directories
        here = Path(directory)
        for name in subdirectories:
            if (here / name).is_symlink():
                skipped[(here / name).relative_to(root).as_posix()] = (
                    "a link to a directory, not followed: copy the files into the directory"
                )
        for name in names:
            path = here / name
            if path.suffix not in SUFFIXES:
                continue
            source = path.relative_to(root).as_posix()
            target = Path(os.path.realpath(path))  # unlike Path.resolve, never raises on a loop
            if not target.is_relative_to(root):
                skipped[source] = f"a link to {target}, outside {root}: not indexed"
            elif not target.is_file():
                skipped[source] = "not a regular file (a broken link, a pipe or a device)"
            else:
                documents[source] = target
    return dict(sorted(documents.items())), skipped


def read_document(path: Path) -> tuple[str, str]:
    """The document's text and SHA-256; `Unreadable` when it is not UTF-8 text."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Unreadable(f"cannot be read ({error.strerror})") from error
    if b"\0" in data:
        raise Unreadable("binary data, not text (a UTF-16 file reads so too: save it as UTF-8)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Unreadable(
            f"not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}): save it as UTF-8"
        ) from error
    return text, hashlib.sha256(data).hexdigest()


class KnowledgeStore:
    def __init__(self, index: Path, embedder: Embedder, *, read_only: bool = False) -> None:
        """Open the index, creating it unless `read_only`.

        The agent opens it read-only: a search never writes, and a missing index raises
        `IndexUnavailable` instead of being created empty.
        """
        if read_only and not index.is_file():
            raise IndexUnavailable(f"there is no knowledge index at {index}")
        if read_only:
            uri = f"{index.resolve().as_uri()}?mode=ro"
            # Searched from worker threads (the tool runs off the event loop); `_lock` below
            # lets one statement at a time use the connection.
            self._db = sqlean.connect(uri, uri=True, check_same_thread=False)
        else:
            index.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlean.connect(str(index), check_same_thread=False)
        self._lock = threading.Lock()
        self._db.enable_load_extension(True)
        sqlite_vec.load(self._db)
        self._db.enable_load_extension(False)
        if not read_only:
            self._db.executescript(SCHEMA)
        elif not self._is_index():
            self._db.close()
            raise IndexUnavailable(f"{index} is not a knowledge index")
        self._embedder = embedder

    def _is_index(self) -> bool:
        try:
            tables = {row[0] for row in self._db.execute("select name from sqlite_master")}
        except sqlean.DatabaseError:  # not an SQLite file at all
            return False
        return {"files", "chunks", "chunk_vectors"} <= tables

    def close(self) -> None:
        self._db.close()

    def ingest(
        self, root: Path, progress: Callable[[Progress], None] | None = None
    ) -> IngestReport:
        """Index the documents under `root`; a file that cannot be read is skipped, not fatal."""
        documents, skipped = find_documents(root)
        known = dict(self._db.execute("select path, sha256 from files").fetchall())
        embedded, unchanged = [], []
        for number, (source, path) in enumerate(documents.items(), start=1):
            try:
                text, digest = read_document(path)
            except Unreadable as error:
                skipped[source] = str(error)
                continue
            if known.get(source) == digest:
                unchanged.append(source)
                if progress:
                    progress(Progress(number, len(documents), source, 0, 0))
                continue
            chunks = chunk_markdown(text)
            self._delete(source)
            for done in self._insert(source, chunks):
                if progress:
                    progress(Progress(number, len(documents), source, done, len(chunks)))
            self._db.execute(
                "insert or replace into files(path, sha256) values (?, ?)", (source, digest)
            )
            self._db.commit()  # an interrupted ingest keeps the documents it finished
            embedded.append(source)
        removed = sorted(set(known) - set(embedded) - set(unchanged))
        for source in removed:
            self._delete(source)
            self._db.execute("delete from files where path = ?", (source,))
        self._db.commit()
        return IngestReport(embedded, unchanged, removed, dict(sorted(skipped.items())))

    def _delete(self, source: str) -> None:
        rows = self._db.execute("select id from chunks where path = ?", (source,))
        ids = [row[0] for row in rows]
        self._db.executemany("delete from chunk_vectors where rowid = ?", [(i,) for i in ids])
        self._db.execute("delete from chunks where path = ?", (source,))

    def _insert(self, source: str, chunks: list[str]) -> Iterator[int]:
        """Embed and store `chunks` BATCH at a time, yielding how many are done after each batch.

        Memory stays that of one batch whatever the document's size. Passages of similar length
        go together (their order in the index does not matter), so little of a batch is padding.
        """
        by_length = sorted(chunks, key=len)
        for start in range(0, len(by_length), BATCH):
            batch = by_length[start : start + BATCH]
            for text, vector in zip(batch, self._embedder.embed(batch), strict=True):
                cursor = self._db.execute(
                    "insert into chunks(path, text) values (?, ?)", (source, text)
                )
                self._db.execute(
                    "insert into chunk_vectors(rowid, embedding) values (?, ?)",
                    (cursor.lastrowid, vector.tobytes()),
                )
            yield start + len(batch)

    def chunk_count(self) -> int:
        with self._lock:
            return self._db.execute("select count(*) from chunks").fetchone()[0]

    def search(self, query: str, limit: int = 3) -> list[Passage]:
        vector = self._embedder.embed([query])[0]
        with self._lock:
            rows = self._db.execute(
                """
                select chunks.path, chunks.text, matches.distance
                from (select rowid, distance from chunk_vectors
                      where embedding match ? and k = ?) as matches
                join chunks on chunks.id = matches.rowid
                order by matches.distance
                """,
                (vector.tobytes(), limit),
            ).fetchall()
        return [Passage(source, text, distance) for source, text, distance in rows]
