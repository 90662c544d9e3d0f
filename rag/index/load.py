"""Loading the current build: every file checked against the manifest, then mapped, not read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import faiss
import msgspec
import numpy as np

from rag.embedding import ResolvedModel
from rag.errors import IndexUnavailableError
from rag.index.dense import DenseIndex
from rag.index.layout import BM25_DIR, CURRENT_LINK, SENTENCE_BM25_DIR
from rag.index.lexical import LexicalIndex
from rag.index.manifest import Manifest, manifest_mismatch, read_manifest
from rag.index.store import DOCUMENTS_DIR, PASSAGES_DIR, DocumentStore, PassageTable, map_array
from rag.index.where import positions_where
from rag.ingest.corpus import file_sha256
from rag.settings import DEFAULT_FAISS_THREADS, ChunkSettings, Settings
from rag.types import Where


@dataclass(frozen=True)
class LoadedIndex:
    """An index in memory; immutable, so a reload swaps the whole object."""

    manifest: Manifest
    path: Path
    transcripts: DocumentStore
    """Transcripts by document id, decoded on demand; metadata of every document in `.entries`."""
    passages: PassageTable
    """Passages by position (`passages.position_of(id)` finds one by id), materialised on demand."""
    dense: DenseIndex
    """The passage vectors' FAISS index: search, and the vectors of candidates found by BM25."""
    lexical: LexicalIndex
    sentence_vectors: np.ndarray
    """Memory-mapped from sentences.npy (read-only): answering reads a few rows per question."""
    sentence_lexical: LexicalIndex

    def positions(self, where: Where) -> np.ndarray:
        """Ascending positions of the passages `where` allows."""
        return positions_where(self.transcripts, self.passages, where)

    @property
    def base_build(self) -> LoadedIndex:
        """The build on disk (this one: nothing was written since)."""
        return self

    @property
    def version(self) -> str:
        """The build id: nothing was written since the build."""
        return self.manifest.build_id

    @property
    def n_hidden(self) -> int:
        """Passages of deleted documents still in the files: none in a build."""
        return 0


def load_index(
    index_dir: Path, model: ResolvedModel, chunk: ChunkSettings, *, precision: str,
    faiss_threads: int = DEFAULT_FAISS_THREADS,
) -> LoadedIndex:
    """Load the current build, verifying its manifest (made with this model at this `precision`,
    `EmbedBackend.precision`, and this chunking) and the checksum of every file.

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
    mismatch = manifest_mismatch(manifest, model, chunk, precision)
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
    dense_index = DenseIndex(passage_index, manifest.faiss_index, threads=faiss_threads)
    return LoadedIndex(
        manifest=manifest,
        path=path,
        transcripts=transcripts,
        passages=passages,
        dense=dense_index,
        lexical=lexical,
        sentence_vectors=sentence_vectors,
        sentence_lexical=sentence_lexical,
    )


def load_configured_index(settings: Settings, model: ResolvedModel) -> LoadedIndex:
    """`load_index` of `settings.index_dir`, checked against `model` and the settings' chunking and
    vector precision, searching with `settings.index.faiss_threads`: how the service loads a build."""
    return load_index(settings.index_dir, model, settings.chunk, precision=settings.embed.backend.precision,
                      faiss_threads=settings.index.faiss_threads)
