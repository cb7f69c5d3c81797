"""/healthz: whether this process can serve (its database answers, its broadcast is connected, and
no Redis circuit is open).

Anyone gets the status and its HTTP code, which is all a load balancer or uptime check needs. The
details name the database error and the broadcast backend's last error, whose text can carry host
names, addresses and URLs: only a signed-in admin (session cookie or API token) sees them.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise import connections

from backend.live.broadcast import hub
from backend.models import Role
from backend.ratelimit import limiter
from backend.web.requests import authenticate

log = logging.getLogger("crm.health")


async def healthz(request: Request) -> JSONResponse:
    database = "ok"
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:  # report, do not raise: this is what monitoring reads
        database = f"error: {type(exc).__name__}"
        log.warning("health check: the database does not answer: %s: %s", type(exc).__name__, exc)
    broadcast, rate_limit = hub.status(), limiter.status()
    circuits_closed = broadcast["circuit"] == rate_limit["circuit"] == "closed"
    healthy = database == "ok" and bool(broadcast["connected"]) and circuits_closed
    body: dict[str, object] = {"status": "ok" if healthy else "degraded"}
    # Without a database nobody can be recognised as an admin: then the log has the reason.
    if database == "ok" and await _is_admin(request):
        body.update(database=database, broadcast=broadcast, rateLimit=rate_limit)
    return JSONResponse(body, status_code=200 if healthy else 503)


async def _is_admin(request: Request) -> bool:
    return (await authenticate(request, via="api")).role is Role.ADMIN
