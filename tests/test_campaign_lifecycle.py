"""Campaigns that run by their dates (services/campaign_schedule.py), the owner's morning summary, and the
referral loop (services/referrals.py): ?ref= enrolments become the seller's leads, won deals the campaign's
revenue, and the leaderboard follows live. Time is driven with an injected `at`, never slept through."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from tortoise import connections

from backend.auth.actor import Actor
from backend.codes import ALPHABET, REFERRAL_LENGTH
from backend.graphql.root import schema
from backend.live import topics
from backend.live.broadcast import hub
from backend.migrations import m0026_referral_codes_for_all
from backend.models import (
    AuditEntry,
    Campaign,
    Contact,
    DigestItem,
    EngagementEvent,
    Enrolment,
    Lead,
    Notification,
    OutboxMessage,
    Role,
    Stage,
    StageKind,
    User,
)
from backend.reads.context import Context
from backend.services import campaign_schedule, engagement, referrals
from backend.settings import get_settings
from backend.worker import Worker
from tests.factories import (
    actor,
    error,
    make_campaign,
    make_contact,
    make_customer,
    make_user,
    ok,
    open_campaign,
    setting,  # noqa: F401  (a fixture)
)
from tests.mailserver import smtp_server
from tests.servers import START_TIMEOUT, until
from tests.test_outbox import inbox, run_jobs_until_idle, stop, worker_process  # noqa: F401  (inbox: a fixture)

PUBLIC = Actor.anonymous()
STATUS = "mutation($input: ChangeCampaignStatusInput!) { changeCampaignStatus(input: $input) { status version } }"
REGENERATE = "mutation($input: RegenerateReferralCodeInput!) { regenerateReferralCode(input: $input) { userId code } }"
PAGE = """query($id: ID!) { campaign(id: $id) { yourLink isOpen
  revenue { wonDeals total { amount currency } byCurrency { amount currency } }
  leaderboard { rank name enrolments leads wonDeals revenue { amount currency } } } }"""
CONVERT = """mutation($input: ConvertLeadInput!) { convertLead(input: $input) { deal { id version } } }"""
MOVE = "mutation($input: MoveDealInput!) { moveDeal(input: $input) { stage { kind } } }"


async def code_of(user_id: int) -> str:
    code = (await User.get(id=user_id)).referral_code
    assert code, "every user has a referral code"
    return code


async def _ready(owner: User, starts: date | None, ends: date | None, **fields: Any) -> Campaign:
    """A public campaign marked ready (new), with its period."""
    c = await make_campaign(owner, visibility="PUBLIC", startsOn=starts and starts.isoformat(),
                            endsOn=ends and ends.isoformat(), **fields)
    await ok(owner, STATUS, input={"id": c["id"], "version": 1, "status": "NEW"})
    return await Campaign.get(id=int(c["id"]))


# --- Start and end by the dates -------------------------------------------------------------------------


async def test_a_campaign_turns_active_on_its_start_date_without_a_click(db: str, inbox: Any) -> None:  # noqa: F811
    box, _ = inbox
    owner = await make_user(Role.MARKETING, email="owner.start@example.com")
    campaign = await _ready(owner, date(2027, 3, 1), date(2027, 3, 31), title="Spring")
    assert await campaign_schedule.run_schedule(datetime(2027, 2, 28, 23, 59, tzinfo=UTC)) == []
    assert (await Campaign.get(id=campaign.id)).status.value == "new"
    moved = await campaign_schedule.run_schedule(datetime(2027, 3, 1, 0, 1, tzinfo=UTC))
    assert moved == [(campaign.id, campaign.status.ACTIVE)]
    row = await Campaign.get(id=campaign.id)
    assert row.status.value == "active" and row.version == campaign.version + 1
    [entry] = await AuditEntry.filter(action="campaign.change_status", entity_id=str(campaign.id), via="jobs")
    assert entry.actor_id is None and entry.via == "jobs" and entry.changes["status"] == ["new", "active"]
    [note] = await Notification.filter(user_id=owner.id, kind="campaign_status")
    assert "Spring" in note.message and "active" in note.message and "automatically" in note.message
    await run_jobs_until_idle()
    [mail] = box.to("owner.start@example.com")
    assert "Spring" in str(mail["Subject"]) and "active" in str(mail["Subject"])
    assert await campaign_schedule.run_schedule(datetime(2027, 3, 1, 0, 6, tzinfo=UTC)) == []  # nothing twice


async def test_it_ends_after_its_end_date(db: str) -> None:
    owner = await make_user(Role.MARKETING)
    campaign = await _ready(owner, date(2027, 3, 1), date(2027, 3, 31))
    await campaign_schedule.run_schedule(datetime(2027, 3, 2, tzinfo=UTC))
    assert await campaign_schedule.run_schedule(datetime(2027, 3, 31, 23, 59, tzinfo=UTC)) == []  # its last day
    moved = await campaign_schedule.run_schedule(datetime(2027, 4, 1, 0, 1, tzinfo=UTC))
    assert moved == [(campaign.id, campaign.status.INACTIVE)]
    assert (await Campaign.get(id=campaign.id)).status.value == "inactive"
    assert await Notification.filter(user_id=owner.id, kind="campaign_status").count() == 2


async def test_the_date_is_the_owners(db: str) -> None:
    """Berlin is an hour ahead in March: the campaign opens at Berlin's midnight, 23:00 UTC the day before."""
    owner = await make_user(Role.MARKETING)
    await User.filter(id=owner.id).update(time_zone="Europe/Berlin")
    campaign = await _ready(owner, date(2027, 3, 1), None)
    assert await campaign_schedule.run_schedule(datetime(2027, 2, 28, 22, 59, tzinfo=UTC)) == []
    assert await campaign_schedule.run_schedule(datetime(2027, 2, 28, 23, 1, tzinfo=UTC)) == [
        (campaign.id, campaign.status.ACTIVE)]


async def test_downtime_is_caught_up_but_a_draft_or_a_missed_period_stays(db: str) -> None:
    owner = await make_user(Role.MARKETING)
    late = await _ready(owner, date(2027, 3, 1), date(2027, 3, 31))
    missed = await _ready(owner, date(2027, 1, 1), date(2027, 1, 31))
    draft = await make_campaign(owner, startsOn="2027-03-01")
    moved = await campaign_schedule.run_schedule(datetime(2027, 3, 9, 12, tzinfo=UTC))  # the first run in days
    assert moved == [(late.id, late.status.ACTIVE)]
    assert (await Campaign.get(id=missed.id)).status.value == "new"
    assert (await Campaign.get(id=int(draft["id"]))).status.value == "draft"


async def test_two_workers_make_one_transition_and_one_notification(db: str) -> None:
    owner = await make_user(Role.MARKETING)
    campaign = await _ready(owner, date(2027, 3, 1), None)
    at = datetime(2027, 3, 1, 0, 5, tzinfo=UTC)
    first, second = await asyncio.gather(campaign_schedule.run_schedule(at), campaign_schedule.run_schedule(at))
    assert sorted([*first, *second]) == [(campaign.id, campaign.status.ACTIVE)]
    assert await AuditEntry.filter(action="campaign.change_status", entity_id=str(campaign.id), via="jobs").count() == 1
    assert await Notification.filter(user_id=owner.id, kind="campaign_status").count() == 1
    assert await OutboxMessage.filter(kind="campaign_status").count() == 1


async def test_two_running_workers_start_it_once_after_a_restart(db: str, inbox: Any) -> None:  # noqa: F811
    """The embedded default: two workers come up (the server was down on the start date) and share the job."""
    box, _ = inbox
    owner = await make_user(Role.MARKETING, email="two.workers@example.com")
    today = datetime.now(UTC).date()
    campaign = await _ready(owner, today - timedelta(days=2), None, title="Restarted")
    stop_event = asyncio.Event()
    runners = [asyncio.create_task(Worker(get_settings(), name=f"w{n}").run(stop_event)) for n in range(2)]
    try:
        await until(lambda: len(box.to("two.workers@example.com")) == 1, what="the owner's mail")
        await asyncio.sleep(0.5)  # both keep polling: a twin would show now
    finally:
        stop_event.set()
        await asyncio.gather(*runners)
    assert (await Campaign.get(id=campaign.id)).status.value == "active"
    assert await AuditEntry.filter(action="campaign.change_status", entity_id=str(campaign.id), via="jobs").count() == 1
    assert await Notification.filter(user_id=owner.id, kind="campaign_status").count() == 1
    assert len(box.to("two.workers@example.com")) == 1


async def test_two_worker_processes_start_it_once(db: str) -> None:
    if not db.startswith("postgres"):
        pytest.skip("several worker processes on one database: PostgreSQL (SQLite runs one embedded worker)")
    owner = await make_user(Role.MARKETING, email="two.processes@example.com")
    campaign = await _ready(owner, datetime.now(UTC).date() - timedelta(days=1), None)
    with smtp_server() as (box, url):
        workers = [worker_process(db, url), worker_process(db, url)]
        try:
            await until(lambda: len(box.to("two.processes@example.com")) >= 1, timeout=START_TIMEOUT, what="the owner's mail")
            await asyncio.sleep(1)  # both keep polling: a twin would show now
        finally:
            for process in workers:
                stop(process)
    assert len(box.to("two.processes@example.com")) == 1
    assert (await Campaign.get(id=campaign.id)).status.value == "active"
    assert await AuditEntry.filter(action="campaign.change_status", entity_id=str(campaign.id), via="jobs").count() == 1
    assert await Notification.filter(user_id=owner.id, kind="campaign_status").count() == 1


async def test_an_owners_click_racing_the_schedule_wins_cleanly(db: str) -> None:
    owner = await make_user(Role.MARKETING)
    campaign = await _ready(owner, date(2027, 3, 1), None)
    await ok(owner, STATUS, input={"id": str(campaign.id), "version": campaign.version, "status": "DISCARDED"})
    assert await campaign_schedule.run_schedule(datetime(2027, 3, 2, tzinfo=UTC)) == []  # stale row: not discarded→active
    assert (await Campaign.get(id=campaign.id)).status.value == "discarded"


async def test_status_mail_follows_the_owners_preference(db: str, inbox: Any) -> None:  # noqa: F811
    owner = await make_user(Role.MARKETING, email="quiet.owner@example.com")
    await ok(owner, "mutation($input: SetNotificationPreferenceInput!) { setNotificationPreference(input: $input) "
             "{ kind } }", input={"kind": "campaign_status", "inApp": True, "email": False})
    await _ready(owner, date(2027, 3, 1), None)
    await campaign_schedule.run_schedule(datetime(2027, 3, 1, 1, tzinfo=UTC))
    assert await Notification.filter(user_id=owner.id, kind="campaign_status").count() == 1
    assert await OutboxMessage.filter(recipient="quiet.owner@example.com").count() == 0


async def test_status_mail_in_the_digest_waits_for_the_owners_morning(db: str) -> None:
    owner = await make_user(Role.MARKETING, email="digest.owner@example.com")
    await ok(owner, "mutation($input: SetNotificationPreferenceInput!) { setNotificationPreference(input: $input) "
             "{ kind } }", input={"kind": "campaign_status", "inApp": False, "email": True, "digest": True})
    campaign = await _ready(owner, date(2027, 3, 1), None)
    await campaign_schedule.run_schedule(datetime(2027, 3, 1, 1, tzinfo=UTC))
    assert await OutboxMessage.filter(recipient="digest.owner@example.com").count() == 0  # not one email each
    assert await Notification.filter(user_id=owner.id).count() == 0
    [item] = await DigestItem.filter(user_id=owner.id)
    assert (item.kind, item.entity, item.entity_id) == ("campaign_status", "campaign", campaign.id)
    assert item.values["title"].startswith(f"Campaign “{campaign.title}” is now active")
    # The morning summary is a daily email already: it does not go into the digest.
    refused = await error(owner, "mutation($input: SetNotificationPreferenceInput!) { setNotificationPreference("
                          "input: $input) { kind } }", input={"kind": "campaign_summary", "inApp": True, "email": True,
                                                             "digest": True})
    assert refused["field"] == "digest" and "daily email already" in refused["message"]


# --- The morning summary --------------------------------------------------------------------------------


async def _engage(campaign: Campaign, at: datetime, views: int, enrol: int = 0, ref: str = "") -> None:
    for n in range(views):
        await engagement.record_view(PUBLIC, campaign, f"v{at.isoformat()}{n}")
    for n in range(enrol):
        values = engagement.clean_enrolment(f"Person {n}", f"p{n}.{at.day}@mail.example", True, ref)
        await engagement.enrol(PUBLIC, campaign, f"v{n}", values)
    await EngagementEvent.filter(occurred_at__gte=datetime.now(UTC) - timedelta(minutes=5)).update(occurred_at=at)
    await Enrolment.filter(created_at__gte=datetime.now(UTC) - timedelta(minutes=5)).update(created_at=at)


async def test_the_summary_goes_out_in_the_owners_morning_once(db: str, inbox: Any) -> None:  # noqa: F811
    box, _ = inbox
    owner = await make_user(Role.MARKETING, email="summary@example.com")
    rep = await make_user(Role.SALES_REP)
    code = await code_of(rep.id)
    c = await open_campaign(owner, title="Autumn <Fair>")
    campaign = await Campaign.get(id=int(c["id"]))
    yesterday = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    await _engage(campaign, yesterday, views=3, enrol=2, ref=code or "")
    quiet = await Campaign.get(id=int((await open_campaign(owner, title="Quiet one"))["id"]))
    morning = yesterday.replace(hour=8, minute=5) + timedelta(days=1)
    assert await campaign_schedule.send_summaries(morning - timedelta(minutes=10)) == 0  # 07:55: not yet
    assert await campaign_schedule.send_summaries(morning) == 1
    assert await campaign_schedule.send_summaries(morning + timedelta(minutes=15)) == 0  # once a day
    await run_jobs_until_idle()
    [mail] = box.to("summary@example.com")
    assert "Autumn <Fair>" in str(mail["Subject"]) and "2 enrolments" in str(mail["Subject"])
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "3 views, 0 likes, 2 enrolments" in text and rep.name in text and "Quiet one" not in text
    assert "Autumn &lt;Fair&gt;" in html and "<Fair>" not in html
    [note] = await Notification.filter(user_id=owner.id, kind="campaign_summary")
    assert "Autumn <Fair>" in note.message
    assert (await Campaign.get(id=quiet.id)).summary_sent_on is None


async def test_no_summary_when_nothing_happened(db: str, inbox: Any) -> None:  # noqa: F811
    owner = await make_user(Role.MARKETING, email="nothing@example.com")
    campaign = await Campaign.get(id=int((await open_campaign(owner))["id"]))
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    await _engage(campaign, today, views=2)  # today's visits are tomorrow's summary, not today's
    assert await campaign_schedule.send_summaries(today.replace(hour=9)) == 0
    assert await OutboxMessage.filter(kind="campaign_summary").count() == 0


# --- The referral loop ------------------------------------------------------------------------------------


async def test_each_seller_has_a_stable_unique_code_they_can_renew(db: str) -> None:
    rep, head = await make_user(Role.SALES_REP), await make_user(Role.SALES_HEAD)
    marketing = await make_user(Role.MARKETING)
    first = await code_of(rep.id)
    assert first and first == await code_of(rep.id) and first != await code_of(head.id)
    assert await referrals.referrer(await code_of(marketing.id)) is None  # held, but marketing does not sell
    renewed = (await ok(rep, REGENERATE, input={}))["regenerateReferralCode"]
    assert renewed["code"] != first and renewed["code"] == await code_of(rep.id)
    assert await AuditEntry.filter(action="user.regenerate_referral_code", entity_id=str(rep.id)).count() == 1
    other = await error(rep, REGENERATE, input={"userId": str(head.id)})
    assert (other["code"], other["field"]) == ("BAD_USER_INPUT", "userId")
    assert (await error(marketing, REGENERATE, input={}))["code"] == "FORBIDDEN"


async def test_your_link_carries_the_code_and_reading_it_writes_nothing(db: str) -> None:
    owner, rep = await make_user(Role.MARKETING), await make_user(Role.SALES_REP)
    c = await open_campaign(owner, code="your-link")
    held = (await User.get(id=rep.id)).referral_code  # drawn when the user was made
    audited = await AuditEntry.all().count()
    link = (await ok(rep, PAGE, id=c["id"]))["campaign"]["yourLink"]
    assert held and link.endswith(f"/c/your-link?ref={held}")
    assert await AuditEntry.all().count() == audited and (await User.get(id=rep.id)).referral_code == held
    assert (await ok(owner, PAGE, id=c["id"]))["campaign"]["yourLink"] is None  # marketing does not sell


async def test_users_made_before_codes_were_drawn_get_one_each_from_the_migration(db: str) -> None:
    people = [await make_user(Role.SALES_REP) for _ in range(30)]
    kept = await make_user(Role.SALES_HEAD)
    await User.filter(id__in=[p.id for p in people]).update(referral_code=None)
    await m0026_referral_codes_for_all.apply(connections.get("default"))
    codes = [u.referral_code for u in await User.filter(id__in=[p.id for p in people])]
    assert all(code and len(code) == REFERRAL_LENGTH and set(code) <= set(ALPHABET) for code in codes), codes
    assert len(set(codes)) == len(codes)
    assert (await User.get(id=kept.id)).referral_code == kept.referral_code, "a code held already stays"


async def test_a_ref_enrolment_creates_the_sellers_lead_in_the_same_write(db: str) -> None:
    owner, rep = await make_user(Role.MARKETING), await make_user(Role.SALES_REP)
    campaign = await Campaign.get(id=int((await open_campaign(owner, title="Fair"))["id"]))
    code = await code_of(rep.id)
    values = engagement.clean_enrolment("Ada Lovelace", "ada@mail.example", True, (code or "").upper())
    outcome = await engagement.enrol(PUBLIC, campaign, "visitor", values)
    [lead] = await Lead.all()
    assert lead.owner_id == rep.id and lead.campaign_id == campaign.id and "Fair" in lead.source
    contact = await Contact.get(id=lead.contact_id)
    assert (contact.email, contact.owner_id) == ("ada@mail.example", rep.id)
    enrolment = await Enrolment.get(id=outcome.enrolment.id)  # type: ignore[union-attr]
    assert (enrolment.referrer_id, enrolment.lead_id) == (rep.id, lead.id)
    assert await AuditEntry.filter(action="lead.create", entity_id=str(lead.id)).count() == 1
    listed = await ok(rep, "{ leads { edges { node { id title } } } }")
    assert [e["node"]["id"] for e in listed["leads"]["edges"]] == [str(lead.id)]
    again = await engagement.enrol(PUBLIC, campaign, "visitor", values)  # a repeat makes nothing
    assert not again.counted and await Lead.all().count() == 1


async def test_required_custom_fields_do_not_turn_a_referred_sign_up_away(db: str) -> None:
    """The contact and lead a referred enrolment makes came from no form an admin's required fields could be
    filled in: defaults apply, a required field without one does not refuse the public sign-up."""
    owner, rep = await make_user(Role.MARKETING), await make_user(Role.SALES_REP)
    admin = await make_user(Role.ADMIN)
    define = "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { key } }"
    for entity in ("CONTACT", "LEAD"):
        await ok(admin, define, input={"entity": entity, "key": "region", "label": "Region", "type": "TEXT",
                                       "required": True})
    await ok(admin, define, input={"entity": "CONTACT", "key": "tier", "label": "Tier", "type": "TEXT",
                                   "default": {"text": "Prospect"}})
    campaign = await Campaign.get(id=int((await open_campaign(owner, title="Fair"))["id"]))
    values = engagement.clean_enrolment("Ada Lovelace", "ada@mail.example", True, await code_of(rep.id))
    assert (await engagement.enrol(PUBLIC, campaign, "visitor", values)).counted
    [lead] = await Lead.all()
    contact = await ok(rep, "query($id: ID!) { contact(id: $id) { customFields { key text } } }", id=str(lead.contact_id))
    kept = {f["key"]: f["text"] for f in contact["contact"]["customFields"]}
    assert kept == {"region": None, "tier": "Prospect"}  # the default; the required one left empty
    # Someone filling the form is still held to the required field.
    refused = await error(rep, "mutation($input: CreateContactInput!) { createContact(input: $input) { id } }",
                          input={"name": "Bob", "email": "bob@mail.example"})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "customFields.region")


async def test_the_admins_lead_sources_do_not_turn_a_referred_sign_up_away(db: str) -> None:
    """The referred lead's source names its campaign, which the admins' lead-source list need not offer."""
    owner, rep, admin = await make_user(Role.MARKETING), await make_user(Role.SALES_REP), await make_user(Role.ADMIN)
    await ok(admin, "mutation($input: CreatePickListItemInput!) { createPickListItem(input: $input) { id } }",
             input={"list": "LEAD_SOURCE", "label": "Trade fair"})
    campaign = await Campaign.get(id=int((await open_campaign(owner, title="Fair"))["id"]))
    values = engagement.clean_enrolment("Ada Lovelace", "ada@mail.example", True, await code_of(rep.id))
    assert (await engagement.enrol(PUBLIC, campaign, "visitor", values)).counted
    [lead] = await Lead.all()
    assert (lead.owner_id, lead.source) == (rep.id, "Campaign: Fair")
    # Someone filling the form picks from the list.
    refused = await error(rep, "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }",
                          input={"title": "Walk-in", "source": "Campaign: Fair"})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "source")


async def test_a_known_email_attaches_the_lead_to_the_existing_contact(db: str) -> None:
    owner, rep = await make_user(Role.MARKETING), await make_user(Role.SALES_REP)
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin, accountManagerId=str(rep.id))
    known = await make_contact(admin, name="Known", email="known@mail.example", customerId=customer["id"])
    campaign = await Campaign.get(id=int((await open_campaign(owner))["id"]))
    values = engagement.clean_enrolment("Known Person", "Known@Mail.example", True, await code_of(rep.id))
    await engagement.enrol(PUBLIC, campaign, "v", values)
    [lead] = await Lead.all()
    assert lead.contact_id == int(known["id"]) and lead.customer_id == int(customer["id"])
    assert await Contact.all().count() == 1


async def test_an_unknown_or_missing_ref_is_ignored_safely(db: str) -> None:
    owner = await make_user(Role.MARKETING)
    marketing_code_holder = await make_user(Role.MARKETING)
    await User.filter(id=marketing_code_holder.id).update(referral_code="notaseller")
    campaign = await Campaign.get(id=int((await open_campaign(owner))["id"]))
    for n, ref in enumerate(("nobody-has-this", "notaseller", None)):
        values = engagement.clean_enrolment("Grace", f"g{n}@mail.example", True, ref)
        outcome = await engagement.enrol(PUBLIC, campaign, f"v{n}", values)
        assert outcome.counted
    assert await Lead.all().count() == 0 and await Contact.all().count() == 0
    assert await Enrolment.filter(referrer_code="nobody-has-this").count() == 1  # kept as given
    assert (await Campaign.get(id=campaign.id)).enrolments == 3


async def _first_event(gen: Any) -> asyncio.Future[Any]:
    first = asyncio.ensure_future(gen.__anext__())
    return first


async def test_leaderboard_updates_live_and_revenue_counts_a_won_deal(db: str) -> None:
    owner, admin = await make_user(Role.MARKETING), await make_user(Role.ADMIN)
    rep, rep2 = await make_user(Role.SALES_REP), await make_user(Role.SALES_REP)
    c = await open_campaign(owner)
    campaign = await Campaign.get(id=int(c["id"]))
    document = ("subscription($id: ID!) { campaignEngagement(campaignId: $id) "
                "{ kind leaderboard { rank name enrolments leads } } }")
    gen = await schema.subscribe(document, variable_values={"id": c["id"]}, context_value=Context(actor=actor(owner)))
    first = await _first_event(gen)
    while hub.subscriber_count(topics.campaign_engagement(campaign.id)) == 0:
        await asyncio.sleep(0)
    code, code2 = await code_of(rep.id), await code_of(rep2.id)
    await engagement.enrol(PUBLIC, campaign, "a", engagement.clean_enrolment("A", "a@mail.example", True, code))
    event = (await asyncio.wait_for(first, 5)).data["campaignEngagement"]
    assert event["kind"] == "ENROLMENT"
    assert event["leaderboard"] == [{"rank": 1, "name": rep.name, "enrolments": 1, "leads": 1}]
    for n in range(2):
        await engagement.enrol(PUBLIC, campaign, f"b{n}",
                               engagement.clean_enrolment("B", f"b{n}@mail.example", True, code2))
    await asyncio.wait_for(gen.__anext__(), 5)
    event = (await asyncio.wait_for(gen.__anext__(), 5)).data["campaignEngagement"]
    assert [(r["name"], r["enrolments"]) for r in event["leaderboard"]] == [(rep2.name, 2), (rep.name, 1)]
    await gen.aclose()

    # rep converts their lead and wins the deal: the campaign's revenue, and rep moves to the top.
    lead = await Lead.get(owner_id=rep.id)
    converted = await ok(rep, CONVERT, input={"id": str(lead.id), "version": lead.version, "amount": 125000,
                                             "newCustomer": {"name": "Lovelace Ltd", "email": "hello@lovelace.example"}})
    deal = converted["convertLead"]["deal"]
    won = await Stage.get(kind=StageKind.WON, pipeline__is_default=True)
    await ok(admin, MOVE, input={"id": deal["id"], "version": deal["version"], "stageId": str(won.id)})
    page = (await ok(owner, PAGE, id=c["id"]))["campaign"]
    assert page["revenue"]["wonDeals"] == 1 and page["revenue"]["total"]["amount"] == 125000
    assert page["revenue"]["byCurrency"] == [{"amount": 125000, "currency": "EUR"}]
    assert [(r["name"], r["wonDeals"], r["revenue"]["amount"]) for r in page["leaderboard"]] == [
        (rep.name, 1, 125000), (rep2.name, 0, 0)]
