"""Marketing mail (services/consent.py, services/campaign_mail.py, public/preferences.py): consent per
address, RFC 8058 headers, one-click unsubscribe, sends that follow the outbox, sharing a campaign and
scheduled greetings, all through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from backend.app import create_app
from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.models import (
    CampaignSend,
    ConsentChange,
    ConsentSource,
    ConsentStatus,
    Greeting,
    GreetingStatus,
    Job,
    Notification,
    OutboxMessage,
    Role,
    User,
)
from backend.services import campaign_mail, consent, queue
from backend.services.unit import write
from backend.settings import get_settings
from backend.worker import Worker
from tests.factories import (  # noqa: F401  (fixtures)
    actor,
    error,
    fresh_limiter,
    make_campaign,
    make_contact,
    make_user,
    ok,
    open_campaign,
    setting,
)
from tests.mailserver import Inbox, smtp_server

pytestmark = pytest.mark.usefixtures("fresh_limiter")
APP = create_app()
SHARE = """mutation($input: ShareCampaignInput!) { shareCampaign(input: $input) { queued unsubscribed noConsent } }"""
SENDS = """query($id: ID!, $status: [CampaignSendStatus!]) { campaign(id: $id) {
  sendCounts { queued sent failed unsubscribed noConsent total }
  sends(first: 10, status: $status) { totalCount edges { node { email status kind contact { name } } } } } }"""


@pytest.fixture
def inbox(setting: Any) -> Iterator[Inbox]:  # noqa: F811 (a fixture)
    with smtp_server() as (box, url):
        setting(CRM_SMTP_URL=url, CRM_JOBS_POLL_SECONDS="0.05", CRM_JOBS_LEASE_SECONDS="2", CRM_JOBS_RETRY_SECONDS="0.2")
        yield box


async def run_jobs() -> None:
    runner = Worker(get_settings(), name="test")
    while (job := await queue.claim(runner.name, get_settings().jobs_lease_seconds)) is not None:
        await runner.run_one(job)


async def subscribe(email: str) -> None:
    async with write(Actor.system(via="test")):
        await consent.record(email, ConsentStatus.SUBSCRIBED, ConsentSource.IMPORT)


async def setup_share() -> tuple[Any, dict, dict, dict, dict]:
    """A marketing user, an open campaign and three contacts: subscribed, never asked, unsubscribed."""
    marketing = await make_user(Role.MARKETING)
    admin = await make_user(Role.ADMIN)
    campaign = await open_campaign(marketing, code="summer", title="Summer <sale>")
    yes = await make_contact(admin, name="Ann Yes", email="Ann@Example.com")
    never = await make_contact(admin, name="Bob Never", email="bob@example.com")
    gone = await make_contact(admin, name="Cy Gone", email="cy@example.com")
    await subscribe("ann@example.com")
    async with write(Actor.system(via="test")):
        await consent.record("cy@example.com", ConsentStatus.UNSUBSCRIBED, ConsentSource.MANUAL)
    return marketing, campaign, yes, never, gone


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(APP, client=("127.0.0.1", 4000)), base_url="http://testserver")


async def test_share_mails_subscribed_addresses_with_one_click_headers_and_records_sends(db, inbox):
    marketing, campaign, yes, never, gone = await setup_share()
    data = await ok(marketing, SHARE, input={"campaignId": campaign["id"], "note": "Thought of you",
                                             "contactIds": [yes["id"], never["id"], gone["id"]]})
    assert data["shareCampaign"] == {"queued": 1, "unsubscribed": 1, "noConsent": 1}
    counts = (await ok(marketing, SENDS, id=campaign["id"]))["campaign"]["sendCounts"]
    assert counts == {"queued": 1, "sent": 0, "failed": 0, "unsubscribed": 1, "noConsent": 1, "total": 3}
    await run_jobs()
    [mail] = inbox.messages
    assert mail["To"] == "ann@example.com" and mail["Subject"] == "Summer <sale>"
    token = consent.token_for("ann@example.com")
    assert mail["List-Unsubscribe"] == f"<{get_settings().public_url}/u/{token}/unsubscribe>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "Summer &lt;sale&gt;" in html and f"/u/{token}?unsubscribe=1" in html and "/c/summer" in html
    data = await ok(marketing, SENDS, id=campaign["id"], status=["SENT"])
    sends = data["campaign"]["sends"]
    assert sends["totalCount"] == 1
    assert sends["edges"][0]["node"] == {"email": "ann@example.com", "status": "SENT", "kind": "SHARE",
                                         "contact": {"name": "Ann Yes"}}
    note = await Notification.get(user_id=int(marketing.id), kind="campaign_shared")
    assert "1 mail(s) going out" in note.message and "1 unsubscribed, 1 without consent" in note.message


async def test_sales_reps_may_not_share_and_a_closed_campaign_is_not_shared(db, inbox):
    marketing, campaign, yes, *_ = await setup_share()
    rep = await make_user(Role.SALES_REP)
    assert (await error(rep, SHARE, input={"campaignId": campaign["id"], "contactIds": [yes["id"]]}))["code"] == "FORBIDDEN"
    draft = await make_campaign(marketing)
    problem = await error(marketing, SHARE, input={"campaignId": draft["id"], "contactIds": [yes["id"]]})
    assert problem["code"] == "BAD_USER_INPUT" and problem["field"] == "campaignId"
    assert await CampaignSend.all().count() == 0 and await OutboxMessage.all().count() == 0


async def test_a_rolled_back_share_sends_nothing(db, inbox):
    marketing, campaign, yes, *_ = await setup_share()
    with pytest.raises(RuntimeError):
        async with write(actor(marketing)):
            await campaign_mail.share_campaign(actor(marketing), campaign["id"], [yes["id"]], [])
            raise RuntimeError("the outer change failed")
    assert await CampaignSend.all().count() == 0 and await OutboxMessage.all().count() == 0
    await run_jobs()
    assert inbox.messages == []


async def test_one_click_post_unsubscribes_and_mail_queued_before_is_not_sent(db, inbox):
    marketing, campaign, yes, *_ = await setup_share()
    await ok(marketing, SHARE, input={"campaignId": campaign["id"], "contactIds": [yes["id"]]})
    token = consent.token_for("ann@example.com")
    async with client() as mail_client:  # no cookie, no CSRF token: RFC 8058
        answer = await mail_client.post(f"/u/{token}/unsubscribe", content=b"List-Unsubscribe=One-Click",
                                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 200
    change = await ConsentChange.filter(email="ann@example.com").order_by("-id").first()
    assert change is not None and change.status is ConsentStatus.UNSUBSCRIBED and change.source is ConsentSource.ONE_CLICK
    await run_jobs()
    assert inbox.messages == []  # queued before the unsubscribe: dropped at send time
    send = await CampaignSend.get(email="ann@example.com")
    assert send.status.value == "unsubscribed"
    assert (await OutboxMessage.get(id=send.message_id)).suppressed_at is not None
    # A later share leaves the address out from the start.
    data = await ok(marketing, SHARE, input={"campaignId": campaign["id"], "contactIds": [yes["id"]]})
    assert data["shareCampaign"]["queued"] == 0 and data["shareCampaign"]["unsubscribed"] == 1


async def test_sharing_reads_the_campaigns_period_on_its_owners_calendar(db, inbox):
    """February in Berlin opens at 23:00 UTC on 31 January and ends at 23:00 UTC on 28 February: sharing
    follows the public page (the owner's calendar), on a pinned clock either side of both midnights."""
    marketing, _, yes, _, _ = await setup_share()
    await User.filter(id=marketing.id).update(time_zone="Europe/Berlin")
    campaign = await open_campaign(marketing, code="february", startsOn="2027-02-01", endsOn="2027-02-28")
    who = actor(await User.get(id=marketing.id))

    async def share(at: datetime) -> int:
        return (await campaign_mail.share_campaign(who, campaign["id"], [yes["id"]], None, at=at)).queued

    for at in (datetime(2027, 1, 31, 22, 59, tzinfo=UTC), datetime(2027, 2, 28, 23, 0, tzinfo=UTC)):  # Berlin: not yet, over
        with pytest.raises(BadUserInput) as refused:
            await share(at)
        assert refused.value.field == "campaignId", at
    assert await share(datetime(2027, 1, 31, 23, 0, tzinfo=UTC)) == 1  # 00:00 on 1 February in Berlin
    assert await share(datetime(2027, 2, 28, 22, 59, tzinfo=UTC)) == 1  # 23:59 on 28 February in Berlin
    await run_jobs()
    assert len(inbox.messages) == 2
    for mail in inbox.messages:  # each mail links the page, open when it was shared
        assert "/c/february" in mail.get_body(preferencelist=("plain",)).get_content()


async def test_unsubscribe_is_rate_limited_and_a_forged_token_is_refused(db, setting):  # noqa: F811
    setting(CRM_PUBLIC_RATE_LIMIT="2")
    token = consent.token_for("dan@example.com")
    async with client() as browser:
        assert (await browser.post(f"/u/{token}x/unsubscribe", content=b"List-Unsubscribe=One-Click")).status_code == 404
        assert (await browser.post(f"/u/{token}/unsubscribe", content=b"List-Unsubscribe=One-Click")).status_code == 200
        limited = await browser.post(f"/u/{token}/unsubscribe", content=b"List-Unsubscribe=One-Click")
    assert limited.status_code == 429 and limited.headers["retry-after"]


async def test_preferences_page_unsubscribes_by_link_and_resubscribes_with_csrf(db):
    await subscribe("eve@example.com")
    token = consent.token_for("eve@example.com")
    async with client() as browser:
        page = await browser.get(f"/u/{token}?unsubscribe=1")
        assert page.status_code == 200 and "Unsubscribe?" in page.text and "ev•••@example.com" in page.text
        assert "eve@example.com" not in page.text  # the address is masked
        done = await browser.post(f"/u/{token}/unsubscribe", data={"via": "link"})
        assert done.status_code == 303
        page = await browser.get(done.headers["location"])
        assert "You are unsubscribed" in page.text
        refused = await browser.post(f"/u/{token}/resubscribe", data={"csrf": "forged"})
        assert refused.status_code == 403 and not await consent.is_subscribed("eve@example.com")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        again = await browser.post(f"/u/{token}/resubscribe", data={"csrf": csrf})
        assert again.status_code == 303 and await consent.is_subscribed("eve@example.com")
    sources = [c.source for c in await ConsentChange.filter(email="eve@example.com").order_by("id")]
    assert sources == [ConsentSource.IMPORT, ConsentSource.LINK, ConsentSource.PREFERENCES]


async def test_a_user_marks_a_contacts_consent_and_sees_its_history(db):
    rep = await make_user(Role.SALES_REP)
    contact = await make_contact(rep, email="fay@example.com")
    query = ("query($id: ID!) { contact(id: $id) { mailConsent { subscribed status source "
             "history { status source note changedBy { email } } } } }")
    assert (await ok(rep, query, id=contact["id"]))["contact"]["mailConsent"]["status"] is None
    mark = "mutation($input: SetMailConsentInput!) { setMailConsent(input: $input) { mailConsent { subscribed source } } }"
    data = await ok(rep, mark, input={"contactId": contact["id"], "subscribed": True, "note": "by phone"})
    assert data["setMailConsent"]["mailConsent"] == {"subscribed": True, "source": "MANUAL"}
    await ok(rep, mark, input={"contactId": contact["id"], "subscribed": False})
    consent_now = (await ok(rep, query, id=contact["id"]))["contact"]["mailConsent"]
    assert consent_now["status"] == "UNSUBSCRIBED"
    assert [h["status"] for h in consent_now["history"]] == ["UNSUBSCRIBED", "SUBSCRIBED"]
    assert consent_now["history"][1]["note"] == "by phone" and consent_now["history"][1]["changedBy"]["email"] == rep.email


async def test_a_failed_send_is_marked_failed(db, setting):  # noqa: F811
    setting(CRM_SMTP_URL="smtp://127.0.0.1:1", CRM_JOBS_RETRY_SECONDS="60")
    marketing, campaign, yes, *_ = await setup_share()
    await ok(marketing, SHARE, input={"campaignId": campaign["id"], "contactIds": [yes["id"]]})
    await run_jobs()
    send = await CampaignSend.get(email="ann@example.com")
    assert send.status.value == "failed" and send.error


async def its_time_comes() -> None:
    """The scheduled greetings fall due: their time is moved to now rather than waited for (a wait of a second
    or so would race a slow machine, where scheduling alone can take that long)."""
    now = datetime.now(UTC)
    await Greeting.filter(status=GreetingStatus.SCHEDULED).update(send_at=now)
    await Job.filter(kind=campaign_mail.GREETING_JOB).update(run_at=now)


async def test_a_greeting_goes_out_once_at_its_time_even_with_two_workers(db, inbox):
    marketing = await make_user(Role.MARKETING)
    campaign = await make_campaign(marketing, type="GREETINGS", title="Season's greetings")
    ann = await make_contact(await make_user(Role.ADMIN), email="ann@example.com")
    await subscribe("ann@example.com")
    # An hour ahead, so "not yet" holds however slow the machine; then its time comes (the job falls due).
    soon = datetime.now(UTC) + timedelta(hours=1)
    schedule = """mutation($input: ScheduleGreetingInput!) { scheduleGreeting(input: $input) { id status audience } }"""
    data = await ok(marketing, schedule, input={"campaignId": campaign["id"], "sendAt": soon.isoformat(),
                                                "contactIds": [ann["id"]], "note": "Happy holidays"})
    assert data["scheduleGreeting"]["status"] == "SCHEDULED" and data["scheduleGreeting"]["audience"] == "1 contact"
    await run_jobs()
    assert inbox.messages == []  # not yet its time
    await its_time_comes()
    # Two workers at once: the job's key makes one job, its claim one runner, the greeting's flip one send.
    first, second = Worker(get_settings(), name="w1"), Worker(get_settings(), name="w2")

    async def work(runner: Worker) -> None:
        while (job := await queue.claim(runner.name, 5)) is not None:
            await runner.run_one(job)

    await asyncio.gather(work(first), work(second))
    # And the greeting's own run, repeated (a worker died after sending), sends nothing more.
    greeting = await Greeting.get(id=int(data["scheduleGreeting"]["id"]))
    assert await campaign_mail.send_greeting(greeting.id) is None
    await run_jobs()
    assert [m["To"] for m in inbox.messages] == ["ann@example.com"]
    assert "Happy holidays" in inbox.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert greeting.status is GreetingStatus.SENT and greeting.sent_count == 1
    assert await Job.filter(kind=campaign_mail.GREETING_JOB).count() == 1
    assert (await CampaignSend.get(email="ann@example.com")).kind.value == "greeting"


async def test_a_cancelled_greeting_sends_nothing(db, inbox):
    marketing = await make_user(Role.MARKETING)
    campaign = await make_campaign(marketing, type="GREETINGS")
    ann = await make_contact(await make_user(Role.ADMIN), email="ann@example.com")
    await subscribe("ann@example.com")
    schedule = """mutation($input: ScheduleGreetingInput!) { scheduleGreeting(input: $input) { id } }"""
    at = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    gid = (await ok(marketing, schedule, input={"campaignId": campaign["id"], "sendAt": at,
                                                "contactIds": [ann["id"]]}))["scheduleGreeting"]["id"]
    cancel = "mutation($input: CancelGreetingInput!) { cancelGreeting(input: $input) { status } }"
    assert (await ok(marketing, cancel, input={"id": gid}))["cancelGreeting"]["status"] == "CANCELLED"
    assert (await error(marketing, cancel, input={"id": gid}))["field"] == "id"
    await its_time_comes()
    await run_jobs()
    assert inbox.messages == [] and await CampaignSend.all().count() == 0
    promo = await make_campaign(marketing)
    wrong = await error(marketing, schedule, input={"campaignId": promo["id"], "sendAt": at, "contactIds": [ann["id"]]})
    assert wrong["field"] == "campaignId"
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert (await error(marketing, schedule, input={"campaignId": campaign["id"], "sendAt": past,
                                                    "contactIds": [ann["id"]]}))["field"] == "sendAt"
