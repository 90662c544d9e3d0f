"""Where a blocking handler's work runs: on the event loop when its request is the only one in
flight, else in a worker thread.

Handing a call to a worker thread and back wakes two sleeping threads. On the 2-vCPU virtual
machines this service was measured on, each wake-up took about 85 µs, and the hand-off as a
whole 0.28 ms of a one-client `/ask` (1.12 against 0.85 ms p50 with the question's vector
cached): a quarter of everything but the model. A request that is alone loses nothing by
blocking the loop, since nothing else waits on it. When other requests are in flight, the
work goes to a thread, so the loop keeps reading requests and the model's lanes fill.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from litestar.concurrency import sync_to_thread
from litestar.types import ASGIApp, Receive, Scope, Send

T = TypeVar("T")


class RequestsInFlight:
    """The HTTP requests the app is handling now. Touched only on the event loop's thread,
    so a plain counter needs no lock."""

    def __init__(self) -> None:
        self.count = 0


class CountRequests:
    """ASGI wrapper that keeps `RequestsInFlight` up to date (outermost, so every route counts)."""

    def __init__(self, app: ASGIApp, in_flight: RequestsInFlight) -> None:
        self.app = app
        self.in_flight = in_flight

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the request for as long as the app handles it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.in_flight.count += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight.count -= 1


class LoopOrThread:
    """Runs a blocking call inline when its request is alone, in a worker thread otherwise."""

    def __init__(self, in_flight: RequestsInFlight) -> None:
        self.in_flight = in_flight

    async def run(self, call: Callable[..., T], *args: object) -> T:
        """`call(*args)`, on the loop or in a thread (see the module's docstring)."""
        # One turn of the loop first: requests read in the same turn as this one start and are
        # counted before the choice, so a burst does not run one after another on the loop.
        await asyncio.sleep(0)
        if self.in_flight.count <= 1:
            return call(*args)
        return await sync_to_thread(call, *args)
