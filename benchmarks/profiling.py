"""Where `/ask` time goes, in process: question embedding against the whole `QAService.ask`.

Two passes over the same questions: plain wall-clock timings (no profiler overhead) of the
embedding alone and of the whole call, then a cProfile pass whose cumulative times name
the functions inside the package that cost the most.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.results import FunctionShare, ModelCost, ProfileResult
from benchmarks.stats import summarize, time_each
import rag
from rag.embedding import load_question_encoder
from rag.service import QAService
from rag.settings import MAX_QUESTION_THREADS, Settings

_PACKAGE = str(Path(rag.__file__).resolve().parent)
_BENCH = str(Path(__file__).resolve().parent)
_WARMUP = 10
_COST_QUESTIONS = 400
_COST_BATCH = 8


def profile_ask(
    service: QAService, corpus: str, questions: Sequence[str], *, requests: int, profiled: int, top: int = 12,
    time_limit: float = 60.0,
) -> ProfileResult:
    """Time `requests` asks (and their embeddings) in process, then cProfile `profiled` more.

    The timings run twice: on this thread, and on one long-lived worker thread, which is how
    the HTTP app runs `ask` while other requests are in flight (`rag.http.dispatch`); torch does
    not cost the same on both.
    """
    embeds, asks = _timed_asks(service, questions, requests, time_limit)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bench-ask") as worker:
        worker_embeds, worker_asks = worker.submit(_timed_asks, service, questions, requests, time_limit).result()
    embed, ask = summarize(embeds), summarize(asks)
    return ProfileResult(
        corpus=corpus, embed=embed, ask=ask, embed_worker_thread=summarize(worker_embeds),
        ask_worker_thread=summarize(worker_asks), rest_p50_ms=round(ask.p50_ms - embed.p50_ms, 3),
        profiled_asks=profiled, top_functions=_profiled_shares(service, questions, profiled, top),
        model_cpu_ms=model_costs(service.settings, questions, count=min(requests, _COST_QUESTIONS)),
    )


def ask_seconds(service: QAService, questions: Sequence[str], requests: int, time_limit: float = 60.0) -> list[float]:
    """Seconds of each of `requests` in-process asks (questions in turn, after a warm-up), nothing
    else between them: how the peers' retrieval is timed."""
    for i in range(_WARMUP):
        service.ask(questions[i % len(questions)])
    return time_each(service.ask, [questions[i % len(questions)] for i in range(requests)], time_limit)


def model_costs(settings: Settings, questions: Sequence[str], *, count: int) -> list[ModelCost]:
    """CPU-ms per question of the question encoder alone: one thread, one thread over batches,
    and the serving setting. The cheapest is the floor any server's CPU per answer is judged against.

    Process CPU time over the calls (this process does nothing else meanwhile); each setting
    gets its own ONNX Runtime session, as a server with that setting would.
    """
    served = settings.embed.query_threads
    tried = [(f"1 thread, one question per call{' (serving)' if served == 1 else ''}", 1, 1),
             (f"1 thread, batches of {_COST_BATCH}", 1, _COST_BATCH),
             (f"{MAX_QUESTION_THREADS} threads, one question per call{' (serving)' if served == MAX_QUESTION_THREADS else ''}",
              MAX_QUESTION_THREADS, 1)]
    costs = []
    for label, threads, batch in tried:
        encoder = load_question_encoder(settings.with_overrides(query_threads=threads, query_spinning=False))
        calls = [[questions[(i * batch + j) % len(questions)] for j in range(batch)] for i in range(max(1, count // batch))]
        for call in calls[:_WARMUP]:
            encoder.embed(call)
        cpu, wall = time.process_time(), time.perf_counter()
        for call in calls:
            encoder.embed(call)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        costs.append(ModelCost(label, threads, batch, len(calls) * batch, round(1000 * cpu / (len(calls) * batch), 3),
                               round(1000 * wall / len(calls), 3)))
    return costs


def _timed_asks(
    service: QAService, questions: Sequence[str], requests: int, time_limit: float
) -> tuple[list[float], list[float]]:
    """(embedding seconds, ask seconds) per question, after a warm-up on the calling thread."""
    for i in range(_WARMUP):
        service.ask(questions[i % len(questions)])
    embeds, asks = [], []
    deadline = time.monotonic() + time_limit
    for i in range(requests):
        if time.monotonic() > deadline:
            break
        question = questions[i % len(questions)]
        started = time.perf_counter()
        service.embedder.embed([question])
        middle = time.perf_counter()
        service.ask(question)
        asks.append(time.perf_counter() - middle)
        embeds.append(middle - started)
    return embeds, asks


def _profiled_shares(service: QAService, questions: Sequence[str], count: int, top: int) -> list[FunctionShare]:
    if count <= 0:
        return []
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(count):
        service.ask(questions[i % len(questions)])
    profiler.disable()
    return function_shares(pstats.Stats(profiler), count, top)


def function_shares(stats: pstats.Stats, calls: int, top: int) -> list[FunctionShare]:
    """The package's functions by cumulative time per ask, as a share of `QAService.ask`'s own total.

    Only functions defined in the `rag` package (not the bench) are listed: library hot spots
    show up inside the package function that calls them.
    """
    entries = stats.stats  # type: ignore[attr-defined]  # {(file, line, name): (cc, nc, tt, ct, callers)}
    total = 0.0
    rows: list[tuple[str, float]] = []
    for (file, _, name), (_, _, _, cumulative, _) in entries.items():
        if not file.startswith(_PACKAGE) or file.startswith(_BENCH):
            continue
        label = f"{Path(file).relative_to(Path(_PACKAGE).parent).as_posix()}:{name}"
        if name == "ask" and file.endswith("service.py"):
            total = cumulative
            continue
        rows.append((label, cumulative))
    rows.sort(key=lambda row: -row[1])
    return [
        FunctionShare(function=label, ms_per_ask=round(1000 * cumulative / calls, 3),
                      share=round(cumulative / total, 3) if total else 0.0)
        for label, cumulative in rows[:top]
    ]
