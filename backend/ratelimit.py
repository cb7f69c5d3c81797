"""Per-client-IP limit on public campaign actions (views, likes, enrolments): CRM_PUBLIC_RATE_LIMIT a minute.

A fixed one-minute window: in this process by default, shared by every process through Redis
(INCR + EXPIRE on one key per IP and minute) when CRM_BROADCAST_URL is redis://. If Redis is down the
limit falls back to this process's memory rather than refusing or waving through every visitor, and
stays there without asking Redis (a circuit breaker, breaker.py) until a probe finds Redis back.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
import time
from urllib.parse import urlparse

from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from starlette.requests import HTTPConnection

from backend.breaker import Breaker
from backend.errors import RateLimited
from backend.proxies import is_trusted, trusted_networks
from backend.settings import get_settings

log = logging.getLogger("crm.ratelimit")

WINDOW = 60


def client_ip(conn: HTTPConnection) -> str:
    """The client's address: the peer, unless the peer is a trusted proxy (CRM_TRUSTED_PROXIES).

    Behind trusted proxies, X-Forwarded-For is read from the right (the hop our proxy added) and the
    first address that is not itself a trusted proxy is the client; anything further left was written
    by the client and could be forged."""
    peer = conn.client.host if conn.client else ""
    networks = trusted_networks()
    if not networks or not is_trusted(peer, networks):
        return peer or "unknown"
    hops = [h.strip() for h in ",".join(conn.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    nearest = peer
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return nearest  # garbage in the header: trust only what the proxies themselves vouched for
        if not is_trusted(hop, networks):
            return hop
        nearest = hop
    return nearest


def rate_key(address: str) -> str:
    """Whom a limit counts: an IPv4 address, or an IPv6 /64 (one subscriber's usual share, which it
    could otherwise walk through to get a fresh allowance per address)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class Limiter:
    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window number, hits)
        self._redis: aioredis.Redis | None = None
        self._redis_url: str | None = None
        # While Redis fails, every process limits on its own instead of waiting for it on each request.
        self.breaker = Breaker("rate limit", self._ping)

    def _redis_client(self) -> aioredis.Redis | None:
        settings = get_settings()
        url = settings.broadcast_url
        if urlparse(url).scheme not in ("redis", "rediss"):
            return None
        if self._redis is None or self._redis_url != url:
            self._redis = aioredis.from_url(
                url,
                socket_timeout=settings.redis_timeout,
                socket_connect_timeout=settings.redis_timeout,
                retry=Retry(NoBackoff(), 0),  # one timeout, not four: the breaker decides when to try again
            )
            self._redis_url = url
        return self._redis

    async def _ping(self) -> None:
        client = self._redis_client()
        if client is not None:
            await asyncio.wait_for(client.ping(), get_settings().redis_timeout)

    def _memory_hit(self, key: str, window: int) -> int:
        seen, hits = self._counts.get(key, (window, 0))
        hits = hits + 1 if seen == window else 1
        self._counts[key] = (window, hits)
        if len(self._counts) > 50_000:  # forget finished windows so memory stays bounded
            self._counts = {k: c for k, c in self._counts.items() if c[0] == window}
        return hits

    async def _shared_hit(self, key: str, window: int) -> int | None:
        client = self._redis_client()
        if client is None or not self.breaker.closed:
            return None
        name = f"crm:ratelimit:{window}:{key}"
        try:
            async with asyncio.timeout(get_settings().redis_timeout):
                async with client.pipeline(transaction=True) as pipe:
                    pipe.incr(name)
                    pipe.expire(name, WINDOW + 5)
                    hits, _ = await pipe.execute()
            return int(hits)
        except Exception as exc:  # Redis down: limit per process rather than fail public pages
            log.warning("rate limit falls back to memory: %s: %s", type(exc).__name__, exc)
            self.breaker.trip(exc)
            return None

    async def hit(self, key: str) -> int | None:
        """Count one action for `key`; the seconds to wait when it is over the limit, else None."""
        limit = get_settings().public_rate_limit
        if limit <= 0:
            return None
        now = time.time()
        window = int(now // WINDOW)
        hits = await self._shared_hit(key, window)
        if hits is None:
            hits = self._memory_hit(key, window)
        if hits <= limit:
            return None
        return max(1, math.ceil((window + 1) * WINDOW - now))

    async def check(self, conn: HTTPConnection | None) -> None:
        """Raise RATE_LIMITED when the connection's client is over the limit (no connection: in-process caller)."""
        if conn is None:
            return
        retry_after = await self.hit(rate_key(client_ip(conn)))
        if retry_after is not None:
            raise RateLimited(retry_after)

    def status(self) -> dict[str, object]:
        """What /healthz reports: where the limit is counted, and whether Redis is skipped for now."""
        shared = urlparse(get_settings().broadcast_url).scheme in ("redis", "rediss")
        return {"backend": "redis" if shared else "memory", **self.breaker.status()}

    def reset(self) -> None:
        self._counts.clear()

    async def close(self) -> None:
        await self.breaker.stop()
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None


limiter = Limiter()
