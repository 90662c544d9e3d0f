"""The load generator's HTTP/1.1 clients: keep-alive connections with next to no work of their own.

The bench's clients share the two cores with the server they measure, so what a client costs
is taken from the server and added to every latency it reports. httpx spent 1.0-1.7 CPU-ms per
request and added about 2 ms to a one-client `/ask` p50 that `http.client` did not (measured
on the seeds server; the round trip of `GET /health` went from 1.4 to 0.4 ms). The sync client
is the standard library's; the async one is a few lines over asyncio streams, enough for a
server that answers with a Content-Length, as Litestar does.
"""

from __future__ import annotations

import asyncio
import http.client
import json
from urllib.parse import urlsplit

JSON_HEADERS = {"Content-Type": "application/json"}


class HttpFailure(Exception):
    """A request that got no complete HTTP answer (connection refused, reset, malformed reply)."""


def json_body(value: object) -> bytes:
    """`value` encoded once, as a request body."""
    return json.dumps(value).encode()


class KeepAliveClient:
    """One keep-alive connection to `base_url`, reopened after a failure."""

    def __init__(self, base_url: str, timeout: float = 30) -> None:
        parts = urlsplit(base_url)
        self._host, self._port, self._timeout = parts.hostname or "127.0.0.1", parts.port or 80, timeout
        self._connection = self._open()

    def _open(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """Status and body of one request (a JSON body when `body` is given)."""
        try:
            self._connection.request(method, path, body=body, headers=JSON_HEADERS if body is not None else {})
            response = self._connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            self._connection.close()
            self._connection = self._open()
            raise HttpFailure(f"{method} {path}: {exc}") from exc

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def __enter__(self) -> KeepAliveClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class AsyncKeepAliveClient:
    """One keep-alive connection over asyncio streams; requests on it go one after another."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        """Status and body of one request (`body` sent as JSON when not empty)."""
        try:
            if self._streams is None:
                self._streams = await asyncio.open_connection(self._host, self._port)
            reader, writer = self._streams
            head = f"{method} {path} HTTP/1.1\r\nHost: {self._host}\r\nContent-Length: {len(body)}\r\n"
            if body:
                head += "Content-Type: application/json\r\n"
            writer.write(head.encode() + b"\r\n" + body)
            status, length, closing = _parse_head(await reader.readuntil(b"\r\n\r\n"))
            answer = await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            await self.close()
            raise HttpFailure(f"{method} {path}: {exc!r}") from exc
        if closing:
            await self.close()
        return status, answer

    async def close(self) -> None:
        """Close the connection (a later request opens a new one)."""
        if self._streams is not None:
            writer = self._streams[1]
            self._streams = None
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass


def _parse_head(head: bytes) -> tuple[int, int, bool]:
    """Status, Content-Length and whether the server closes the connection, from a response head.

    ValueError for a head without a status or a length (chunked answers are not expected here).
    """
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" not in headers:
        raise ValueError(f"no Content-Length in the answer (status {status})")
    return status, int(headers["content-length"]), headers.get("connection", "").lower() == "close"
