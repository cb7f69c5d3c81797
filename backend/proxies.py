"""What a trusted reverse proxy (CRM_TRUSTED_PROXIES) vouches for: the client's address (read by
`ratelimit.client_ip`) and the scheme the client used (`X-Forwarded-Proto`).

Behind a proxy that terminates TLS the app itself is spoken to in plain HTTP. Believing the forwarded
scheme from that proxy alone makes every part that asks for the request's scheme right at once: the
session and sign-in cookies are Secure, the origin check compares with the https origin, and the OIDC
redirect_uri is an https URL. A peer that is not a trusted proxy may send the header too: it is ignored.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.types import ASGIApp, Receive, Scope, Send

from backend.settings import get_settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(get_settings().trusted_proxies)


def is_trusted(host: str, networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)


def forwarded(scope: Scope) -> Scope:
    """`scope` with the scheme the client used, when a trusted proxy says it in X-Forwarded-Proto.

    Several values (proxies in a row that each append) are read from the right, as X-Forwarded-For is:
    the last one is what our own proxy added. The Host header is kept as it is: the proxy routes by the
    Host the client addressed and passes it on, whereas X-Forwarded-Host is often relayed from the
    client unchecked."""
    networks = trusted_networks()
    peer = scope["client"][0] if scope.get("client") else ""
    if not networks or not is_trusted(peer, networks):
        return scope
    values = [v for k, v in scope.get("headers", []) if k == b"x-forwarded-proto"]
    said = b",".join(values).decode("latin-1").rsplit(",", 1)[-1].strip().lower() if values else ""
    if said not in ("http", "https", "ws", "wss"):
        return scope
    secure = said in ("https", "wss")
    if scope["type"] == "websocket":
        return {**scope, "scheme": "wss" if secure else "ws"}
    return {**scope, "scheme": "https" if secure else "http"}


class ForwardedScheme:
    """Outermost middleware: everything inside sees the scheme the client used."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = forwarded(scope)
        await self.app(scope, receive, send)
