"""Who is behind an HTTP request or websocket: session cookie or API token → Actor."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from backend.auth.actor import Actor


async def authenticate(conn: HTTPConnection, via: str = "api") -> Actor:
    """The signed-in user of this connection, or the anonymous actor."""
    return Actor.anonymous()
