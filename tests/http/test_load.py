"""A bounded load test against a live `rag serve` process on 127.0.0.1.

Four rounds of requests from 32 concurrent clients over every route (questions, lookups,
listings, health, metrics and a deliberately invalid question): every answer must be the
expected one (zero errors), the server's own metrics must have counted every request, and
its resident memory must not grow from round to round once warmed up.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from rag.settings import Settings
from rag.service import QAService
from tests.serving import resident_memory_bytes, serve_process

CLIENTS = 32
ROUNDS = 4
REQUESTS_PER_ROUND = 750
ROUND_TIMEOUT_S = 240
# Growth allowed between the first (warm-up) round and the last: allocator noise, not a leak.
# A leak of even 10 KiB per request would add ~22 MiB over the three later rounds.
MEMORY_SLACK_BYTES = 16 * 1024 * 1024
QUESTIONS = (
    "How much foreign capital did the 22 pilot free trade zones actually use in the first half of 2024?",
    "How many foreign-invested enterprises operate in China's telecommunications sector?",
    "How many countries and regions does Xi'an trade with?",
    "Which catalogue guides foreign investment in advanced manufacturing?",
)


@dataclass(frozen=True)
class Call:
    """One request of the mix and the status it must get."""

    method: str
    path: str
    expected: int
    body: dict | None = None


@dataclass
class RoundResult:
    """What one round saw."""

    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0


@pytest.fixture(scope="module")
def server(
    settings: Settings, service: QAService, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, int]]:
    """`rag serve` over the session's index (already built by the `service` fixture)."""
    log = tmp_path_factory.mktemp("load") / "serve.log"
    env = {"RAG_INDEX_DIR": str(settings.index_dir), "RAG_DOCS_DIR": str(settings.docs_dir)}
    with serve_process(env, log) as running:
        yield running


def _mix(documents: list[str], passages: list[str]) -> list[Call]:
    """Ten kinds of call, cycled: a fifth are questions, one in ten a bad request."""
    return [
        Call("POST", "/ask", 200, {"question": QUESTIONS[0], "k": 3}),
        Call("POST", "/ask", 200, {"question": QUESTIONS[1]}),
        Call("GET", "/health", 200),
        Call("GET", "/documents", 200),
        Call("GET", f"/documents/{documents[0]}", 200),
        Call("GET", f"/passages/{passages[0]}", 200),
        Call("GET", f"/passages/{passages[-1]}", 200),
        Call("GET", "/passages/0000000000000000", 404),
        Call("POST", "/ask", 400, {"question": "   "}),
        Call("GET", "/metrics", 200),
    ]


async def _round(base: str, calls: list[Call]) -> RoundResult:
    result = RoundResult()
    queue: asyncio.Queue[Call] = asyncio.Queue()
    for call in calls:
        queue.put_nowait(call)

    async def client(http: httpx.AsyncClient) -> None:
        while True:
            try:
                call = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            try:
                response = await http.request(call.method, call.path, json=call.body)
                result.statuses[response.status_code] += 1
                if response.status_code != call.expected:
                    result.errors.append(f"{call.method} {call.path}: {response.status_code} {response.text[:200]}")
                elif "x-request-id" not in response.headers:
                    result.errors.append(f"{call.method} {call.path}: no request id")
            except httpx.HTTPError as exc:
                result.errors.append(f"{call.method} {call.path}: {exc!r}")
            result.latencies.append(time.perf_counter() - started)

    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        await asyncio.wait_for(asyncio.gather(*(client(http) for _ in range(CLIENTS))), ROUND_TIMEOUT_S)
    result.seconds = time.perf_counter() - started
    return result


def _requests_counted(base: str) -> float:
    text = httpx.get(base + "/metrics").text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "rag_http_requests_total"
    )


def test_thousands_of_concurrent_requests_without_errors_or_memory_growth(server: tuple[str, int]) -> None:
    base, pid = server
    documents = [d["doc_id"] for d in httpx.get(base + "/documents").json()]
    answer = httpx.post(base + "/ask", json={"question": QUESTIONS[2], "k": 5}, timeout=60).json()
    passages = [p["passage_id"] for p in answer["passages"]]
    mix = _mix(documents, passages)
    calls = [mix[i % len(mix)] for i in range(REQUESTS_PER_ROUND)]
    counted_before = _requests_counted(base)

    results: list[RoundResult] = []
    memory: list[int] = []
    for _ in range(ROUNDS):
        results.append(asyncio.run(_round(base, calls)))
        memory.append(resident_memory_bytes(pid))

    sent = sum(sum(r.statuses.values()) for r in results)
    errors = [error for r in results for error in r.errors]
    report = [f"\nload: {ROUNDS} rounds x {REQUESTS_PER_ROUND} requests, {CLIENTS} concurrent clients"]
    for number, (r, rss) in enumerate(zip(results, memory, strict=True), 1):
        latencies = sorted(r.latencies)
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        report.append(
            f"  round {number}: {len(r.errors)} errors, {len(latencies) / r.seconds:.0f} req/s, "
            f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"server RSS {rss / 2**20:.1f} MiB, statuses {dict(sorted(r.statuses.items()))}"
        )
    report.append(f"  total: {sent} requests, {len(errors)} errors, RSS growth after warm-up "
                  f"{(max(memory[1:]) - memory[0]) / 2**20:+.1f} MiB")
    report += [f"  error: {error}" for error in errors[:10]]
    print("\n".join(report))

    assert sent == ROUNDS * REQUESTS_PER_ROUND
    assert errors == [], errors[:10]
    # The server counted every one of them (plus the /metrics scrape that reads the count).
    assert _requests_counted(base) - counted_before >= sent
    assert max(memory[1:]) - memory[0] <= MEMORY_SLACK_BYTES, [m / 2**20 for m in memory]

