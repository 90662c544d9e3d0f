"""Where `/ask`'s work runs: on the event loop when its request is alone, in a worker thread when
others are in flight (`rag.http.dispatch`), driven through the ASGI counter as the app uses it."""

from __future__ import annotations

import asyncio
import threading

import pytest

from rag.http.dispatch import CountRequests, LoopOrThread, RequestsInFlight


def _counted_app(in_flight: RequestsInFlight, threads_seen: list[int]) -> CountRequests:
    """An ASGI app whose one handler reports the thread `LoopOrThread` ran its call on."""
    dispatch = LoopOrThread(in_flight)

    async def app(scope, receive, send) -> None:
        if scope.get("path") == "/fail":
            raise RuntimeError("handler failed")
        threads_seen.append(await dispatch.run(threading.get_ident))

    return CountRequests(app, in_flight)


async def _request(app: CountRequests, path: str = "/ask") -> None:
    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        pass

    await app({"type": "http", "path": path}, receive, send)


def test_a_lone_request_runs_on_the_loop() -> None:
    in_flight, seen = RequestsInFlight(), []
    app = _counted_app(in_flight, seen)

    async def main() -> int:
        await _request(app)
        await _request(app)
        return threading.get_ident()

    loop_thread = asyncio.run(main())
    assert seen == [loop_thread, loop_thread]
    assert in_flight.count == 0


def test_requests_started_together_run_in_worker_threads() -> None:
    in_flight, seen = RequestsInFlight(), []
    app = _counted_app(in_flight, seen)

    async def main() -> int:
        await asyncio.gather(*(_request(app) for _ in range(6)))
        return threading.get_ident()

    loop_thread = asyncio.run(main())
    assert len(seen) == 6
    assert loop_thread not in seen  # none blocked the loop while others waited behind it
    assert in_flight.count == 0


def test_a_request_that_fails_is_no_longer_counted() -> None:
    in_flight, seen = RequestsInFlight(), []
    app = _counted_app(in_flight, seen)

    async def main() -> int:
        with pytest.raises(RuntimeError):
            await _request(app, "/fail")
        await _request(app)
        return threading.get_ident()

    loop_thread = asyncio.run(main())
    assert in_flight.count == 0
    assert seen == [loop_thread]  # the failed request did not leave the next one looking busy


def test_lifespan_messages_are_not_counted() -> None:
    in_flight = RequestsInFlight()
    scopes = []

    async def app(scope, receive, send) -> None:
        scopes.append((scope["type"], in_flight.count))

    asyncio.run(CountRequests(app, in_flight)({"type": "lifespan"}, None, None))
    assert scopes == [("lifespan", 0)]
