"""Shared fixtures: the real model, a real FAISS index of the seeds, the real app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from rag.http.app import create_app
from rag.chunking import TokenCounter, load_encoding
from rag.embedding import SentenceTransformerEmbedder, load_embedder
from rag.settings import Settings
from benchmarks.writes import corpus_copy
from rag.service import QAService, open_service

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"
QMSUM_DOCS = SHARED / "bench" / "qmsum-val" / "docs"


def read_source(doc_id: str, docs_dir: Path = SEEDS) -> str:
    """A document as every outside tool reads it: bytes decoded as UTF-8, no newline translation."""
    return (docs_dir / doc_id).read_bytes().decode("utf-8")


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Seeds corpus, index in a temporary folder; everything else from RAG_* or defaults."""
    return Settings.from_env(docs_dir=SEEDS, index_dir=tmp_path_factory.mktemp("index"))


@pytest.fixture(scope="session")
def tokenizer(settings: Settings) -> TokenCounter:
    """The tiktoken encoding the chunker counts budgets with."""
    return load_encoding(settings.chunk.encoding, settings.tiktoken_cache_dir)


@pytest.fixture(scope="session")
def embedder(settings: Settings) -> SentenceTransformerEmbedder:
    """The embedder that builds indexes (sentence-transformers; the service embeds questions without it)."""
    return load_embedder(settings)


@pytest.fixture(scope="session")
def service(settings: Settings) -> QAService:
    """The real service: bundled MiniLM, FAISS index built once per test session."""
    return open_service(settings, build_if_needed=True)


@pytest.fixture(scope="session")
def client(settings: Settings, service: QAService) -> Iterator[TestClient]:
    """The real Litestar app over HTTP (in-process transport)."""
    with TestClient(app=create_app(settings, service)) as test_client:
        yield test_client


def live_copy(settings: Settings, service: QAService, embedder: SentenceTransformerEmbedder, root: Path,
              documents: list[str] | None = None, **overrides: object) -> QAService:
    """A service over a copy of the seeds (or of the `documents` named) in `root`, taking writes,
    with `overrides` of the settings; the session's document cache comes along (`corpus_copy`)."""
    names = [path.name for path in sorted(SEEDS.iterdir()) if documents is None or path.name in documents]
    return corpus_copy(settings, service, embedder, root, names, **overrides)
