"""Litestar app: thin handlers over `QAService`; domain errors map to HTTP statuses in one place."""

from __future__ import annotations

import logging
from typing import Annotated

import msgspec
from litestar import Litestar, MediaType, Request, Response, get, post
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin

from rag.config import Settings
from rag.errors import IndexUnavailableError, InputError, NotFoundError, RagError
from rag.records import Answer, Filters
from rag.service import DocumentSummary, DocumentView, Health, PassageView, QAService, open_service

log = logging.getLogger(__name__)

_STATUS = {InputError: 400, NotFoundError: 404, IndexUnavailableError: 503}


class AskRequest(msgspec.Struct, forbid_unknown_fields=True):
    """A question; `k` is how many passages to retrieve (default from settings)."""

    question: Annotated[str, msgspec.Meta(min_length=1, description="The question, in plain language.")]
    k: Annotated[int, msgspec.Meta(ge=1, description="Passages to retrieve.")] | None = None
    filters: Filters | None = None


def _service(state: State) -> QAService:
    return state.service  # type: ignore[no-any-return]


@post("/ask", sync_to_thread=True, summary="Answer a question with cited extracts")
def ask(data: AskRequest, state: State) -> Answer:
    """Retrieve passages and return the sentences that answer, each with its exact citation."""
    return _service(state).ask(data.question, data.k, data.filters)


@get("/passages/{passage_id:str}", sync_to_thread=False, summary="One passage")
def get_passage(passage_id: str, state: State) -> PassageView:
    """A passage by id, with its text and the question it answers."""
    return _service(state).passage(passage_id)


@get("/documents", sync_to_thread=False, summary="List documents")
def list_documents(state: State) -> list[DocumentSummary]:
    """Every indexed document with its title, date and speakers."""
    return _service(state).documents()


@get("/documents/{doc_id:path}", sync_to_thread=False, summary="One document and its turns")
def get_document(doc_id: str, state: State) -> DocumentView:
    """A document's turns, each with speaker, role, span and text."""
    return _service(state).document(doc_id.lstrip("/"))


@get("/health", sync_to_thread=False, summary="Liveness and what is served")
def health(state: State) -> Health:
    """`status: ok` with the model and index build in use."""
    return _service(state).health()


def _rag_error(request: Request, exc: RagError) -> Response[dict[str, object]]:
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 500)
    if status == 500:
        log.error("unexpected service error on %s: %s", request.url.path, exc)
    return Response(
        {"status_code": status, "detail": str(exc) if status < 500 else "internal error"},
        status_code=status,
        media_type=MediaType.JSON,
    )


def _undecodable_body(request: Request, exc: UnicodeDecodeError) -> Response[dict[str, object]]:
    # Litestar decodes the JSON body lazily and lets this escape as a 500.
    return Response(
        {"status_code": 400, "detail": f"request body is not valid UTF-8 (byte {exc.start})"},
        status_code=400,
        media_type=MediaType.JSON,
    )


def create_app(settings: Settings, service: QAService | None = None) -> Litestar:
    """The ASGI app. Pass a loaded `service` to share it (tests); otherwise it loads at startup."""
    state = State({"service": service})

    def load_service(app: Litestar) -> None:
        if app.state.service is None:
            app.state.service = open_service(settings, build_if_needed=True)

    return Litestar(
        route_handlers=[ask, get_passage, list_documents, get_document, health],
        state=state,
        on_startup=[load_service],
        exception_handlers={RagError: _rag_error, UnicodeDecodeError: _undecodable_body},
        request_max_body_size=64 * 1024,
        openapi_config=OpenAPIConfig(
            title="Transcript QA",
            version="0.1.0",
            description="Ask questions over speech transcripts; answers are verbatim, cited extracts.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin(), ScalarRenderPlugin()],
        ),
    )
