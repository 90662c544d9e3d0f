"""The large-server stage: a real `rag serve` over about 100k passages, measured as the seeds server is.

The benchmark corpus is copied (hard links, one folder per copy) until it holds about
`target_passages` passages, and indexed by the real pipeline (parser, chunker, store, both
BM25 indexes, the FAISS index chosen and calibrated by size) with the stand-in embedder of
`benchmarks.standin`. The build is cached under the bench's cache folder, keyed by the
pipeline's own staleness check. Then the seeds server and the large server are started in
turn, each answering the same number of questions from one client, and /proc/<pid>/status
is read after start and after the questions. Memory per passage is the difference between
the two servers divided by the difference in passages: the same code, the same kind of
load, so what does not grow with the corpus cancels out.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.index.dense import HNSWIndexSpec, IndexSpec
from benchmarks.http_client import KeepAliveClient
from benchmarks.http_load import single_client
from benchmarks.results import LargeResult, LatencySummary, ServerMemory
from benchmarks.server import serve
from benchmarks.standin import StandInEmbedder
from benchmarks.stats import (
    anonymous_resident_bytes,
    file_resident_bytes,
    peak_resident_bytes,
    resident_bytes,
    summarize,
    time_each,
)
from rag.settings import Settings
from rag.ingest.corpus import discover
from rag.embedding import ResolvedModel
from rag.index import (
    CURRENT_LINK,
    build_index,
    index_problem,
    load_configured_index,
    read_manifest,
)
from rag.chunking.tokens import load_encoding

log = logging.getLogger(__name__)

_SETTLE_SECONDS = 2.0
"""Pause after `/health` answers before memory is read: lets start-up garbage be collected."""


@dataclass(frozen=True)
class LargePlan:
    """How large the corpus is and how much each server is asked."""

    target_passages: int = 100_000
    requests: int = 300
    """Questions one client asks each server (the benchmark's and the seeds' gold questions, cycled)."""
    repeats: int = 2
    """Servers started per corpus, alternating small and large (medians count)."""
    time_limit_seconds: float = 120.0


@dataclass(frozen=True)
class ServedCorpus:
    """A corpus the stage serves: its folders and the questions its client asks."""

    name: str
    docs_dir: Path
    index_dir: Path
    questions: Sequence[str]


def bench_large(
    small: ServedCorpus, benchmark: ServedCorpus, model: ResolvedModel, settings: Settings, plan: LargePlan,
    cache_dir: Path, question_vectors: np.ndarray,
) -> LargeResult:
    """Build (or reuse) the large index of `model`'s identity, then measure the small and the large server in turn.

    `question_vectors` (the benchmark's questions, embedded by the model) time the large
    index's own dense search in process, as the server runs it: the part of its latency
    that the stand-in vectors, not the corpus size, decide.
    """
    source = read_manifest(benchmark.index_dir / CURRENT_LINK / "manifest.json")
    copies = max(1, math.ceil(plan.target_passages / source.n_passages))
    docs_dir = replicate_corpus(benchmark.docs_dir, copies, cache_dir / f"docs-{benchmark.name}-x{copies}")
    large_settings = settings.with_overrides(docs_dir=docs_dir, index_dir=cache_dir / f"index-{benchmark.name}-x{copies}")
    build_seconds, cached = _ensure_standin_index(large_settings, model, source.model.dimension)
    manifest = read_manifest(large_settings.index_dir / CURRENT_LINK / "manifest.json")
    large = ServedCorpus(f"{benchmark.name} x{copies}", docs_dir, large_settings.index_dir, benchmark.questions)
    small_runs: list[ServerMemory] = []
    large_runs: list[ServerMemory] = []
    for repeat in range(plan.repeats):
        small_runs.append(measure_server(small, plan, cache_dir / "logs" / f"serve-small-{repeat}.log"))
        large_runs.append(measure_server(large, plan, cache_dir / "logs" / f"serve-large-{repeat}.log"))
    dense_search = time_dense_search(large_settings, model, question_vectors, plan.time_limit_seconds)
    return LargeResult(
        source_corpus=benchmark.name, copies=copies, target_passages=plan.target_passages,
        passages=manifest.n_passages, sentences=manifest.n_sentences, documents=len(discover(docs_dir)),
        build_seconds=round(build_seconds, 1), build_cached=cached, faiss_index=_describe(manifest.faiss_index),
        requests=plan.requests, small=small_runs, large=large_runs, dense_search=dense_search,
    )


def replicate_corpus(source: Path, copies: int, target: Path) -> Path:
    """`target/copyNN/<path>` for every document of `source`, NN = 1..copies; made once, then reused.

    Hard links where the file system allows (no extra space), else copies. The folder is
    made under a temporary name and renamed, so an interrupted run leaves no partial corpus.
    """
    if target.is_dir():
        return target
    files = discover(source)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    width = len(str(copies))
    for number in range(1, copies + 1):
        for path in files:
            destination = partial / f"copy{number:0{width}d}" / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, destination)
            except OSError:
                shutil.copyfile(path, destination)
    partial.rename(target)
    return target


def measure_server(corpus: ServedCorpus, plan: LargePlan, log_path: Path) -> ServerMemory:
    """Start a server over `corpus`, read its memory, ask `plan.requests` questions, read it again."""
    with serve(corpus.index_dir, corpus.docs_dir, log_path) as server:
        time.sleep(_SETTLE_SECONDS)
        rss_idle, anon_idle = resident_bytes(server.pid), anonymous_resident_bytes(server.pid)
        with KeepAliveClient(server.base_url) as http:
            tally = single_client(http, corpus.questions, plan.requests, plan.time_limit_seconds)
        return ServerMemory(
            corpus=corpus.name, passages=server.passages, start_seconds=round(server.start_seconds, 2),
            single=tally.summary(), errors=tally.errors, rss_idle_bytes=rss_idle, anon_idle_bytes=anon_idle,
            rss_after_bytes=resident_bytes(server.pid), anon_after_bytes=anonymous_resident_bytes(server.pid),
            file_after_bytes=file_resident_bytes(server.pid), peak_bytes=peak_resident_bytes(server.pid),
        )


def time_dense_search(
    settings: Settings, model: ResolvedModel, question_vectors: np.ndarray, time_limit_seconds: float
) -> LatencySummary:
    """One dense search per question over the served index, as `/ask` makes it (depth, threads, efSearch)."""
    index = load_configured_index(settings, model)
    depth = settings.retrieval.candidates
    return summarize(time_each(lambda vector: index.dense.search(vector, depth), question_vectors, time_limit_seconds))


def _ensure_standin_index(settings: Settings, model: ResolvedModel, dimension: int) -> tuple[float, bool]:
    """Build the index with the stand-in embedder unless an up-to-date one exists: (build seconds, cached).

    The server must find it up to date: a stale index would make it rebuild with the real
    model, which takes half an hour at this size.
    """
    timing = settings.index_dir.with_name(settings.index_dir.name + "-build.json")
    if index_problem(settings, model) is None and timing.is_file():
        return json.loads(timing.read_text())["seconds"], True
    log.info("building the large index in %s with the stand-in embedder", settings.index_dir)
    started = time.perf_counter()
    tokenizer = load_encoding(settings.chunk.encoding, settings.tiktoken_cache_dir)
    build_index(settings, StandInEmbedder(model, dimension), tokenizer)
    seconds = time.perf_counter() - started
    timing.write_text(json.dumps({"seconds": round(seconds, 1)}))
    return seconds, False


def _describe(spec: IndexSpec) -> str:
    """The FAISS index a build chose, in a few words."""
    if isinstance(spec, HNSWIndexSpec):
        return f"{spec.factory} efSearch {spec.ef_search} (recall@10 {spec.recall_at_10:.3f} on sentence queries)"
    return "flat (exact)"
