"""`crm mcp`: the tools over stdin/stdout for a desktop assistant, as the user of the token in CRM_TOKEN.

Standard output carries the protocol and nothing else; messages go to standard error.
"""

from __future__ import annotations

from backend.live.broadcast import hub
from backend.mcp.server import REFUSED, CrmTools, build_server
from backend.settings import Settings
from backend.web.requests import actor_for_token


class TokenRefused(Exception):
    pass


async def serve_stdio(token: str, settings: Settings) -> None:
    """Serve until the client closes stdin; TokenRefused at once when the token is not valid."""
    if not token or await actor_for_token(token) is None:
        raise TokenRefused(REFUSED)
    # Changes made here are published like any other: with Redis, the servers' screens show them live.
    await hub.start(settings.broadcast_url, settings.subscriber_queue, timeout=settings.redis_timeout)
    try:
        await build_server(CrmTools(stdio_token=token)).run_stdio_async()
    finally:
        await hub.stop()
