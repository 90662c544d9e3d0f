"""Load on `POST /ask` over HTTP: one client for latency, then bursts of concurrent clients.

Every phase is bounded twice: a number of requests and a time limit, whichever comes first.
All traffic goes to the `rag serve` process on 127.0.0.1 that `benchmarks.server` started.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

from benchmarks.http_client import AsyncKeepAliveClient, HttpFailure, KeepAliveClient, json_body
from benchmarks.results import ConcurrentResult, HttpResult, LatencySummary, ProfileRun
from benchmarks.server import RunningServer
from benchmarks.stats import (
    anonymous_resident_bytes,
    cpu_seconds,
    peak_resident_bytes,
    rate,
    resident_bytes,
    summarize,
)

ASK_STATUS = 200


@dataclass(frozen=True)
class LoadPlan:
    """How much traffic each phase sends, at most."""

    warmup: int = 20
    single_requests: int = 500
    concurrent_requests: int = 1500
    clients: tuple[int, ...] = (8, 32)
    time_limit_seconds: float = 60.0
    """Per phase; a phase that reaches it stops early and says so."""


@dataclass
class Tally:
    """What one phase of load got back: each request's seconds, and how many were answered or failed."""

    latencies: list[float] = field(default_factory=list)
    answered: int = 0
    errors: int = 0
    model: list[float] = field(default_factory=list)
    """Seconds of the bare model on the requests' questions, timed in blocks between them."""

    def record(self, started: float, ok: bool) -> None:
        """One request, sent at `started` (`time.perf_counter()`) and back now, answered or not."""
        self.latencies.append(time.perf_counter() - started)
        self.answered += ok
        self.errors += not ok

    def summary(self) -> LatencySummary:
        """The percentiles of `latencies`, in milliseconds."""
        return summarize(self.latencies)


def bench_http(
    server: RunningServer, corpus: str, questions: Sequence[str], plan: LoadPlan,
    model: Callable[[str], object] | None = None, earlier_starts: Sequence[float] = (),
) -> HttpResult:
    """Warm up, time one client, then each concurrency level; RSS and CPU come from /proc.

    `model` embeds a question in this process: timed on the same questions in blocks between the
    one-client requests, it is the floor those requests are judged against, measured in the same
    minute (a shared machine's speed drifts between stages more than the HTTP path costs).
    `earlier_starts` are the start times of launches of the same server before this one: the
    start reported is the median of them and this one's.
    """
    starts = [*earlier_starts, server.start_seconds]
    if not questions:
        raise ValueError(f"no questions to ask the {corpus} server")
    with KeepAliveClient(server.base_url) as http:
        single_client(http, questions, plan.warmup, plan.time_limit_seconds, model)
        rss_idle, anon_idle = resident_bytes(server.pid), anonymous_resident_bytes(server.pid)
        observed_before = _observed_ask_seconds(http)
        cpu_before = cpu_seconds(server.pid)
        single = single_client(http, questions, plan.single_requests, plan.time_limit_seconds, model)
        single_cpu = cpu_seconds(server.pid) - cpu_before
        observed_after = _observed_ask_seconds(http)
        health = _health(http, plan.single_requests, plan.time_limit_seconds)
    concurrent = [
        concurrent_burst(server, questions, clients, plan.concurrent_requests, plan.time_limit_seconds)
        for clients in plan.clients
    ]
    return HttpResult(
        corpus=corpus,
        passages=server.passages,
        questions=len(questions),
        server_start_seconds=round(statistics.median(starts), 2),
        first_start_seconds=round(starts[0], 2),
        starts=len(starts),
        single=single.summary(),
        single_errors=single.errors,
        model_alongside=summarize(single.model) if single.model else None,
        single_server_cpu_ms_per_request=round(1000 * single_cpu / max(1, len(single.latencies)), 3),
        health=summarize(health),
        single_server_mean_ms=_mean_ms(observed_before, observed_after),
        concurrent=concurrent,
        rss_idle_bytes=rss_idle,
        rss_after_bytes=resident_bytes(server.pid),
        rss_peak_bytes=peak_resident_bytes(server.pid),
        anon_idle_bytes=anon_idle,
        anon_after_bytes=anonymous_resident_bytes(server.pid),
    )


def bench_profile(
    server: RunningServer, corpus: str, settings: dict[str, str], questions: Sequence[str], plan: LoadPlan
) -> ProfileRun:
    """One client, then the first concurrency level only, against a server started with `settings`."""
    with KeepAliveClient(server.base_url) as http:
        single_client(http, questions, plan.warmup, plan.time_limit_seconds)
        single = single_client(http, questions, plan.single_requests, plan.time_limit_seconds)
    bursts = [concurrent_burst(server, questions, clients, plan.concurrent_requests, plan.time_limit_seconds)
              for clients in plan.clients[:1]]
    return ProfileRun(corpus=corpus, settings=settings, single=single.summary(), concurrent=bursts)


def ask_bodies(questions: Sequence[str]) -> list[bytes]:
    """The `POST /ask` body of each question, encoded before the clock starts."""
    return [json_body({"question": question}) for question in questions]


_MODEL_BLOCK = 50
"""Requests, then bare model calls on the same questions, per block. Alternating them one by one
slowed both sides by a third (the server's model and the bench's evicting each other from the
caches: 5.6 against 4.8 ms over HTTP, 3.8 against 2.95 ms for the model), which flattered the
ratio (1.45x against 1.63x)."""


def single_client(
    http: KeepAliveClient, questions: Sequence[str], requests: int, time_limit: float,
    model: Callable[[str], object] | None = None,
) -> Tally:
    """`requests` questions (cycled) one after another, stopping early at `time_limit` seconds;
    with `model`, every block of requests is followed by the bare model on the same questions."""
    tally = Tally()
    bodies = ask_bodies(questions)
    deadline = time.monotonic() + time_limit
    for first in range(0, requests, _MODEL_BLOCK):
        block = range(first, min(requests, first + _MODEL_BLOCK))
        for i in block:
            if time.monotonic() > deadline:
                return tally
            started = time.perf_counter()
            try:
                status, _ = http.request("POST", "/ask", bodies[i % len(bodies)])
                ok = status == ASK_STATUS
            except HttpFailure:
                ok = False
            tally.record(started, ok)
        if model is not None:
            for i in block:
                started = time.perf_counter()
                model(questions[i % len(questions)])
                tally.model.append(time.perf_counter() - started)
    return tally


def _observed_ask_seconds(http: KeepAliveClient) -> tuple[float, float] | None:
    """(sum, count) of the server's own `POST /ask` latency histogram in `/metrics`, if it exposes one."""
    try:
        status, body = http.request("GET", "/metrics")
    except HttpFailure:
        return None
    if status != 200:
        return None
    text = body.decode()
    total = count = 0.0
    found = False
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels.get("route") != "/ask" or sample.labels.get("method") != "POST":
                continue
            if sample.name == "rag_http_request_duration_seconds_sum":
                total, found = total + sample.value, True
            elif sample.name == "rag_http_request_duration_seconds_count":
                count += sample.value
    return (total, count) if found else None


def _mean_ms(before: tuple[float, float] | None, after: tuple[float, float] | None) -> float | None:
    if before is None or after is None or after[1] <= before[1]:
        return None
    return round(1000 * (after[0] - before[0]) / (after[1] - before[1]), 3)


def _health(http: KeepAliveClient, requests: int, time_limit: float) -> list[float]:
    """Round trips of `GET /health`: the floor the HTTP stack puts under every request."""
    seconds: list[float] = []
    deadline = time.monotonic() + time_limit
    for _ in range(requests):
        if time.monotonic() > deadline:
            break
        started = time.perf_counter()
        http.request("GET", "/health")
        seconds.append(time.perf_counter() - started)
    return seconds


def concurrent_burst(
    server: RunningServer, questions: Sequence[str], clients: int, requests: int, time_limit: float
) -> ConcurrentResult:
    """`requests` questions from `clients` concurrent keep-alive connections, with both sides' CPU time."""
    cpu_before, client_cpu_before = cpu_seconds(server.pid), time.process_time()
    started = time.perf_counter()
    tally, timed_out = asyncio.run(_burst(server.base_url, questions, clients, requests, time_limit))
    seconds = time.perf_counter() - started
    sent = len(tally.latencies)
    return ConcurrentResult(
        clients=clients,
        requests=sent,
        answered=tally.answered,
        errors=tally.errors,
        seconds=round(seconds, 3),
        throughput_qps=round(rate(tally.answered, seconds), 1),
        latency=tally.summary(),
        server_cpu_ms_per_request=round(1000 * (cpu_seconds(server.pid) - cpu_before) / max(1, sent), 3),
        client_cpu_ms_per_request=round(1000 * (time.process_time() - client_cpu_before) / max(1, sent), 3),
        stopped_by_time_limit=timed_out,
    )


async def _burst(
    base: str, questions: Sequence[str], clients: int, requests: int, time_limit: float
) -> tuple[Tally, bool]:
    """`clients` workers share one counter of `requests`; each sends its next request as the last returns."""
    tally = Tally()
    next_request = iter(range(requests))
    deadline = time.monotonic() + time_limit
    timed_out = False

    bodies = ask_bodies(questions)

    async def worker(http: AsyncKeepAliveClient) -> None:
        nonlocal timed_out
        for i in next_request:
            if time.monotonic() > deadline:
                timed_out = True
                return
            started = time.perf_counter()
            try:
                status, _ = await http.request("POST", "/ask", bodies[i % len(bodies)])
                ok = status == ASK_STATUS
            except HttpFailure:
                ok = False
            tally.record(started, ok)

    connections = [AsyncKeepAliveClient(base) for _ in range(clients)]
    try:
        # Outer guard: requests in flight at the deadline get a minute more, then everything stops.
        await asyncio.wait_for(asyncio.gather(*(worker(http) for http in connections)), time_limit + 60)
    finally:
        for http in connections:
            await http.close()
    return tally, timed_out


