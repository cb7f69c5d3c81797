"""create_app(): routes, middleware and lifespan (database, broadcast) of the CRM."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from reactpy.executors.asgi import ReactPyMiddleware
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp
from tortoise import connections

from backend import collector, db, graphiql
from backend.auth.origin import OriginGuard
from backend.auth.routes import auth_mount
from backend.broadcast import hub
from backend.graphql_app import graphql_app
from backend.http_limits import BodySizeLimit
from backend.public import routes as public_routes
from backend.ratelimit import limiter
from backend.settings import get_settings
from frontend.shell import ROOT_COMPONENT, ui_routes


async def healthz(request: Request) -> JSONResponse:
    database = "ok"
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:  # report, do not raise: this is what monitoring reads
        database = f"error: {type(exc).__name__}"
    broadcast, rate_limit = hub.status(), limiter.status()
    circuits_closed = broadcast["circuit"] == rate_limit["circuit"] == "closed"
    healthy = database == "ok" and bool(broadcast["connected"]) and circuits_closed
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "database": database, "broadcast": broadcast,
         "rateLimit": rate_limit},
        status_code=200 if healthy else 503,
    )


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
    api = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    # The UI's websocket (/reactpy/…) is served by ReactPy in front of Starlette, so it gets its own guard;
    # the size limit comes first for both websockets and every body.
    return BodySizeLimit(OriginGuard(ReactPyMiddleware(api, [ROOT_COMPONENT])))


app = create_app()
