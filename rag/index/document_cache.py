"""Prepared documents kept in SQLite, so a rebuild or a write parses, chunks and embeds only what changed.

A document's entry (its parsed transcript, its passages, their vectors and their words) is keyed by
everything those depend on: the pipeline version, the model's weights, the chunk settings, the
document id (its suffix picks the reader) and the content hash of its bytes. Any change to one
of them is a different key, so an entry is never stale; entries no build uses any more are
dropped by `retain`, with SQLite's `secure_delete` so a deleted document's text and vectors do
not linger in free pages.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import msgspec
import numpy as np

from rag.embedding import Embedder
from rag.index.manifest import PIPELINE_VERSION
from rag.settings import ChunkSettings, Settings
from rag.types import Passage, Transcript

CACHE_FILE = "documents.sqlite"
_TRANSCRIPT = msgspec.msgpack.Decoder(Transcript)
_PASSAGES = msgspec.msgpack.Decoder(list[Passage])

_SCHEMA = """
CREATE TABLE IF NOT EXISTS document_vectors (
    key TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    dimension INTEGER NOT NULL,
    transcript BLOB NOT NULL,
    chunks BLOB NOT NULL,
    passages BLOB NOT NULL,
    sentences BLOB NOT NULL,
    stored_at REAL NOT NULL,
    words BLOB
)
"""
# Caches made before words were kept get the column; their rows read as without words.
_ADD_WORDS = "ALTER TABLE document_vectors ADD COLUMN words BLOB"
_WORDS = msgspec.msgpack.Decoder(tuple[list[list[str]], list[list[str]]])


@dataclass(frozen=True)
class DocumentVectors:
    """One document's passage vectors and sentence vectors (rows in its own sentence order)."""

    passages: np.ndarray
    sentences: np.ndarray


@dataclass(frozen=True)
class DocumentWords:
    """The words BM25 counts (`rag.index.lexical.tokenize`) in each passage text and each
    distinct sentence of a document: kept, so a rebuild does not tokenise them again."""

    passages: list[list[str]]
    sentences: list[list[str]]


@dataclass(frozen=True)
class CachedDocument:
    """What a build keeps of one document: the transcript, its passages, their vectors, their words."""

    transcript: Transcript
    passages: list[Passage]
    vectors: DocumentVectors
    words: DocumentWords | None = None
    """None for an entry stored before words were kept."""


class DocumentCache:
    """Prepared documents in `index_dir/documents.sqlite` (WAL: readers never wait on a writer)."""

    def __init__(
        self, path: Path, *, pipeline_version: int, weights_sha256: str, precision: str, chunk: ChunkSettings
    ) -> None:
        self.path = path
        self._salt = msgspec.json.encode([pipeline_version, weights_sha256, precision, dataclasses.asdict(chunk)])
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)
            if "words" not in {row[1] for row in db.execute("PRAGMA table_info(document_vectors)")}:
                db.execute(_ADD_WORDS)

    def key(self, doc_id: str, sha256: str) -> str:
        """The entry key of a document with this id and content hash under this cache's settings."""
        digest = hashlib.sha256(self._salt)
        digest.update(f"\x00{doc_id}\x00{sha256}".encode())
        return digest.hexdigest()

    def get_many(self, keys: Iterable[str]) -> dict[str, CachedDocument]:
        """The stored entries among `keys` (missing ones are absent from the result)."""
        wanted = list(keys)
        found: dict[str, CachedDocument] = {}
        with self._connect() as db:
            for first in range(0, len(wanted), 500):
                chunk = wanted[first : first + 500]
                rows = db.execute(
                    f"SELECT key, dimension, transcript, chunks, passages, sentences, words FROM document_vectors "
                    f"WHERE key IN ({','.join('?' * len(chunk))})", chunk,
                )
                for key, dimension, transcript, chunks, passages, sentences, words in rows:
                    found[key] = CachedDocument(
                        _TRANSCRIPT.decode(transcript), _PASSAGES.decode(chunks),
                        DocumentVectors(_matrix(passages, dimension), _matrix(sentences, dimension)),
                        DocumentWords(*_WORDS.decode(words)) if words is not None else None,
                    )
        return found

    def put_many(self, entries: dict[str, CachedDocument]) -> None:
        """Store entries, in one transaction."""
        now = time.time()
        encode = msgspec.msgpack.encode
        with self._connect() as db:
            db.executemany(
                "INSERT OR REPLACE INTO document_vectors "
                "(key, doc_id, dimension, transcript, chunks, passages, sentences, stored_at, words) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (key, entry.transcript.doc_id, entry.vectors.passages.shape[1], encode(entry.transcript),
                     encode(entry.passages), _blob(entry.vectors.passages), _blob(entry.vectors.sentences), now,
                     encode((entry.words.passages, entry.words.sentences)) if entry.words is not None else None)
                    for key, entry in entries.items()
                ],
            )

    def add_words(self, words: dict[str, DocumentWords]) -> None:
        """Store the words of entries kept before words were (their other columns stay)."""
        encode = msgspec.msgpack.encode
        with self._connect() as db:
            db.executemany("UPDATE document_vectors SET words = ? WHERE key = ?",
                           [(encode((w.passages, w.sentences)), key) for key, w in words.items()])

    def retain(self, keys: Iterable[str]) -> int:
        """Drop every entry whose key is not in `keys`; returns how many were dropped."""
        keep = set(keys)
        with self._connect() as db:
            stale = [key for (key,) in db.execute("SELECT key FROM document_vectors") if key not in keep]
            db.executemany("DELETE FROM document_vectors WHERE key = ?", [(key,) for key in stale])
        return len(stale)

    def copy_to(self, path: Path) -> None:
        """Write a consistent copy of the whole cache to `path` (SQLite's online backup)."""
        with self._connect() as db:
            target = sqlite3.connect(path)
            try:
                db.backup(target)
            finally:
                target.close()

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # A connection per use: callers come from any thread, and opening one costs microseconds.
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.execute("PRAGMA secure_delete=ON")
            with db:
                yield db
        finally:
            db.close()


def _blob(matrix: np.ndarray) -> bytes:
    return np.ascontiguousarray(matrix, dtype="<f4").tobytes()


def _matrix(blob: bytes, dimension: int) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4").reshape(-1, dimension)


def document_cache(settings: Settings, embedder: Embedder) -> DocumentCache:
    """The document cache of `settings.index_dir` for this embedder's model and the chunk settings."""
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return DocumentCache(
        settings.index_dir / CACHE_FILE, pipeline_version=PIPELINE_VERSION,
        weights_sha256=embedder.model.weights_sha256, precision=settings.embed.backend.precision, chunk=settings.chunk,
    )


def clear_document_cache(index_dir: Path) -> None:
    """Delete the document cache of `index_dir` (benchmarks time cold builds)."""
    for suffix in ("", "-wal", "-shm"):
        (index_dir / f"{CACHE_FILE}{suffix}").unlink(missing_ok=True)
