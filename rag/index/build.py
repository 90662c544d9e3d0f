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

from rag.chunking import TokenCounter, chunk_transcripts, embedding_text, sentence_spans_in
from rag.embedding import Embedder, SpanVectors
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
from rag.index.lexical import LexicalIndex
from rag.index.manifest import FORMAT_VERSION, PIPELINE_VERSION, DocumentInfo, Manifest, ModelInfo, UnreadableInfo
from rag.index.sentences import sentence_rows, sentence_table
from rag.index.store import write_store
from rag.ingest.corpus import file_sha256, fingerprint, parse_corpus
from rag.settings import Settings

log = logging.getLogger(__name__)


def build_index(
    settings: Settings, embedder: Embedder, tokenizer: TokenCounter, *, progress: bool = False
) -> Path:
    """Parse, chunk and embed `settings.docs_dir`, write a new build and swap it in. Returns its folder."""
    documents, transcripts, unreadable = parse_corpus(settings.docs_dir)
    passages = chunk_transcripts(transcripts, tokenizer, settings.chunk)
    if not passages:
        reasons = "".join(f"\n  {u.reason}" for u in unreadable)
        raise CorpusError(f"no transcript text found in {settings.docs_dir}{reasons}")
    sources = {t.doc_id: t.text for t in transcripts}
    sentence_keys = sentence_table(passages)
    log.info("embedding %d passages and %d sentences", len(passages), len(sentence_keys))
    by_id = {t.doc_id: t for t in transcripts}
    passage_texts = [embedding_text(p, by_id[p.doc_id]) for p in passages]
    pass_vectors = embedder.embed_with_spans(
        passage_texts, [sentence_spans_in(text, p) for text, p in zip(passage_texts, passages)],
        batch_size=settings.embed.batch_size, progress=progress,
    )
    passage_vectors = pass_vectors.texts
    lexical = LexicalIndex.build(passage_texts)
    rows_by_passage = sentence_rows(passages, sentence_keys)
    sentence_vectors = _sentence_vectors(
        rows_by_passage, sentence_keys, pass_vectors, sources, embedder, settings.embed.batch_size
    )
    sentence_lexical = LexicalIndex.build([sources[doc][start:end] for doc, start, end in sentence_keys])
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
                model=ModelInfo(embedder.model.name, embedder.model.weights_sha256, embedder.dimension),
                chunking=settings.chunk,
                corpus_fingerprint=fingerprint(
                    [(d.doc_id, d.sha256) for d in documents] + [(u.doc_id, u.sha256) for u in unreadable]
                ),
                documents=[DocumentInfo(d.doc_id, d.sha256, len(d.text)) for d in documents],
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
    log.info("index %s: %d documents, %d passages", build_id, len(documents), len(passages))
    return final


def _sentence_vectors(
    rows: list[list[int]], keys: list[tuple[str, int, int]], pooled: SpanVectors, sources: dict[str, str],
    embedder: Embedder, batch_size: int,
) -> np.ndarray:
    """Rows as `keys`: each sentence's vector pooled in the first passage that holds it
    (`rows[position]`: the rows of that passage's sentences).

    A sentence whose tokens all fell past the model's window (only with budgets larger than
    the defaults) is embedded alone instead.
    """
    vectors = np.zeros((len(keys), embedder.dimension), dtype=np.float32)
    filled = np.zeros(len(keys), dtype=bool)
    for position, passage_rows in enumerate(rows):
        for j, row in enumerate(passage_rows):
            if not filled[row] and pooled.found[position][j]:
                vectors[row] = pooled.spans[position][j]
                filled[row] = True
    missing = np.flatnonzero(~filled)
    if len(missing):
        log.info("%d sentences lie past the model's window; embedding them alone", len(missing))
        texts = [sources[keys[row][0]][keys[row][1] : keys[row][2]] for row in missing]
        vectors[missing] = embedder.embed(texts, batch_size=batch_size)
    return vectors
