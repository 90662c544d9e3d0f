"""A document made ready to index: its passages, the texts embedded, its sentences and their vectors.

Everything an index holds is per document and concatenated in document order, so the full
build and a live write prepare documents the same way; a document prepared before comes whole
from the `DocumentCache`, the others are parsed, chunked and embedded (in shared batches).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.chunking import TokenCounter, chunk_transcript, embedding_text, sentence_spans_in
from rag.embedding import Embedder, SpanVectors
from rag.errors import CorpusError
from rag.index.collector import cyclic_gc_paused
from rag.index.lexical import Postings, tokenize
from rag.index.processes import map_documents
from rag.index.document_cache import CachedDocument, DocumentCache, DocumentVectors, DocumentWords
from rag.ingest.corpus import SourceDocument, Unreadable
from rag.ingest.readers import parse_document
from rag.settings import ChunkSettings
from rag.types import Passage, Transcript

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentPieces:
    """One document's share of an index."""

    sha256: str
    transcript: Transcript
    passages: list[Passage]
    passage_texts: list[str]
    """What the embedder and BM25 see for each passage (`embedding_text`)."""
    sentence_keys: list[tuple[str, int, int]]
    """The document's distinct sentences as (doc id, start, end), in first-seen order."""
    sentence_rows: list[list[int]]
    """For each passage, the rows of its sentences in `sentence_keys` (local to the document)."""
    vectors: DocumentVectors
    words: DocumentWords
    """The words BM25 counts in each passage text and each sentence."""

    @property
    def doc_id(self) -> str:
        """The document's id."""
        return self.transcript.doc_id

    def count_words(self) -> None:
        """Make the BM25 counts now (a writer does it before taking its lock)."""
        self.passage_postings, self.sentence_postings  # noqa: B018 - cached on first access

    @functools.cached_property
    def passage_postings(self) -> Postings:
        """BM25's counts of the passage texts, made once: a live segment is re-made at every write."""
        return Postings(self.words.passages)

    @functools.cached_property
    def sentence_postings(self) -> Postings:
        """BM25's counts of the distinct sentences, made once."""
        return Postings(self.words.sentences)


@dataclass(frozen=True)
class _Chunked:
    sha256: str
    transcript: Transcript
    passages: list[Passage]
    texts: list[str]
    keys: list[tuple[str, int, int]]
    rows: list[list[int]]
    words: DocumentWords


def prepare_documents(
    documents: Sequence[SourceDocument], tokenizer: TokenCounter, chunk: ChunkSettings,
    embedder: Embedder, cache: DocumentCache, *, batch_size: int, progress: bool = False, processes: int = 1,
) -> tuple[list[DocumentPieces], list[Unreadable]]:
    """Each document's pieces, in the order given, and the documents no reader could parse.

    A document prepared before (same bytes, model, chunking and pipeline) comes from the cache
    whole; the others are parsed and chunked (in up to `processes` worker processes when there
    are enough of them: `rag.index.processes`), then embedded (all their passages in shared
    batches) and cached. The cycle collector is paused meanwhile (`cyclic_gc_paused`), as for a build.
    """
    with cyclic_gc_paused():
        return _prepare_documents(documents, tokenizer, chunk, embedder, cache, batch_size=batch_size,
                                  progress=progress, processes=processes)


def _prepare_documents(
    documents: Sequence[SourceDocument], tokenizer: TokenCounter, chunk: ChunkSettings,
    embedder: Embedder, cache: DocumentCache, *, batch_size: int, progress: bool, processes: int,
) -> tuple[list[DocumentPieces], list[Unreadable]]:
    keys = [cache.key(d.doc_id, d.sha256) for d in documents]
    cached = cache.get_many(keys)
    new = [document for key, document in zip(keys, documents) if key not in cached]
    read = iter(map_documents(functools.partial(_parse_and_chunk, tokenizer=tokenizer, chunk=chunk), new,
                              [len(d.text) for d in new], processes=processes))
    chunked: dict[str, _Chunked] = {}
    # Words counted now for entries cached without them: stored, so it happens once.
    counted: dict[str, DocumentWords] = {}
    unparseable: list[Unreadable] = []
    for key, document in zip(keys, documents):
        entry = cached.get(key)
        if entry is not None:
            chunked[key] = _chunked(document.sha256, entry.transcript, entry.passages, entry.words)
            if entry.words is None:
                counted[key] = chunked[key].words
            continue
        prepared = next(read)
        if isinstance(prepared, Unreadable):
            unparseable.append(prepared)
        else:
            chunked[key] = prepared
    if counted:
        cache.add_words(counted)
    missing = [key for key in chunked if key not in cached]
    vectors = {key: entry.vectors for key, entry in cached.items()}
    if missing:
        fresh = _embed([chunked[key] for key in missing], embedder, batch_size=batch_size, progress=progress)
        vectors.update(zip(missing, fresh))
        cache.put_many({
            key: CachedDocument(chunked[key].transcript, chunked[key].passages, vectors[key], chunked[key].words)
            for key in missing
        })
    log.info("%d documents: %d prepared now, %d from the document cache", len(chunked), len(missing),
             len(chunked) - len(missing))
    pieces = [
        DocumentPieces(c.sha256, c.transcript, c.passages, c.texts, c.keys, c.rows, vectors[key], c.words)
        for key, c in chunked.items()
    ]
    return pieces, unparseable


def _parse_and_chunk(
    document: SourceDocument, *, tokenizer: TokenCounter, chunk: ChunkSettings
) -> _Chunked | Unreadable:
    """A new document parsed, chunked and its words counted, or why no reader could parse it."""
    try:
        transcript = parse_document(document.doc_id, document.text, document.metadata)
    except CorpusError as exc:
        return Unreadable(document.doc_id, document.sha256, str(exc))
    return _chunked(document.sha256, transcript, chunk_transcript(transcript, tokenizer, chunk))


def _chunked(
    sha256: str, transcript: Transcript, passages: list[Passage], words: DocumentWords | None = None
) -> _Chunked:
    """The document's passage texts and distinct sentences; their words as cached, else counted now."""
    table: dict[tuple[str, int, int], int] = {}
    rows = [
        [table.setdefault((p.doc_id, s.start, s.end), len(table)) for s in p.sentences] for p in passages
    ]
    texts = [embedding_text(p, transcript) for p in passages]
    keys = list(table)
    if words is None:
        words = DocumentWords([tokenize(text) for text in texts],
                              [tokenize(transcript.text[start:end]) for _, start, end in keys])
    return _Chunked(sha256, transcript, passages, texts, keys, rows, words)


def _embed(documents: list[_Chunked], embedder: Embedder, *, batch_size: int, progress: bool) -> list[DocumentVectors]:
    """Embed the passages of `documents` in shared batches and split the vectors back per document."""
    texts = [text for d in documents for text in d.texts]
    spans = [sentence_spans_in(text, p) for d in documents for text, p in zip(d.texts, d.passages)]
    log.info("embedding %d passages of %d documents", len(texts), len(documents))
    pooled = embedder.embed_with_spans(texts, spans, batch_size=batch_size, progress=progress)
    result, first = [], 0
    for d in documents:
        stop = first + len(d.passages)
        passages = pooled.texts[first:stop]
        sentences = _sentence_vectors(d, pooled, first, embedder, batch_size)
        result.append(DocumentVectors(passages, sentences))
        first = stop
    return result


def _sentence_vectors(
    document: _Chunked, pooled: SpanVectors, first: int, embedder: Embedder, batch_size: int
) -> np.ndarray:
    """Each sentence's vector pooled in the first passage that holds it (`pooled` rows from
    `first` on are this document's passages).

    A sentence whose tokens all fell past the model's window (only with budgets larger than
    the defaults) is embedded alone instead.
    """
    vectors = np.zeros((len(document.keys), embedder.dimension), dtype=np.float32)
    filled = np.zeros(len(document.keys), dtype=bool)
    for offset, passage_rows in enumerate(document.rows):
        for j, row in enumerate(passage_rows):
            if not filled[row] and pooled.found[first + offset][j]:
                vectors[row] = pooled.spans[first + offset][j]
                filled[row] = True
    missing = np.flatnonzero(~filled)
    if len(missing):
        log.info("%s: %d sentences lie past the model's window; embedding them alone",
                 document.transcript.doc_id, len(missing))
        text = document.transcript.text
        vectors[missing] = embedder.embed([text[document.keys[r][1] : document.keys[r][2]] for r in missing],
                                          batch_size=batch_size)
    return vectors


@dataclass(frozen=True)
class IndexTable:
    """Documents' pieces concatenated in document order: what a build writes or a segment holds."""

    transcripts: list[Transcript]
    passages: list[Passage]
    sentence_keys: list[tuple[str, int, int]]
    """Distinct sentences: row i of `sentence_vectors` is entry i."""
    sentence_rows: list[list[int]]
    """For each passage, the rows of its sentences in `sentence_keys`."""
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray
    passage_words: list[list[str]]
    """The words BM25 counts in each passage text, in passage order."""
    sentence_words: list[list[str]]
    """The same for each row of `sentence_keys`."""


def assemble(pieces: Sequence[DocumentPieces], dimension: int | None = None) -> IndexTable:
    """Concatenate `pieces` in the order given; sentence rows become rows of the whole table."""
    rows: list[list[int]] = []
    first = 0
    for piece in pieces:
        rows.extend([[first + r for r in passage_rows] for passage_rows in piece.sentence_rows])
        first += len(piece.sentence_keys)
    width = dimension if dimension is not None else (pieces[0].vectors.passages.shape[1] if pieces else 0)
    return IndexTable(
        transcripts=[p.transcript for p in pieces],
        passages=[passage for p in pieces for passage in p.passages],
        sentence_keys=[key for p in pieces for key in p.sentence_keys],
        sentence_rows=rows,
        passage_vectors=_stack([p.vectors.passages for p in pieces], width),
        sentence_vectors=_stack([p.vectors.sentences for p in pieces], width),
        passage_words=[words for p in pieces for words in p.words.passages],
        sentence_words=[words for p in pieces for words in p.words.sentences],
    )


def _stack(matrices: list[np.ndarray], dimension: int) -> np.ndarray:
    if not matrices:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.ascontiguousarray(np.concatenate(matrices), dtype=np.float32)
