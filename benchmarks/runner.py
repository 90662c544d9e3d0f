"""`rag bench`: every stage in order, each bounded, then BENCH.md and BENCH.json.

Stages: build (index build against the raw encoder), http (a real server on 127.0.0.1),
profile (the same questions in process), writes (documents written while serving), scale (synthetic corpora up to 1M passages),
large (a real server over the benchmark copied to about 100k passages: memory per passage),
peers (the peer scripts, when PEER_VENVS names their venvs).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
import os
import random
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.build import bench_build, load_raw_encoder
from benchmarks.http_load import LoadPlan, bench_http, bench_profile
from benchmarks.large import LargePlan, ServedCorpus, bench_large
from benchmarks.peers import run_peers
from benchmarks.parsing import bench_parsing
from benchmarks.profiling import ask_seconds, profile_ask
from benchmarks.report import write_report
from benchmarks.results import (
    BenchResult,
    BuildResult,
    Corpus,
    HttpResult,
    LargeResult,
    LoadSample,
    ProfileResult,
    ScaleResult,
)
from benchmarks.scale import ScalePlan, bench_indexes, bench_lexical
from benchmarks.scale_data import load_pool, pool_texts, synthesise
from benchmarks.server import serve
from benchmarks.writes import bench_writes
from benchmarks.stats import load_sample, machine
from benchmarks.targets import check_targets, estimates
from rag.settings import MAX_QUESTION_THREADS, Settings, thread_plan
from rag.ingest.corpus import discover
from rag.embedding import Embedder, QueryThreads, load_embedder, load_question_encoder, with_query_threads
from rag.errors import ConfigError
from rag.service import QAService, ensure_index, open_service
from rag.chunking.tokens import load_encoding

log = logging.getLogger(__name__)

STAGES = ("parse", "build", "http", "profile", "writes", "scale", "large", "peers")
_SMALL_CORPUS_BYTES = 1 << 20


@dataclass(frozen=True)
class BenchOptions:
    """What to measure and how much; the defaults are the full bench (about 15 minutes on 2 cores)."""

    out: Path = Path("eval/BENCH.md")
    cache_dir: Path = Path(".cache/bench")
    """Bench indexes, server logs, scale vectors and FAISS builds (git-ignored)."""
    seeds_gold: Path = Path("eval/gold.jsonl")
    benchmark_dir: Path | None = Path("../shared/bench")
    benchmark: str | None = None
    """A folder name under `benchmark_dir`; None: the one with the most document bytes."""
    stages: tuple[str, ...] = STAGES
    build_repeats: int = 3
    """Builds of a corpus under 1 MiB (the median counts); larger corpora are built once."""
    encode_sample: int = 0
    """Passage texts the raw encoder times (a seeded sample); 0: all of them, the exact comparison."""
    load: LoadPlan = field(default_factory=LoadPlan)
    profile_requests: int = 200
    profiled_asks: int = 100
    scale: ScalePlan = field(default_factory=ScalePlan)
    large: LargePlan = field(default_factory=LargePlan)
    throughput_profile: dict[str, str] | None = None
    """Settings of a second seeds server, loaded as the first one is; None: the thread plan the
    machine did not choose (`other_thread_plan`); empty: not run."""
    peer_venvs: Path | None = None
    peers_dir: Path = Path("../shared/peers")
    wait_idle_seconds: float = 0.0
    idle_load: float = 1.0
    command: str = "rag bench"

    def __post_init__(self) -> None:
        unknown = set(self.stages) - set(STAGES)
        if unknown:
            raise ConfigError(f"unknown bench stage(s) {sorted(unknown)}; choose from {list(STAGES)}")
        if self.build_repeats < 1:
            raise ConfigError(f"build_repeats must be at least 1, got {self.build_repeats}")


def other_thread_plan(chosen: QueryThreads) -> dict[str, str]:
    """The settings of the plan the machine did not choose: one thread per call with a lane per
    core when it chose two, two threads with half the lanes when it chose one."""
    cores = thread_plan().cores
    threads = 1 if chosen.threads > 1 else min(cores, MAX_QUESTION_THREADS)
    return {"RAG_QUERY_THREADS": str(threads), "RAG_QUERY_LANES": str(thread_plan(cores, threads).query_lanes)}


def quick_options(**changes: object) -> BenchOptions:
    """A run of seconds: seeds only, a handful of requests, a small scale test, no peers."""
    base = BenchOptions(
        benchmark_dir=None, build_repeats=1, encode_sample=200,
        load=LoadPlan(warmup=3, single_requests=20, concurrent_requests=40, clients=(8,), time_limit_seconds=20),
        profile_requests=20, profiled_asks=10,
        scale=ScalePlan(sizes=(10_000,), queries=40, pool_size=1000, latency_seconds=1.0),
        large=LargePlan(target_passages=2_000, requests=20, repeats=1),
        stages=("parse", "build", "http", "profile", "writes", "scale"),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


_EARLIER_STARTS = 2
"""Launches of each measured server before it, for its start time: the first launch may read the
program from disk, the next ones from the page cache; the median of the three is reported."""


def _start_seconds(settings: Settings, log_path: Path) -> float:
    """Seconds from launching `rag serve` over these folders to its first `/health` answer (then stopped)."""
    with serve(settings.index_dir, settings.docs_dir, log_path) as server:
        return server.start_seconds


def run_bench(settings: Settings, options: BenchOptions) -> BenchResult:
    """Run the chosen stages, write the report and return what was measured."""
    started = time.perf_counter()
    notes: list[str] = []
    loads: list[LoadSample] = [load_sample("start")]
    if options.wait_idle_seconds > 0:
        notes.append(_wait_for_quiet(options.idle_load, options.wait_idle_seconds))
        loads.append(load_sample("after waiting for a quiet machine"))
    corpora = _corpora(settings, options, notes)
    questions = {c.name: _gold_questions(Path(c.gold)) for c in corpora}
    loading = time.perf_counter()
    embedder = load_embedder(settings)
    model_load_seconds = time.perf_counter() - loading
    encoder = load_raw_encoder(settings, embedder.model)
    # Measured here (or remembered from `rag setup`): every server below reads the same choice.
    settings, chosen = with_query_threads(settings, embedder.model)
    notes.append(f"This machine's question threads: {chosen.threads} per question, {chosen.lanes} at once "
                 f"({chosen.basis}).")
    second_plan = other_thread_plan(chosen) if options.throughput_profile is None else options.throughput_profile
    # The floor of the one-client target, as the servers run it: timed between blocks of requests.
    question_encoder = load_question_encoder(settings, embedder.model) if "http" in options.stages else None

    def index_settings(corpus: Corpus) -> Settings:
        index_dir = options.cache_dir / "index" / corpus.name
        return settings.with_overrides(docs_dir=Path(corpus.docs_dir), index_dir=index_dir)

    parsing = bench_parsing() if "parse" in options.stages else []
    builds: list[BuildResult] = []
    http: list[HttpResult] = []
    profiles: list[ProfileResult] = []
    throughput_profile = None
    if "build" in options.stages:
        tokenizer = load_encoding(settings.chunk.encoding, settings.tiktoken_cache_dir)
        for corpus in corpora:
            # A large corpus builds twice (not 3 times: minutes each), so that the two orders of
            # build and bare encode (see bench_build) each count once.
            repeats = options.build_repeats if corpus.bytes < _SMALL_CORPUS_BYTES else min(options.build_repeats, 2)
            builds.append(bench_build(corpus, index_settings(corpus), embedder, encoder, tokenizer, repeats=repeats,
                                      encode_sample=options.encode_sample, model_load_seconds=model_load_seconds))
            loads.append(load_sample(f"build {corpus.name} done"))
    for corpus in corpora:
        corpus_settings = index_settings(corpus)
        texts = [q for _, q in questions[corpus.name]]
        if "http" in options.stages:
            # Built here when the build stage left it out: a server that builds at start would
            # count the build in its start time and its memory.
            ensure_index(corpus_settings, embedder)
            log_path = options.cache_dir / "logs" / f"serve-{corpus.name}.log"
            earlier = [_start_seconds(corpus_settings, log_path) for _ in range(_EARLIER_STARTS)]
            with serve(corpus_settings.index_dir, corpus_settings.docs_dir, log_path) as server:
                http.append(bench_http(server, corpus.name, texts, options.load,
                                       question_encoder and (lambda q: question_encoder.embed([q])), earlier))
            if corpus.role == "seeds" and second_plan:
                log_path = options.cache_dir / "logs" / f"serve-{corpus.name}-profile.log"
                with serve(corpus_settings.index_dir, corpus_settings.docs_dir, log_path,
                           settings=second_plan) as server:
                    throughput_profile = bench_profile(server, corpus.name, second_plan, texts, options.load)
            loads.append(load_sample(f"http {corpus.name} done"))
        if "profile" in options.stages:
            # No question cache: the profile asks the same questions the embed rows embed.
            service = open_service(corpus_settings.with_overrides(question_cache_size=0), build_if_needed=True)
            profiles.append(profile_ask(service, corpus.name, texts, requests=options.profile_requests,
                                        profiled=options.profiled_asks))
            del service
            loads.append(load_sample(f"profile {corpus.name} done"))
    writes = []
    if "writes" in options.stages:
        for corpus in corpora:
            writes.append(bench_writes(corpus, index_settings(corpus), embedder, encoder,
                                       options.cache_dir / "writes" / corpus.name))
            loads.append(load_sample(f"writes {corpus.name} done"))
    scale = None
    if "scale" in options.stages:
        scale = _scale(corpora, questions, builds, encoder, embedder.model.weights_sha256, settings, options)
        loads.append(load_sample("scale done"))
    large = None
    if "large" in options.stages:
        large = _large(corpora, questions, settings, options, embedder, index_settings, notes)
        loads.append(load_sample("large done"))
    peers = []
    if "peers" in options.stages:
        if options.peer_venvs is None:
            notes.append("PEER_VENVS is not set: the peer baselines were skipped.")
        else:
            ours = {c.name: _ask_timer(index_settings(c), [q for _, q in questions[c.name]], options.profile_requests)
                    for c in corpora}
            peers = run_peers([(c.name, Path(c.docs_dir), questions[c.name]) for c in corpora], options.peer_venvs,
                              options.peers_dir, options.cache_dir / "peers", ours=ours)
            loads.append(load_sample("peers done"))
    commit, dirty = _git_state()
    result = BenchResult(
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), command=options.command,
        git_commit=commit, git_dirty=dirty, machine=machine(
            f"{settings.embed.backend} embedding with {settings.embed.threads} threads indexing and "
            f"{settings.embed.query_threads} per question answering, {settings.embed.query_lanes} at once "
            f"(micro-batches of up to {settings.embed.query_batch}); "
            f"FAISS {settings.index.faiss_threads} thread(s) answering"),
        wall_seconds=round(time.perf_counter() - started, 1), corpora=corpora, load=loads, notes=notes,
        builds=builds, http=http, throughput_profile=throughput_profile, profiles=profiles, scale=scale, large=large, peers=peers,
        parsing=parsing, writes=writes,
    )
    projected = estimates(result)
    result = dataclasses.replace(result, estimates=projected, targets=check_targets(result, projected))
    write_report(result, options.out)
    return result


def _scale(
    corpora: list[Corpus], questions: dict[str, list[tuple[str, str]]], builds: list[BuildResult], encoder: object,
    weights_sha256: str, settings: Settings, options: BenchOptions,
) -> ScaleResult:
    plan = options.scale
    benchmark = next((c.name for c in corpora if c.role == "benchmark"), None)
    benchmark_build = next((b for b in builds if b.corpus == benchmark), None)
    if benchmark_build is not None:
        # The benchmark's own size joins the sizes: the 1M estimates are growth from there.
        plan = dataclasses.replace(plan, sizes=tuple(sorted({*plan.sizes, benchmark_build.passages})))
    # The service's own index is measured as these settings would choose and calibrate it.
    plan = dataclasses.replace(plan, ann_threshold=settings.index.ann_threshold, ann_min_recall=settings.index.ann_min_recall)
    cache = options.cache_dir / "scale"
    texts = pool_texts([Path(c.docs_dir) for c in corpora], plan.pool_size, plan.seed)
    pool = load_pool(texts, encoder, weights_sha256, cache, settings.embed.batch_size)
    corpus = synthesise(pool, max(plan.sizes), plan.seed, cache)
    all_questions = sorted({q for items in questions.values() for _, q in items})
    chosen = random.Random(plan.seed).sample(all_questions, min(plan.queries, len(all_questions)))
    query_vectors = np.ascontiguousarray(encoder.encode(  # type: ignore[attr-defined]
        chosen, batch_size=settings.embed.batch_size, normalize_embeddings=True, convert_to_numpy=True,
        show_progress_bar=False), dtype=np.float32)
    corpus_key = f"{pool.key}-{max(plan.sizes)}-{plan.seed}"
    # The pool's sentence vectors stand in for a corpus's sentences when the service's index calibrates.
    indexes = bench_indexes(corpus, corpus_key, query_vectors, plan, cache / "faiss", settings.embed.threads,
                            calibration=pool.vectors)
    lexical = bench_lexical(pool, corpus, chosen, plan)
    return ScaleResult(
        pool_sentences=len(pool.texts), pool_cached=pool.cached, vectors_cached=corpus.cached,
        generation_seconds=round(corpus.seconds, 1), queries=len(chosen), search_k=plan.search_k,
        sizes=list(plan.sizes), indexes=indexes, lexical=lexical,
    )


def _large(
    corpora: list[Corpus], questions: dict[str, list[tuple[str, str]]], settings: Settings, options: BenchOptions,
    embedder: Embedder, index_settings: Callable[[Corpus], Settings], notes: list[str],
) -> LargeResult | None:
    served = []
    for role in ("seeds", "benchmark"):
        corpus = next((c for c in corpora if c.role == role), None)
        if corpus is None:
            notes.append("no benchmark corpus: the large-server stage was skipped.")
            return None
        corpus_settings = index_settings(corpus)
        # The large corpus is sized from the benchmark's index; both servers need theirs current.
        ensure_index(corpus_settings, embedder)
        served.append(ServedCorpus(corpus.name, corpus_settings.docs_dir, corpus_settings.index_dir,
                                   [q for _, q in questions[corpus.name]]))
    question_vectors = embedder.embed(list(served[1].questions), batch_size=settings.embed.batch_size)
    return bench_large(served[0], served[1], embedder.model, settings, options.large, options.cache_dir / "large",
                       question_vectors)


def _corpora(settings: Settings, options: BenchOptions, notes: list[str]) -> list[Corpus]:
    corpora = [_corpus("seeds", "seeds", settings.docs_dir, options.seeds_gold)]
    folder = options.benchmark_dir
    if folder is None:
        return corpora
    candidates = [d for d in sorted(folder.iterdir()) if (d / "docs").is_dir() and (d / "gold.jsonl").is_file()] \
        if folder.is_dir() else []
    if options.benchmark:
        candidates = [p for p in candidates if p.name == options.benchmark]
    if not candidates:
        notes.append(f"no benchmark corpus (docs/ and gold.jsonl) found in {folder}: seeds only.")
        return corpora
    sized = [_corpus(p.name, "benchmark", p / "docs", p / "gold.jsonl") for p in candidates]
    return corpora + [max(sized, key=lambda c: c.bytes)]


def _corpus(name: str, role: str, docs: Path, gold: Path) -> Corpus:
    files = discover(docs)
    return Corpus(name=name, role=role, docs_dir=str(docs), gold=str(gold), documents=len(files),
                  bytes=sum(f.stat().st_size for f in files))


def _gold_questions(path: Path) -> list[tuple[str, str]]:
    """(id, question) of every complete gold line; a line being written or malformed is skipped."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and isinstance(record.get("question"), str) and record["question"].strip():
            items.append((str(record.get("id", len(items))), record["question"]))
    if not items:
        raise ConfigError(f"no questions in {path}")
    return items


def _wait_for_quiet(max_load: float, timeout: float) -> str:
    """Poll the 1-minute load average until it is under `max_load`, at most `timeout` seconds."""
    started = time.monotonic()
    while True:
        load = os.getloadavg()[0]
        waited = time.monotonic() - started
        if load < max_load:
            return f"waited {waited:.0f} s for the 1-minute load average to drop under {max_load} (it was {load:.2f})."
        if waited > timeout:
            return f"the 1-minute load average was still {load:.2f} after {waited:.0f} s of waiting; ran anyway."
        time.sleep(15)


def _ask_timer(settings: Settings, questions: list[str], requests: int) -> Callable[[], list[float]]:
    """Times `QAService.ask` on `questions` each time it is called, the service opened on first use
    (no question cache: every ask runs the model, as the peers' retrievals do)."""
    @functools.cache
    def service() -> QAService:
        return open_service(settings.with_overrides(question_cache_size=0), build_if_needed=True)

    return lambda: ask_seconds(service(), questions, requests)


def _git_state() -> tuple[str | None, bool | None]:
    """The checked-out commit and whether the tree has local changes (read-only git calls)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                                timeout=10).stdout.strip()
        status = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain"], capture_output=True,
                                text=True, check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None
    return commit, bool(status.strip())
