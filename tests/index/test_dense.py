"""Choosing the passage index by corpus size: exact below the threshold, calibrated HNSW above it."""

from __future__ import annotations

import json
import logging
import mmap
import shutil
import threading
from pathlib import Path

import faiss
import msgspec
import numpy as np
import pytest

from rag.index import dense as ann
from rag.embedding import SentenceTransformerEmbedder
from rag.settings import DENSE_DEPTH, Settings
from rag.errors import ConfigError, IndexUnavailableError
from rag.index import CURRENT_LINK, index_problem, load_index
from rag.types import Filters
from rag.service import QAService, ensure_index
from tests.conftest import REPO, read_source

# Low enough that the 77 seed passages get the approximate index.
LOW_THRESHOLD = 10


@pytest.fixture(scope="module")
def hnsw_settings(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings.with_overrides(index_dir=tmp_path_factory.mktemp("ann-index"), ann_threshold=LOW_THRESHOLD)


@pytest.fixture(scope="module")
def hnsw_service(hnsw_settings: Settings, service: QAService, embedder: SentenceTransformerEmbedder) -> QAService:
    """The real service over a real HNSW index of the seeds (built once for this module)."""
    assert ensure_index(hnsw_settings, embedder) is True
    index = load_index(hnsw_settings.index_dir, service.embedder.model, hnsw_settings.chunk, precision=hnsw_settings.embed.backend.precision)
    return QAService(hnsw_settings, service.embedder, index)


def gold_questions(limit: int = 40) -> list[str]:
    lines = (REPO / "eval" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines if line.strip()]
    return [item["question"] for item in items if item["answerable"]][:limit]


def test_default_settings_keep_exact_search_on_the_seeds(service: QAService, settings: Settings) -> None:
    spec = service.index.manifest.faiss_index
    assert isinstance(spec, ann.FlatIndexSpec) and spec.recall_at_10 == 1.0
    assert spec.threshold == Settings().index.ann_threshold > service.index.manifest.n_passages
    assert isinstance(service.index.dense.index, faiss.IndexFlatIP)
    assert index_problem(settings, service.embedder.model) is None


def test_flat_vectors_are_the_index_storage_itself(service: QAService) -> None:
    dense = service.index.dense
    positions = np.array([5, 0, 42, 5], dtype=np.int64)
    assert np.array_equal(dense.vectors(positions), dense.index.reconstruct_batch(positions))
    assert not hasattr(service.index, "passage_vectors")
    # Answering reads sentence vectors from the mapped file, not from a copy in memory.
    vectors = service.index.sentence_vectors
    assert isinstance(vectors.base, mmap.mmap) and not vectors.flags.owndata
    assert not vectors.flags.writeable


def test_manifest_records_the_approximate_index_and_its_measured_recall(
    hnsw_service: QAService, hnsw_settings: Settings
) -> None:
    manifest = hnsw_service.index.manifest
    spec = manifest.faiss_index
    assert isinstance(spec, ann.HNSWIndexSpec)
    assert (spec.factory, spec.m, spec.ef_construction) == ("HNSW64_SQ8", ann.HNSW_M, ann.HNSW_EF_CONSTRUCTION)
    assert spec.threshold == LOW_THRESHOLD and spec.search_depth == DENSE_DEPTH
    assert spec.ef_search in ann.EF_SEARCH_STEPS and spec.ef_search >= spec.search_depth
    assert spec.recall_at_10 >= 0.95 and spec.reached_target and spec.target_recall == 0.95
    assert spec.recall_queries == min(ann.RECALL_QUERIES, manifest.n_sentences)
    recorded = json.loads((hnsw_service.index.path / "manifest.json").read_text())["faiss_index"]
    assert recorded["type"] == "IndexHNSWSQ" and recorded["ef_search"] == spec.ef_search
    index = hnsw_service.index.dense.index
    assert isinstance(index, faiss.IndexHNSWSQ) and index.hnsw.efSearch == spec.ef_search
    assert index_problem(hnsw_settings, hnsw_service.embedder.model) is None


def test_search_breadth_comes_from_the_manifest_not_the_faiss_file(hnsw_service: QAService) -> None:
    spec = hnsw_service.index.manifest.faiss_index
    index = faiss.read_index(str(hnsw_service.index.path / "passages.faiss"))
    index.hnsw.efSearch = 16
    assert ann.DenseIndex(index, spec).index.hnsw.efSearch == spec.ef_search


def test_service_over_the_approximate_index_cites_exact_spans(hnsw_service: QAService, service: QAService) -> None:
    same_top = 0
    questions = gold_questions()
    quoted = 0
    for question in questions:
        answer = hnsw_service.ask(question)
        assert answer.passages
        quoted += len(answer.extracts)
        for extract in answer.extracts:
            citation = extract.citation
            assert read_source(citation.doc_id)[citation.start : citation.end] == extract.text
        same_top += answer.passages[0].passage_id == service.ask(question).passages[0].passage_id
    # 77 passages: the graph search is all but exhaustive, and 8-bit codes barely move a score.
    assert same_top >= 0.9 * len(questions)
    assert quoted >= len(questions) // 2


@pytest.mark.parametrize(
    "filters",
    [
        Filters(documents=["001_0c22fd98c8d2c594.txt"]),  # 12 passages, over the threshold: filtered graph walk
        Filters(speakers=["Zhu Bing"]),  # 9 passages, under it: exact scan of the allowed passages' codes
    ],
)
def test_filters_over_the_approximate_index(hnsw_service: QAService, service: QAService, filters: Filters) -> None:
    question = "How much foreign capital did the pilot free trade zones use?"
    answer = hnsw_service.ask(question, filters=filters)
    assert answer.passages
    index = hnsw_service.index
    for hit in answer.passages:
        passage = index.passages[index.passages.position_of(hit.passage_id)]
        assert filters.documents is None or passage.doc_id in filters.documents
        assert filters.speakers is None or "Zhu Bing" in passage.speakers
    assert answer.passages[0].passage_id == service.ask(question, filters=filters).passages[0].passage_id


def test_approximate_vectors_are_close_to_the_exact_ones(hnsw_service: QAService, service: QAService) -> None:
    positions = np.arange(len(service.index.passages), dtype=np.int64)
    approximate = hnsw_service.index.dense.vectors(positions)
    exact = service.index.dense.vectors(positions)
    assert approximate.shape == exact.shape
    assert np.abs(approximate - exact).max() < 5e-3


def test_changing_the_threshold_makes_the_index_stale(hnsw_service: QAService, hnsw_settings: Settings) -> None:
    model = hnsw_service.embedder.model
    problem = index_problem(hnsw_settings.with_overrides(ann_threshold=Settings().index.ann_threshold), model)
    assert problem is not None and "HNSW64_SQ8" in problem and "IndexFlatIP" in problem
    problem = index_problem(hnsw_settings.with_overrides(ann_min_recall=0.99), model)
    assert problem is not None and "recall" in problem


def _copy_index(source: Path, target: Path) -> Path:
    """A private copy of the current build, with its own `current` link."""
    build = source / CURRENT_LINK
    copy = target / "builds" / build.resolve().name
    shutil.copytree(build.resolve(), copy)
    (target / CURRENT_LINK).symlink_to(copy.relative_to(target))
    return copy


def test_unknown_index_type_in_the_manifest_is_a_clear_error(
    hnsw_service: QAService, hnsw_settings: Settings, tmp_path: Path
) -> None:
    build = _copy_index(hnsw_settings.index_dir, tmp_path)
    manifest = json.loads((build / "manifest.json").read_text())
    manifest["faiss_index"]["type"] = "IndexMagicTree"
    (build / "manifest.json").write_text(json.dumps(manifest))
    model = hnsw_service.embedder.model
    with pytest.raises(IndexUnavailableError, match=r"manifest .* is unreadable: .*IndexMagicTree"):
        load_index(tmp_path, model, hnsw_settings.chunk, precision=hnsw_settings.embed.backend.precision)
    assert "unreadable manifest" in (index_problem(hnsw_settings.with_overrides(index_dir=tmp_path), model) or "")


def test_manifest_and_faiss_file_of_different_types_are_refused(
    hnsw_service: QAService, hnsw_settings: Settings, tmp_path: Path
) -> None:
    build = _copy_index(hnsw_settings.index_dir, tmp_path)
    manifest = json.loads((build / "manifest.json").read_text())
    manifest["faiss_index"] = {"type": "IndexFlatIP", "threshold": 10**6}
    (build / "manifest.json").write_text(json.dumps(manifest))
    message = "passages.faiss holds a IndexHNSWSQ, the manifest says IndexFlatIP"
    with pytest.raises(IndexUnavailableError, match=message):
        load_index(tmp_path, hnsw_service.embedder.model, hnsw_settings.chunk, precision=hnsw_settings.embed.backend.precision)


def test_calibration_that_cannot_reach_its_target_says_so(caplog: pytest.LogCaptureFixture) -> None:
    # Random vectors have near ties everywhere: 8-bit codes swap some of the exact top 10,
    # so recall 1.0 is out of reach at any efSearch.
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((3000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = vectors[:400] + 0.3 * rng.standard_normal((400, 32)).astype(np.float32)
    with caplog.at_level(logging.WARNING, logger="rag.index.dense"):
        index, spec = ann.build_dense_index(vectors, queries, threshold=1000, min_recall=1.0)
    assert isinstance(spec, ann.HNSWIndexSpec) and index.ntotal == 3000
    assert not spec.reached_target and spec.ef_search == ann.EF_SEARCH_STEPS[-1]
    assert 0.9 < spec.recall_at_10 < 1.0 and spec.recall_queries == ann.RECALL_QUERIES
    assert "below the target" in caplog.text
    _, reachable = ann.build_dense_index(vectors, queries, threshold=1000, min_recall=0.9)
    assert reachable.reached_target and reachable.recall_at_10 >= 0.9 and reachable.ef_search < spec.ef_search
    flat, exact = ann.build_dense_index(vectors, queries, threshold=3001, min_recall=0.9)
    assert isinstance(exact, ann.FlatIndexSpec) and isinstance(flat, faiss.IndexFlatIP)
    assert msgspec.json.decode(msgspec.json.encode(spec), type=ann.IndexSpec) == spec


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"RAG_ANN_THRESHOLD": "many"}, "RAG_ANN_THRESHOLD='many' is not a valid int"),
        ({"RAG_ANN_THRESHOLD": "0"}, "ann_threshold must be at least 1, got 0"),
        ({"RAG_ANN_MIN_RECALL": "1.5"}, r"ann_min_recall must be in \(0, 1\], got 1.5"),
        ({"RAG_ANN_MIN_RECALL": "0"}, r"ann_min_recall must be in \(0, 1\], got 0.0"),
        ({"RAG_FAISS_THREADS": "0"}, "faiss_threads must be at least 1, got 0"),
    ],
)
def test_invalid_index_settings_say_what_and_which_value(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(environ)


def test_index_settings_from_the_environment() -> None:
    settings = Settings.from_env({"RAG_ANN_THRESHOLD": "50000", "RAG_ANN_MIN_RECALL": "0.97", "RAG_FAISS_THREADS": "2"})
    assert (settings.index.ann_threshold, settings.index.ann_min_recall, settings.index.faiss_threads) == (50_000, 0.97, 2)


@pytest.mark.parametrize("threads", [1, 3])
def test_faiss_threads_apply_in_threads_started_after_loading(settings: Settings, service: QAService, threads: int) -> None:
    """OpenMP keeps its thread count per thread: a web server's worker, started later, must not
    search with one OpenMP thread per core."""
    index = load_index(settings.index_dir, service.embedder.model, settings.chunk, precision=settings.embed.backend.precision, faiss_threads=threads)
    seen: list[int] = []

    def search_then_look() -> None:
        faiss.omp_set_num_threads(7)  # what a fresh thread may start with; the search must override it
        index.dense.search(service.embedder.embed(["budget"])[0], 5)
        seen.append(faiss.omp_get_max_threads())

    worker = threading.Thread(target=search_then_look)
    worker.start()
    worker.join()
    assert seen == [threads]
