"""The web page: `/` serves `web/index.html`, `/static/...` its CSS and JavaScript. No outside resources."""

from __future__ import annotations

from pathlib import Path

from litestar import HttpMethod, MediaType, Response, route
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

WEB_DIR = Path(__file__).with_name("web")

# Everything the page loads comes from this origin; should transcript text ever reach the DOM as
# markup, inline scripts and handlers still would not run.
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Revalidate on every load so a new version of the page is never mixed with old scripts.
_REVALIDATE = CacheControlHeader(no_cache=True)


@route("/", http_method=[HttpMethod.GET, HttpMethod.HEAD], include_in_schema=False, sync_to_thread=False,
       cache_control=_REVALIDATE)
def index_page() -> Response[bytes]:
    """The single page: question box, cited extracts, the transcript around each citation."""
    return Response(
        (WEB_DIR / "index.html").read_bytes(),
        media_type=MediaType.HTML,
        headers={"Content-Security-Policy": _CSP, "X-Content-Type-Options": "nosniff"},
    )


def web_routes() -> list:
    """Route handlers for the web page, to add to the app's `route_handlers`."""
    return [
        index_page,
        create_static_files_router(path="/static", directories=[WEB_DIR], cache_control=_REVALIDATE),
    ]
