"""The schema served over HTTP (POST JSON, GraphiQL on GET) and websockets (graphql-transport-ws)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError, parse
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.graphql import OperationType
from strawberry.utils.operation import get_operation_type

from backend import graphiql
from backend.auth.origin import origin_allowed
from backend.graphql import frames
from backend.graphql.limits import MAX_TOKENS
from backend.graphql.root import schema
from backend.graphql.ws import RecheckingTransportWS
from backend.http_limits import decode_json_text
from backend.reads.context import Context
from backend.web.requests import actor_for_token, authenticate, bearer


class CrmGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = RecheckingTransportWS  # each operation re-checks the caller

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        actor = await authenticate(request, via="api")
        return Context(actor=actor, request=request, response=response, request_id=uuid.uuid4().hex[:16],
                       wire=isinstance(request, Request))

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

    async def parse_multipart(self, request: Any) -> dict[str, str]:
        """File uploads (attachFile) as GraphQL multipart requests. A form post is a "simple" request that
        any site can make without asking, so one that signs in by cookie must say where it came from:
        OriginGuard then refuses another site's, and one without Origin is refused here (browsers always
        send it with a POST; API clients sign in by token and need none)."""
        headers = request.headers
        if not headers.get("authorization") and not headers.get("origin"):
            raise HTTPException(403, "A file upload signed in by cookie must carry an Origin header")
        return await super().parse_multipart(request)

    def encode_json(self, data: object) -> str | bytes:
        return frames.encode(data)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return graphiql.render()  # our own assets, never a CDN

    async def execute_single(self, request: Request, request_adapter: Any, sub_response: Any, context: Context,
                             root_value: Any, request_data: GraphQLRequestData) -> Any:
        """Strawberry would run a subscription sent over HTTP as one query and fail inside it (a masked
        INTERNAL); it is the client's mistake, so it is answered 400 saying where subscriptions run."""
        if _asks_for_subscription(request_data):
            raise HTTPException(400, "Subscriptions run over the websocket at /graphql (graphql-transport-ws), not over HTTP")
        return await super().execute_single(request, request_adapter, sub_response, context, root_value, request_data)


def _asks_for_subscription(request_data: GraphQLRequestData) -> bool:
    query = request_data.query
    if not query or "subscription" not in query:  # the common case costs no second parse
        return False
    try:
        document = parse(query, no_location=True, max_tokens=MAX_TOKENS)
        return get_operation_type(document, request_data.operation_name) is OperationType.SUBSCRIPTION
    except (GraphQLError, RuntimeError):
        return False  # not a document, or no such operation: Strawberry's own answer says so


def graphql_app() -> CrmGraphQL:
    return CrmGraphQL(schema, subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL], multipart_uploads_enabled=True)
