"""Who is behind an HTTP request or websocket: API token or session cookie → Actor."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from backend.auth import sessions
from backend.auth.actor import Actor
from backend.auth.origin import cookie_trusted
from backend.services import tokens
from backend.settings import get_settings


def bearer(value: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` value."""
    scheme, _, token = (value or "").strip().partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


async def actor_for_token(raw: str) -> Actor | None:
    """The actor an API token stands for, or None when it is unknown, revoked, expired or its user inactive."""
    token = await tokens.authenticate(raw)
    if token is None:
        return None
    return Actor.for_user(token.user, via=f"token:{token.name}", token_id=token.id, scopes=frozenset(token.scopes))


async def authenticate(conn: HTTPConnection, via: str = "ui") -> Actor:
    """The signed-in user of this connection, or the anonymous actor.

    An `Authorization: Bearer` header wins (a wrong token is not silently replaced by a cookie); the
    session cookie counts only when the request could not have been forged by another site.
    """
    authorization = conn.headers.get("authorization")
    if authorization is not None:
        raw = bearer(authorization)
        return (await actor_for_token(raw) if raw else None) or Actor.anonymous()
    cookie = conn.cookies.get(sessions.COOKIE)
    if not cookie or not cookie_trusted(conn.scope):
        return Actor.anonymous()
    session = await sessions.resume(cookie, get_settings())
    if session is None:
        return Actor.anonymous()
    return Actor.for_user(session.user, via=via, session_id=session.id)
