"""The public campaign page and its embeddable form: views, likes, enrolments, CSRF, Post/Redirect/Get,
framing headers, 404s; exact counts under 200 concurrent visitors; events on a real websocket; the
shared limit and live events across two server processes on Redis. (Likes through two processes
without Redis: tests/test_concurrency.py.)"""

from __future__ import annotations

import asyncio
import os
import re
import secrets

import httpx
import pytest

from backend.app import create_app
from backend.live import topics
from backend.live.broadcast import hub
from backend.models import AuditEntry, Campaign, CampaignLike, EngagementEvent, Enrolment, Role
from backend.services import tokens
from tests.factories import actor, fresh_limiter, make_campaign, make_user, open_campaign, setting  # noqa: F401
from tests.servers import crm_servers, graphql_socket, until

pytestmark = pytest.mark.usefixtures("fresh_limiter")
APP = create_app()
JSON = {"accept": "application/json"}
REDIS_URL = os.environ.get("CRM_TEST_REDIS_URL")
WATCH = "subscription($id: ID!) { campaignEngagement(campaignId: $id) { kind totals { views likes enrolments } enrolmentName } }"


def client(address: str = "127.0.0.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(APP, client=(address, 4000)), base_url="http://testserver")


def token_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


async def counters(campaign_id: str) -> tuple[int, int, int]:
    row = await Campaign.get(id=int(campaign_id))
    return row.views, row.likes, row.enrolments


async def opened(code: str = "spring") -> dict:
    marketing = await make_user(Role.MARKETING)
    return await open_campaign(marketing, code=code, title="Spring <sale>", description="Line one\nLine two")


async def test_opening_the_page_counts_a_view_and_renders_it(db):
    c = await opened()
    async with client() as browser:
        page = await browser.get("/c/spring?ref=friend-42")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Spring &lt;sale&gt;</h1>" in page.text and "Line one\nLine two" in page.text
    assert 'name="ref" value="friend-42"' in page.text and 'type="checkbox" name="consent"' in page.text
    assert page.cookies.get("crm_visitor")
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "SAMEORIGIN"
    assert await counters(c["id"]) == (1, 0, 0)
    assert await EngagementEvent.filter(kind="view").count() == 1
    assert await AuditEntry.filter(action="campaign.view", via="public").count() == 1


async def test_embed_may_be_framed_anywhere_and_the_page_may_not(db):
    await opened()
    async with client() as browser:
        embed = await browser.get("/c/spring/embed")
    assert embed.status_code == 200 and "frame-ancestors *" in embed.headers["content-security-policy"]
    assert "x-frame-options" not in embed.headers
    assert 'action="/c/spring/enrol?view=embed"' in embed.text


async def test_like_twice_from_one_visitor_counts_once_with_post_redirect_get(db):
    c = await opened()
    async with client() as browser:
        page = await browser.get("/c/spring")
        assert 'aria-pressed="false"' in page.text
        token = token_of(page.text)
        first = await browser.post("/c/spring/like", data={"csrf": token})
        assert first.status_code == 303 and first.headers["location"].startswith("/c/spring?flash=")
        back = await browser.get(first.headers["location"])
        assert "Thank you for your like!" in back.text and "♥ Liked" in back.text
        again = await browser.post("/c/spring/like", data={"csrf": token}, headers=JSON)
    assert again.status_code == 200 and again.json()["counted"] is False
    assert again.json()["totals"] == {"views": 1, "likes": 1, "enrolments": 0}
    assert await counters(c["id"]) == (1, 1, 0)  # the redirect back is not another view
    assert await CampaignLike.all().count() == 1


async def test_enrol_twice_with_one_email_counts_once(db):
    c = await opened()
    async with client() as browser:
        token = token_of((await browser.get("/c/spring/embed?ref=partner_1")).text)
        form = {"csrf": token, "ref": "partner_1", "name": "Ada", "email": "ada@example.com", "consent": "yes"}
        first = await browser.post("/c/spring/enrol?view=embed", data=form)
        assert first.status_code == 303 and first.headers["location"].startswith("/c/spring/embed?flash=")
        assert "ref=partner_1" in first.headers["location"]
        assert "you are signed up" in (await browser.get(first.headers["location"])).text
        again = await browser.post("/c/spring/enrol", data={**form, "email": "ADA@example.com"}, headers=JSON)
    assert again.status_code == 200 and again.json()["counted"] is False and "already signed up" in again.json()["message"]
    enrolment = await Enrolment.get()
    assert (enrolment.referrer_code, enrolment.source, enrolment.consent) == ("partner_1", "embed", True)
    assert await counters(c["id"]) == (1, 0, 1)


async def test_invalid_email_or_missing_consent_changes_nothing(db):
    c = await opened()
    async with client() as browser:
        token = token_of((await browser.get("/c/spring")).text)
        base = {"csrf": token, "name": "Ada", "email": "ada@example.com"}
        no_consent = await browser.post("/c/spring/enrol", data=base, headers=JSON)
        shown = await browser.post("/c/spring/enrol", data={**base, "email": "nope", "consent": "yes"})
    assert no_consent.status_code == 400 and no_consent.json()["error"]["field"] == "consent"
    assert shown.status_code == 400 and "Email &#39;nope&#39; is not a valid email address" in shown.text
    assert 'aria-invalid="true"' in shown.text
    assert await Enrolment.all().count() == 0 and await counters(c["id"]) == (1, 0, 0)


async def test_missing_or_forged_csrf_token_is_refused(db):
    c = await opened()
    async with client() as browser, client("10.1.1.1") as other:
        token = token_of((await browser.get("/c/spring")).text)
        other_token = token_of((await other.get("/c/spring")).text)
        missing = await browser.post("/c/spring/like", data={})
        in_frame = await browser.post("/c/spring/like?view=embed", data={})
        forged = await browser.post("/c/spring/like", data={"csrf": token[:-4] + "AAAA"})
        stolen = await browser.post("/c/spring/like", data={"csrf": other_token})  # another visitor's token
        no_consent = await browser.post("/c/spring/enrol", data={"csrf": token, "name": "A", "email": "a@b.example"})
    assert [r.status_code for r in (missing, forged, stolen)] == [403, 403, 403]
    assert no_consent.status_code == 400 and 'id="consent-error"' in no_consent.text  # CSRF fine, consent missing
    assert "Please reload the page" in missing.text and "frame-ancestors 'self'" in missing.headers["content-security-policy"]
    assert in_frame.status_code == 403 and "frame-ancestors *" in in_frame.headers["content-security-policy"]
    assert await counters(c["id"]) == (2, 0, 0)


async def test_token_is_bound_to_the_campaign(db):
    await opened("spring")
    await opened("autumn")
    async with client() as browser:
        token = token_of((await browser.get("/c/spring")).text)
        crossed = await browser.post("/c/autumn/like", data={"csrf": token})
    assert crossed.status_code == 403


async def test_unknown_private_and_inactive_campaigns_are_404(db):
    marketing = await make_user(Role.MARKETING)
    await make_campaign(marketing, code="private-one")
    await make_campaign(marketing, code="draft-one", visibility="PUBLIC")
    paused = await open_campaign(marketing, code="paused")
    await Campaign.filter(id=int(paused["id"])).update(status="inactive")
    async with client() as browser:
        for path in ("/c/nothing", "/c/private-one", "/c/draft-one/embed", "/c/paused"):
            page = await browser.get(path)
            assert page.status_code == 404 and "Campaign not found" in page.text, path
        posted = await browser.post("/c/paused/like", data={"csrf": "x"}, headers=JSON)
    assert posted.status_code == 404 and posted.json()["error"]["code"] == "NOT_FOUND"
    assert await EngagementEvent.all().count() == 0


async def test_200_concurrent_visitors_count_exactly(db, setting):  # noqa: F811
    setting(CRM_PUBLIC_RATE_LIMIT="100000")
    c = await opened()
    cookies = [f"visitor-{i:04d}-abcdefghijklmnop" for i in range(200)]
    async with client() as browser:
        pages = await asyncio.gather(*(browser.get("/c/spring", headers={"cookie": f"crm_visitor={v}"}) for v in cookies))
        tokens = [token_of(page.text) for page in pages]
        likes = await asyncio.gather(
            *(
                browser.post("/c/spring/like", data={"csrf": t}, headers={**JSON, "cookie": f"crm_visitor={v}"})
                for v, t in zip(cookies, tokens, strict=True)
            )
        )
    assert {r.status_code for r in likes} == {200} and all(r.json()["counted"] for r in likes)
    assert sorted(r.json()["totals"]["likes"] for r in likes) == list(range(1, 201))  # each saw its own increment
    assert await counters(c["id"]) == (200, 200, 0)
    assert await CampaignLike.all().count() == 200 and await EngagementEvent.filter(kind="like").count() == 200


@pytest.mark.skipif(not REDIS_URL, reason="CRM_TEST_REDIS_URL is not set: multi-process tests on Redis skipped")
async def test_two_processes_share_the_limit_and_the_engagement_stream_through_redis(db):
    c = await opened()
    watcher = await make_user(Role.SALES_REP)
    _, secret = await tokens.create(actor(watcher), "watcher")
    settings = {"CRM_PUBLIC_RATE_LIMIT": "3", "CRM_TRUSTED_PROXIES": "127.0.0.1"}
    async with crm_servers(2, db, REDIS_URL, **settings) as (a, b), graphql_socket(a.ws_url, secret) as ws:
        await ws.subscribe(WATCH, id=c["id"])
        await a.wait_for_subscribers(1)
        async with httpx.AsyncClient(timeout=20) as http:
            for _ in range(2):  # a second go only if a minute boundary fell between the requests
                # A client address of this run alone: the Redis may be shared with other test runs.
                proxied = {"x-forwarded-for": f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}::1"}
                statuses = [(await http.get(f"{s.base}/c/spring", headers=proxied)).status_code for s in (b, a, b, a)]
                if statuses == [200, 200, 200, 429]:
                    break
        views = (await counters(c["id"]))[0]
        events = [await ws.next_data("campaignEngagement", timeout=20) for _ in range(views)]
    assert statuses == [200, 200, 200, 429]  # the fourth is refused by the other process: the limit is shared
    assert [e["totals"]["views"] for e in events] == list(range(1, views + 1))  # views made through b, heard on a


async def test_page_actions_reach_a_websocket_subscriber_with_exact_totals(db):
    from tests.oidc import served

    c = await opened()
    watcher = await make_user(Role.MARKETING)  # who reads enrolees' names (permissions.reads_enrolees)
    _, secret = await tokens.create(actor(watcher), "watcher")
    async with served(APP) as host, graphql_socket(f"ws://{host}/graphql", secret) as ws:
        await ws.subscribe(WATCH, id=c["id"])
        await until(lambda: hub.subscriber_count(topics.campaign_engagement(int(c["id"]))), what="the subscription")
        async with httpx.AsyncClient(base_url=f"http://{host}") as visitor:
            token = token_of((await visitor.get("/c/spring")).text)
            await visitor.post("/c/spring/like", data={"csrf": token}, headers=JSON)
            form = {"csrf": token, "name": "Grace", "email": "grace@example.com", "consent": "yes"}
            await visitor.post("/c/spring/enrol", data=form, headers=JSON)
        events = [await ws.next_data("campaignEngagement") for _ in range(3)]
    assert events == [
        {"kind": "VIEW", "totals": {"views": 1, "likes": 0, "enrolments": 0}, "enrolmentName": None},
        {"kind": "LIKE", "totals": {"views": 1, "likes": 1, "enrolments": 0}, "enrolmentName": None},
        {"kind": "ENROLMENT", "totals": {"views": 1, "likes": 1, "enrolments": 1}, "enrolmentName": "Grace"},
    ]


async def test_campaign_outside_its_period_takes_nothing(db):
    from datetime import UTC, datetime, timedelta

    admin = await make_user(Role.ADMIN)
    today = datetime.now(UTC).date()  # the owner's (UTC) date the page reads the period in, not the machine's
    ended = await open_campaign(admin, startsOn=str(today - timedelta(days=30)), endsOn=str(today - timedelta(days=1)))
    async with client() as c:
        page = await c.get(f"/c/{ended['code']}")
    assert page.status_code == 404
    assert (await Campaign.get(id=int(ended["id"]))).views == 0
    from tests.factories import error

    refused = await error(admin, 'mutation($id: ID!) { likeCampaign(input: {campaignId: $id}) { __typename } }', id=ended["id"])
    assert refused["code"] == "BAD_USER_INPUT" and "ended on" in refused["message"]
