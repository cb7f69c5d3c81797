"""CRM_PUBLIC_RATE_LIMIT on public campaign actions, the client address behind CRM_TRUSTED_PROXIES, and
the limit shared through Redis."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable

import httpx
import pytest
from starlette.requests import Request

from backend import ratelimit
from backend.app import create_app
from backend.models import Campaign, CampaignLike, Role
from backend.ratelimit import Limiter, client_ip, rate_key
from backend.settings import get_settings
from tests.factories import fresh_limiter, make_user, open_campaign, setting  # noqa: F401
from tests.servers import needs_redis_server, redis_server, until

pytestmark = pytest.mark.usefixtures("fresh_limiter")
APP = create_app()
JSON = {"accept": "application/json"}


def client(address: str = "127.0.0.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(APP, client=(address, 4000)), base_url="http://testserver")


class Clock:
    """The limiter's clock, 20 s into a minute: a test never straddles a window by chance."""

    def __init__(self) -> None:
        self.now = 1_000_040.0

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fixed = Clock()
    monkeypatch.setattr(ratelimit, "time", fixed)
    return fixed


def request_from(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "client": (peer, 1234)})


async def test_over_the_limit_answers_429_and_counts_nothing(db, setting):  # noqa: F811
    setting(CRM_PUBLIC_RATE_LIMIT="3")
    marketing = await make_user(Role.MARKETING)
    c = await open_campaign(marketing, code="limited")
    async with client() as browser:
        page = await browser.get("/c/limited")  # 1: a view
        token = page.text.split('name="csrf" value="')[1].split('"')[0]
        assert (await browser.post("/c/limited/like", data={"csrf": token}, headers=JSON)).status_code == 200  # 2
        assert (await browser.get("/c/limited")).status_code == 200  # 3
        refused_html = await browser.post("/c/limited/like", data={"csrf": token})
        refused_json = await browser.post("/c/limited/enrol", data={"csrf": token}, headers=JSON)
        refused_view = await browser.get("/c/limited/embed")
    async with client("10.9.9.9") as another:
        elsewhere = await another.get("/c/limited")  # another client has its own allowance
    assert refused_html.status_code == 429 and "Too many requests" in refused_html.text
    assert refused_html.headers["retry-after"] == "40"
    assert refused_json.status_code == 429 and refused_json.json()["error"]["code"] == "RATE_LIMITED"
    assert refused_json.json()["error"]["retryAfter"] == int(refused_json.headers["retry-after"])
    assert refused_view.status_code == 429 and elsewhere.status_code == 200
    row = await Campaign.get(id=int(c["id"]))
    assert (row.views, row.likes, row.enrolments) == (3, 1, 0)


async def test_graphql_like_over_the_limit_is_rate_limited(db, setting):  # noqa: F811
    setting(CRM_PUBLIC_RATE_LIMIT="1")
    marketing = await make_user(Role.MARKETING)
    c = await open_campaign(marketing)
    body = {
        "query": "mutation($input: LikeCampaignInput!) { likeCampaign(input: $input) { counted } }",
        "variables": {"input": {"campaignId": c["id"]}},
    }
    async with client() as api:
        first = (await api.post("/graphql", json=body)).json()
        second = (await api.post("/graphql", json=body)).json()
    assert first["data"]["likeCampaign"]["counted"] is True
    error = second["errors"][0]["extensions"]
    assert error["code"] == "RATE_LIMITED" and error["retryAfter"] == 40
    assert await CampaignLike.all().count() == 1


async def test_the_window_resets_after_a_minute(setting, clock):  # noqa: F811
    setting(CRM_PUBLIC_RATE_LIMIT="2")
    limiter = Limiter()
    assert [await limiter.hit("a") for _ in range(3)] == [None, None, 40]
    assert await limiter.hit("b") is None
    clock.now += 40
    assert await limiter.hit("a") is None


async def test_forwarded_for_is_believed_only_from_trusted_proxies(setting):  # noqa: F811
    assert client_ip(request_from("203.0.113.7", "1.2.3.4")) == "203.0.113.7"  # no proxies configured
    setting(CRM_TRUSTED_PROXIES="10.0.0.0/8, 192.168.1.5")
    assert client_ip(request_from("203.0.113.7", "1.2.3.4")) == "203.0.113.7"  # peer is not a proxy
    assert client_ip(request_from("10.0.0.2", "1.2.3.4")) == "1.2.3.4"
    # The client may write anything on the left; the hop our proxies vouch for is the first untrusted from the right.
    assert client_ip(request_from("10.0.0.2", "6.6.6.6, 1.2.3.4, 192.168.1.5")) == "1.2.3.4"
    assert client_ip(request_from("10.0.0.2", "not-an-ip, 10.0.0.3")) == "10.0.0.3"
    assert client_ip(request_from("10.0.0.2")) == "10.0.0.2"


async def test_clients_behind_a_trusted_proxy_are_limited_separately(db, setting):  # noqa: F811
    setting(CRM_PUBLIC_RATE_LIMIT="1", CRM_TRUSTED_PROXIES="10.0.0.1")
    marketing = await make_user(Role.MARKETING)
    await open_campaign(marketing, code="proxied")
    async with client("10.0.0.1") as proxy:
        a = await proxy.get("/c/proxied", headers={"x-forwarded-for": "1.1.1.1"})
        b = await proxy.get("/c/proxied", headers={"x-forwarded-for": "2.2.2.2"})
        a_again = await proxy.get("/c/proxied", headers={"x-forwarded-for": "1.1.1.1"})
    assert (a.status_code, b.status_code, a_again.status_code) == (200, 200, 429)


@pytest.mark.skipif(not os.environ.get("CRM_TEST_REDIS_URL"), reason="CRM_TEST_REDIS_URL not set")
async def test_the_limit_is_shared_through_redis(setting):  # noqa: F811
    setting(CRM_PUBLIC_RATE_LIMIT="2", CRM_BROADCAST_URL=os.environ["CRM_TEST_REDIS_URL"])
    first, second = Limiter(), Limiter()  # two server processes
    key = f"test-{uuid.uuid4().hex}"
    try:
        assert await first.hit(key) is None and await second.hit(key) is None
        assert await first.hit(key) is not None and await second.hit(key) is not None
    finally:
        await first.close()
        await second.close()


@needs_redis_server
async def test_a_frozen_redis_opens_the_circuit_and_the_limit_counts_in_memory_until_it_is_back(setting):  # noqa: F811
    async with redis_server() as redis:
        # A timeout a busy machine's first hit (connecting, loading the script) keeps well within.
        setting(CRM_PUBLIC_RATE_LIMIT="3", CRM_BROADCAST_URL=redis.url, CRM_REDIS_TIMEOUT="2")
        limiter, other = Limiter(), Limiter()  # two server processes
        try:
            assert await limiter.hit("shared") is None and limiter.status()["circuit"] == "closed"
            redis.freeze()
            # The first hit waits for one timeout and opens the circuit; none after it waits for Redis,
            # so 30 hits are done long before a frozen Redis could have answered them one by one.
            hits = await asyncio.wait_for(sequence([limiter.hit("frozen") for _ in range(30)]), 10)
            assert hits == [None] * 3 + [40] * 27  # limited per process meanwhile, not waved through
            status = limiter.status()
            assert (status["backend"], status["circuit"]) == ("redis", "open") and status["lastError"]
            redis.thaw()
            await until(lambda: limiter.breaker.closed, what="the probe to close the circuit")
            # Shared again: the two processes count one allowance.
            assert [await lim.hit("after") for lim in (limiter, other, limiter, other)] == [None, None, None, 40]
        finally:
            await limiter.close()
            await other.close()


async def sequence(calls: list[Awaitable[int | None]]) -> list[int | None]:
    return [await call for call in calls]


@pytest.mark.parametrize("value", ["soon", "0", "-1"])
def test_a_redis_timeout_that_is_not_a_positive_number_of_seconds_is_refused(setting, value):  # noqa: F811
    setting(CRM_REDIS_TIMEOUT=value)
    with pytest.raises(ValueError, match="CRM_REDIS_TIMEOUT"):
        get_settings()


def test_ipv6_clients_are_counted_per_64_block():
    assert rate_key("2001:db8:1:2:aaaa::1") == rate_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert rate_key("2001:db8:1:3::1") != rate_key("2001:db8:1:2::1")
    assert rate_key("::ffff:192.0.2.1") == rate_key("192.0.2.1") == "192.0.2.1"
    assert rate_key("unknown") == "unknown"
