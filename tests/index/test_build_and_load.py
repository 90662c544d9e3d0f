"""The on-disk index: round trip, stale detection, refusing mismatched or damaged builds."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.embedding import ResolvedModel, SentenceTransformerEmbedder
from rag.settings import ChunkSettings, EmbedBackend, Settings
from rag.errors import CorpusError, IndexUnavailableError
from rag.index import CURRENT_LINK, LoadedIndex, build_index, index_problem, load_index
from rag.service import QAService, ensure_index, open_service
from rag.chunking import TokenCounter, chunk_transcripts, embedding_text
from rag.ingest.corpus import read_corpus
from rag.ingest.text import parse_transcript
from tests.conftest import SEEDS


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("001_0c22fd98c8d2c594.txt", "003_94303b5083c37beb.txt"):
        shutil.copy(SEEDS / name, docs / name)
    return docs


def current_build(settings: Settings, model: ResolvedModel) -> LoadedIndex:
    """The current build of `settings.index_dir`, checked against `model` and the settings."""
    return load_index(settings.index_dir, model, settings.chunk, precision=settings.embed.backend.precision)


def test_what_is_loaded_is_what_the_pipeline_builds(
    service: QAService, settings: Settings, tokenizer: TokenCounter
) -> None:
    documents = read_corpus(SEEDS)
    transcripts = [parse_transcript(d.doc_id, d.text) for d in documents]
    passages = chunk_transcripts(transcripts, tokenizer, settings.chunk)
    loaded = current_build(settings, service.embedder.model)
    assert list(loaded.passages) == passages
    assert [(d.doc_id, d.sha256) for d in loaded.manifest.documents] == [(d.doc_id, d.sha256) for d in documents]
    assert loaded.manifest.model.weights_sha256 == service.embedder.model.weights_sha256
    assert loaded.manifest.n_passages == loaded.dense.index.ntotal == len(passages)
    # The stored vectors are the model's own vectors of each passage's embedding text.
    by_id = {t.doc_id: t for t in transcripts}
    fresh = service.embedder.embed([embedding_text(p, by_id[p.doc_id]) for p in passages])
    stored = loaded.dense.vectors(np.arange(len(passages)))
    assert np.allclose(stored, fresh, atol=1e-5)
    assert loaded.sentence_vectors.shape == (loaded.manifest.n_sentences, loaded.manifest.model.dimension)


def test_stale_index_is_rebuilt_and_fresh_one_is_kept(
    service: QAService, embedder: SentenceTransformerEmbedder, settings: Settings, small_corpus: Path, tmp_path: Path
) -> None:
    local = settings.with_overrides(docs_dir=small_corpus, index_dir=tmp_path / "index")
    model = service.embedder.model
    assert index_problem(local, model) is not None
    assert ensure_index(local, embedder) is True
    first_build = (local.index_dir / CURRENT_LINK).resolve().name
    assert index_problem(local, model) is None
    assert ensure_index(local, embedder) is False

    with (small_corpus / "003_94303b5083c37beb.txt").open("a", encoding="utf-8") as handle:
        handle.write("\nXi Yanchun:\n\nOne more question from Reuters, please.\n")
    assert "changed" in (index_problem(local, model) or "")
    assert ensure_index(local, embedder) is True
    second_build = (local.index_dir / CURRENT_LINK).resolve().name
    assert second_build != first_build
    reloaded = current_build(local, model)
    assert any("Reuters" in t.text for t in reloaded.transcripts.values())


def test_index_built_with_vectors_of_another_precision_is_refused(service: QAService, settings: Settings) -> None:
    other = EmbedBackend.ONNX if settings.embed.backend is EmbedBackend.ONNX_INT8 else EmbedBackend.ONNX_INT8
    with pytest.raises(IndexUnavailableError, match="vectors"):
        load_index(settings.index_dir, service.embedder.model, settings.chunk, precision=other.precision)
    assert "vectors" in (index_problem(settings.with_overrides(backend=other), service.embedder.model) or "")


def test_index_built_with_other_chunking_is_refused(service: QAService, settings: Settings) -> None:
    other = ChunkSettings(max_tokens=settings.chunk.max_tokens + 10)
    with pytest.raises(IndexUnavailableError, match="chunking"):
        load_index(settings.index_dir, service.embedder.model, other, precision=settings.embed.backend.precision)
    assert "chunking" in (index_problem(settings.with_overrides(chunk=other), service.embedder.model) or "")


@pytest.mark.parametrize(
    "victim", ["passages/start.npy", "passages/contexts_blob.npy", "passages.faiss", "sentences.npy",
               "documents/transcripts.jsonl", "documents/catalog.json"],
)
def test_damaged_or_missing_file_is_detected(
    service: QAService, embedder: SentenceTransformerEmbedder, settings: Settings, small_corpus: Path, tmp_path: Path, tokenizer: TokenCounter, victim: str
) -> None:
    local = settings.with_overrides(docs_dir=small_corpus, index_dir=tmp_path / "index")
    build = build_index(local, embedder, tokenizer)
    target = build / victim
    if victim.startswith("documents/"):
        target.unlink()
    else:
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    with pytest.raises(IndexUnavailableError, match="missing or damaged"):
        current_build(local, service.embedder.model)


def test_failed_build_leaves_the_previous_index_serving(
    service: QAService, embedder: SentenceTransformerEmbedder, settings: Settings, small_corpus: Path, tmp_path: Path, tokenizer: TokenCounter
) -> None:
    local = settings.with_overrides(docs_dir=small_corpus, index_dir=tmp_path / "index")
    build_index(local, embedder, tokenizer)
    before = (local.index_dir / CURRENT_LINK).resolve()
    for path in small_corpus.iterdir():
        path.unlink()
    (small_corpus / "broken.txt").write_bytes(b"Zhu Bing:\n\nCaf\xe9 prices rose.\n")
    with pytest.raises(CorpusError, match=r"no transcript text found .*\n  broken\.txt: not valid UTF-8 \(byte 14"):
        build_index(local, embedder, tokenizer)
    assert (local.index_dir / CURRENT_LINK).resolve() == before
    assert current_build(local, service.embedder.model).manifest.n_passages > 0
    assert [p.name for p in (local.index_dir / "builds").iterdir()] == [before.name]


def test_an_unreadable_file_is_set_aside_and_the_rest_indexed(
    service: QAService, embedder: SentenceTransformerEmbedder, settings: Settings, small_corpus: Path, tmp_path: Path, tokenizer: TokenCounter
) -> None:
    local = settings.with_overrides(docs_dir=small_corpus, index_dir=tmp_path / "index")
    (small_corpus / "broken.txt").write_bytes(b"Zhu Bing:\n\nCaf\xe9 prices rose.\n")
    build_index(local, embedder, tokenizer)
    manifest = current_build(local, service.embedder.model).manifest
    assert "broken.txt" not in {d.doc_id for d in manifest.documents} and manifest.documents
    assert [(u.doc_id, u.reason[:38]) for u in manifest.unreadable] == [("broken.txt", "broken.txt: not valid UTF-8 (byte 14: ")]
    # The unreadable file is part of the corpus as it is: the index is fresh, not rebuilt at every start.
    assert index_problem(local, service.embedder.model) is None


def test_a_build_reads_no_file_larger_than_a_write_would_take(
    service: QAService, embedder: SentenceTransformerEmbedder, settings: Settings, small_corpus: Path, tmp_path: Path,
    tokenizer: TokenCounter,
) -> None:
    # One limit for writes and builds: with a separate one, a compaction would set aside a
    # document a write had taken (or index one no write could replace).
    local = settings.with_overrides(docs_dir=small_corpus, index_dir=tmp_path / "index", max_upload_bytes=20_000)
    (small_corpus / "long.txt").write_text("Zhu Bing:\n\n" + "Prices rose again this month. " * 700)
    build_index(local, embedder, tokenizer)
    manifest = current_build(local, service.embedder.model).manifest
    assert [u.doc_id for u in manifest.unreadable] == ["long.txt"]
    assert manifest.unreadable[0].reason == "long.txt: 21011 bytes is over the 20000-byte limit per document (RAG_MAX_UPLOAD_BYTES)"
    assert manifest.documents and all((small_corpus / d.doc_id).stat().st_size <= 20_000 for d in manifest.documents)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: (d / "empty.txt").write_text("  \n"), "empty.txt: the file is empty"),
    ],
)
def test_unusable_corpus_gets_a_clear_error(
    service: QAService, embedder: SentenceTransformerEmbedder, settings: Settings, tmp_path: Path, tokenizer: TokenCounter, setup, message: str
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    setup(docs)
    local = settings.with_overrides(docs_dir=docs, index_dir=tmp_path / "index")
    with pytest.raises(CorpusError, match=message):
        build_index(local, embedder, tokenizer)
    assert not (local.index_dir / CURRENT_LINK).exists()


def test_an_empty_corpus_folder_builds_an_empty_index_that_answers_nothing(
    service: QAService, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    local = settings.with_overrides(docs_dir=docs, index_dir=tmp_path / "index")
    with caplog.at_level(logging.WARNING, logger="rag.index.build"):
        empty = open_service(local, build_if_needed=True)
    assert "the index is empty until documents are added" in caplog.text
    assert (empty.health().documents, empty.health().passages) == (0, 0)
    answer = empty.ask("What did the spokesperson say about trade?")
    assert answer.abstained and answer.passages == [] and answer.abstain_reason
    assert index_problem(local, service.embedder.model) is None  # fresh: not rebuilt at every start


def test_sentences_past_the_models_window_are_embedded_alone(
    service: QAService, embedder: SentenceTransformerEmbedder, settings: Settings, small_corpus: Path, tmp_path: Path, tokenizer: TokenCounter
) -> None:
    # A 400-token budget makes passages longer than the 256-wordpiece window: the sentences at
    # their ends get no tokens from the passage pass and must still get real vectors.
    local = settings.with_overrides(
        docs_dir=small_corpus, index_dir=tmp_path / "index", chunk=ChunkSettings(max_tokens=400, overlap_tokens=0)
    )
    build_index(local, embedder, tokenizer)
    loaded = current_build(local, service.embedder.model)
    vectors = np.asarray(loaded.sentence_vectors)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    last = loaded.passages[max(range(len(loaded.passages)), key=lambda i: loaded.passages[i].end - loaded.passages[i].start)]
    transcript = loaded.transcripts[last.doc_id]
    row = loaded.passages.sentence_rows[loaded.passages.position_of(last.id)][-1]
    sentence = last.sentences[-1]
    alone = service.embedder.embed([transcript.text[sentence.start : sentence.end]])[0]
    assert float(vectors[row] @ alone) > 0.99, "a sentence past the window should be embedded on its own"
