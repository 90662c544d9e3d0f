"""Embeddings kept per document in SQLite, so a rebuild or a write embeds only what changed.

A document's entry is keyed by everything its vectors depend on: the pipeline version, the
model's weights, the chunk settings, the document id (its suffix picks the reader) and the
content hash of its bytes. Any change to one of them is a different key, so an entry is never
stale; entries no build uses any more are dropped by `retain`, with SQLite's `secure_delete`
so a deleted document's vectors do not linger in free pages.
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

CACHE_FILE = "vectors.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS document_vectors (
    key TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    dimension INTEGER NOT NULL,
    passages BLOB NOT NULL,
    sentences BLOB NOT NULL,
    stored_at REAL NOT NULL
)
"""


@dataclass(frozen=True)
class DocumentVectors:
    """One document's passage vectors and sentence vectors (rows in its own sentence order)."""

    passages: np.ndarray
    sentences: np.ndarray


class VectorCache:
    """Per-document vectors in `index_dir/vectors.sqlite` (WAL: readers never wait on a writer)."""

    def __init__(self, path: Path, *, pipeline_version: int, weights_sha256: str, chunk: ChunkSettings) -> None:
        self.path = path
        self._salt = msgspec.json.encode([pipeline_version, weights_sha256, dataclasses.asdict(chunk)])
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    def key(self, doc_id: str, sha256: str) -> str:
        """The entry key of a document with this id and content hash under this cache's settings."""
        digest = hashlib.sha256(self._salt)
        digest.update(f"\x00{doc_id}\x00{sha256}".encode())
        return digest.hexdigest()

    def get_many(self, keys: Iterable[str]) -> dict[str, DocumentVectors]:
        """The stored entries among `keys` (missing ones are absent from the result)."""
        wanted = list(keys)
        found: dict[str, DocumentVectors] = {}
        with self._connect() as db:
            for first in range(0, len(wanted), 500):
                chunk = wanted[first : first + 500]
                rows = db.execute(
                    f"SELECT key, dimension, passages, sentences FROM document_vectors "
                    f"WHERE key IN ({','.join('?' * len(chunk))})", chunk,
                )
                for key, dimension, passages, sentences in rows:
                    found[key] = DocumentVectors(_matrix(passages, dimension), _matrix(sentences, dimension))
        return found

    def put_many(self, entries: dict[str, tuple[str, DocumentVectors]]) -> None:
        """Store entries given as `key -> (doc_id, vectors)`, in one transaction."""
        now = time.time()
        with self._connect() as db:
            db.executemany(
                "INSERT OR REPLACE INTO document_vectors VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (key, doc_id, vectors.passages.shape[1], _blob(vectors.passages), _blob(vectors.sentences), now)
                    for key, (doc_id, vectors) in entries.items()
                ],
            )

    def retain(self, keys: Iterable[str]) -> int:
        """Drop every entry whose key is not in `keys`; returns how many were dropped."""
        keep = set(keys)
        with self._connect() as db:
            stale = [key for (key,) in db.execute("SELECT key FROM document_vectors") if key not in keep]
            db.executemany("DELETE FROM document_vectors WHERE key = ?", [(key,) for key in stale])
        return len(stale)

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


def vector_cache(settings: Settings, embedder: Embedder) -> VectorCache:
    """The vector cache of `settings.index_dir` for this embedder's model and the chunk settings."""
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return VectorCache(
        settings.index_dir / CACHE_FILE, pipeline_version=PIPELINE_VERSION,
        weights_sha256=embedder.model.weights_sha256, chunk=settings.chunk,
    )
