"""The schema served over HTTP (POST JSON, GraphiQL on GET) and websockets (graphql-transport-ws)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from backend import graphiql
from backend.auth.origin import origin_allowed
from backend.auth.requests import actor_for_token, authenticate, bearer
from backend.graphql_ws import RecheckingTransportWS
from backend.http_limits import decode_json_text
from backend.schema import frames
from backend.schema.context import Context
from backend.schema.root import schema


class CrmGraphQL(GraphQL):
    graphql_transport_ws_handler_class = RecheckingTransportWS  # each operation re-checks the caller

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        actor = await authenticate(request, via="api")
        return Context(actor=actor, request=request, response=response, request_id=uuid.uuid4().hex[:16])

    async def on_ws_connect(self, context: Context) -> None:
        """graphql-transport-ws clients send their token in connection_init as {"Authorization": "Bearer …"}.

        It replaces whatever the upgrade request authenticated; a wrong token closes the socket (4403).
        """
        params = context.connection_params or {}
        value = params.get("Authorization", params.get("authorization"))
        if value is None:
            return
        raw = bearer(value) if isinstance(value, str) else None
        actor = await actor_for_token(raw) if raw else None
        if actor is None:
            raise ConnectionRejectionError({"message": "Invalid or revoked API token"})
        context.switch_actor(actor)

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        return origin_allowed(origin, request.scope)  # the CRM's own origin and CRM_ALLOWED_ORIGINS

    def decode_json(self, data: str | bytes) -> object:
        return decode_json_text(data)  # websocket messages too: bad JSON there closes the socket (4400)

    def parse_json(self, data: str | bytes) -> object:
        """An HTTP body or `variables` parameter that is not JSON the CRM reads: 400 saying why."""
        try:
            return self.decode_json(data)
        except json.JSONDecodeError as exc:
            raise HTTPException(400, f"The request is not valid JSON: {exc.msg}") from None

    def encode_json(self, data: object) -> str | bytes:
        return frames.encode(data)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return graphiql.render()  # our own assets, never a CDN


def graphql_app() -> CrmGraphQL:
    return CrmGraphQL(schema, subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL])
