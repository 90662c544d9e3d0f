"""The document cache keeps each document's words for BM25, so a rebuild tokenises nothing, and
a cache written before words were kept still serves (its rows read as without words)."""

from __future__ import annotations

import gc
import sqlite3
from pathlib import Path

import numpy as np

from rag.chunking import TokenCounter, embedding_text
from rag.embedding import SentenceTransformerEmbedder
from rag.index import build_index, load_index
from rag.index.document_cache import CACHE_FILE, document_cache
from rag.index.lexical import LexicalIndex, tokenize
from rag.index.pieces import prepare_documents
from rag.ingest.corpus import scan_corpus
from rag.settings import Settings

# The table as it was before the words column.
_OLD_SCHEMA = """
CREATE TABLE document_vectors (
    key TEXT PRIMARY KEY, doc_id TEXT NOT NULL, dimension INTEGER NOT NULL, transcript BLOB NOT NULL,
    chunks BLOB NOT NULL, passages BLOB NOT NULL, sentences BLOB NOT NULL, stored_at REAL NOT NULL
)
"""


def _prepared(settings: Settings, embedder: SentenceTransformerEmbedder, tokenizer: TokenCounter):
    scan = scan_corpus(settings.docs_dir)
    return prepare_documents(scan.documents, tokenizer, settings.chunk, embedder, document_cache(settings, embedder),
                             batch_size=settings.embed.batch_size)[0]


def test_the_cache_keeps_each_documents_words_and_a_rebuild_indexes_them_as_counted_anew(
    settings: Settings, embedder: SentenceTransformerEmbedder, tokenizer: TokenCounter,
    tmp_path: Path,
) -> None:
    local = settings.with_overrides(index_dir=tmp_path / "index")
    build_index(local, embedder, tokenizer)
    for piece in _prepared(local, embedder, tokenizer):  # every document from the cache now
        assert piece.words.passages == [tokenize(text) for text in piece.passage_texts]
        text = piece.transcript.text
        assert piece.words.sentences == [tokenize(text[start:end]) for _, start, end in piece.sentence_keys]
    build_index(local, embedder, tokenizer)  # from the cache: the words as stored
    rebuilt = load_index(local.index_dir, embedder.model, local.chunk, precision=local.embed.backend.precision)
    passages = list(rebuilt.passages)
    texts = [embedding_text(p, rebuilt.transcripts[p.doc_id]) for p in passages]
    counted_anew = LexicalIndex.build(texts)
    assert rebuilt.lexical.matrix.vocab == counted_anew.matrix.vocab
    for name in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(rebuilt.lexical.matrix, name), getattr(counted_anew.matrix, name)), name


def test_a_cache_from_before_words_were_kept_still_serves(
    settings: Settings, embedder: SentenceTransformerEmbedder, tokenizer: TokenCounter, tmp_path: Path,
) -> None:
    local = settings.with_overrides(index_dir=tmp_path / "index")
    build_index(local, embedder, tokenizer)
    path = local.index_dir / CACHE_FILE
    with sqlite3.connect(path) as db:  # the same rows in the old table: no words column
        rows = db.execute("SELECT key, doc_id, dimension, transcript, chunks, passages, sentences, stored_at "
                          "FROM document_vectors").fetchall()
        db.execute("DROP TABLE document_vectors")
        db.execute(_OLD_SCHEMA)
        db.executemany("INSERT INTO document_vectors VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    cache = document_cache(local, embedder)  # adds the column
    assert all(entry.words is None for entry in cache.get_many([row[0] for row in rows]).values())
    pieces = _prepared(local, embedder, tokenizer)
    assert [p.words.passages for p in pieces] == [[tokenize(t) for t in p.passage_texts] for p in pieces]
    # Counted once: the rows hold their words from then on.
    stored = cache.get_many([row[0] for row in rows]).values()
    assert {entry.transcript.doc_id: entry.words for entry in stored} == {p.doc_id: p.words for p in pieces}
    with sqlite3.connect(path) as db:
        assert "words" in {row[1] for row in db.execute("PRAGMA table_info(document_vectors)")}


class _CollectorWatch:
    """The real embedder, noting whether Python's cycle collector ran while documents were embedded."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        self.inner, self.model, self.dimension = inner, inner.model, inner.dimension
        self.collector_on: list[bool] = []

    def embed(self, texts, **options):  # type: ignore[no-untyped-def]
        self.collector_on.append(gc.isenabled())
        return self.inner.embed(texts, **options)

    def embed_with_spans(self, texts, spans, **options):  # type: ignore[no-untyped-def]
        self.collector_on.append(gc.isenabled())
        return self.inner.embed_with_spans(texts, spans, **options)


def test_documents_are_prepared_with_the_cycle_collector_paused_and_it_runs_again_after(
    settings: Settings, embedder: SentenceTransformerEmbedder, tokenizer: TokenCounter, tmp_path: Path,
) -> None:
    # A write while serving prepares its document as a build does: each pass of the collector
    # would walk the loaded model's objects (halving the parse rate of a 1 MB transcript).
    watched = _CollectorWatch(embedder)
    assert gc.isenabled()
    pieces = _prepared(settings.with_overrides(index_dir=tmp_path / "index"), watched, tokenizer)  # type: ignore[arg-type]
    assert pieces and watched.collector_on == [False]
    assert gc.isenabled()
