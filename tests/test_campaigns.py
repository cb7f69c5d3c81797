"""Campaigns through the schema: create and validate, versions, the status workflow with owner
notifications, visibility, lists, public likes and enrolments, engagement series and the live subscription."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend.auth.actor import Actor
from backend.errors import NotFound
from backend.graphql.root import schema
from backend.live import topics
from backend.live.broadcast import hub
from backend.models import AuditEntry, Campaign, CampaignLike, EngagementEvent, Enrolment, Notification, Role
from backend.reads.context import Context
from backend.services import engagement
from tests.factories import actor, error, make_campaign, make_user, ok, open_campaign
from tests.sqlcount import count_statements

CREATE = "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id code version status title } }"
UPDATE = "mutation($input: UpdateCampaignInput!) { updateCampaign(input: $input) { id code version title endsOn } }"
STATUS = "mutation($input: ChangeCampaignStatusInput!) { changeCampaignStatus(input: $input) { status version allowedStatuses } }"
LIKE = "mutation($input: LikeCampaignInput!) { likeCampaign(input: $input) { counted totals { views likes enrolments } } }"
ENROL = (
    "mutation($input: EnrolInCampaignInput!) { enrolInCampaign(input: $input) "
    "{ enrolmentId created totals { likes enrolments } } }"
)
PUBLIC = Actor.anonymous()


async def test_create_generates_a_readable_unique_code_and_audits(db):
    marketing = await make_user(Role.MARKETING)
    first = await make_campaign(marketing, title="Spring Sale 2027!")
    second = await make_campaign(marketing, title="Spring Sale 2027!")
    assert first["code"].startswith("spring-sale-2027-") and first["code"] != second["code"]
    assert first["status"] == "DRAFT"
    row = await Campaign.get(id=int(first["id"]))
    assert row.owner_id == marketing.id and row.visibility.value == "private"
    entry = await AuditEntry.get(entity="campaign", entity_id=first["id"])
    assert entry.action == "campaign.create" and entry.actor_id == marketing.id


async def test_invalid_input_names_the_field_and_writes_nothing(db):
    admin = await make_user(Role.ADMIN)
    await make_campaign(admin, code="taken")
    cases = [
        ({"title": "  "}, "title"),
        ({"code": "Has Spaces"}, "code"),
        ({"code": "-edge-"}, "code"),
        ({"code": "taken"}, "code"),
        ({"startsOn": "2027-05-02", "endsOn": "2027-05-01"}, "endsOn"),
        ({"ownerId": "999"}, "ownerId"),
    ]
    for fields, field in cases:
        err = await error(admin, CREATE, input={"title": "X", "type": "REFERRAL", **fields})
        assert (err["code"], err["field"]) == ("BAD_USER_INPUT", field), (fields, err)
    assert await Campaign.all().count() == 1 and await AuditEntry.all().count() == 1


async def test_only_admins_and_marketing_create_campaigns(db):
    rep = await make_user(Role.SALES_REP)
    err = await error(rep, CREATE, input={"title": "X", "type": "GREETINGS"})
    assert err["code"] == "FORBIDDEN"
    assert await Campaign.all().count() == 0


async def test_update_checks_version_and_period(db):
    marketing = await make_user(Role.MARKETING)
    c = await make_campaign(marketing, startsOn="2027-03-01")
    updated = await ok(marketing, UPDATE, input={"id": c["id"], "version": 1, "title": "Summer", "endsOn": "2027-03-31"})
    assert updated["updateCampaign"]["version"] == 2 and updated["updateCampaign"]["endsOn"] == "2027-03-31"
    stale = await error(marketing, UPDATE, input={"id": c["id"], "version": 1, "title": "Lost"})
    assert stale["code"] == "CONFLICT" and stale["currentVersion"] == 2
    backwards = await error(marketing, UPDATE, input={"id": c["id"], "version": 2, "endsOn": "2027-02-01"})
    assert (backwards["code"], backwards["field"]) == ("BAD_USER_INPUT", "endsOn")
    assert (await Campaign.get(id=int(c["id"]))).title == "Summer"


async def test_workflow_and_owner_notification(db):
    owner = await make_user(Role.MARKETING)
    admin = await make_user(Role.ADMIN)
    c = await make_campaign(owner)
    skip = await error(admin, STATUS, input={"id": c["id"], "version": 1, "status": "ACTIVE"})
    assert (skip["code"], skip["field"]) == ("BAD_USER_INPUT", "status")
    published: list[Any] = []
    async with hub.subscribe(topics.notifications(owner.id)) as sub:
        steps = ["NEW", "ACTIVE", "INACTIVE", "ACTIVE", "INACTIVE", "DISCARDED"]
        for version, status in enumerate(steps, start=1):
            moved = await ok(admin, STATUS, input={"id": c["id"], "version": version, "status": status})
            assert moved["changeCampaignStatus"]["status"] == status
        stream = aiter(sub)
        for _ in steps:
            published.append(await asyncio.wait_for(anext(stream), 5))
    assert [e.kind for e in published] == ["campaign_status"] * len(steps)
    assert published[1].payload["status"] == "active"
    assert await Notification.filter(user_id=owner.id, kind="campaign_status").count() == len(steps)
    final = await error(admin, STATUS, input={"id": c["id"], "version": 7, "status": "DRAFT"})
    assert final["field"] == "status" and "final" in final["message"]
    active = await error(owner, STATUS, input={"id": (await open_campaign(owner))["id"], "version": 3, "status": "DISCARDED"})
    assert active["field"] == "status"


async def test_owner_changing_their_own_campaign_is_not_notified(db):
    owner = await make_user(Role.MARKETING)
    c = await make_campaign(owner)
    await ok(owner, STATUS, input={"id": c["id"], "version": 1, "status": "NEW"})
    assert await Notification.all().count() == 0


async def test_visibility_private_campaigns_are_hidden_from_sales(db):
    marketing = await make_user(Role.MARKETING)
    rep = await make_user(Role.SALES_REP)
    private = await make_campaign(marketing, title="Secret")
    await make_campaign(marketing, title="Everyone", visibility="INTERNAL")
    err = await error(rep, "query($id: ID!) { campaign(id: $id) { id } }", id=private["id"])
    assert err["code"] == "NOT_FOUND"
    listed = await ok(rep, "{ campaigns { totalCount edges { node { title } } } }")
    assert [e["node"]["title"] for e in listed["campaigns"]["edges"]] == ["Everyone"]
    unauthenticated = await error(PUBLIC, "{ campaigns { totalCount } }")
    assert unauthenticated["code"] == "UNAUTHENTICATED"


async def test_filters_search_order_and_links(db):
    admin = await make_user(Role.ADMIN)
    await make_campaign(admin, title="Winter greetings", type="GREETINGS", startsOn="2027-12-01", endsOn="2027-12-31")
    await make_campaign(admin, title="Refer a friend", type="REFERRAL", visibility="PUBLIC", code="friends")
    await make_campaign(admin, title="Open ended", startsOn="2027-01-01")
    q = (
        "query($f: CampaignFilter, $s: String, $o: CampaignOrder) { campaigns(filter: $f, search: $s, orderBy: $o) "
        "{ totalCount edges { node { title publicUrl embedSnippet } } } }"
    )
    titles = lambda d: [e["node"]["title"] for e in d["campaigns"]["edges"]]  # noqa: E731
    assert titles(await ok(admin, q, f={"type": ["REFERRAL"]})) == ["Refer a friend"]
    assert titles(await ok(admin, q, f={"activeOn": "2027-12-24"}, o={"field": "TITLE"})) == [
        "Open ended", "Refer a friend", "Winter greetings",
    ]
    assert titles(await ok(admin, q, f={"activeOn": "2027-06-01"}, o={"field": "TITLE"})) == ["Open ended", "Refer a friend"]
    assert titles(await ok(admin, q, f={"period": {"start": "2026-01-01", "end": "2026-12-31"}})) == ["Refer a friend"]
    assert titles(await ok(admin, q, s="FRIEND")) == ["Refer a friend"]
    node = (await ok(admin, q, f={"visibility": ["PUBLIC"]}))["campaigns"]["edges"][0]["node"]
    assert node["publicUrl"].endswith("/c/friends")
    assert node["embedSnippet"].startswith("<iframe src=\"") and "/c/friends/embed\"" in node["embedSnippet"]
    private = (await ok(admin, q, f={"visibility": ["PRIVATE"]}))["campaigns"]["edges"][0]["node"]
    assert private["embedSnippet"] is None


async def test_anyone_may_like_a_public_active_campaign_once(db):
    marketing = await make_user(Role.MARKETING)
    c = await open_campaign(marketing)
    first = await ok(PUBLIC, LIKE, input={"campaignId": c["id"]})
    again = await ok(PUBLIC, LIKE, input={"campaignId": c["id"]})
    assert first["likeCampaign"] == {"counted": True, "totals": {"views": 0, "likes": 1, "enrolments": 0}}
    assert again["likeCampaign"]["counted"] is False and again["likeCampaign"]["totals"]["likes"] == 1
    mine = await ok(marketing, LIKE, input={"campaignId": c["id"]})  # a signed-in user is another visitor
    assert mine["likeCampaign"]["totals"]["likes"] == 2
    assert await CampaignLike.all().count() == 2
    assert await AuditEntry.filter(action="campaign.like").count() == 2
    entry = await AuditEntry.filter(action="campaign.like").order_by("id").first()
    assert entry.via == "public" and entry.actor_id is None


async def test_likes_and_enrolments_need_a_public_active_campaign(db):
    marketing = await make_user(Role.MARKETING)
    draft = await make_campaign(marketing, visibility="PUBLIC")
    private = await make_campaign(marketing)
    for c in (draft, private):
        hidden = await error(PUBLIC, LIKE, input={"campaignId": c["id"]})
        assert (hidden["code"], hidden["field"]) == ("NOT_FOUND", "campaignId")
    told = await error(marketing, LIKE, input={"campaignId": draft["id"]})
    assert (told["code"], told["field"]) == ("BAD_USER_INPUT", "campaignId") and "draft" in told["message"]
    missing = await error(PUBLIC, LIKE, input={"campaignId": "12345"})
    assert missing["code"] == "NOT_FOUND"
    assert await CampaignLike.all().count() == 0 and await EngagementEvent.all().count() == 0


async def test_enrolment_is_idempotent_per_email_and_validated(db):
    marketing = await make_user(Role.MARKETING)
    c = await open_campaign(marketing)
    person = {"campaignId": c["id"], "name": "Ada", "email": "Ada@Example.com", "consent": True}
    first = (await ok(PUBLIC, ENROL, input=person))["enrolInCampaign"]
    again = (await ok(PUBLIC, ENROL, input={**person, "name": "Someone else", "email": "ada@example.com"}))["enrolInCampaign"]
    assert first["created"] is True and again["created"] is False
    assert again["enrolmentId"] == first["enrolmentId"] and again["totals"]["enrolments"] == 1
    no_consent = await error(PUBLIC, ENROL, input={**person, "email": "b@example.com", "consent": False})
    assert (no_consent["code"], no_consent["field"]) == ("BAD_USER_INPUT", "consent")
    bad_email = await error(PUBLIC, ENROL, input={**person, "email": "not-an-email"})
    assert (bad_email["code"], bad_email["field"]) == ("BAD_USER_INPUT", "email")
    bad_ref = await error(PUBLIC, ENROL, input={**person, "email": "c@example.com", "referrerCode": "<script>"})
    assert bad_ref["field"] == "referrerCode"
    row = await Enrolment.get(id=int(first["enrolmentId"]))
    assert (row.name, row.email, row.source) == ("Ada", "ada@example.com", "api")
    assert await Enrolment.all().count() == 1 and (await Campaign.get(id=int(c["id"]))).enrolments == 1
    latest = await ok(marketing, "query($id: ID!) { campaign(id: $id) { latestEnrolments(first: 5) { name email } } }", id=c["id"])
    assert latest["campaign"]["latestEnrolments"] == [{"name": "Ada", "email": "ada@example.com"}]


async def test_engagement_series_buckets_by_hour_and_day(db):
    marketing = await make_user(Role.MARKETING)
    c = await open_campaign(marketing)
    campaign = await Campaign.get(id=int(c["id"]))
    await engagement.record_view(PUBLIC, campaign, "v1")
    await engagement.record_view(PUBLIC, campaign, "v2")
    await engagement.like(PUBLIC, campaign, "v1")
    # One reference moment for the events and the series' end: an hour or a day that turns while the test
    # runs (on the hour, at midnight) moves neither.
    now = datetime.now(UTC)
    two_days_ago = now - timedelta(days=2)
    await EngagementEvent.filter(visitor="v1").update(occurred_at=now)
    await EngagementEvent.filter(visitor="v2").update(occurred_at=two_days_ago)
    q = (
        "query($id: ID!, $b: EngagementBucket!, $since: DateTime, $until: DateTime) { campaign(id: $id) "
        "{ engagement(bucket: $b, since: $since, until: $until) { start views likes enrolments } } }"
    )
    days = (await ok(marketing, q, id=c["id"], b="DAY", since=(two_days_ago - timedelta(days=1)).isoformat(),
                     until=now.isoformat()))
    series = days["campaign"]["engagement"]
    assert len(series) == 4 and [p["views"] for p in series] == [0, 1, 0, 1]
    assert [p["likes"] for p in series] == [0, 0, 0, 1]
    assert series[-1]["start"].startswith(now.date().isoformat())
    hours = (await ok(marketing, q, id=c["id"], b="HOUR", until=now.isoformat()))["campaign"]["engagement"]
    assert len(hours) == 48 and sum(p["views"] for p in hours) == 1 and hours[-1]["likes"] == 1
    too_long = await error(marketing, q, id=c["id"], b="HOUR", since="2000-01-01T00:00:00Z")
    assert (too_long["code"], too_long["field"]) == ("BAD_USER_INPUT", "since")


async def _next(gen: Any) -> dict[str, Any]:
    result = await asyncio.wait_for(gen.__anext__(), 5)
    assert result.errors is None, result.errors
    return result.data["campaignEngagement"]


async def test_subscription_streams_events_with_exact_totals(db):
    marketing = await make_user(Role.MARKETING)
    c = await open_campaign(marketing)
    campaign = await Campaign.get(id=int(c["id"]))
    document = (
        "subscription($id: ID!) { campaignEngagement(campaignId: $id) "
        "{ campaignId kind totals { views likes enrolments } enrolmentName occurredAt } }"
    )
    gen = await schema.subscribe(document, variable_values={"id": c["id"]}, context_value=Context(actor=actor(marketing)))
    first = asyncio.ensure_future(gen.__anext__())  # starts the resolver, which registers on the topic
    topic = topics.campaign_engagement(campaign.id)
    while hub.subscriber_count(topic) == 0:
        await asyncio.sleep(0)
    await engagement.like(PUBLIC, campaign, "visitor-a")
    await engagement.like(PUBLIC, campaign, "visitor-a")  # a repeat publishes nothing
    await engagement.like(PUBLIC, campaign, "visitor-b")
    await engagement.enrol(PUBLIC, campaign, "visitor-b", {"name": "Grace", "email": "g@example.com", "referrer_code": ""})
    result = await asyncio.wait_for(first, 5)
    events = [result.data["campaignEngagement"]] + [await _next(gen) for _ in range(2)]
    assert [(e["kind"], e["totals"]["likes"], e["totals"]["enrolments"]) for e in events] == [
        ("LIKE", 1, 0), ("LIKE", 2, 0), ("ENROLMENT", 2, 1),
    ]
    assert events[2]["enrolmentName"] == "Grace" and events[0]["enrolmentName"] is None
    await gen.aclose()
    assert hub.subscriber_count(topic) == 0


async def test_subscription_to_a_hidden_campaign_is_not_found(db):
    marketing = await make_user(Role.MARKETING)
    rep = await make_user(Role.SALES_REP)
    c = await make_campaign(marketing)
    gen = await schema.subscribe(
        "subscription($id: ID!) { campaignEngagement(campaignId: $id) { kind } }",
        variable_values={"id": c["id"]},
        context_value=Context(actor=actor(rep)),
    )
    result = await asyncio.wait_for(gen.__anext__(), 5)
    assert result.errors and result.errors[0].extensions["code"] == "NOT_FOUND"


async def test_an_action_racing_a_pause_counts_nothing(db):
    marketing = await make_user(Role.MARKETING)
    c = await open_campaign(marketing)
    campaign = await Campaign.get(id=int(c["id"]))  # read while active
    await ok(marketing, STATUS, input={"id": c["id"], "version": 3, "status": "INACTIVE"})
    with pytest.raises(NotFound):
        await engagement.like(PUBLIC, campaign, "late-visitor")
    assert await CampaignLike.all().count() == 0 and await EngagementEvent.all().count() == 0
    assert (await Campaign.get(id=campaign.id)).likes == 0


async def test_campaign_lists_run_a_fixed_number_of_statements(db):
    admin = await make_user(Role.ADMIN)
    for i in range(30):
        campaign = await Campaign.create(
            title=f"Batch {i:02d}", code=f"batch-{i:02d}", type="promotion", owner_id=admin.id, status="active",
            visibility="public",
        )
        for j in range(3):
            await engagement.enrol(
                PUBLIC, campaign, f"v{j}", {"name": f"P{j}", "email": f"p{i}-{j}@example.com", "referrer_code": ""}
            )
    query = (
        "query($first: Int) { campaigns(first: $first, orderBy: {field: TITLE}) { edges { node { title "
        "owner { email } latestEnrolments(first: 2) { name } engagement(bucket: HOUR) { enrolments } } } } }"
    )

    async def statements(first: int) -> tuple[int, list[Any]]:
        with count_statements() as sent:
            data = await ok(admin, query, first=first)
        return len(sent), data["campaigns"]["edges"]

    few, _ = await statements(5)
    many, edges = await statements(30)
    assert len(edges) == 30 and all(len(e["node"]["latestEnrolments"]) == 2 for e in edges)
    assert all(sum(p["enrolments"] for p in e["node"]["engagement"]) == 3 for e in edges)
    assert edges[0]["node"]["latestEnrolments"][0]["name"] == "P2"  # newest first
    assert many == few <= 4


ENROLEES = "query($id: ID!) { campaign(id: $id) { enrolments latestEnrolments { id name email referrerCode source } } }"


async def test_only_campaign_owners_and_admins_read_who_enrolled(db):
    marketing, admin = await make_user(Role.MARKETING), await make_user(Role.ADMIN)
    others = [await make_user(role) for role in (Role.SALES_REP, Role.SALES_HEAD, Role.SUPPORT)]
    c = await open_campaign(marketing)
    campaign = await Campaign.get(id=int(c["id"]))
    await engagement.enrol(PUBLIC, campaign, "v", {"name": "Ada", "email": "ada@example.com", "referrer_code": "ref1"})
    for who in (marketing, admin):
        seen = (await ok(who, ENROLEES, id=c["id"]))["campaign"]
        assert [(e["name"], e["email"], e["referrerCode"]) for e in seen["latestEnrolments"]] == [("Ada", "ada@example.com", "ref1")]
    for who in others:
        seen = (await ok(who, ENROLEES, id=c["id"]))["campaign"]
        assert seen["enrolments"] == 1, who.role
        assert [(e["name"], e["email"], e["referrerCode"], e["source"]) for e in seen["latestEnrolments"]] == [
            (None, None, None, "page")
        ], who.role


async def test_live_enrolment_names_reach_only_those_who_may_read_them(db):
    """Subscribers share one execution per view (shared_events): the view must tell PII readers apart."""
    marketing, rep = await make_user(Role.MARKETING), await make_user(Role.SALES_REP)
    c = await open_campaign(marketing)
    campaign = await Campaign.get(id=int(c["id"]))
    document = "subscription($id: ID!) { campaignEngagement(campaignId: $id) { kind enrolmentName } }"
    streams = [
        await schema.subscribe(document, variable_values={"id": c["id"]}, context_value=Context(actor=actor(who)))
        for who in (rep, marketing)
    ]
    firsts = [asyncio.ensure_future(gen.__anext__()) for gen in streams]
    topic = topics.campaign_engagement(campaign.id)
    while hub.subscriber_count(topic) < 2:
        await asyncio.sleep(0)
    await engagement.enrol(PUBLIC, campaign, "v", {"name": "Grace", "email": "g@example.com", "referrer_code": ""})
    got = [(await asyncio.wait_for(first, 5)) for first in firsts]
    assert [r.errors for r in got] == [None, None]
    assert [r.data["campaignEngagement"] for r in got] == [
        {"kind": "ENROLMENT", "enrolmentName": None}, {"kind": "ENROLMENT", "enrolmentName": "Grace"},
    ]
    for gen in streams:
        await gen.aclose()
