"""`rag bench`: its arithmetic, its report, the scale machinery on tiny data, and one tiny real run."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import BenchOptions, LoadPlan, ScalePlan, run_bench, write_report
from benchmarks.build import FALLBACK_PASS, OTHER_STAGES, PASSAGE_PASS, EmbedCall, stage_seconds
from benchmarks.large import LargePlan, ServedCorpus, bench_large, replicate_corpus
from benchmarks.peers import read_meta, run_peers
from benchmarks.report import read_result, render_markdown
from benchmarks.build import load_raw_encoder
from benchmarks.writes import bench_writes
from benchmarks.results import (
    ParseResult,
    BenchResult,
    BuildResult,
    ConcurrentResult,
    Corpus,
    HttpResult,
    IndexTypeResult,
    LatencySummary,
    LexicalScaleResult,
    LoadSample,
    LargeResult,
    Machine,
    ModelCost,
    PeerResult,
    ProfileResult,
    ScaleResult,
    ServerMemory,
)
from benchmarks.scale import bench_indexes, index_specs, nlist_for
from benchmarks.scale_data import SentencePool, mixture_vectors, random_mix, synthesise
from benchmarks.stats import machine, summarize
from rag.index.dense import recall_at_k
from benchmarks.standin import StandInEmbedder
from benchmarks.targets import check_targets, estimates
from rag.cli.parser import build_parser
from rag.settings import Settings
from rag.embedding import SentenceTransformerEmbedder, load_embedder, resolve_model
from rag.index import build_index, read_manifest
from rag.chunking.tokens import load_encoding
from tests.conftest import REPO, SEEDS

MIB = 2**20


def test_summarize_reports_milliseconds_and_count() -> None:
    summary = summarize([0.001, 0.002, 0.003, 0.004])
    assert (summary.n, summary.p50_ms, summary.max_ms, summary.mean_ms) == (4, 2.5, 4.0, 2.5)
    assert summarize([]).n == 0


def test_recall_at_k_counts_overlap_per_query() -> None:
    truth = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    found = np.array([[4, 3, 9, 10], [5, 6, 7, -1]])
    # Query 1 finds 2 of 4, query 2 finds 3 of 4 (-1 is "no result").
    assert recall_at_k(found, truth, k=4) == pytest.approx(5 / 8)


def test_stage_seconds_names_calls_by_size_and_keeps_the_rest() -> None:
    calls = [EmbedCall(["a"] * 3, 1.5), EmbedCall(["b"] * 7, 2.0)]
    assert stage_seconds(calls, 4.0, n_passages=3) == {PASSAGE_PASS: 1.5, FALLBACK_PASS: 2.0, OTHER_STAGES: 0.5}


def _latency(p50: float, p99: float | None = None, n: int = 100) -> LatencySummary:
    return LatencySummary(n=n, p50_ms=p50, p95_ms=p99 or p50, p99_ms=p99 or p50, mean_ms=p50, max_ms=p99 or p50)


def _http(corpus: str, passages: int, p50: float, p99: float, rss_mib: int, qps: float) -> HttpResult:
    burst = ConcurrentResult(clients=8, requests=500, answered=500, errors=0, seconds=500 / qps, throughput_qps=qps,
                             latency=_latency(40.0), server_cpu_ms_per_request=8.0, client_cpu_ms_per_request=1.0,
                             stopped_by_time_limit=False)
    return HttpResult(corpus=corpus, passages=passages, questions=10, server_start_seconds=3.0,
                      single=_latency(p50, p99), single_errors=0, single_server_cpu_ms_per_request=9.0,
                      health=_latency(1.0), single_server_mean_ms=p50 - 1, concurrent=[burst],
                      rss_idle_bytes=rss_mib * MIB, rss_after_bytes=(rss_mib + 300) * MIB,
                      rss_peak_bytes=(rss_mib + 300) * MIB, anon_idle_bytes=rss_mib * MIB, anon_after_bytes=rss_mib * MIB)


def _result() -> BenchResult:
    """A made-up run whose expected verdicts are easy to work out by hand."""
    machine = Machine(cpu_model="test", cores=2, memory_bytes=8 * 2**30, memory_available_bytes=4 * 2**30,
                      python="3.11", platform="linux", runtime="onnx embedding with 2 threads")
    corpora = [Corpus("seeds", "seeds", "seeds", "gold.jsonl", 5, 50_000),
               Corpus("bench", "benchmark", "docs", "gold.jsonl", 35, 1_800_000)]
    build = BuildResult(corpus="bench", documents=35, passages=4_000, sentences=30_000, dimension=384, repeats=1,
                        build_seconds=200.0,
                        passages_per_second=20.0, encode_texts=1000, encode_seconds=25.0,
                        encode_passages_per_second=40.0, efficiency=0.5, stage_seconds={PASSAGE_PASS: 100.0},
                        parse_chunk_seconds=1.0, model_load_seconds=0.5)

    def index(size: int, name: str, p50: float) -> IndexTypeResult:
        return IndexTypeResult(size=size, name=name, factory=name, search_params="", build_seconds=1.0,
                               build_cached=False, recall_at_10=1.0 if name == "Flat" else 0.95,
                               latency=_latency(p50), bytes_per_passage=1536.0)

    def lexical(size: int, p50: float) -> LexicalScaleResult:
        return LexicalScaleResult(size=size, sentences=size * 6, build_seconds=1.0, passage_bm25=_latency(p50),
                                  sentence_bm25=_latency(2 * p50))

    scale = ScaleResult(
        pool_sentences=100, pool_cached=True, vectors_cached=True, generation_seconds=0.0, queries=50, search_k=100,
        sizes=[4_000, 1_000_000],
        indexes=[index(4_000, "Flat", 0.5), index(1_000_000, "Flat", 100.5), index(1_000_000, "HNSW32", 1.5),
                 index(1_000_000, "service: HNSW64_SQ8", 8.0)],
        lexical=[lexical(4_000, 0.1), lexical(1_000_000, 5.1)],
    )
    def server(corpus: str, passages: int, anon: int, rss: int) -> ServerMemory:
        return ServerMemory(corpus=corpus, passages=passages, start_seconds=2.0, single=_latency(5.0), errors=0,
                            rss_idle_bytes=rss, anon_idle_bytes=anon, rss_after_bytes=rss, anon_after_bytes=anon,
                            file_after_bytes=rss - anon, peak_bytes=rss)

    # 4 KiB of anonymous memory and 8 KiB of VmRSS per passage, over 500 and 800 MiB.
    large = LargeResult(
        source_corpus="bench", copies=25, target_passages=100_000, passages=100_100, sentences=700_000,
        documents=875, build_seconds=90.0, build_cached=False, faiss_index="HNSW64_SQ8", requests=10,
        small=[server("seeds", 100, 500 * MIB, 800 * MIB)],
        large=[server("bench x25", 100_100, 500 * MIB + 100_000 * 4096, 800 * MIB + 100_000 * 8192)],
        dense_search=_latency(2.0),
    )
    def profile(corpus: str, embed: float, ask: float) -> ProfileResult:
        # The cheapest model setting costs 3.2 CPU-ms per question: 625/s on 2 cores.
        costs = [ModelCost("1 thread, one question per call", 1, 1, 100, 4.0, 4.0),
                 ModelCost("1 thread, batches of 8", 1, 8, 96, 3.2, 25.6)]
        return ProfileResult(corpus=corpus, embed=_latency(embed), ask=_latency(ask), embed_worker_thread=_latency(embed),
                             ask_worker_thread=_latency(ask), rest_p50_ms=ask - embed, profiled_asks=0,
                             top_functions=[], model_cpu_ms=costs)

    return BenchResult(
        created_at="2026-01-01T00:00:00+00:00", command="rag bench", git_commit="abc", git_dirty=False,
        machine=machine, wall_seconds=600.0, corpora=corpora, notes=["a note"], builds=[build],
        load=[LoadSample("start", 1.5, 1.0, 0.5, (100, 10_000)), LoadSample("build done", 2.0, 1.2, 0.6, (400, 11_000)),
              LoadSample("off Linux", 1.0, 1.0, 1.0)],
        http=[_http("seeds", 100, 5.0, 25.0, 500, 300.0), _http("bench", 4_100, 9.0, 30.0, 600, 100.0)],
        profiles=[profile("seeds", 4.0, 5.0), profile("bench", 4.0, 6.0)],
        peers=[PeerResult("llamaindex", "seeds", "ok", query_p50_ms=20.0, query_p95_ms=30.0),
               PeerResult("haystack", "seeds", "ok", query_p50_ms=40.0, query_p95_ms=60.0)],
        scale=scale, large=large,
    )


def test_estimates_extend_the_measured_components() -> None:
    projected = estimates(_result())
    # The large stage's two servers: 4 KiB anonymous and 8 KiB VmRSS per passage, from 100 passages on.
    assert projected["rss_bytes_per_passage"] == pytest.approx(4096, abs=0.1)
    assert projected["rss_at_1000000_bytes"] == pytest.approx(500 * MIB + (1_000_000 - 100) * 4096, abs=1)
    assert projected["vmrss_at_1000000_bytes"] == pytest.approx(800 * MIB + (1_000_000 - 100) * 8192, abs=1)
    # /ask: 9 ms + flat growth 100 ms + BM25 growth (5.0 passages + 10.0 sentences) = 124 ms.
    assert projected["ask_p50_ms_at_1000000_flat"] == pytest.approx(124.0)
    assert projected["ask_p50_ms_at_1000000_hnsw"] == pytest.approx(9.0 + 1.5 - 0.5 + 15.0)
    # The large server's 5 ms, less its own 2 ms dense search, plus the service index's 8 ms at 1M
    # and BM25's growth from the nearest scale size (4,000 passages): 15 ms.
    assert projected["ask_p50_ms_at_1000000_from_large"] == pytest.approx(5.0 - 2.0 + 8.0 + 15.0)


def test_targets_are_judged_on_the_right_figures() -> None:
    result = _result()
    verdicts = {check.target: check.met for check in check_targets(result, estimates(result))}
    assert verdicts == {
        # HTTP 5.0 ms against the model's 4.0 ms: 1.25x; the benchmark's 9.0 ms: 2.25x.
        "`/ask` one client p50 over HTTP ≤ 1.3x the bare model's time for one question (seeds)": True,
        "`/ask` one client p50 over HTTP ≤ 1.3x the bare model's time for one question (bench)": False,
        # 300/s against 2 cores / 3.2 CPU-ms = 625/s: 48%.
        "8 clients: ≥ 80% of the model-bound limit (seeds)": False,
        # `ask` 5.0 ms against LlamaIndex's 20 ms (4x) and Haystack's 40 ms (8x); no peers on the benchmark.
        "in process ≥ 3x faster than LlamaIndex (seeds)": True,
        "in process ≥ 10x faster than Haystack hybrid (seeds)": False,
        "in process ≥ 3x faster than LlamaIndex (bench)": None,
        "in process ≥ 10x faster than Haystack hybrid (bench)": None,
        "serving process starts in < 2 s (seeds)": False,
        "serving process idle RSS < 250 MiB (seeds)": False,
        "`/ask` p50 ≤ 25 ms at 1M passages": False,
        "index build ≥ 95% of the bare encoder's rate": False,
        "resident memory < 4 GB at 1M passages": False,
        "parsing 1 MB of each timed format well under 1 s": None,
    }
    throughput = next(c for c in check_targets(result, {}) if c.target.startswith("8 clients"))
    assert throughput.measured.startswith("48%: 300/s against 625/s")
    # The model timed beside the requests, when the run did so, is the floor: 5.0 against 3.0 ms.
    seeds_http = dataclasses.replace(result.http[0], model_alongside=_latency(3.0))
    alongside = dataclasses.replace(result, http=[seeds_http, *result.http[1:]])
    check = next(c for c in check_targets(alongside, {}) if c.target.endswith("one question (seeds)"))
    assert (check.met, check.measured) == (False, "1.67x: 5.00 ms against 3.00 ms")
    assert "blocks of 50" in check.basis
    # This service timed beside a peer, when the run did so, is what that peer is judged against:
    # 7.0 ms against LlamaIndex's 20 ms is 2.9x, where the profile's 5.0 ms gave 4x.
    beside = dataclasses.replace(result.peers[0], ours_beside=_latency(7.0))
    paired = dataclasses.replace(result, peers=[beside, *result.peers[1:]])
    check = next(c for c in check_targets(paired, {}) if c.target == "in process ≥ 3x faster than LlamaIndex (seeds)")
    assert (check.met, check.measured) == (False, "2.9x: `ask` 7.00 ms against 20.00 ms p50")
    assert "before and after the peer ran" in check.basis


def test_parsing_is_judged_on_the_slowest_format_per_megabyte() -> None:
    rows = [ParseResult("webvtt", 1_000_000, 6000, 800, 5, 280.0, 3.57),
            ParseResult("json", 500_000, 900, 130, 5, 260.0, 1.92)]
    check = next(c for c in check_targets(dataclasses.replace(_result(), parsing=rows), {})
                 if c.target.startswith("parsing"))
    # 260 ms for half a megabyte is 520 ms per MB: over the half second judged.
    assert (check.met, check.measured) == (False, "slowest json: 260 ms for 0.50 MB")


def test_report_is_written_as_markdown_and_json(tmp_path: Path) -> None:
    result = _result()
    markdown, twin = write_report(result, tmp_path / "BENCH.md")
    text = markdown.read_text()
    assert twin == tmp_path / "BENCH.json"
    assert "## A real server at 100k passages" in text and "| bench x25 | 100,100 |" in text
    assert "## Targets" in text and "| bench | 35 | 4000 | 30000 |" in text and "a note" in text
    assert "| 1,000,000 | HNSW32 |" in text
    # 300 of the 1,000 ticks between the first two samples went to other guests.
    assert "| start | 1.5 | 1.0 | 0.5 |  |" in text and "| build done | 2.0 | 1.2 | 0.6 | 30% |" in text
    assert "| off Linux | 1.0 | 1.0 | 1.0 |  |" in text
    data = json.loads(twin.read_text())
    assert data["http"][0]["single"]["p50_ms"] == 5.0 and data["builds"][0]["efficiency"] == 0.5
    assert read_result(twin) == result


def test_mixtures_are_unit_vectors_of_3_to_10_pool_sentences() -> None:
    rng = np.random.default_rng(0)
    mix = random_mix(500, 40, rng)
    counts = (mix >= 0).sum(axis=1)
    assert mix.shape == (500, 10) and counts.min() >= 3 and counts.max() <= 10 and mix.max() < 40
    pool = rng.standard_normal((40, 16)).astype(np.float32)
    vectors = mixture_vectors(pool, mix, rng)
    assert vectors.dtype == np.float32 and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def _tiny_pool(rng: np.random.Generator) -> SentencePool:
    vectors = rng.standard_normal((64, 48)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return SentencePool(texts=[f"sentence number {i} about topic {i % 7}" for i in range(64)], vectors=vectors,
                        key="test", cached=True)


def test_synthetic_corpus_is_cached_and_indexes_are_compared_against_flat(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    pool = _tiny_pool(rng)
    first = synthesise(pool, 12_000, seed=0, cache_dir=tmp_path)
    again = synthesise(pool, 12_000, seed=0, cache_dir=tmp_path)
    assert not first.cached and again.cached and np.array_equal(first.vectors, again.vectors)
    plan = ScalePlan(sizes=(12_000,), search_k=20, hnsw_m=8, hnsw_ef_search=(64,), nprobe=(4,), pq_m=8,
                     latency_seconds=0.1)
    queries = np.ascontiguousarray(first.vectors[:20] + 0.01, dtype=np.float32)
    results = bench_indexes(again, "k", queries, plan, tmp_path / "faiss", threads=1)
    by_name = {r.name: r for r in results}
    assert set(by_name) == {"Flat", "HNSW8", "IVF128,SQ8", "IVF128,PQ8"}
    assert by_name["Flat"].recall_at_10 == 1.0 and by_name["Flat"].bytes_per_passage == 48 * 4
    assert by_name["HNSW8"].recall_at_10 > 0.8 and by_name["IVF128,PQ8"].bytes_per_passage < 48 * 4
    cached = bench_indexes(again, "k", queries, plan, tmp_path / "faiss", threads=1)
    assert all(r.build_cached for r in cached if r.name != "Flat")


def test_scale_reports_the_index_the_service_would_build(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    pool = _tiny_pool(rng)
    corpus = synthesise(pool, 12_000, seed=0, cache_dir=tmp_path)
    queries = np.ascontiguousarray(corpus.vectors[:20] + 0.01, dtype=np.float32)
    plan = ScalePlan(sizes=(12_000,), search_k=20, hnsw_m=8, hnsw_ef_search=(64,), nprobe=(4,), pq_m=8,
                     latency_seconds=0.1, ann_threshold=10_000)
    results = bench_indexes(corpus, "k", queries, plan, tmp_path / "faiss", threads=1, calibration=pool.vectors)
    service = next(r for r in results if r.name.startswith("service:"))
    assert service.factory == "HNSW64_SQ8" and service.search_params.startswith("efSearch=")
    assert service.recall_at_10 > 0.8 and service.bytes_per_passage < 48 * 4 + 2 * 64 * 4 + 64
    below = bench_indexes(corpus, "k", queries, dataclasses.replace(plan, ann_threshold=12_001), tmp_path / "faiss",
                          threads=1, calibration=pool.vectors)
    assert not any(r.name.startswith("service:") for r in below)


def test_ivf_cells_grow_with_the_square_root_of_the_size() -> None:
    assert [nlist_for(n) for n in (100, 4_000, 100_000, 1_000_000)] == [16, 64, 256, 1024]
    assert [s.factory for s in index_specs(100_000, ScalePlan())] == ["Flat", "HNSW32", "IVF256,SQ8", "IVF256,PQ48np"]
    # Too few points to train 256-centroid quantisers; no probing of more cells than exist.
    small = index_specs(4_000, ScalePlan(nprobe=(16, 64, 256)))
    assert [s.factory for s in small] == ["Flat", "HNSW32", "IVF64,SQ8"]
    assert small[-1].settings == (("nprobe", 16), ("nprobe", 64))


def test_peer_meta_is_read_and_missing_venvs_are_skipped(tmp_path: Path) -> None:
    meta = tmp_path / "run.jsonl.meta.json"
    meta.write_text(json.dumps({"n_passages": 11, "n_questions": 4, "index_build_seconds": 0.76,
                                "model_load_seconds": 0.41, "query_latency_ms": {"p50": 8.7, "p95": 9.5},
                                "peak_rss_mb": 680}))
    peer = read_meta("llamaindex", "seeds", meta)
    assert (peer.n_passages, peer.index_build_seconds, peer.query_p50_ms, peer.peak_rss_mb) == (11, 0.76, 8.7, 680)
    skipped = run_peers([("seeds", SEEDS, [("q1", "a question")])], tmp_path / "venvs-missing", tmp_path,
                        tmp_path / "out", lock_wait=0)
    assert [(p.peer, p.status) for p in skipped] == [("llamaindex", "skipped"), ("haystack", "skipped")]


_FAKE_PEER = """
import argparse, json, time
parser = argparse.ArgumentParser()
for flag in ("--docs", "--gold", "--out", "--k"):
    parser.add_argument(flag)
args = parser.parse_args()
ballast = bytearray(64 * 2**20)  # resident: the polled peak must see it
time.sleep(0.6)
open(args.out, "w").close()
meta = {"n_passages": 3, "n_questions": 1, "index_build_seconds": 0.5, "query_latency_ms": {"p50": 2.0, "p95": 3.0},
        "peak_rss_mb": 99999}
open(args.out + ".meta.json", "w").write(json.dumps(meta))
"""


def test_a_peer_script_runs_in_its_venv_and_its_own_peak_memory_is_polled(tmp_path: Path) -> None:
    venv_bin = tmp_path / "venvs" / "llamaindex" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "python").symlink_to(sys.executable)
    peers_dir = tmp_path / "peers"
    peers_dir.mkdir()
    (peers_dir / "llamaindex_peer.py").write_text(_FAKE_PEER)
    timings = iter([[0.001, 0.003], [0.002]])  # this service, timed before and after the peer ran
    ran, skipped = run_peers([("seeds", SEEDS, [("q1", "a question")])], tmp_path / "venvs", peers_dir,
                             tmp_path / "out", lock_wait=0, ours={"seeds": lambda: next(timings)})
    assert (ran.status, ran.n_passages, ran.query_p50_ms, ran.sidecar_peak_rss_mb) == ("ok", 3, 2.0, 99999)
    assert ran.ours_beside is not None and (ran.ours_beside.n, ran.ours_beside.p50_ms) == (3, 2.0)
    assert skipped.ours_beside is None and next(timings, None) is None  # not timed for a peer that cannot run
    assert ran.peak_rss_mb is not None and 64 < ran.peak_rss_mb < 2000
    assert json.loads((tmp_path / "out" / "seeds" / "gold.jsonl").read_text()) == {"id": "q1", "question": "a question"}
    assert (skipped.peer, skipped.status) == ("haystack", "skipped")


def test_bench_command_line_is_parsed() -> None:
    args = build_parser().parse_args(["bench", "--quick", "--skip", "scale", "--skip", "peers", "--clients", "2", "4"])
    assert args.quick and args.skip == ["scale", "peers"] and args.clients == [2, 4]


def test_a_tiny_real_run_on_two_seed_files(tmp_path: Path) -> None:
    """The real model, a real build, a real `rag serve` on 127.0.0.1 and a handful of requests."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for path in sorted(SEEDS.glob("*.txt"))[:2]:
        shutil.copy(path, docs / path.name)
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps({"id": f"q{i}", "question": q}) + "\n" for i, q in enumerate(
        ["How many countries and regions does Xi'an trade with?", "Who answered the questions?"])))
    options = BenchOptions(
        out=tmp_path / "BENCH.md", cache_dir=tmp_path / "cache", seeds_gold=gold, benchmark_dir=None,
        stages=("build", "http", "profile"), build_repeats=2, encode_sample=0,
        load=LoadPlan(warmup=2, single_requests=6, concurrent_requests=8, clients=(4,), time_limit_seconds=30),
        profile_requests=4, profiled_asks=2,
    )
    result = run_bench(Settings.from_env(docs_dir=docs, index_dir=tmp_path / "unused"), options)
    (build,), (http,), (profile,) = result.builds, result.http, result.profiles
    # Two repeats: build then encode, then encode (the first build's texts) then build.
    assert build.repeats == 2 and build.passages > 0 and build.encode_texts == build.passages and 0 < build.efficiency
    assert http.single.n == 6 and http.single_errors == 0 and http.rss_idle_bytes > 0
    # The one-client floor: the bare model on the requests' questions, in the same minute.
    assert http.model_alongside is not None and http.model_alongside.n == 6
    assert http.model_alongside.p50_ms > 0
    assert http.concurrent[0].answered == 8 and http.concurrent[0].throughput_qps > 0
    assert profile.ask.n == 4 and profile.embed.p50_ms > 0 and profile.ask_worker_thread.n == 4
    # The bare model's cost at one thread, one thread over batches, and two threads; the serving one named.
    assert [(c.threads, c.batch) for c in profile.model_cpu_ms] == [(1, 1), (1, 8), (2, 1)]
    assert sum("(serving)" in c.setting for c in profile.model_cpu_ms) == 1
    assert all(c.cpu_ms_per_question > 0 and c.questions > 0 for c in profile.model_cpu_ms)
    assert http.single_server_mean_ms is not None and 0 < http.single_server_mean_ms < http.single.max_ms
    profile_run = result.throughput_profile
    # The second server runs the thread plan this machine did not choose.
    chosen = next(c for c in profile.model_cpu_ms if "(serving)" in c.setting).threads
    assert profile_run is not None and profile_run.settings["RAG_QUERY_THREADS"] == str(3 - chosen)
    assert profile_run.single.n == 6 and profile_run.concurrent[0].answered == 8
    assert (tmp_path / "BENCH.md").is_file() and json.loads((tmp_path / "BENCH.json").read_text())["builds"]


def test_stand_in_vectors_follow_shared_words_and_pool_spans() -> None:
    embedder = StandInEmbedder(resolve_model(Settings().embed.model), dimension=64)
    texts = ["the budget for the new school", "the budget for the new school", "rain fell on the harbour all night"]
    vectors = embedder.embed(texts)
    assert vectors.shape == (3, 64) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > 0.8 > vectors[0] @ vectors[2]  # copies near, not equal; unrelated far
    assert not np.array_equal(vectors[0], vectors[1])
    pooled = embedder.embed_with_spans(["budget talk. rain later."], [[(0, 12), (13, 24)]])
    (spans,) = pooled.spans
    assert spans.shape == (2, 64) and pooled.found[0].all()
    assert spans[0] @ embedder.embed(["budget talk."])[0] > spans[0] @ embedder.embed(["rain later."])[0]


def test_replicated_corpus_is_made_once_in_numbered_folders(tmp_path: Path) -> None:
    source = tmp_path / "source"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_text("A: hello there.\n")
    (source / "sub" / "b.txt").write_text("B: and again.\n")
    target = replicate_corpus(source, 3, tmp_path / "copies")
    made = sorted(p.relative_to(target).as_posix() for p in target.rglob("*.txt"))
    assert made == [f"copy{n}/{name}" for n in (1, 2, 3) for name in ("a.txt", "sub/b.txt")]
    assert (target / "copy2" / "sub" / "b.txt").read_text() == "B: and again.\n"
    assert replicate_corpus(source, 3, tmp_path / "copies") == target and not (tmp_path / "copies.partial").exists()


def test_a_tiny_real_large_stage(tmp_path: Path) -> None:
    """Real builds (the model for the source, the stand-in for the copies) and real servers on 127.0.0.1."""
    seeds = sorted(SEEDS.glob("*.txt"))
    small_docs, source_docs = tmp_path / "small", tmp_path / "source"
    small_docs.mkdir()
    source_docs.mkdir()
    shutil.copy(seeds[0], small_docs / seeds[0].name)
    shutil.copy(seeds[1], source_docs / seeds[1].name)
    settings = Settings.from_env(index_dir=tmp_path / "unused")
    embedder = load_embedder(settings)
    tokenizer = load_encoding(settings.chunk.encoding, settings.tiktoken_cache_dir)
    served = []
    for name, docs in (("small", small_docs), ("source", source_docs)):
        corpus_settings = settings.with_overrides(docs_dir=docs, index_dir=tmp_path / f"index-{name}")
        build_index(corpus_settings, embedder, tokenizer)
        served.append(ServedCorpus(name, docs, corpus_settings.index_dir, ["What was said about trade?"]))
    source_passages = read_manifest(served[1].index_dir / "current" / "manifest.json").n_passages
    plan = LargePlan(target_passages=3 * source_passages, requests=4, repeats=1)
    vectors = embedder.embed(["What was said about trade?", "Who spoke first?", "When was it?"])
    result = bench_large(served[0], served[1], embedder.model, settings, plan, tmp_path / "large", vectors)
    assert result.copies == 3 and result.passages == 3 * source_passages and not result.build_cached
    (small,), (large,) = result.small, result.large
    assert large.passages == result.passages and small.passages < large.passages
    assert small.single.n == large.single.n == 4 and small.errors == large.errors == 0
    assert 0 < large.anon_after_bytes < large.rss_after_bytes and large.file_after_bytes > 0
    assert result.dense_search.n == 3 and result.dense_search.p50_ms > 0
    again = bench_large(served[0], served[1], embedder.model, settings, plan, tmp_path / "large", vectors)
    assert again.build_cached and again.build_seconds == result.build_seconds


def test_a_real_writes_stage_on_the_seeds(settings: Settings, embedder: SentenceTransformerEmbedder,
                                          tmp_path: Path) -> None:
    """Real writes, compaction and eval: the compacted index answers exactly as the full build."""
    corpus = Corpus(name="seeds", role="seeds", docs_dir=str(SEEDS), gold=str(REPO / "eval" / "gold.jsonl"),
                    documents=5, bytes=0)
    corpus_settings = settings.with_overrides(index_dir=tmp_path / "index")
    encoder = load_raw_encoder(settings, embedder.model)
    result = bench_writes(corpus, corpus_settings, embedder, encoder, tmp_path / "writes", ask_repeats=1)
    assert result.documents == 5 and result.writes == 4 and result.write.n == 4
    full, written, compacted, readded, readded_compacted = result.evals
    for state in (written, compacted, readded):
        assert state.citation_exactness == 1.0
    for exact in (compacted, readded_compacted):
        assert (exact.hit_5, exact.mrr_10, exact.cov_300) == (full.hit_5, full.mrr_10, full.cov_300)
    assert result.cold_passages > 0 and result.cold_passages_per_second > 0 and result.encoder_passages_per_second > 0
    assert result.ask_fresh.n == result.ask_after_writes.n == result.ask_after_compaction.n > 0
    assert "## Writes while serving" in render_markdown(
        BenchResult(created_at="", command="", git_commit=None, git_dirty=None, machine=machine(""), wall_seconds=0,
                    corpora=[corpus], load=[], notes=[], writes=[result]))
