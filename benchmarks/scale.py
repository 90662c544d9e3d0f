"""FAISS index types and BM25 at corpus sizes up to a million synthetic passages.

Each index type is searched one question at a time, as `/ask` does, for the service's dense
depth (`search_k`, RetrievalSettings.candidates); recall@10 is measured against exact
(flat) search over the same vectors. Non-flat indexes are cached with the build time they
took, so a second run measures search again without rebuilding for minutes. At sizes where
the service would build an approximate index (rag/ann.py), that index is measured too, its
efSearch calibrated as `rag index` does it, on sentence vectors.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from rag.index import dense as ann
from benchmarks.results import IndexTypeResult, LexicalScaleResult
from benchmarks.scale_data import SentencePool, SyntheticCorpus
from benchmarks.stats import summarize, time_each
from rag.settings import DEFAULT_ANN_THRESHOLD, AnswerSettings
from rag.index.lexical import LexicalIndex, tokenize

_ADD_CHUNK = 65536
# Each 8-bit product quantiser learns 256 centroids; faiss wants 39 training points per centroid.
_PQ_MIN_TRAINING = 39 * 256


@dataclass(frozen=True)
class ScalePlan:
    """Sizes, index types and how long each measurement may take."""

    sizes: tuple[int, ...] = (100_000, 1_000_000)
    queries: int = 200
    search_k: int = 100
    pool_size: int = 20_000
    seed: int = 0
    latency_seconds: float = 6.0
    """Per index configuration: single-question searches stop after this long (at least 10 run)."""
    hnsw_m: int = 32
    hnsw_ef_search: tuple[int, ...] = (128, 256, 512)
    nprobe: tuple[int, ...] = (16, 64, 256)
    pq_m: int = 48
    lexical_max_size: int = 1_000_000
    """BM25 is measured up to this size (its index is built from scratch every run)."""
    ann_threshold: int = DEFAULT_ANN_THRESHOLD
    """The service's `RAG_ANN_THRESHOLD`: from this size on, its own approximate index is measured."""
    ann_min_recall: float = 0.95
    """The service's `RAG_ANN_MIN_RECALL`, the target of the efSearch calibration."""


@dataclass(frozen=True)
class CandidateIndex:
    """A FAISS factory string and the search settings to try on it."""

    name: str
    factory: str
    settings: tuple[tuple[str, int], ...]
    """(parameter, value) pairs, one measurement each; empty for flat."""


def nlist_for(size: int) -> int:
    """IVF cells: the power of two nearest sqrt(size), between 16 and 1024 (k-means on 2 cores stays short)."""
    return int(min(1024, max(16, 2 ** round(math.log2(math.sqrt(size))))))


def index_specs(size: int, plan: ScalePlan) -> list[CandidateIndex]:
    """Flat, HNSW, IVF with 8-bit scalar quantisation and IVF with product quantisation."""
    nlist = nlist_for(size)
    # Probing more cells than exist repeats the last row.
    ivf = tuple(("nprobe", p) for p in sorted({min(p, nlist) for p in plan.nprobe}))
    specs = [
        CandidateIndex("Flat", "Flat", ()),
        CandidateIndex(f"HNSW{plan.hnsw_m}", f"HNSW{plan.hnsw_m}", tuple(("efSearch", e) for e in plan.hnsw_ef_search)),
        CandidateIndex(f"IVF{nlist},SQ8", f"IVF{nlist},SQ8", ivf),
    ]
    if size >= _PQ_MIN_TRAINING:
        # "np": no polysemous training, which takes minutes and only serves Hamming pre-filtering.
        specs.append(CandidateIndex(f"IVF{nlist},PQ{plan.pq_m}", f"IVF{nlist},PQ{plan.pq_m}np", ivf))
    return specs


def bench_indexes(
    corpus: SyntheticCorpus, corpus_key: str, queries: np.ndarray, plan: ScalePlan, cache_dir: Path, threads: int,
    *, calibration: np.ndarray | None = None,
) -> list[IndexTypeResult]:
    """Every index type at every size; ground truth is exact inner-product search.

    With `calibration` (sentence vectors, as the service calibrates on), sizes at or over
    `plan.ann_threshold` also get a row for the service's own index, named `service: ...`.
    """
    faiss.omp_set_num_threads(threads)
    results: list[IndexTypeResult] = []
    for size in sorted(plan.sizes):
        vectors = corpus.vectors[:size]
        flat, flat_seconds = _build("Flat", vectors)
        _, truth = flat.search(queries, 10)
        for spec in index_specs(size, plan):
            if spec.factory == "Flat":
                index, seconds, cached = flat, flat_seconds, False
                bytes_per_passage = float(flat.code_size)
            else:
                index, seconds, cached, file_bytes = _cached_build(spec.factory, vectors, corpus_key, cache_dir)
                bytes_per_passage = file_bytes / size
            for parameter, value in spec.settings or (("", 0),):
                if parameter:
                    _set_search_parameter(index, parameter, value)
                _, found = index.search(queries, plan.search_k)
                results.append(IndexTypeResult(
                    size=size, name=spec.name, factory=spec.factory,
                    search_params=f"{parameter}={value}" if parameter else "exact",
                    build_seconds=round(seconds, 2), build_cached=cached,
                    recall_at_10=round(ann.recall_at_k(found, truth, 10), 4),
                    latency=summarize(_single_query_seconds(index, queries, plan.search_k, plan.latency_seconds)),
                    bytes_per_passage=round(bytes_per_passage, 1),
                ))
            if index is not flat:
                del index
        if calibration is not None and ann.uses_approximate_index(size, plan.ann_threshold):
            results.append(_service_index(vectors, calibration, queries, truth, plan, corpus_key, cache_dir))
        del flat
    return results


def _service_index(
    vectors: np.ndarray, calibration: np.ndarray, queries: np.ndarray, truth: np.ndarray, plan: ScalePlan,
    corpus_key: str, cache_dir: Path,
) -> IndexTypeResult:
    """The index `rag index` would build at this size, calibrated as it would be, searched with the gold queries."""
    factory = ann.hnsw_factory()
    index, seconds, cached, file_bytes = _cached_build(factory, vectors, corpus_key, cache_dir, builder=ann.build_hnsw)
    spec = ann.calibrate(index, vectors, calibration, threshold=plan.ann_threshold, min_recall=plan.ann_min_recall,
                         depth=plan.search_k)
    _, found = index.search(queries, plan.search_k)
    reached = "" if spec.reached_target else ", target missed"
    return IndexTypeResult(
        size=len(vectors), name=f"service: {factory}", factory=factory,
        search_params=f"efSearch={spec.ef_search} (calibrated: {spec.recall_at_10:.3f} on sentences{reached})",
        build_seconds=round(seconds, 2), build_cached=cached,
        recall_at_10=round(ann.recall_at_k(found, truth, 10), 4),
        latency=summarize(_single_query_seconds(index, queries, plan.search_k, plan.latency_seconds)),
        bytes_per_passage=round(file_bytes / len(vectors), 1),
    )


def bench_lexical(
    pool: SentencePool, corpus: SyntheticCorpus, questions: Sequence[str], plan: ScalePlan
) -> list[LexicalScaleResult]:
    """BM25 over the synthetic passages (retrieval) and over the sentences of the top passages (answering)."""
    pool_tokens = [tokenize(text) or ["\x00"] for text in pool.texts]
    return [_lexical_at_size(corpus.mix[:size], pool_tokens, questions, plan)
            for size in sorted(s for s in plan.sizes if s <= plan.lexical_max_size)]


def _lexical_at_size(
    rows: np.ndarray, pool_tokens: list[list[str]], questions: Sequence[str], plan: ScalePlan
) -> LexicalScaleResult:
    """Both BM25 indexes over the passages `rows` (pool sentence ids, -1 pads), built and timed."""
    started = time.perf_counter()
    passages = LexicalIndex.from_tokens([[token for j in row if j >= 0 for token in pool_tokens[j]] for row in rows])
    # One document per sentence occurrence, as the index keeps every sentence span.
    sentences = LexicalIndex.from_tokens([pool_tokens[j] for row in rows for j in row if j >= 0])
    build_seconds = time.perf_counter() - started
    retrieval = _Retrieval(passages, min(plan.search_k, len(rows)))
    # Answering scores the sentences of the top passages only: those of BM25's top few here.
    answer_passages = AnswerSettings().candidate_passages
    first_sentence = np.concatenate([[0], np.cumsum((rows >= 0).sum(axis=1))])
    answering = [
        (question, np.concatenate([np.arange(first_sentence[p], first_sentence[p + 1])
                                   for p in retrieval(question)[:answer_passages]]))
        for question in questions
    ]
    return LexicalScaleResult(
        size=len(rows), sentences=int(first_sentence[-1]), build_seconds=round(build_seconds, 2),
        passage_bm25=summarize(time_each(retrieval, questions, plan.latency_seconds)),
        sentence_bm25=summarize(time_each(lambda pair: sentences.scores_at(*pair), answering, plan.latency_seconds)),
    )


@dataclass(frozen=True)
class _Retrieval:
    """What retrieval does with BM25: score every passage, keep the best `depth` in order."""

    index: LexicalIndex
    depth: int

    def __call__(self, question: str) -> np.ndarray:
        scores = self.index.scores(question)
        top = np.argpartition(-scores, self.depth - 1)[: self.depth]
        return top[np.argsort(-scores[top], kind="stable")]


def _single_query_seconds(index: faiss.Index, queries: np.ndarray, k: int, limit: float) -> list[float]:
    return time_each(lambda row: index.search(row.reshape(1, -1), k), queries, limit)


def _build(factory: str, vectors: np.ndarray) -> tuple[faiss.Index, float]:
    """Train (IVF) and fill an inner-product index; returns it with the seconds it took."""
    started = time.perf_counter()
    index = faiss.index_factory(vectors.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
    if not index.is_trained:
        ivf = faiss.extract_index_ivf(index)
        # Fewer k-means iterations and points than faiss's defaults: training stays within
        # seconds on 2 cores, at a small cost in recall that the table shows.
        ivf.cp.niter = 10
        if isinstance(ivf, faiss.IndexIVFPQ):
            ivf.pq.cp.niter = 10
            ivf.pq.cp.max_points_per_centroid = 64
        # Rows are independent draws, so a prefix is a random training sample (PQ needs 39 x 256).
        sample = min(len(vectors), max(50 * ivf.nlist, _PQ_MIN_TRAINING))
        index.train(np.ascontiguousarray(vectors[:sample]))
    for start in range(0, len(vectors), _ADD_CHUNK):
        index.add(np.ascontiguousarray(vectors[start : start + _ADD_CHUNK]))
    return index, time.perf_counter() - started


def _cached_build(
    factory: str, vectors: np.ndarray, corpus_key: str, cache_dir: Path,
    builder: Callable[[np.ndarray], faiss.Index] | None = None,
) -> tuple[faiss.Index, float, bool, int]:
    """(index, build seconds, whether it came from the cache, file bytes); `builder` replaces `_build`."""
    stem = f"{corpus_key}-{len(vectors)}-{factory.replace(',', '_')}"
    path, sidecar = cache_dir / f"{stem}.faiss", cache_dir / f"{stem}.json"
    if path.is_file() and sidecar.is_file():
        return faiss.read_index(str(path)), json.loads(sidecar.read_text())["build_seconds"], True, path.stat().st_size
    if builder is None:
        index, seconds = _build(factory, vectors)
    else:
        started = time.perf_counter()
        index = builder(vectors)
        seconds = time.perf_counter() - started
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    faiss.write_index(index, str(partial))
    partial.rename(path)
    sidecar.write_text(json.dumps({"build_seconds": seconds, "built_at": time.strftime("%Y-%m-%dT%H:%M:%S")}))
    return index, seconds, False, path.stat().st_size


def _set_search_parameter(index: faiss.Index, parameter: str, value: int) -> None:
    if parameter == "efSearch":
        faiss.downcast_index(index).hnsw.efSearch = value
    elif parameter == "nprobe":
        faiss.extract_index_ivf(index).nprobe = value
    else:
        raise ValueError(f"unknown search parameter {parameter!r}")
