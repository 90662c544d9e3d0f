"""Who may call the API: optional API keys, admin keys, per-client rate limits, CORS origins.

All of it comes from `Settings`; with the defaults the API is open (no keys), unlimited,
closed to other origins' pages (no CORS headers), and the admin routes are off.
A key travels in `X-API-Key: <key>` or `Authorization: Bearer <key>`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

from litestar.config.cors import CORSConfig
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi.spec import SecurityRequirement, SecurityScheme

from rag.settings import Settings
from rag.http.observability import REQUEST_ID_HEADER

API_KEY_HEADER = "X-API-Key"
# Tells clients how to authenticate (RFC 9110 asks for it on every 401).
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="transcript-qa"'}
SECURITY_SCHEMES = {
    "apiKey": SecurityScheme(type="apiKey", name=API_KEY_HEADER, security_scheme_in="header"),
    "bearer": SecurityScheme(type="http", scheme="bearer"),
}
# Either scheme will do.
SECURITY: list[SecurityRequirement] = [{"apiKey": []}, {"bearer": []}]


class KeyRing:
    """A set of keys, held as sha256 digests and compared in constant time."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._digests = tuple(hashlib.sha256(key.encode()).digest() for key in keys)

    def __bool__(self) -> bool:
        return bool(self._digests)

    def accepts(self, key: str | None) -> bool:
        """True when `key` is one of the keys (every digest is compared, so timing tells nothing)."""
        if key is None:
            return False
        digest = hashlib.sha256(key.encode()).digest()
        matched = False
        for known in self._digests:
            matched |= hmac.compare_digest(known, digest)
        return matched


def presented_key(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The key a request carries in `X-API-Key` or `Authorization: Bearer`, if any."""
    key = connection.headers.get(API_KEY_HEADER)
    if key:
        return key.strip()
    scheme, _, credentials = connection.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


class AccessPolicy:
    """Guards for API and admin routes, built from the settings."""

    def __init__(self, settings: Settings) -> None:
        self.admin = KeyRing(settings.http.admin_api_keys)
        self.write = KeyRing((*settings.http.write_api_keys, *settings.http.admin_api_keys))
        # Admin and write keys work wherever an API key does.
        self.api = KeyRing((*settings.http.api_keys, *settings.http.write_api_keys, *settings.http.admin_api_keys))
        self.api_keys_required = bool(settings.http.api_keys)

    def client_identity(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        """Who a request counts against for rate limiting: its valid key, else its address.

        An invalid key does not count as an identity, or inventing keys would dodge the limit.
        """
        key = presented_key(connection)
        if self.api.accepts(key):
            return "key:" + hashlib.sha256(key.encode()).hexdigest()[:16]  # type: ignore[union-attr]
        client = connection.client
        return "addr:" + (client.host if client else "unknown")

    async def require_api_key(self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        """Guard: when API keys are configured, the request must carry one of them.

        The guards are coroutines although nothing in them waits: Litestar runs a plain function
        guard in a worker thread, a thread hop per guard per request for a look at the headers."""
        if not self.api_keys_required or connection.scope.get("method") == "OPTIONS":
            return
        key = presented_key(connection)
        if key is None:
            raise NotAuthorizedException(
                f"this route needs an API key in the {API_KEY_HEADER} header or as Authorization: Bearer",
                headers=_CHALLENGE,
            )
        if not self.api.accepts(key):
            raise NotAuthorizedException("the API key is not valid", headers=_CHALLENGE)

    async def require_admin_key(self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        """Guard: admin routes need an admin key, and are off when none is configured."""
        if not self.admin:
            raise PermissionDeniedException("admin routes are disabled; set RAG_ADMIN_API_KEYS to enable them")
        key = presented_key(connection)
        if key is None:
            raise NotAuthorizedException(
                f"admin routes need an admin key in the {API_KEY_HEADER} header or as Authorization: Bearer",
                headers=_CHALLENGE,
            )
        if self.admin.accepts(key):
            return
        if self.api.accepts(key):
            raise PermissionDeniedException("this API key is not an admin key")
        raise NotAuthorizedException("the API key is not valid", headers=_CHALLENGE)


    async def require_write_key(self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        """Guard: adding, replacing and deleting documents need a write (or admin) key; off when none is set."""
        if connection.scope.get("method") == "OPTIONS":
            return
        if not self.write:
            raise PermissionDeniedException(
                "document writes are disabled; set RAG_WRITE_API_KEYS (or RAG_ADMIN_API_KEYS) to enable them"
            )
        key = presented_key(connection)
        if key is None:
            raise NotAuthorizedException(
                f"writes need a write key in the {API_KEY_HEADER} header or as Authorization: Bearer",
                headers=_CHALLENGE,
            )
        if self.write.accepts(key):
            return
        if self.api.accepts(key):
            raise PermissionDeniedException("this API key may read but not write")
        raise NotAuthorizedException("the API key is not valid", headers=_CHALLENGE)


def rate_limit_config(settings: Settings, policy: AccessPolicy) -> RateLimitConfig | None:
    """Per-client limit per minute on every route but health and metrics (None: no limit)."""
    if settings.http.rate_limit_per_minute == 0:
        return None
    return RateLimitConfig(
        rate_limit=("minute", settings.http.rate_limit_per_minute),
        identifier_for_request=policy.client_identity,
        # Probes and scrapers must keep working while a client is being throttled.
        exclude=["^/health$", "^/metrics$"],
    )


def cors_config(settings: Settings) -> CORSConfig | None:
    """CORS for the configured origins; None (no CORS headers at all) when there are none."""
    if not settings.http.cors_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.http.cors_origins),
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Content-Type", API_KEY_HEADER, "Authorization", REQUEST_ID_HEADER],
        expose_headers=[REQUEST_ID_HEADER, "Retry-After", "RateLimit-Limit", "RateLimit-Remaining",
                        "RateLimit-Reset", "RateLimit-Policy"],
        # Keys travel in headers, never in cookies.
        allow_credentials=False,
    )
