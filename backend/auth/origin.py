"""Cross-site request refusal: browsers attach cookies to requests other sites make, but always say
which site made them in `Origin`. Cookie-authenticated writes and every browser websocket must come
from the CRM's own origin or one listed in CRM_ALLOWED_ORIGINS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.auth.sessions import COOKIE
from backend.settings import get_settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _normal(origin: str) -> str | None:
    """scheme://host[:port] in lower case with the default port left out; None when not an origin."""
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    shown_port = "" if port in (None, _DEFAULT_PORTS[parts.scheme]) else f":{port}"
    return f"{parts.scheme}://{parts.hostname}{shown_port}"


def headers_of(scope: Scope) -> Mapping[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def own_origin(scope: Scope) -> str | None:
    """The origin the client addressed: the request's scheme and Host header."""
    host = headers_of(scope).get("host")
    if not host:
        return None
    scheme = {"ws": "http", "wss": "https"}.get(scope.get("scheme", "http"), scope.get("scheme", "http"))
    return _normal(f"{scheme}://{host}")


def origin_allowed(origin: str, scope: Scope) -> bool:
    settings = get_settings()
    normal = _normal(origin)
    if normal is None:  # "null" (sandboxed frames, file:) and garbage
        return False
    allowed = {_normal(o) for o in (settings.own_origin, *settings.allowed_origins)} | {own_origin(scope)}
    return normal in allowed


def cookie_trusted(scope: Scope) -> bool:
    """Whether the session cookie of this request or websocket may authenticate it.

    A websocket without `Origin` is not a browser's, so it authenticates by token only; a request that
    may change something is refused its cookie when another site made it.
    """
    origin = headers_of(scope).get("origin")
    if scope["type"] == "websocket":
        return origin is not None and origin_allowed(origin, scope)
    if scope.get("method", "GET") in SAFE_METHODS or origin is None:
        return True  # SameSite=Lax already keeps the cookie off cross-site writes without Origin
    return origin_allowed(origin, scope)


def _has_session_cookie(headers: Mapping[str, Any]) -> bool:
    return f"{COOKIE}=" in headers.get("cookie", "")


class OriginGuard:
    """Refuses (403) websockets from foreign origins, and cookie-carrying writes from foreign origins."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = headers_of(scope)
            origin = headers.get("origin")
            guarded = scope["type"] == "websocket" or (
                scope["method"] not in SAFE_METHODS and _has_session_cookie(headers)
            )
            if guarded and origin is not None and not origin_allowed(origin, scope):
                await self._refuse(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            # Closing before accepting makes the server answer the handshake with 403.
            await send({"type": "websocket.close", "code": 1008, "reason": "Origin not allowed"})
            return
        response = PlainTextResponse(
            "Forbidden: this request came from a site that may not use your CRM session.", status_code=403
        )
        await response(scope, receive, send)
