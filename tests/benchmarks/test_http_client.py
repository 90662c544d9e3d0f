"""The load generator's own HTTP clients, against tiny real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest

from benchmarks.http_client import AsyncKeepAliveClient, HttpFailure, KeepAliveClient
from benchmarks.server import free_port


async def _serve_answers(answers: list[bytes]) -> tuple[asyncio.AbstractServer, list[bytes], int]:
    """A server that reads one request head per answer and sends the next answer; the heads it saw."""
    heads: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while answers:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length")), 0)
            heads.append(head + await reader.readexactly(length))
            writer.write(answers.pop(0))
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, heads, server.sockets[0].getsockname()[1]


def test_the_async_client_reads_lengths_reconnects_after_close_and_reports_bad_answers() -> None:
    async def scenario() -> None:
        answers = [
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ]
        server, heads, port = await _serve_answers(answers)
        client = AsyncKeepAliveClient(f"http://127.0.0.1:{port}")
        assert await client.request("POST", "/ask", b'{"question":"q"}') == (200, b"hi")
        assert await client.request("GET", "/health") == (503, b"")
        assert heads[0].startswith(b"POST /ask HTTP/1.1\r\n") and heads[0].endswith(b'\r\n\r\n{"question":"q"}')
        assert b"Content-Type: application/json" in heads[0] and b"Content-Type" not in heads[1]
        # The server closed after its 503: the client opens a new connection, which gets no
        # Content-Length this time, and says so instead of guessing where the body ends.
        answers.append(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        with pytest.raises(HttpFailure, match="Content-Length"):
            await client.request("GET", "/health")
        await client.close()
        server.close()
        await server.wait_closed()

    asyncio.run(scenario())


def test_both_clients_turn_a_refused_connection_into_a_failure_they_can_retry() -> None:
    port = free_port()  # nothing listens there
    with KeepAliveClient(f"http://127.0.0.1:{port}", timeout=2) as client:
        with pytest.raises(HttpFailure, match="GET /health"):
            client.request("GET", "/health")

    async def refused() -> None:
        with pytest.raises(HttpFailure, match="POST /ask"):
            await AsyncKeepAliveClient(f"http://127.0.0.1:{port}").request("POST", "/ask", b"{}")

    asyncio.run(refused())
