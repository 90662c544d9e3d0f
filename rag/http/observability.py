"""Request ids and structured logs: every response carries `X-Request-ID`, every log line its id.

`RequestContextMiddleware` wraps the whole app (outside routing, so 404s and 405s are seen
too): it takes the caller's `X-Request-ID` when it is a sane token or makes one, puts it in
a context variable for the duration of the request (log lines and problem responses read
it from there, also in worker threads), adds it to the response, reports the request to an
observer (the metrics), and writes one access log line.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import re
import sys
import time
import uuid
from typing import Any, Protocol, TextIO

import msgspec
from litestar.datastructures import MutableScopeHeaders
from litestar.logging.config import LoggingConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from rag.settings import LogFormat

REQUEST_ID_HEADER = "X-Request-ID"
UNMATCHED_ROUTE = "<unmatched>"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_LOGGED_PATH_CHARS = 200

# A context variable, not shared state: each request (and the worker thread it hands work
# to, which anyio runs in a copy of the context) sees only its own id.
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("rag_request_id", default=None)

access_log = logging.getLogger("rag.access")


def current_request_id() -> str | None:
    """The id of the request being handled in this context (None outside a request)."""
    return _request_id.get()


class RequestObserver(Protocol):
    """Told about every finished request (the metrics implement this)."""

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one answered request: its method, route template, status and duration."""


class RequestContextMiddleware:
    """ASGI wrapper giving each HTTP request an id, an access log line and a metrics sample."""

    def __init__(self, app: ASGIApp, observer: RequestObserver | None = None) -> None:
        self.app = app
        self.observer = observer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection; only HTTP requests are instrumented."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        token = _request_id.set(request_id)
        started = time.perf_counter()
        status = 500  # what the client sees if the app dies before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            method = scope["method"] if scope["method"] in _KNOWN_METHODS else "OTHER"
            # The route template, not the path: ids in paths would make unbounded label sets.
            route = scope.get("path_template") or UNMATCHED_ROUTE
            if self.observer is not None:
                self.observer.observe_request(method, route, status, seconds)
            # The path as sent (still percent-encoded): a decoded one could carry line breaks
            # into text logs.
            path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")[:_LOGGED_PATH_CHARS]
            client = scope.get("client")
            access_log.info(
                "%s %s %d %.1fms", method, path, status, seconds * 1000,
                extra={
                    "event": "request", "method": method, "path": path, "route": route, "status": status,
                    "duration_ms": round(seconds * 1000, 2), "client": client[0] if client else None,
                },
            )
            _request_id.reset(token)


def _incoming_id(scope: Scope) -> str | None:
    """The caller's id when it is a short token; anything else is replaced (log injection)."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            return candidate if _SANE_ID.fullmatch(candidate) else None
    return None


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or `-`) on every record as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Annotate; never drops a record."""
        record.request_id = current_request_id() or "-"
        return True


# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


# msgspec, not json.dumps: every answered request writes a line on the event loop, and
# json.dumps was a sixth of that line's cost (py-spy, 8 clients); msgspec takes 1 µs, not 10.
# Values JSON has no type for are logged as their str().
_LOG_LINE = msgspec.json.Encoder(enc_hook=str)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single JSON line."""
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            # The filter writes "-" outside requests (for text lines); JSON says null.
            "request_id": current_request_id() if getattr(record, "request_id", "-") == "-" else record.request_id,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _LOG_LINE.encode(entry).decode()


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record is emitted (test runners swap it)."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        """The current standard error."""
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        # StreamHandler.__init__ assigns a stream; the property always answers sys.stderr.
        pass


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(log_format: LogFormat) -> LoggingConfig:
    """Litestar's logging config: `rag` and `litestar` loggers through one structured handler.

    The root logger is left to the entry point; exceptions are logged by our own 500 handler
    (with the request id), so Litestar's duplicate traceback is off.
    """
    formatter: dict[str, Any] = (
        {"()": JsonFormatter} if log_format is LogFormat.JSON else {"format": TEXT_FORMAT}
    )
    handler = {"()": StderrHandler, "formatter": "rag", "filters": ["request_id"]}
    return LoggingConfig(
        configure_root_logger=False,
        filters={"request_id": {"()": RequestIdFilter}},
        formatters={"rag": formatter},
        handlers={"rag": handler},
        loggers={
            "rag": {"level": "INFO", "handlers": ["rag"], "propagate": False},
            "litestar": {"level": "INFO", "handlers": ["rag"], "propagate": False},
        },
        log_exceptions="never",
    )
