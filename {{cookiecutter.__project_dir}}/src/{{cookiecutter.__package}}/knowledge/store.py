"""The knowledge index: an SQLite file with sqlite-vec, embedded in the process, no server.

`sqlean` is SQLite built with extension loading (many Python builds, pyenv's among them, lack
it). Files are tracked by content hash, so `ingest` re-embeds only what changed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlean
import sqlite_vec

from .embedder import DIMENSIONS, Embedder

SUFFIXES = {".md", ".markdown", ".txt"}
CHUNK_CHARS = 700

SCHEMA = f"""
create table if not exists files (path text primary key, sha256 text not null);
create table if not exists chunks (id integer primary key, path text not null, text text not null);
create virtual table if not exists chunk_vectors
    using vec0(embedding float[{DIMENSIONS}] distance_metric=cosine);
"""


@dataclass(frozen=True)
class Passage:
    source: str
    text: str
    distance: float


@dataclass(frozen=True)
class IngestReport:
    embedded: list[str]
    unchanged: list[str]
    removed: list[str]


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
        if current and len(current) + len(block) > CHUNK_CHARS:
            chunks.append(current)
            current = ""
        if current:
            current = f"{current}\n\n{block}"
        else:
            current = f"{heading}: {block}" if heading else block
    if current:
        chunks.append(current)
    return chunks


class KnowledgeStore:
    def __init__(self, index: Path, embedder: Embedder) -> None:
        index.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlean.connect(str(index))
        self._db.enable_load_extension(True)
        sqlite_vec.load(self._db)
        self._db.enable_load_extension(False)
        self._db.executescript(SCHEMA)
        self._embedder = embedder

    def close(self) -> None:
        self._db.close()

    def ingest(
        self, root: Path, progress: Callable[[int, int, str], None] | None = None
    ) -> IngestReport:
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
        known = dict(self._db.execute("select path, sha256 from files").fetchall())
        embedded, unchanged = [], []
        for number, path in enumerate(files, start=1):
            source = str(path.relative_to(root))
            text = path.read_text(encoding="utf-8")
            digest = hashlib.sha256(text.encode()).hexdigest()
            if known.get(source) == digest:
                unchanged.append(source)
            else:
                self._replace(source, digest, chunk_markdown(text))
                embedded.append(source)
            if progress:
                progress(number, len(files), source)
        removed = sorted(set(known) - {str(p.relative_to(root)) for p in files})
        for source in removed:
            self._delete(source)
            self._db.execute("delete from files where path = ?", (source,))
        self._db.commit()
        return IngestReport(embedded, unchanged, removed)

    def _delete(self, source: str) -> None:
        rows = self._db.execute("select id from chunks where path = ?", (source,))
        ids = [row[0] for row in rows]
        self._db.executemany("delete from chunk_vectors where rowid = ?", [(i,) for i in ids])
        self._db.execute("delete from chunks where path = ?", (source,))

    def _replace(self, source: str, digest: str, chunks: Iterable[str]) -> None:
        self._delete(source)
        texts = list(chunks)
        vectors = self._embedder.embed(texts) if texts else np.empty((0, DIMENSIONS), np.float32)
        for text, vector in zip(texts, vectors, strict=True):
            cursor = self._db.execute(
                "insert into chunks(path, text) values (?, ?)", (source, text)
            )
            self._db.execute(
                "insert into chunk_vectors(rowid, embedding) values (?, ?)",
                (cursor.lastrowid, vector.tobytes()),
            )
        self._db.execute(
            "insert or replace into files(path, sha256) values (?, ?)", (source, digest)
        )

    def chunk_count(self) -> int:
        return self._db.execute("select count(*) from chunks").fetchone()[0]

    def search(self, query: str, limit: int = 3) -> list[Passage]:
        vector = self._embedder.embed([query])[0]
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
