"""create_app(): routes, middleware and lifespan (database, broadcast) of the CRM."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from reactpy.executors.asgi import ReactPyMiddleware
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp

from backend import collector, db, devmail, graphiql, server_lock
from backend.auth.callers import callers
from backend.auth.origin import OriginGuard
from backend.graphql.endpoint import graphql_app
from backend.health import healthz
from backend.http_limits import BodySizeLimit
from backend.live.broadcast import hub
from backend.mcp.http import endpoint as mcp_endpoint
from backend.proxies import ForwardedScheme
from backend.public import routes as public_routes
from backend.ratelimit import limiter
from backend.security_headers import NoSniff
from backend.services import imports
from backend.settings import get_settings
from backend.web.files import file_routes
from backend.web.imports import import_routes
from backend.web.routes import auth_mount
from backend.worker import Worker
from frontend.client_script import LeanEvents
from frontend.serial_render import install as serial_render
from frontend.shell import ROOT_COMPONENT, ui_routes
from frontend.sockets import UiSockets
from frontend.stable_keys import install as stable_keys


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    settings = get_settings()
    await db.init(settings)
    await hub.start(settings.broadcast_url, settings.subscriber_queue, timeout=settings.redis_timeout)
    await callers.start()
    collector.tune()
    await imports.resume_interrupted()  # imports a crash or restart cut off carry on where they committed
    stop = asyncio.Event()
    # The embedded worker (`crm serve` without --no-jobs): jobs need no process of their own.
    worker = asyncio.create_task(Worker(settings).run(stop)) if settings.embedded_jobs else None
    try:
        async with mcp_endpoint.running():
            yield
    finally:
        stop.set()
        if worker is not None:
            await worker
        await callers.stop()
        await hub.stop()
        await limiter.close()
        await db.close()


def create_app() -> ASGIApp:
    gql = graphql_app()
    routes = [
        Route("/healthz", healthz),
        Route("/graphql", gql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", gql),
        Route("/mcp", mcp_endpoint, methods=["GET", "POST", "DELETE"]),
        graphiql.assets_mount(),
        auth_mount(),
        *public_routes(),
        *import_routes(),
        *file_routes(),
        *devmail.routes(),
        *ui_routes(),
    ]
    middleware = [Middleware(OriginGuard)]
    api = Starlette(routes=routes, lifespan=server_lock.holding(lifespan), middleware=middleware)
    # The UI's websocket (/reactpy/…) is served by ReactPy in front of Starlette, so it gets its own guard.
    # The size limit comes first for both websockets and every body; then the scheme the client used
    # behind a trusted proxy, so that every part sees it. NoSniff wraps all, refusals of the others included.
    # UiSockets ends what each UI websocket left running when it closes (frontend/sockets.py); LeanEvents
    # serves ReactPy's client with a serializer that sends what an event is about, not the page around it;
    # stable_keys makes the browser pair a page's elements as the server does (frontend/stable_keys.py);
    # serial_render renders a page's components one at a time (frontend/serial_render.py).
    stable_keys()
    serial_render()
    ui = UiSockets(LeanEvents(ReactPyMiddleware(api, [ROOT_COMPONENT])))
    return NoSniff(BodySizeLimit(ForwardedScheme(OriginGuard(ui))))


app = create_app()
