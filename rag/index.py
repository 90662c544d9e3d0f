"""The on-disk index: a folder of plain files, built beside the live one and swapped in atomically.

Layout of `index_dir`::

    current -> builds/<build id>     symlink, replaced atomically by os.replace
    builds/<build id>/manifest.json  settings, model hash, corpus fingerprint, file checksums
                     /passages.faiss FAISS inner-product index of passage vectors (flat or HNSW: rag/ann.py)
                     /passages/      passage table: one memory-mapped .npy column per field,
                                     CSR arrays for speakers and sentences, string tables
                                     (see rag.store for every file)
                     /documents/     parsed transcripts, one JSON line each, with offsets and
                                     the per-document metadata kept in memory (rag.store)
                     /sentences.npy  unit vectors of every distinct sentence (no pickle; memory-mapped)
                     /bm25/          BM25 index of the passages (bm25s: .npy and .json)
                     /bm25_sentences/ BM25 index of the sentences, rows as in sentences.npy
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import hashlib
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import msgspec
import numpy as np

from rag import ann
from rag.chunking import chunk_transcripts, embedding_text, sentence_spans_in
from rag.config import DEFAULT_FAISS_THREADS, ChunkSettings, Settings
from rag.corpus import corpus_fingerprint, file_sha256, fingerprint, read_corpus
from rag.embedding import Embedder, ResolvedModel, SpanVectors
from rag.errors import CorpusError, IndexUnavailableError
from rag.lexical import BM25_FILES, LexicalIndex
from rag.records import Passage
from rag.store import (
    DOCUMENT_FILES,
    DOCUMENTS_DIR,
    PASSAGE_FILES,
    PASSAGES_DIR,
    DocumentStore,
    PassageTable,
    Ragged,
    map_array,
    write_store,
)
from rag.tokens import TokenCounter
from rag.transcripts import parse_transcript

log = logging.getLogger(__name__)

FORMAT_VERSION = 7
CURRENT_LINK = "current"
BUILDS_DIR = "builds"
BM25_DIR = "bm25"
SENTENCE_BM25_DIR = "bm25_sentences"
DATA_FILES = ("passages.faiss", "sentences.npy") + PASSAGE_FILES + DOCUMENT_FILES + tuple(
    f"{folder}/{name}" for folder in (BM25_DIR, SENTENCE_BM25_DIR) for name in BM25_FILES
)


# The modules whose code decides what an index holds: a change to any of them makes
# existing indexes stale, as a change of settings does.
_PIPELINE_MODULES = (
    "ann", "boilerplate", "chunking", "corpus", "index", "lexical", "sentences", "store", "transcripts",
)


@functools.lru_cache(maxsize=1)
def pipeline_fingerprint() -> str:
    """sha256 over the source of the parsing, chunking and indexing code."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for module in _PIPELINE_MODULES:
        digest.update((package / f"{module}.py").read_bytes())
    return digest.hexdigest()


class _FormatOnly(msgspec.Struct):
    format_version: int


def read_manifest(path: Path) -> Manifest:
    """Decode a manifest, checking its format version first so an old index gets a clear message."""
    data = path.read_bytes()
    version = msgspec.json.decode(data, type=_FormatOnly).format_version
    if version != FORMAT_VERSION:
        raise IndexUnavailableError(f"index format {version}, this version reads {FORMAT_VERSION}; run `rag index`")
    return msgspec.json.decode(data, type=Manifest)


class ModelInfo(msgspec.Struct, frozen=True):
    name: str
    weights_sha256: str
    dimension: int


class DocumentInfo(msgspec.Struct, frozen=True):
    doc_id: str
    sha256: str
    chars: int


class Manifest(msgspec.Struct, frozen=True):
    """What an index was built from; loading refuses one that does not match the running settings."""

    format_version: int
    pipeline: str
    """`pipeline_fingerprint()` of the code that built it."""
    build_id: str
    created_at: str
    model: ModelInfo
    chunking: dict[str, object]
    corpus_fingerprint: str
    documents: list[DocumentInfo]
    n_passages: int
    n_sentences: int
    faiss_index: ann.IndexSpec
    """The passage index's type, parameters and measured recall@10."""
    files: dict[str, str]
    """sha256 of every data file, checked at load."""


@dataclass(frozen=True)
class LoadedIndex:
    """An index in memory; immutable, so a reload swaps the whole object."""

    manifest: Manifest
    path: Path
    transcripts: DocumentStore
    """Transcripts by document id, decoded on demand; metadata of every document in `.entries`."""
    passages: PassageTable
    """Passages by position (`passages.position_of(id)` finds one by id), materialised on demand."""
    dense: ann.DenseIndex
    """The passage vectors' FAISS index: search, and the vectors of candidates found by BM25."""
    lexical: LexicalIndex
    sentence_vectors: np.ndarray
    """Memory-mapped from sentences.npy (read-only): answering reads a few rows per question."""
    sentence_lexical: LexicalIndex
    passage_sentence_rows: Ragged
    """Row in sentences.npy of each sentence of the passage at a position (computed at build)."""

    @property
    def passage_index(self) -> faiss.Index:
        """The FAISS index of the passage vectors (row i is passage i)."""
        return self.dense.index


def chunk_settings_dict(chunk: ChunkSettings) -> dict[str, object]:
    """Chunker settings as recorded in (and compared against) the manifest."""
    return dict(asdict(chunk))


def index_problem(settings: Settings, model: ResolvedModel) -> str | None:
    """Why the index in `settings.index_dir` cannot serve `settings.docs_dir` as it is now (None: it can)."""
    manifest_path = settings.index_dir / CURRENT_LINK / "manifest.json"
    if not manifest_path.is_file():
        return f"no index in {settings.index_dir}"
    try:
        manifest = read_manifest(manifest_path)
    except IndexUnavailableError as exc:
        return str(exc)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        return f"unreadable manifest: {exc}"
    mismatch = _manifest_mismatch(manifest, model, settings.chunk) or ann.rebuild_reason(
        manifest.faiss_index, manifest.n_passages, settings.ann_threshold, settings.ann_min_recall
    )
    if mismatch:
        return mismatch
    try:
        if corpus_fingerprint(settings.docs_dir) != manifest.corpus_fingerprint:
            return f"the files in {settings.docs_dir} changed since the index was built"
    except CorpusError as exc:
        return str(exc)
    return None


def _manifest_mismatch(manifest: Manifest, model: ResolvedModel, chunk: ChunkSettings) -> str | None:
    if manifest.pipeline != pipeline_fingerprint():
        return "index built by another version of the parsing and chunking code"
    if manifest.model.name != model.name or manifest.model.weights_sha256 != model.weights_sha256:
        return f"index built with model {manifest.model.name} ({manifest.model.weights_sha256[:12]}), " \
               f"configured {model.name} ({model.weights_sha256[:12]})"
    if manifest.chunking != chunk_settings_dict(chunk):
        return f"index built with chunking {manifest.chunking}, configured {chunk_settings_dict(chunk)}"
    return None


def build_index(
    settings: Settings, embedder: Embedder, tokenizer: TokenCounter, *, progress: bool = False
) -> Path:
    """Parse, chunk and embed `settings.docs_dir`, write a new build and swap it in. Returns its folder."""
    documents = read_corpus(settings.docs_dir)
    transcripts = [parse_transcript(doc.doc_id, doc.text) for doc in documents]
    passages = chunk_transcripts(transcripts, tokenizer, settings.chunk)
    if not passages:
        raise CorpusError(f"no transcript text found in {settings.docs_dir}")
    sources = {t.doc_id: t.text for t in transcripts}
    sentence_keys = _sentence_table(passages)
    log.info("embedding %d passages and %d sentences", len(passages), len(sentence_keys))
    by_id = {t.doc_id: t for t in transcripts}
    passage_texts = [embedding_text(p, by_id[p.doc_id]) for p in passages]
    pass_vectors = embedder.embed_with_spans(
        passage_texts, [sentence_spans_in(text, p) for text, p in zip(passage_texts, passages)],
        batch_size=settings.batch_size, progress=progress,
    )
    passage_vectors = pass_vectors.texts
    lexical = LexicalIndex.build(passage_texts)
    sentence_rows = _sentence_rows(passages, sentence_keys)
    sentence_vectors = _sentence_vectors(
        sentence_rows, sentence_keys, pass_vectors, sources, embedder, settings.batch_size
    )
    sentence_lexical = LexicalIndex.build([sources[doc][start:end] for doc, start, end in sentence_keys])
    # Building parallelises across vectors and queries, and embedding is done: all threads.
    ann.set_threads(settings.threads)
    try:
        faiss_index, index_spec = ann.build_dense_index(
            passage_vectors, sentence_vectors, threshold=settings.ann_threshold, min_recall=settings.ann_min_recall
        )
    finally:
        ann.set_threads(settings.faiss_threads)

    with _build_lock(settings.index_dir):
        build_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        builds = settings.index_dir / BUILDS_DIR
        partial = builds / (build_id + ".partial")
        partial.mkdir(parents=True)
        try:
            faiss.write_index(faiss_index, str(partial / "passages.faiss"))
            write_store(partial, transcripts, passages, sentence_rows)
            np.save(partial / "sentences.npy", sentence_vectors, allow_pickle=False)
            lexical.save(partial / BM25_DIR)
            sentence_lexical.save(partial / SENTENCE_BM25_DIR)
            manifest = Manifest(
                format_version=FORMAT_VERSION,
                pipeline=pipeline_fingerprint(),
                build_id=build_id,
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                model=ModelInfo(embedder.model.name, embedder.model.weights_sha256, embedder.dimension),
                chunking=chunk_settings_dict(settings.chunk),
                corpus_fingerprint=fingerprint([(d.doc_id, d.sha256) for d in documents]),
                documents=[DocumentInfo(d.doc_id, d.sha256, len(d.text)) for d in documents],
                n_passages=len(passages),
                n_sentences=len(sentence_keys),
                faiss_index=index_spec,
                files={name: file_sha256(partial / name) for name in DATA_FILES},
            )
            (partial / "manifest.json").write_bytes(msgspec.json.format(msgspec.json.encode(manifest)))
            _fsync_dir(partial)
            final = builds / build_id
            partial.rename(final)
            previous = _current_build_name(settings.index_dir)
            _swap_current(settings.index_dir, final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        # The previous build stays one round: a process that resolved `current` just before
        # the swap may still be reading it.
        _remove_old_builds(settings.index_dir, keep={final.name, previous or ""})
    log.info("index %s: %d documents, %d passages", build_id, len(documents), len(passages))
    return final


def load_index(
    index_dir: Path, model: ResolvedModel, chunk: ChunkSettings, *, faiss_threads: int = DEFAULT_FAISS_THREADS
) -> LoadedIndex:
    """Load the current build, verifying its manifest and the checksum of every file.

    Searches use `faiss_threads` OpenMP threads, whichever thread makes them (see `ann.set_threads`).
    """
    link = index_dir / CURRENT_LINK
    if not link.exists():
        raise IndexUnavailableError(f"no index in {index_dir}; build one with `rag index`")
    # Resolve once: a concurrent swap must not mix files from two builds.
    path = link.resolve()
    try:
        manifest = read_manifest(path / "manifest.json")
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise IndexUnavailableError(f"index manifest in {path} is unreadable: {exc}") from None
    mismatch = _manifest_mismatch(manifest, model, chunk)
    if mismatch:
        raise IndexUnavailableError(f"index in {index_dir} does not match the settings: {mismatch}; run `rag index`")
    for name, expected in manifest.files.items():
        file = path / name
        if not file.is_file() or file_sha256(file) != expected:
            raise IndexUnavailableError(f"index file {file} is missing or damaged (checksum mismatch); run `rag index`")
    try:
        transcripts = DocumentStore(path / DOCUMENTS_DIR)
        passages = PassageTable(path / PASSAGES_DIR, transcripts.doc_ids)
        # Mapped, not read: at scale the sentence vectors are the largest file (~10 GB at 1M
        # passages) and answering touches a few rows per question. Checksummed above.
        sentence_vectors = map_array(path / "sentences.npy", random_access=True)
        passage_index = faiss.read_index(str(path / "passages.faiss"))
        lexical = LexicalIndex.load(path / BM25_DIR)
        sentence_lexical = LexicalIndex.load(path / SENTENCE_BM25_DIR)
    except (OSError, ValueError, RuntimeError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise IndexUnavailableError(f"index in {path} cannot be read: {exc}") from None
    if passage_index.ntotal != len(passages) or passage_index.d != manifest.model.dimension:
        raise IndexUnavailableError(f"index in {path} is inconsistent: vectors and passage table disagree")
    if sentence_vectors.shape != (manifest.n_sentences, manifest.model.dimension):
        raise IndexUnavailableError(f"index in {path} is inconsistent: sentence vectors and manifest disagree")
    dense = ann.DenseIndex(passage_index, manifest.faiss_index, threads=faiss_threads)
    return LoadedIndex(
        manifest=manifest,
        path=path,
        transcripts=transcripts,
        passages=passages,
        dense=dense,
        lexical=lexical,
        sentence_vectors=sentence_vectors,
        sentence_lexical=sentence_lexical,
        passage_sentence_rows=passages.sentence_rows,
    )


def _sentence_table(passages: list[Passage]) -> list[tuple[str, int, int]]:
    """Distinct sentences in first-seen order: row i of sentences.npy is entry i."""
    seen: dict[tuple[str, int, int], int] = {}
    for passage in passages:
        for sentence in passage.sentences:
            seen.setdefault((passage.doc_id, sentence.start, sentence.end), len(seen))
    return list(seen)


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


def _sentence_rows(passages: list[Passage], keys: list[tuple[str, int, int]]) -> list[list[int]]:
    """For each passage, the row in sentences.npy of each of its sentences (stored at build time)."""
    table = {key: row for row, key in enumerate(keys)}
    return [[table[(p.doc_id, s.start, s.end)] for s in p.sentences] for p in passages]


@contextlib.contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _swap_current(index_dir: Path, build: Path) -> None:
    temporary_link = index_dir / f".{CURRENT_LINK}.{uuid.uuid4().hex}"
    temporary_link.symlink_to(build.relative_to(index_dir))
    os.replace(temporary_link, index_dir / CURRENT_LINK)
    _fsync_dir(index_dir)


def _current_build_name(index_dir: Path) -> str | None:
    link = index_dir / CURRENT_LINK
    return link.resolve().name if link.exists() else None


def _remove_old_builds(index_dir: Path, keep: set[str]) -> None:
    """Delete superseded builds and the leftovers of crashed ones (the build lock is held)."""
    for build in (index_dir / BUILDS_DIR).iterdir():
        if build.name not in keep:
            shutil.rmtree(build, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
