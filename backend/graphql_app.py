"""The schema served over HTTP (POST JSON, GraphiQL on GET) and websockets (graphql-transport-ws)."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from backend import graphiql
from backend.auth.requests import authenticate
from backend.schema.context import Context
from backend.schema.root import schema


class CrmGraphQL(GraphQL):
    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        actor = await authenticate(request, via="api")
        return Context(actor=actor, request=request, response=response, request_id=uuid.uuid4().hex[:16])

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return graphiql.render(request)  # our own assets, never a CDN


def graphql_app() -> CrmGraphQL:
    return CrmGraphQL(schema, subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL])
