"""Litestar app: thin handlers over `QAService`, assembled with its guards, limits and instruments.

Routes and who may call them:

* `/health`, the web page (`/`, `/static/...`): always open;
* `/ask`, `/passages/{id}`, `/documents[...]`, `/metrics`, `/schema/...`: an API key when
  `RAG_API_KEYS` is set;
* `POST /documents`, `PUT` and `DELETE /documents/{id}`: a write key (`RAG_WRITE_API_KEYS`) or an
  admin key, off when neither is set;
* `/admin/reload`: an admin key (`RAG_ADMIN_API_KEYS`), off when none is set.

Errors are RFC 9457 problems (`rag.http.problems`); ids, logs and metrics come from
`rag.http.observability` and `rag.http.prometheus`; keys, limits and CORS from `rag.http.security`.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import msgspec
from litestar import HttpMethod, Litestar, Request, Router, get, post, route
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components

from rag.settings import Settings
from rag.errors import IndexUnavailableError, RagError
from rag.http.input import (
    AskRequest,
    DocumentId,
    PassageId,
    StrictStructSchemaPlugin,
    Utf8JsonRequest,
    ask_request_type,
    check_document_id,
    check_types_strictly,
)
from rag.http.security import SECURITY, SECURITY_SCHEMES, AccessPolicy, cors_config, rate_limit_config
from rag.http.prometheus import HttpMetrics, metrics_endpoint
from rag.http.observability import RequestContextMiddleware, logging_config
from rag.http.dispatch import CountRequests, LoopOrThread, RequestsInFlight
from rag.http.problems import exception_handlers, problem_responses
from rag.types import Answer
from rag.service import DocumentSummary, DocumentView, Health, PassageView, QAService, open_service
from rag.http.webpage import web_routes
from rag.index.watch import FolderWatcher
from rag.http.documents import write_routes

log = logging.getLogger(__name__)


class ReloadResult(msgspec.Struct, frozen=True):
    """What `/admin/reload` did: the build served before and after."""

    previous_build_id: str | None
    build_id: str
    changed: bool


def _service(state: State) -> QAService:
    service: QAService | None = state.service
    if service is None:
        raise IndexUnavailableError(state.unavailable or "the index is still loading")
    return service


def _ask_route(settings: Settings, dispatch: LoopOrThread) -> HTTPRouteHandler:
    # A handler per app: its body type carries this app's limits into validation and the schema.
    # 200, not Litestar's POST default of 201: answering creates nothing (RFC 9110, 15.3.2).
    @post(
        "/ask", status_code=200, summary="Answer a question with cited extracts",
        signature_namespace={"AskRequest": ask_request_type(settings)},
        responses=problem_responses(400, 401, 413, 415, 429, 503),
    )
    async def ask(data: AskRequest, state: State, request: Request[Any, Any, Any]) -> Answer:
        """Retrieve passages and return the sentences that answer, each with its exact citation."""
        check_types_strictly(await request.json(), type(data))  # decoded once, for `data` too
        return await dispatch.run(_service(state).ask, data.question, data.k, data.filters)

    return ask


@get("/passages/{passage_id:str}", sync_to_thread=False, summary="One passage",
     responses=problem_responses(400, 401, 404, 429, 503))
def get_passage(passage_id: PassageId, state: State) -> PassageView:
    """A passage by id, with its text and the question it answers."""
    return _service(state).passage(passage_id)


@get("/documents", sync_to_thread=False, summary="List documents", responses=problem_responses(401, 429, 503))
def list_documents(state: State) -> list[DocumentSummary]:
    """Every indexed document with its title, date and speakers."""
    return _service(state).documents()


@get("/documents/{doc_id:path}", sync_to_thread=False, summary="One document and its turns",
     responses=problem_responses(400, 401, 404, 429, 503))
def get_document(doc_id: DocumentId, state: State) -> DocumentView:
    """A document's turns, each with speaker, role, span and text."""
    return _service(state).document(check_document_id(doc_id))


# HEAD too: uptime checkers and load balancers probe with it.
@route("/health", http_method=[HttpMethod.GET, HttpMethod.HEAD], sync_to_thread=False,
       summary="Liveness and what is served", responses=problem_responses(503))
def health(state: State) -> Health:
    """`status: ok` with the model and index build in use (503 while no index can be served)."""
    return _service(state).health()


@post("/reload", sync_to_thread=True, status_code=200, summary="Load the current index build from disk",
      responses=problem_responses(401, 403, 429, 503))
def reload_index(state: State) -> ReloadResult:
    """Swap in the build `current` points to; when it fails its checks the old one keeps serving (503)."""
    metrics: HttpMetrics = state.metrics
    service: QAService | None = state.service
    previous = service.index.manifest.build_id if service is not None else None
    try:
        if service is None:
            state.service = open_service(state.settings, build_if_needed=False)
            state.unavailable = None
        else:
            service.reload()
    except RagError as exc:
        metrics.reloads.labels("failed").inc()
        log.error("index reload failed, still serving %s: %s", previous or "nothing", exc)
        serving = f"still serving build {previous}" if previous else "no index is being served"
        raise IndexUnavailableError(f"reload failed ({serving}): {exc}") from None
    metrics.reloads.labels("ok").inc()
    current = _service(state).index.manifest.build_id
    log.info("index reloaded: %s -> %s", previous, current)
    return ReloadResult(previous_build_id=previous, build_id=current, changed=current != previous)


_COMPACTION_CHECK_SECONDS = 0.5


class _Upkeep:
    """The background thread of an app: the service's `maintain` every interval (watching the
    corpus folder when asked, compacting written documents when writes go quiet)."""

    def __init__(self, state: State, watcher: FolderWatcher | None, interval: float) -> None:
        self._state, self._watcher, self._interval = state, watcher, interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rag-upkeep", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            service: QAService | None = self._state.service
            if service is None:
                continue
            try:
                service.maintain(self._watcher)
            except Exception:  # the thread must outlive one bad round; the next one retries
                log.exception("background upkeep failed")


def create_app(settings: Settings, service: QAService | None = None, *, watch: bool = False) -> Litestar:
    """The ASGI app. Pass a loaded `service` to share it (tests); otherwise it loads at startup.
    With `watch`, changes to the corpus folder are applied as they settle.

    When loading fails (a damaged index, say), the app still starts: service routes answer
    503 with the reason until `/admin/reload` succeeds.
    """
    state = State({"service": service, "unavailable": None, "settings": settings})
    metrics = HttpMetrics(lambda: state.service)
    state.metrics = metrics
    policy = AccessPolicy(settings)
    in_flight = RequestsInFlight()

    def load_service(app: Litestar) -> None:
        if app.state.service is not None:
            return
        try:
            app.state.service = open_service(settings, build_if_needed=True)
        except RagError as exc:
            log.error("no index to serve: %s", exc)
            app.state.unavailable = f"no index is being served: {exc}"

    upkeep = _Upkeep(state, FolderWatcher(settings.docs_dir) if watch else None,
                     settings.index.watch_interval_seconds if watch else _COMPACTION_CHECK_SECONDS)

    api = Router(
        path="/",
        route_handlers=[
            _ask_route(settings, LoopOrThread(in_flight)), get_passage, list_documents, get_document, metrics_endpoint,
            *write_routes(settings, _service, policy.require_write_key),
        ],
        # Without API keys the guard has nothing to check; Litestar would still copy the route
        # handler to call it, on the event loop of every request.
        guards=[policy.require_api_key] if policy.api_keys_required else [],
        security=SECURITY if policy.api_keys_required else None,
    )
    admin = Router(path="/admin", route_handlers=[reload_index], guards=[policy.require_admin_key], security=SECURITY)
    rate_limit = rate_limit_config(settings, policy)
    app = Litestar(
        route_handlers=[api, admin, health, *web_routes()],
        state=state,
        on_startup=[load_service, upkeep.start],
        on_shutdown=[upkeep.stop],
        exception_handlers=exception_handlers(),
        request_max_body_size=settings.http.max_body_bytes,
        request_class=Utf8JsonRequest,
        cors_config=cors_config(settings),
        middleware=[rate_limit.middleware] if rate_limit else [],
        logging_config=logging_config(settings.http.log_format),
        plugins=[StrictStructSchemaPlugin()],
        openapi_config=OpenAPIConfig(
            title="Transcript QA",
            version="0.1.0",
            description="Ask questions over speech transcripts; answers are verbatim, cited extracts. "
            "Errors are RFC 9457 problem details (application/problem+json).",
            components=Components(security_schemes=SECURITY_SCHEMES),
            render_plugins=[SwaggerRenderPlugin(), ScalarRenderPlugin()],
            openapi_router=Router(
                path="/schema", route_handlers=[], guards=[policy.require_api_key], include_in_schema=False
            ),
        ),
    )
    # Outermost, around routing and error handling: 404s and 405s get ids, logs and metrics too.
    app.asgi_handler = CountRequests(RequestContextMiddleware(app.asgi_handler, metrics), in_flight)
    return app
