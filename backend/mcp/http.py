"""`/mcp`: the tools over streamable HTTP, for clients holding an API token.

Stateless and answered as plain JSON: any server process can answer any request (`crm serve --workers N`
keeps no MCP session to route to), and a tool call is one short GraphQL operation with nothing to stream.
A request without a valid token is refused before the SDK sees it (401 with `WWW-Authenticate`).
The SDK's DNS-rebinding check is off: it guards cookie-less servers on localhost, while this endpoint
answers only a Bearer token a rebinding page cannot have, and OriginGuard checks origins app-wide.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from backend.mcp.server import REFUSED, CrmTools, build_server
from backend.web.requests import actor_for_token, bearer


class McpEndpoint:
    """The ASGI endpoint; `running()` belongs in the app's lifespan (the SDK keeps a task group there)."""

    def __init__(self) -> None:
        self.server = build_server(CrmTools())
        self.manager: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        # A session manager runs once; each lifespan (a restart, every test app) gets its own.
        self.server.streamable_http_app(
            stateless_http=True, json_response=True,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        manager = self.server.session_manager
        async with manager.run():
            self.manager = manager
            try:
                yield
            finally:
                self.manager = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = bearer(HTTPConnection(scope).headers.get("authorization"))
        if not raw or await actor_for_token(raw) is None:
            refused = JSONResponse({"error": "UNAUTHENTICATED", "message": REFUSED}, status_code=401,
                                   headers={"WWW-Authenticate": 'Bearer realm="crm"'})
            await refused(scope, receive, send)
            return
        if self.manager is None:
            await JSONResponse({"error": "UNAVAILABLE", "message": "The server is starting"}, status_code=503)(
                scope, receive, send)
            return
        await self.manager.handle_request(scope, receive, send)


endpoint = McpEndpoint()
