"""The write routes: `POST /documents`, `PUT /documents/{id}`, `DELETE /documents/{id}`.

A transcript travels as the raw body (with its own Content-Type) or as the `file` part of a
multipart form. Its Content-Type must fit the id's suffix (`application/octet-stream` always
does); a `charset` other than UTF-8 is decoded here and stored as UTF-8, so citations index
the text as the service keeps it. The work (parse, embed, commit) runs in a worker thread.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, TypeVar

import anyio
from litestar import Request, Response, delete, post, put
from litestar.datastructures import State, UploadFile
from litestar.exceptions import HTTPException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import Parameter

from rag.errors import InputError, RagError
from rag.http.prometheus import HttpMetrics
from rag.http.input import DocumentId, check_document_id
from rag.http.problems import BODY_LIMIT_DETAIL, problem_responses
from rag.http.security import SECURITY
from rag.index.changes import WriteOutcome, WriteResult
from rag.ingest.charsets import decode_as, text_codec
from rag.ingest.corpus import opens_as_utf16
from rag.ingest.readers import BINARY_SUFFIXES, READERS, reader_for
from rag.ingest.uploads import check_write_id
from rag.service import QAService
from rag.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

_ANY_FORMAT = "application/octet-stream"
_MULTIPART = "multipart/form-data"
_WRITE_ERRORS = problem_responses(400, 401, 403, 413, 415, 422, 429, 503)


def _transcript_body() -> RequestBody:
    """The upload body as the schema shows it: the raw file in any content type a reader takes,
    or a multipart form. The handlers read the body themselves (its type decides how)."""
    raw = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format="binary"))
    media_types = sorted({t for reader in READERS for types in reader.media_types.values() for t in types} | {_ANY_FORMAT})
    form = OpenAPIMediaType(schema=Schema(
        type=OpenAPIType.OBJECT, required=["file"],
        properties={"file": Schema(type=OpenAPIType.STRING, format="binary",
                                   description="The transcript; its file name is the id unless `doc_id` is given."),
                    "doc_id": Schema(type=OpenAPIType.STRING,
                                     description="POST: the id to store it under. PUT takes the path's.")}))
    return RequestBody(
        required=True, content={**{t: raw for t in media_types}, _MULTIPART: form},
        description="One transcript: the raw file with its Content-Type (which must fit the id's suffix; "
                    "`application/octet-stream` always does; a `charset` other than UTF-8 is decoded), or "
                    "a multipart form with a `file` part.")


@dataclass
class _UploadOperation(Operation):
    """The OpenAPI operation of an upload route, with its request body filled in."""

    def __post_init__(self) -> None:
        self.request_body = _transcript_body()


def write_routes(settings: Settings, service: Any, guard: Any) -> list[HTTPRouteHandler]:
    """The three write routes, with this app's upload size limit, behind `guard` (write keys);
    `service(state)` gives the service."""
    limit = settings.index.max_upload_bytes + 64 * 1024  # room for a multipart envelope
    guarded: dict[str, Any] = {"guards": [guard], "security": SECURITY}
    # The 413 past the route's limit names the setting, not the envelope's allowance (problems.py).
    too_large = f"an upload is over the limit of {settings.index.max_upload_bytes} bytes (RAG_MAX_UPLOAD_BYTES)"
    uploads: dict[str, Any] = {"request_max_body_size": limit, "operation_class": _UploadOperation,
                               "opt": {BODY_LIMIT_DETAIL: too_large}, **guarded}

    @post("/documents", summary="Upload a transcript", responses=_WRITE_ERRORS, **uploads)
    async def upload(
        request: Request[Any, Any, Any], state: State,
        doc_id: str | None = Parameter(query="doc_id", default=None, max_length=512,
                                       description="The id to store it under; default: the uploaded file's name."),
    ) -> Response[WriteResult]:
        """Add or replace one transcript (any format a reader takes); 201 when it is new."""
        name, data = await _counted(state, "put", _transcript(request, doc_id))
        return await _apply(state, service(state), name, data)

    @put("/documents/{doc_id:path}", summary="Create or replace a transcript", responses=_WRITE_ERRORS, **uploads)
    async def replace(request: Request[Any, Any, Any], state: State, doc_id: DocumentId) -> Response[WriteResult]:
        """Make `doc_id` hold this transcript: 201 when created, 200 when replaced or unchanged."""
        name = check_write_id(check_document_id(_as_sent(request, doc_id)))
        _, data = await _counted(state, "put", _transcript(request, name))
        return await _apply(state, service(state), name, data)

    @delete("/documents/{doc_id:path}", status_code=200, summary="Delete a transcript",
            responses=problem_responses(400, 401, 403, 404, 429, 503), **guarded)
    async def remove(request: Request[Any, Any, Any], state: State, doc_id: DocumentId) -> WriteResult:
        """Remove `doc_id` from the corpus and the index; no answer cites it from then on."""
        name = check_document_id(_as_sent(request, doc_id))
        return await _counted(state, "delete", anyio.to_thread.run_sync(service(state).delete_document, name))

    return [upload, replace, remove]


async def _apply(state: State, service: QAService, doc_id: str, data: bytes) -> Response[WriteResult]:
    result = await _counted(state, "put", anyio.to_thread.run_sync(service.put_document, doc_id, data))
    created = result.outcome is WriteOutcome.CREATED
    # Percent-encoded: an id may hold `?`, `#`, spaces or any script, and a header only Latin-1.
    location = f"/documents/{urllib.parse.quote(doc_id, safe='/')}"
    return Response(result, status_code=201 if created else 200, headers={"Location": location})


def _as_sent(request: Request[Any, Any, Any], doc_id: str) -> str:
    """The id as the URL spells it (percent-decoded, strictly as UTF-8): the server has already
    merged `//` and decoded `%2F` in the path it routes, which would turn `//abs.txt` or
    `%2Fetc%2Fx.txt` into another, valid id instead of the invalid one that was sent."""
    raw = request.scope.get("raw_path") or b""
    prefix = b"/documents"  # the slash after it stays, as `{doc_id:path}` keeps it
    if not raw.startswith(prefix + b"/"):
        return doc_id
    try:
        return urllib.parse.unquote(raw[len(prefix) :].decode("utf-8"), errors="strict")
    except UnicodeDecodeError:
        raise InputError("the document id in the URL holds bytes that are not UTF-8") from None


async def _counted(state: State, kind: str, work: Awaitable[T]) -> T:
    """Await a write's step, counting a refusal, or the outcome once it is a `WriteResult`, and logging it."""
    metrics: HttpMetrics = state.metrics
    try:
        result = await work
    except (RagError, HTTPException) as exc:
        metrics.writes.labels(kind, "refused").inc()
        log.info("document %s refused: %s", kind, exc)
        raise
    if isinstance(result, WriteResult):
        metrics.writes.labels(kind, result.outcome.value).inc()
        log.info("document %s %s: %s, passages +%d -%d, index %s", kind, result.doc_id, result.outcome.value,
                 result.passages_added, result.passages_removed, result.version)
    return result


async def _transcript(request: Request[Any, Any, Any], doc_id: str | None) -> tuple[str, bytes]:
    """The document id and the transcript's bytes (UTF-8) from a raw or multipart body."""
    media_type, charset = _content_type(request.headers.get("Content-Type", ""))
    if media_type == _MULTIPART:
        form = await request.form()
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise InputError("a multipart upload needs its transcript in a part named 'file'")
        name = doc_id or form.get("doc_id") or part.filename
        if not isinstance(name, str) or not name:
            raise InputError("give the document id: a doc_id field or query parameter, or the file's name")
        # The part's own header keeps its `charset`; `content_type` holds the media type alone.
        header = next((v for k, v in part.headers.items() if k.lower() == "content-type"), part.content_type)
        media_type, charset = _content_type(header or _ANY_FORMAT)
        data = await part.read()
    else:
        if not media_type:
            raise HTTPException(status_code=415, detail="send the transcript with its Content-Type "
                                "(text/plain, text/vtt, application/json, ... or application/octet-stream)")
        if not doc_id:
            raise InputError("a raw upload needs its id: POST /documents?doc_id=NAME.vtt, or PUT /documents/NAME.vtt")
        name, data = doc_id, await request.body()
    name = check_write_id(name)
    if not data:
        raise InputError(f"{name}: the body is empty")
    _check_media_type(name, media_type)
    if PurePosixPath(name).suffix.lower() in BINARY_SUFFIXES:
        return name, data  # a Word file, a PDF, a workbook: bytes, whatever charset a client adds
    return name, _as_utf8(name, data, charset)


def _content_type(header: str) -> tuple[str, str | None]:
    media_type, *parameters = (part.strip() for part in header.split(";"))
    charset = None
    for parameter in parameters:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media_type.lower(), charset


def _check_media_type(doc_id: str, media_type: str) -> None:
    """415 unless `media_type` fits the id's suffix (its reader says which do; the id was checked)."""
    suffix = PurePosixPath(doc_id).suffix.lower()
    allowed = set(reader_for(doc_id).media_types[suffix])
    if media_type != _ANY_FORMAT and media_type not in allowed:
        accepted = ", ".join(sorted(allowed | {_ANY_FORMAT}))
        raise HTTPException(status_code=415, detail=f"{doc_id}: a {suffix} file cannot be sent as {media_type!r}; "
                            f"send it as one of {accepted}")


def _as_utf8(doc_id: str, data: bytes, charset: str | None) -> bytes:
    """The body as UTF-8: decoded from its declared charset, or from UTF-16 when a byte-order mark
    says so (as Windows tools write it); UTF-8 bodies pass as they are."""
    if charset is None and opens_as_utf16(data):
        charset = "utf-16"
    if charset is None or charset in ("utf-8", "utf8"):
        return data
    codec = text_codec(charset)
    if codec is None:
        raise HTTPException(status_code=415, detail=f"{doc_id}: unknown charset {charset!r}")
    try:
        # As browsers read it: `iso-8859-1` from a Windows client is windows-1252.
        text = decode_as(data, codec)
    except UnicodeDecodeError as exc:
        raise InputError(f"{doc_id}: the body is not valid {charset} (byte {exc.start})") from None
    return text.encode("utf-8")
