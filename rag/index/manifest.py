"""The manifest of a build: what it was built from, checked before anything is served from it."""

from __future__ import annotations

from pathlib import Path

import msgspec

from rag.errors import IndexUnavailableError
from rag.index.dense import IndexSpec
from rag.embedding import ResolvedModel
from rag.settings import ChunkSettings

FORMAT_VERSION = 11
"""The index folder's format; an index of another format is rebuilt."""
PIPELINE_VERSION = 11
"""Version of what parsing, chunking and indexing make of a corpus. Bump it when their output
changes (tests/test_pipeline_version.py fails until you do): existing indexes are then rebuilt.
Moving code or editing comments changes nothing, so it does not force a re-embedding."""


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
    """The embedding model a build was made with."""

    name: str
    weights_sha256: str
    dimension: int
    precision: str = "fp32"
    """`fp32` or `int8` (`EmbedBackend.precision`): questions must be embedded the same way."""


class DocumentInfo(msgspec.Struct, frozen=True):
    """One source file of a build: its id, content hash and the length of its canonical text."""

    doc_id: str
    sha256: str
    chars: int


class UnreadableInfo(msgspec.Struct, frozen=True):
    """A corpus file left out of a build, and why (the reason names the line or field)."""

    doc_id: str
    sha256: str
    reason: str


class Manifest(msgspec.Struct, frozen=True):
    """What an index was built from; loading refuses one that does not match the running settings."""

    format_version: int
    pipeline_version: int
    """`PIPELINE_VERSION` of the code that built it."""
    build_id: str
    created_at: str
    model: ModelInfo
    chunking: ChunkSettings
    corpus_fingerprint: str
    documents: list[DocumentInfo]
    unreadable: list[UnreadableInfo]
    """Files of the corpus that could not be read or parsed: not indexed, but part of the fingerprint."""
    n_passages: int
    n_sentences: int
    faiss_index: IndexSpec
    """The passage index's type, parameters and measured recall@10."""
    files: dict[str, str]
    """sha256 of every data file, checked at load."""


def manifest_mismatch(manifest: Manifest, model: ResolvedModel, chunk: ChunkSettings, precision: str) -> str | None:
    """Why a build made as `manifest` says cannot serve this model, run at this precision, and
    this chunking (None: it can)."""
    if manifest.pipeline_version != PIPELINE_VERSION:
        return f"index built by pipeline version {manifest.pipeline_version}, this code is version {PIPELINE_VERSION}"
    if manifest.model.name != model.name or manifest.model.weights_sha256 != model.weights_sha256:
        return f"index built with model {manifest.model.name} ({manifest.model.weights_sha256[:12]}), " \
               f"configured {model.name} ({model.weights_sha256[:12]})"
    if manifest.model.precision != precision:
        return f"index built with {manifest.model.precision} vectors, configured {precision} (RAG_EMBED_BACKEND)"
    if manifest.chunking != chunk:
        return f"index built with chunking {manifest.chunking}, configured {chunk}"
    return None
