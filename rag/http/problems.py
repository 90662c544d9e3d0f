"""Every HTTP error as an RFC 9457 problem: `application/problem+json` with type, title, status, detail.

The HTTP layer maps errors to statuses here and nowhere else: domain errors (`RagError`),
Litestar's own (validation, 404, 405, 413, 429, ...), bodies that are not UTF-8, and, as
a last resort, anything unexpected (500, logged with its traceback, detail withheld).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.openapi import ResponseSpec

from rag.errors import IndexUnavailableError, InputError, NotFoundError, RagError, TooLargeError, UnprocessableError
from rag.http.observability import current_request_id

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
_TYPE_PREFIX = "urn:rag:problem:"
BODY_LIMIT_DETAIL = "body_limit_detail"
"""A route's `opt` key: what its 413 says when the body is over the route's own limit."""


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """An error response (RFC 9457); `type` names the kind of problem, `detail` this occurrence."""

    type: str
    title: str
    status: int
    detail: str
    request_id: str | None = None
    """The `X-Request-ID` of the response, to find its log lines."""
    errors: list[dict[str, str]] | None = None
    """For invalid input: one entry per field (`field`, `message`, `source`: body, path, query or header)."""


# status -> (type slug, title). Titles are fixed per type, as RFC 9457 asks; details vary.
_KINDS: dict[int, tuple[str, str]] = {
    400: ("invalid-request", "The request is invalid"),
    401: ("unauthorized", "An API key is required"),
    403: ("forbidden", "This API key may not do that"),
    404: ("not-found", "No such resource"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("body-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported content type"),
    422: ("unprocessable-document", "The document cannot be indexed"),
    429: ("rate-limited", "Too many requests"),
    500: ("internal-error", "Internal server error"),
    503: ("index-unavailable", "The index is not available"),
}
# Litestar's words when the client disconnects while its body is read (raised as a 500).
_CLIENT_GONE = "client disconnected prematurely"
_DOMAIN_STATUS: tuple[tuple[type[RagError], int], ...] = (
    (InputError, 400),
    (NotFoundError, 404),
    (TooLargeError, 413),
    (UnprocessableError, 422),
    (IndexUnavailableError, 503),
)
# msgspec's wording of a broken constraint, said the way a person would.
_FRIENDLIER = (
    (re.compile(r"Expected `str` matching regex '\\\\S'"), "must contain a non-space character"),
    (re.compile(r"Expected `str` of length <= (\d+)"), r"must be at most \1 characters"),
    (re.compile(r"Expected `str` of length >= (\d+)"), r"must be at least \1 characters"),
    (re.compile(r"Expected `int` <= (-?\d+)"), r"must be at most \1"),
    (re.compile(r"Expected `int` >= (-?\d+)"), r"must be at least \1"),
    (re.compile(r"Expected `str` matching regex '(.*)'"), r"must match the pattern \1"),
)


def problem_type(status: int) -> str:
    """The `type` URI of problems with this status."""
    slug = _KINDS.get(status, ("http-" + str(status), ""))[0]
    return _TYPE_PREFIX + slug


def problem_response(
    status: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
) -> Response[Problem]:
    """A problem-details response with the current request id."""
    title = _KINDS.get(status, ("", "HTTP error " + str(status)))[1]
    problem = Problem(
        type=problem_type(status), title=title, status=status, detail=detail,
        request_id=current_request_id(), errors=errors,
    )
    return Response(problem, status_code=status, media_type=MEDIA_TYPE, headers=dict(headers or {}))


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries documenting that a route answers these statuses with a `Problem`."""
    return {
        status: ResponseSpec(
            data_container=Problem, description=_KINDS.get(status, ("", "Error"))[1], media_type=MEDIA_TYPE,
            generate_examples=False,
        )
        for status in statuses
    }


def _domain_error(request: Request[Any, Any, Any], exc: RagError) -> Response[Problem]:
    status = next((code for kind, code in _DOMAIN_STATUS if isinstance(exc, kind)), 500)
    if status == 500:
        log.error("unexpected service error on %s: %s", request.url.path, exc)
        return problem_response(500, "the service failed to answer; the log has the details")
    return problem_response(status, str(exc))


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    if status >= 500 and exc.detail == _CLIENT_GONE:
        # The client went away before its body arrived: its doing, not the service's (no 5xx to alert on).
        log.info("%s %s: %s", request.method, request.url.path, exc.detail)
        return problem_response(400, "the client closed the connection before the request body arrived")
    if status >= 500:
        log.error("HTTP %d on %s: %s", status, request.url.path, exc.detail)
        return problem_response(status, "the service failed to answer; the log has the details", headers=headers)
    if isinstance(exc, ValidationException):
        errors = _field_errors(exc.extra)
        listed = "; ".join(e["message"] if e["field"] == "body" else f"{e['field']}: {e['message']}" for e in errors)
        return problem_response(status, f"invalid {_where(errors)}: {listed}" if errors else exc.detail,
                                headers=headers, errors=errors or None)
    if status == 429 and "RateLimit-Reset" in headers:
        # Clients that know no RateLimit draft still understand Retry-After.
        headers.setdefault("Retry-After", headers["RateLimit-Reset"])
    return problem_response(status, _http_detail(request, exc), headers=headers)


def _http_detail(request: Request[Any, Any, Any], exc: HTTPException) -> str:
    status = exc.status_code
    if status == 404 and exc.detail == "Not Found":
        return f"no route {request.url.path!r}; the API is described at /schema"
    if status == 405:
        allowed = (exc.headers or {}).get("allow", "")
        return f"{request.method} is not allowed on {request.url.path}; allowed: {allowed}"
    if status == 413:
        handler = request.scope.get("route_handler")
        own = handler.opt.get(BODY_LIMIT_DETAIL) if handler is not None else None
        return own or f"the request body is over the limit of {request.app.request_max_body_size} bytes"
    if status == 429:
        return "too many requests from this client; retry after the number of seconds in Retry-After"
    if isinstance(exc.__cause__, SerializationException):
        return f"the request body is not valid JSON: {exc.detail}"
    return exc.detail


def _field_errors(extra: object) -> list[dict[str, str]]:
    """Litestar's validation details as `field: message` pairs (`data` is the body as a whole)."""
    if not isinstance(extra, list):
        return []
    errors = []
    for item in extra:
        if isinstance(item, dict) and "message" in item:
            field = str(item.get("key") or "body")
            message = str(item["message"])
            if field == "data" and message == "'data'":
                # Litestar's way of saying the body was empty.
                message = "a JSON object is required"
            errors.append({
                "field": "body" if field == "data" else field,
                "message": _friendlier(message),
                "source": str(getattr(item.get("source"), "value", item.get("source") or "body")),
            })
    return errors


def _friendlier(message: str) -> str:
    for pattern, replacement in _FRIENDLIER:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message)
    return message


def _where(errors: list[dict[str, str]]) -> str:
    sources = {e["source"] for e in errors}
    return "request body" if sources == {"body"} else "request"


def _undecodable_body(request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[Problem]:
    # Litestar decodes the JSON body lazily and would let this escape as a 500.
    # `exc.start` counts from wherever the decoder started (often a string inside the JSON),
    # so name the offending byte rather than a position that would mislead.
    offending = exc.object[exc.start : exc.start + 1]
    shown = f" (byte 0x{offending.hex()}: {exc.reason})" if isinstance(offending, bytes) and offending else ""
    return problem_response(400, f"the request body is not valid UTF-8{shown}; send JSON encoded as UTF-8")


def _too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Problem]:
    # msgspec gives up on absurdly nested JSON with a RecursionError; that is the client's doing.
    if "deserializing" in str(exc):
        return problem_response(400, "the request body is not valid JSON: it nests too deeply")
    return _unexpected(request, exc)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    # The traceback goes to the log under the request id; the client learns only that id.
    log.exception("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return problem_response(500, "the service failed to answer; the log has the details")


def exception_handlers() -> dict[type[Exception], Callable[[Request[Any, Any, Any], Any], Response[Problem]]]:
    """The app's `exception_handlers`: every error becomes a problem response."""
    return {
        RagError: _domain_error,
        HTTPException: _http_error,
        UnicodeDecodeError: _undecodable_body,
        RecursionError: _too_deep,
        Exception: _unexpected,
    }
