"""create_app(): routes, middleware and lifespan (database, broadcast) of the CRM."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from reactpy.executors.asgi import ReactPyMiddleware
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp

from backend import collector, db, graphiql, server_lock
from backend.auth.origin import OriginGuard
from backend.graphql.endpoint import graphql_app
from backend.health import healthz
from backend.http_limits import BodySizeLimit
from backend.live.broadcast import hub
from backend.proxies import ForwardedScheme
from backend.public import routes as public_routes
from backend.ratelimit import limiter
from backend.security_headers import NoSniff
from backend.settings import get_settings
from backend.web.routes import auth_mount
from frontend.shell import ROOT_COMPONENT, ui_routes


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    settings = get_settings()
    await db.init(settings)
    await hub.start(settings.broadcast_url, settings.subscriber_queue, timeout=settings.redis_timeout)
    collector.tune()
    try:
        yield
    finally:
        await hub.stop()
        await limiter.close()
        await db.close()


def create_app() -> ASGIApp:
    gql = graphql_app()
    routes = [
        Route("/healthz", healthz),
        Route("/graphql", gql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", gql),
        graphiql.assets_mount(),
        auth_mount(),
        *public_routes(),
        *ui_routes(),
    ]
    middleware = [Middleware(OriginGuard)]
    api = Starlette(routes=routes, lifespan=server_lock.holding(lifespan), middleware=middleware)
    # The UI's websocket (/reactpy/…) is served by ReactPy in front of Starlette, so it gets its own guard.
    # The size limit comes first for both websockets and every body; then the scheme the client used
    # behind a trusted proxy, so that every part sees it. NoSniff wraps all, refusals of the others included.
    return NoSniff(BodySizeLimit(ForwardedScheme(OriginGuard(ReactPyMiddleware(api, [ROOT_COMPONENT])))))


app = create_app()
