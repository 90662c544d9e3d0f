"""Building an index: read, parse, chunk and embed a corpus, write a new build beside the live one, swap it in."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import uuid
from pathlib import Path

import faiss
import msgspec
import numpy as np

from rag.chunking import TokenCounter
from rag.embedding import Embedder
from rag.errors import CorpusError
from rag.index import dense
from rag.index.layout import (
    BM25_DIR,
    BUILDS_DIR,
    DATA_FILES,
    SENTENCE_BM25_DIR,
    build_lock,
    current_build_name,
    fsync_dir,
    remove_old_builds,
    swap_current,
)
from rag.index.collector import cyclic_gc_paused
from rag.index.lexical import LexicalIndex
from rag.index.manifest import FORMAT_VERSION, PIPELINE_VERSION, DocumentInfo, Manifest, ModelInfo, UnreadableInfo
from rag.index.pieces import assemble, prepare_documents
from rag.index.document_cache import document_cache
from rag.index.store import write_store
from rag.ingest.corpus import CorpusScan, file_sha256, fingerprint, scan_corpus
from rag.settings import Settings

log = logging.getLogger(__name__)


def build_index(
    settings: Settings, embedder: Embedder, tokenizer: TokenCounter, *, progress: bool = False,
    scan: CorpusScan | None = None,
) -> Path:
    """Parse, chunk and embed `settings.docs_dir`, write a new build and swap it in. Returns its folder.

    Documents embedded before (same bytes, model, chunking and pipeline) take their vectors from
    the index folder's document cache: only new and changed documents are parsed and embedded. `scan` is the
    corpus as already read (compaction reads it while holding the write lock).
    """
    scan = scan or scan_corpus(settings.docs_dir, max_bytes=settings.index.max_upload_bytes)
    with cyclic_gc_paused():
        return _build(settings, embedder, tokenizer, scan, progress)


def _build(settings: Settings, embedder: Embedder, tokenizer: TokenCounter, scan: CorpusScan, progress: bool) -> Path:
    cache = document_cache(settings, embedder)
    pieces, unparseable = prepare_documents(
        scan.documents, tokenizer, settings.chunk, embedder, cache, batch_size=settings.embed.batch_size,
        progress=progress, processes=settings.embed.threads,
    )
    unreadable = sorted([*scan.unreadable, *unparseable], key=lambda u: u.doc_id)
    for problem in unreadable:
        log.warning("not indexed: %s", problem.reason)
    transcripts = [p.transcript for p in pieces]
    if unreadable and not any(p.passages for p in pieces):
        reasons = "".join(f"\n  {u.reason}" for u in unreadable)
        raise CorpusError(f"no transcript text found in {settings.docs_dir}{reasons}")
    if not pieces:
        # An empty index, not an error: a server starts on it and takes writes, and deleting every
        # document while serving compacts to it. The vectors' width comes from the model then.
        log.warning("no transcript in %s: the index is empty until documents are added", settings.docs_dir)
    table = assemble(pieces, None if pieces else embedder.dimension)
    passages, passage_vectors, sentence_vectors = table.passages, table.passage_vectors, table.sentence_vectors
    sentence_keys, rows_by_passage = table.sentence_keys, table.sentence_rows
    # The words were counted when each document was first prepared (and kept in the cache).
    lexical = LexicalIndex.from_words(table.passage_words)
    sentence_lexical = LexicalIndex.from_words(table.sentence_words)
    # Building parallelises across vectors and queries, and embedding is done: all threads.
    dense.set_threads(settings.embed.threads)
    try:
        faiss_index, index_spec = dense.build_dense_index(
            passage_vectors, sentence_vectors, threshold=settings.index.ann_threshold, min_recall=settings.index.ann_min_recall
        )
    finally:
        dense.set_threads(settings.index.faiss_threads)

    with build_lock(settings.index_dir):
        build_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        builds = settings.index_dir / BUILDS_DIR
        partial = builds / (build_id + ".partial")
        partial.mkdir(parents=True)
        try:
            faiss.write_index(faiss_index, str(partial / "passages.faiss"))
            write_store(partial, transcripts, passages, rows_by_passage)
            np.save(partial / "sentences.npy", sentence_vectors, allow_pickle=False)
            lexical.save(partial / BM25_DIR)
            sentence_lexical.save(partial / SENTENCE_BM25_DIR)
            manifest = Manifest(
                format_version=FORMAT_VERSION,
                pipeline_version=PIPELINE_VERSION,
                build_id=build_id,
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                model=ModelInfo(embedder.model.name, embedder.model.weights_sha256, passage_vectors.shape[1],
                                settings.embed.backend.precision),
                chunking=settings.chunk,
                corpus_fingerprint=fingerprint(
                    [(p.doc_id, p.sha256) for p in pieces] + [(u.doc_id, u.sha256) for u in unreadable]
                ),
                documents=[DocumentInfo(p.doc_id, p.sha256, len(p.transcript.text)) for p in pieces],
                unreadable=[UnreadableInfo(u.doc_id, u.sha256, u.reason) for u in unreadable],
                n_passages=len(passages),
                n_sentences=len(sentence_keys),
                faiss_index=index_spec,
                files={name: file_sha256(partial / name) for name in DATA_FILES},
            )
            (partial / "manifest.json").write_bytes(msgspec.json.format(msgspec.json.encode(manifest)))
            fsync_dir(partial)
            final = builds / build_id
            partial.rename(final)
            previous = current_build_name(settings.index_dir)
            swap_current(settings.index_dir, final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        # The previous build stays one round: a process that resolved `current` just before
        # the swap may still be reading it.
        remove_old_builds(settings.index_dir, keep={final.name, previous or ""})
        cache.retain(cache.key(p.doc_id, p.sha256) for p in pieces)
    log.info("index %s: %d documents, %d passages", build_id, len(pieces), len(passages))
    return final
