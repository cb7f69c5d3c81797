"""Compiled reads answer exactly as the resolver path: hypothesis writes documents within the coverage
(random selections, aliases, fragments, @include/@skip, first/after, orderings, filters), and each runs both
ways as every role, on SQLite and (with CRM_TEST_DATABASE_URL) PostgreSQL; the JSON must be identical, keys'
order included. CRM_COMPILED_EXAMPLES sets how many documents (default 100 per run, × 5 roles)."""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.compiled.run import answer, compile_operation
from backend.graphql import frames
from backend.graphql.root import schema
from backend.models import (
    Activity,
    ApiToken,
    Attachment,
    AuditEntry,
    Campaign,
    CampaignSend,
    ConsentChange,
    Contact,
    Customer,
    CustomerPhaseChange,
    CustomerStatusChange,
    CustomField,
    CustomValue,
    Deal,
    DealStageChange,
    EngagementEvent,
    Enrolment,
    ExchangeRate,
    Greeting,
    Lead,
    LostReason,
    MailConsent,
    Note,
    Notification,
    PickList,
    PickListItem,
    Pipeline,
    Role,
    Segment,
    SegmentContact,
    SegmentMember,
    SlaEvent,
    Stage,
    StatusTransition,
    Team,
    Ticket,
    TicketMessage,
    User,
)
from backend.reads.context import Context
from backend.reads.paging import cursor_of
from backend.services import sla
from backend.settings import reset_settings
from tests.factories import actor, gql, log_activity, make_contact, make_customer, make_deal, make_team, make_user, ok
from tests.sqlcount import count_statements

EXAMPLES = int(os.environ.get("CRM_COMPILED_EXAMPLES", "250"))
# A record's files, and a logo or picture.
FILES = "attachments { id fileName contentType size createdAt url previewUrl isImage allowedActions uploadedBy { name } }"
IMAGE = "{ id fileName url isImage __typename }"
CUSTOM = ("customFields { key label type text number money { amount currency value } date dateTime boolean options userId "
          "user { id name role } }")
CUSTOMER = ["id", "name", "legalForm", "email", "country", "industry", "status", "version", "createdAt",
            "archivedAt", "phase", "rating", "tags", "mergedIntoId", "__typename", "allowedStatuses", "allowedActions",
            "socialLinks { kind url __typename }", "customFields { key text number __typename }",
            "summary { totalDealAmount { amount currency value } openDeals openAmount { amount } wonAmount { value currency } "
            "customerSince lastActivityAt __typename }"]
HIGH_LEVEL_STATUS = " { id label position archived version }"
CONTACT = ["id", "name", "email", "isPrimary", "status", "createdAt", "__typename"]
CONSENT = ("mailConsent { email subscribed status source changedAt __typename "
           "history(first: 2) { status source note occurredAt changedBy { id name } __typename } }")
CONTACT_ROOT = [*CONTACT, "phone", "jobTitle", "department", "roleAtCustomer", "version", "updatedAt", "archivedAt",
                "mergedIntoId", "allowedStatuses", "socialLinks { url kind }", "allowedActions", f"picture {IMAGE}", FILES,
                CONSENT]
CONTACT_STATUSES = ["NEW", "HOT", "COLD", "NOT_INTERESTED"]
USER = ["id", "email", "name", "role", "timeZone", "language", "active", "version", "lastLoginAt", "__typename",
        "team { id name __typename }"]
DEAL = ["id", "title", "probability", "closedAt", "createdAt", "expectedCloseDate", "lostReason"]
ACTIVITY = ["id", "kind", "title", "occurredAt", "durationMinutes", "endsAt", "dueAt", "priority", "taskStatus",
            "completedAt", "remindAt", "remindedAt", "overdue", "outcomeName", "allowedTaskStatuses", "viewerCanEdit",
            "outcome", "repeat { every unit label }", "attendees", FILES]
# To-one relations, each with a few fields (a deal's contact may be one the caller does not see: null)
REASON = "lostReasonChoice { id name archived version createdAt }"
PIPELINE = "{ id name isDefault stages { id name position probability kind requiresNextStep __typename } }"
MONEY = "{ amount currency value __typename }"
BOARD = (f"summary {{ count openAmount {MONEY} weightedForecast {MONEY} wonAmount {MONEY} stages {{ stage {{ id name "
         f"position probability kind requiresNextStep }} count amount {MONEY} weightedAmount {MONEY} __typename }} __typename }}")
DEAL_LINKS = ["customer { id name }", "contact { id name customer { name } }", f"pipeline {PIPELINE}", REASON]
LEAD = ["id", "title", "source", "scopeOfWork", "companyName", "status", "lostReason", "version", "createdAt", "updatedAt",
        "allowedStatuses"]
CAMPAIGN = ["id", "title", "code", "description", "type", "visibility", "status", "startsOn", "endsOn", "views", "likes",
            "enrolments", "version", "createdAt", "updatedAt", "allowedStatuses", "isOpen", "publicUrl", "embedSnippet",
            "yourLink"]
# A campaign's page: its figures over the seeded engagement (the last hours and days: windows ending now, and one
# of fixed bounds), its referrers, enrolments and mail.
_DAYS_AGO = (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%dT00:00:00Z")
_TOMORROW = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT05:00:00Z")
CAMPAIGN_PAGE = ["revenue { wonDeals total { amount currency value } byCurrency { amount currency } __typename }",
                 "leaderboard(first: 2) { rank userId name enrolments leads wonDeals revenue { amount currency } }",
                 "board: leaderboard { rank name revenue { value } }",
                 "engagement(bucket: HOUR) { start views likes enrolments __typename }",
                 f'daily: engagement(bucket: DAY, since: "{_DAYS_AGO}") {{ start views enrolments }}',
                 f'bounded: engagement(bucket: HOUR, since: "{_DAYS_AGO}", until: "{_TOMORROW}") {{ start likes }}',
                 "latestEnrolments(first: 4) { id name email referrerCode source createdAt __typename }",
                 "sendCounts { queued sent failed unsubscribed noConsent total }"]
# Its paged lists (owners and admins read who enrolled and was mailed; the others get the resolver path's
# FORBIDDEN), from the start, after some row (a cursor of another campaign's row pages every campaign's list alike),
# empty, narrowed by status.
PAGE = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename }"
CAMPAIGN_LISTS = [f"enrolees(first: 3) {{ totalCount edges {{ cursor node {{ id name email referrerCode source createdAt }} }} {PAGE} }}",
                  f'later: enrolees(first: 2, after: "@after:enrolees:5") {{ totalCount edges {{ cursor node {{ id }} }} {PAGE} }}',
                  "none: enrolees(first: 0) { totalCount edges { cursor } pageInfo { hasNextPage startCursor endCursor } }",
                  "sends(status: [QUEUED, FAILED]) { totalCount edges { cursor node { id email kind status error createdAt "
                  "updatedAt contact { id name } __typename } } pageInfo { hasNextPage endCursor } __typename }",
                  f'sent: sends(first: 2, after: "@after:sends:3") {{ edges {{ node {{ id status }} }} {PAGE} }}',
                  "greetings(first: 2) { totalCount edges { cursor node { id sendAt status sentAt sentCount createdAt "
                  "audience createdBy { name } __typename } } pageInfo { hasNextPage endCursor } }",
                  f'next: greetings(after: "@after:greetings:1") {{ edges {{ node {{ id sendAt }} }} {PAGE} }}']
TICKET = ["id", "number", "subject", "description", "channel", "category", "priority", "status", "tags", "requesterEmail",
          "firstResponseDueAt", "firstRespondedAt", "resolutionDueAt", "resolvedAt", "closedAt", "pausedAt", "satisfaction",
          "ratedAt", "version", "createdAt", "updatedAt", "slaDueAt", "allowedStatuses", "__typename",
          "customer { id name }", "contact { id name email }", "deal { id title }", "team { id name }",
          "messages { id body internal authorName createdAt author { name } __typename }",
          "slaEvents { target level dueAt at }"]
TOKEN_FIELDS = ["id", "name", "prefix", "createdAt", "lastUsedAt", "revokedAt", "expiresAt", "scopes", "user { id name }",
                "__typename"]
TOKEN = " ".join(TOKEN_FIELDS)
NOTIFICATION = ["id", "kind", "message", "entity", "entityId", "createdAt", "readAt", "__typename"]
SEGMENT_FIELDS = ["id", "name", "description", "kind", "entity", "shared", "version", "createdAt", "updatedAt",
                  "conditions", "filterJson", "allowedActions", "__typename"]
LEAD_LINKS = ["customer { id name }", "contact { id name }", "deal { id title stage { name } }", REASON]
ACTIVITY_LINKS = ["customer { id name }", "contact { id name }", "deal { id title stage { name } }"]
INDUSTRIES = ["Rail", "Food", "Énergie"]
KINDS = ["", ", kind: CALL", ", kind: NOTE", ", kind: MEETING"]  # an activities field's kind argument, or none
# A customer's own record: its notes, histories and account team.
OWN_RECORD = [FILES, f"logo {IMAGE}",
              "notes { id body pinned version createdAt updatedAt author { id name } __typename }",
              "statusHistory { fromStatus toStatus reason changedAt changedBy { name } }",
              "phaseHistory { fromPhase toPhase why changedAt changedBy { email } }",
              "accountTeam { relationshipManager { id name } operationsContact { name } __typename }",
              "ticketEvents(first: 4) { kind at __typename ticket { id number subject description channel category priority "
              "status tags requesterEmail firstResponseDueAt firstRespondedAt resolutionDueAt resolvedAt closedAt pausedAt "
              "satisfaction ratedAt version createdAt updatedAt slaDueAt allowedStatuses assignee { name } } }"]
STAGE_HISTORY = "stageHistory { changedAt fromStage { id name } toStage { name kind } changedBy { name } }"
FIELD_HISTORY = ("fieldHistory { field oldValue newValue oldAmount { amount currency value } newAmount { amount currency } "
                 "oldRecord { kind id name } newRecord { kind id name __typename } changedAt changedBy { id name team { name } } "
                 "oldOwner { name email } newOwner { id } by: changedBy { email } __typename }")
ORDERS = {"customers": ["NAME", "CREATED_AT", "UPDATED_AT", "STATUS", "COUNTRY", "INDUSTRY", "PHASE"],
          "contacts": ["NAME", "EMAIL", "STATUS", "CREATED_AT", "UPDATED_AT"],
          "deals": ["CREATED_AT", "UPDATED_AT", "TITLE", "AMOUNT", "EXPECTED_CLOSE_DATE"],
          "leads": ["CREATED_AT", "UPDATED_AT", "TITLE", "STATUS"],
          "activities": ["OCCURRED_AT", "DUE_AT", "CREATED_AT"],
          "campaigns": ["TITLE", "CODE", "CREATED_AT", "UPDATED_AT", "STATUS", "VIEWS", "LIKES", "ENROLMENTS"],
          "users": ["NAME", "EMAIL", "CREATED_AT"], "tickets": [], "segments": [], "notifications": [], "apiTokens": []}
# Custom fields each list may be sorted by (_custom_values' keys; a multiple choice and an archived field are refused).
CUSTOM_ORDERS = {"customers": ["text_0", "number_1", "date_2", "boolean_3", "select_4"],
                 "contacts": ["number_0", "money_1", "date_time_2", "multi_select_3", "user_4"],
                 "leads": ["number_0", "date_1", "boolean_2"], "deals": ["money_0", "date_time_1", "text_4"]}
# Each list: its node type, its record field, its default order and a field that labels a row.
LISTS = {"customers": ("Customer", "customer", "NAME", "name"), "contacts": ("Contact", "contact", "NAME", "name"),
         "leads": ("Lead", "lead", "CREATED_AT", "title"), "deals": ("Deal", "deal", "CREATED_AT", "title"),
         "activities": ("Activity", "activity", "OCCURRED_AT", "title"),
         "campaigns": ("Campaign", "campaign", "CREATED_AT", "title"), "users": ("User", None, "NAME", "name"),
         "tickets": ("Ticket", "ticket", "QUEUE_AT", "subject"), "segments": ("Segment", "segment", "NAME", "name"),
         "notifications": ("Notification", None, "ID", "message"), "apiTokens": ("ApiToken", None, "ID", "name")}
NODE_TYPE, RECORD, DEFAULT_ORDER, LABEL = ({listed: spec[i] for listed, spec in LISTS.items()} for i in range(4))
# Searches: long and short words (SQLite's full-text index takes 3 characters or more), several words, none, and
# text that is SQL to a careless compiler (a placeholder's "?" and "$1", quotes).
SEARCHES = ["acme", "ACME 1", "printer 2", "Öl", "a", "person 1-1", "zeta", "what?", "o'brien \"x\"", "$1 ?", "   ", "call"]
TYPES = {"flag": "Boolean!", "q": "String"}
After = tuple[str, int, str] | None  # (list, row index, order column) of a document's `after`


async def _seed() -> dict[str, Any]:
    north, south = await make_team("North"), await make_team("South")
    users = {
        "admin": await make_user(Role.ADMIN), "sales_head": await make_user(Role.SALES_HEAD, north),
        "sales_rep": await make_user(Role.SALES_REP, north), "rep2": await make_user(Role.SALES_REP, south),
        "support": await make_user(Role.SUPPORT), "marketing": await make_user(Role.MARKETING),
    }
    admin, managers = users["admin"], [users["sales_rep"], users["rep2"], None]
    former = await make_user(Role.SALES_REP, south)  # deactivated: listed, never assignable
    await User.filter(id=former.id).update(active=False, name="Zoë Former")
    # South's heads: a deactivated one first, then two active (the team's head is the first of those by id).
    for n in range(3):
        head = await make_user(Role.SALES_HEAD, south)
        await User.filter(id=head.id).update(active=n > 0, name=f"Head {3 - n}")
    await make_team("Empty")
    start = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    for n in range(14):
        manager = managers[n % 3]
        name = ["Acme", "acme", "Zeta", "Ölwerk", "Acme"][n % 5] + f" {n // 5}"  # ties, case, non-ASCII
        c = await make_customer(admin, name=name, industry=INDUSTRIES[n % 3], country=["DE", "FR"][n % 2],
                                **({"accountManagerId": str(manager.id)} if manager else {}))
        if n % 4 == 3:
            await Customer.filter(id=int(c["id"])).update(status="active", rating=n % 5 + 1)
        if n == 13:
            await Customer.filter(id=int(c["id"])).update(archived_at=start)
        for k in range(n % 3):
            await make_contact(admin, customerId=c["id"], isPrimary=k == 1, name=f"Person {n}-{k}")
        for k in range(n % 4):
            owner = users["rep2"] if (n + k) % 5 == 0 else users["sales_rep"]
            await make_deal(admin, c["id"], ownerId=str(owner.id), amount=1000 * n + k, currency="EUR")
        for k in range(n % 7):  # equal times: the id breaks the tie
            await log_activity(admin, customerId=c["id"], kind=["NOTE", "CALL"][k % 2],
                               occurredAt=(start + timedelta(hours=k // 2)).isoformat())
    for n, owner in enumerate(["sales_rep", "rep2", "support", "sales_rep"]):  # at no customer: seen by owner
        await make_contact(users[owner], name=["Person 1-0", "zed", "Émile", "Person 9"][n])
    # Tags (none, one, several, non-ASCII) and high-level statuses (one archived) on some customers.
    for n, label in enumerate(["Rail", "Food", "Énergie"]):  # the industries forms offer, one no longer
        await PickListItem.create(list=PickList.INDUSTRY, label=label, position=3 - n, archived=n == 1)
    statuses = [await PickListItem.create(list=PickList.HIGH_LEVEL_STATUS, label=label, position=n, archived=n == 2)
                for n, label in enumerate(["Key account", "Curious but cautious", "Dormant"], start=1)]
    for n, customer in enumerate(await Customer.all().order_by("id")):
        await Customer.filter(id=customer.id).update(tags=[[], ["vip"], ["vip", "Bahn"], ["Öko"]][n % 4],
                                                     high_level_status_id=statuses[n % 4].id if n % 4 < 3 else None)
    # People the records point at: an operations contact, task assignees, one who signed in, one with a language.
    await Customer.filter(id__in=await Customer.all().order_by("id").limit(5).values_list("id", flat=True)).update(
        operations_contact_id=users["support"].id)
    await Activity.filter(id__in=await Activity.all().order_by("id").limit(9).values_list("id", flat=True)).update(
        assignee_id=users["sales_rep"].id)
    await User.filter(id=users["sales_rep"].id).update(last_login_at=start, language="de")
    await _edits(users)  # while the deals are as the write path made them
    await _link_and_fill(start)
    await _tickets(users)
    await _shape(users)
    await _leads(users)
    await _campaigns(users)
    await _consent(users)
    await _notifications(users)
    await _tokens(users)
    # A deal and an activity that rep2 sees, linked to a contact of the other team that rep2 does not see.
    unseen = await Contact.get(name="Person 9")
    theirs = await Deal.filter(owner_id=users["rep2"].id).order_by("id").first()
    assert theirs is not None
    await Deal.filter(id=theirs.id).update(contact_id=unseen.id)
    await Activity.filter(customer_id=theirs.customer_id).update(contact_id=unseen.id)  # type: ignore[attr-defined]
    # Owned by a rep of the other team at a customer of this one: a contact follows its customer, so that rep
    # does not see it.
    north_customer = await Customer.filter(account_manager_id=users["sales_rep"].id).order_by("id").first()
    assert north_customer is not None
    await make_contact(admin, name="Crossed", customerId=str(north_customer.id), ownerId=str(users["rep2"].id))
    people = await Contact.all().order_by("id").values_list("id", flat=True)
    for n, person in enumerate(people):
        await Contact.filter(id=person).update(status=CONTACT_STATUSES[n % 4].lower(),
                                               archived_at=start if n % 9 == 4 else None)
    # One customer and one contact merged into another (the archived ones, as a merge leaves them).
    archived = await Customer.filter(archived_at__isnull=False).first()
    kept = await Customer.filter(archived_at=None).order_by("id").first()
    assert archived is not None and kept is not None
    await Customer.filter(id=archived.id).update(merged_into_id=kept.id)
    gone, staying = await Contact.filter(archived_at__isnull=False).first(), await Contact.filter(archived_at=None).first()
    assert gone is not None and staying is not None
    await Contact.filter(id=gone.id).update(merged_into_id=staying.id)
    primary = await Contact.filter(is_primary=True, archived_at=None).order_by("id").first()
    assert primary is not None
    await Contact.filter(id=primary.id).update(archived_at=start)  # an archived primary is no primary contact
    return users


async def _shape(users: dict[str, Any]) -> None:
    """What the computed fields read: social links, a blocked customer (it steps back to where it was), tasks
    that repeat, activities a rep wrote (theirs to correct), and the admins' own status steps."""
    links = [[], [{"kind": "linkedin", "url": "https://linkedin.com/company/acme"}],
             [{"kind": "x", "url": "https://x.com/a"}, {"kind": "website", "url": "https://ö.example"}]]
    for n, customer in enumerate(await Customer.all().order_by("id").values_list("id", flat=True)):
        await Customer.filter(id=customer).update(social_links=links[n % 3])
        if n % 5 == 2:
            await Customer.filter(id=customer).update(status="blocked", status_before_block=["active", None][n % 2])
    for n, person in enumerate(await Contact.all().order_by("id").values_list("id", flat=True)):
        await Contact.filter(id=person).update(social_links=links[(n + 1) % 3])
    for n, activity in enumerate(await Activity.all().order_by("id").values_list("id", flat=True)):
        await Activity.filter(id=activity).update(author_id=[users["sales_rep"].id, users["admin"].id, users["support"].id][n % 3])
        if n % 4 == 0:
            await Activity.filter(id=activity).update(repeat_every=n % 3 + 1, repeat_unit=["day", "week", "month"][n % 3])
    await _custom_values(users)
    await _segments(users)
    await _histories(users)
    await StatusTransition.filter(entity="lead", from_status="new", to_status="contacted").delete()
    await StatusTransition.create(entity="task", from_status="new", to_status="rescheduled")
    await StatusTransition.create(entity="customer", from_status="draft", to_status="churned")


# A field's default as the write path stores it (services.custom_fields.plain), by type (a user's: _default).
DEFAULTS = {"text": "Gold", "number": 2.5, "money": {"amount": 990, "currency": "USD"}, "date": "2026-02-28",
            "date_time": "2026-03-01T09:00:00+02:00", "boolean": True, "multi_select": ["a", "Öl"], "select": "b",
            "long_text": "Line one\nline two"}


def _default(kind: str, users: dict[str, Any]) -> dict[str, Any]:
    """A custom field's stored default: a user field's names an active user (records made later take it)."""
    return {"value": users["rep2"].id if kind == "user" else DEFAULTS[kind]}


async def _custom_values(users: dict[str, Any]) -> None:
    """Custom fields of every type on each entity (one archived, out of use), with values on some records: typed
    columns, money, multiple options, instants stored with an offset, a user."""
    kinds = [("text", {"text_value": "Gold"}), ("number", {"number_value": 2.5}), ("number", {"number_value": 3.0}),
             ("money", {"number_value": 1250, "text_value": "USD"}), ("date", {"date_value": date(2026, 2, 28)}),
             ("date_time", {"datetime_value": datetime(2026, 3, 1, 9, 0, 0, 5, tzinfo=timezone(timedelta(hours=2)))}),
             ("boolean", {"bool_value": False}), ("multi_select", {"text_value": "a|Öl"}), ("select", {"text_value": "b"}),
             ("user", {"user_id": users["rep2"].id}), ("long_text", {"long_text": "Line one\nline two"})]
    records = {"customer": Customer, "contact": Contact, "lead": Lead, "deal": Deal, "activity": Activity,
               "ticket": Ticket}
    for e, (entity, model) in enumerate(records.items()):
        ids = await model.all().order_by("id").values_list("id", flat=True)
        for n, (kind, value) in enumerate(kinds[e::2] + kinds[:1]):
            field = await CustomField.create(entity=entity, key=f"{kind}_{n}", label=f"{kind.title()} {n}", type=kind,
                                             position=(n * 7) % 3, archived=n == 3,
                                             default_value=_default(kind, users) if n % 2 == 0 else None,
                                             options=["a", "b", "Öl"] if "select" in kind else [])
            for r, record in enumerate(ids):
                if (r + n) % 3:
                    await CustomValue.create(field_id=field.id, record_id=record, **value)


async def _histories(users: dict[str, Any]) -> None:
    """A customer's own record: notes (pinned ones first, by someone gone or not), status and phase histories;
    a deal's stage moves (its creation logged one); meetings' attendees."""
    writers = [users["admin"].id, users["sales_rep"].id, None]
    for n, customer in enumerate(await Customer.all().order_by("id").values_list("id", flat=True)):
        for k in range(n % 3):
            await Note.create(customer_id=customer, author_id=writers[(n + k) % 3], body=f"Spoke to them ({k})\nÖl", pinned=k == 0)
            await CustomerStatusChange.create(customer_id=customer, from_status=[None, "draft"][k], to_status="active",
                                              reason="Signed" if k else "", changed_by_id=writers[n % 3])
            await CustomerPhaseChange.create(customer_id=customer, from_phase=[None, "idea"][k], to_phase="exploring",
                                             why="", changed_by_id=writers[k])
    stages = await Stage.all().order_by("id").values_list("id", flat=True)
    for n, deal in enumerate((await Deal.all().order_by("id").values_list("id", flat=True))[::2]):
        await DealStageChange.create(deal_id=deal, from_stage_id=stages[n % 2], to_stage_id=stages[n % 2 + 1],
                                     changed_by_id=writers[n % 3])
    for n, activity in enumerate((await Activity.all().order_by("id").values_list("id", flat=True))[::4]):
        await Activity.filter(id=activity).update(attendees=[["Anna"], ["Anna", "bob@example.com"], []][n % 3])
    await _files(users)
    won, lost = [await Stage.filter(kind=kind).order_by("id").first() for kind in ("won", "lost")]
    assert won is not None and lost is not None
    for n, deal in enumerate(await Deal.all().order_by("id").values_list("id", flat=True)):  # for the 360 summary
        if n % 3:
            await Deal.filter(id=deal).update(stage_id=[won, lost][n % 2].id)


async def _files(users: dict[str, Any]) -> None:
    """Files on customers, contacts, deals and activities (images, a PDF, others; by a rep, an admin, someone
    gone), a customer's logo and a contact's picture among them."""
    kinds = ["image/png", "application/pdf", "text/csv"]
    uploaders = [users["sales_rep"].id, users["admin"].id, None]
    made = 0
    for record, model in (("customer", Customer), ("contact", Contact), ("deal", Deal), ("activity", Activity)):
        for n, row in enumerate((await model.all().order_by("id").values_list("id", flat=True))[::2]):
            for k in range(n % 3):
                made += 1
                file = await Attachment.create(id=f"{made:032x}", file_name=f"Plan {k}.{kinds[made % 3][-3:]}",
                                               content_type=kinds[made % 3], size=1000 * made, sha256="0" * 64,
                                               uploaded_by_id=uploaders[made % 3], **{f"{record}_id": row})
                if k == 0 and record in ("customer", "contact") and file.content_type == "image/png":
                    await model.filter(id=row).update(**{"logo_id" if record == "customer" else "picture_id": file.id})


async def _segments(users: dict[str, Any]) -> None:
    """Saved segments a list's segmentId names: a shared dynamic one (its saved filter), a rep's private one of
    hand-picked customers (others get NOT_FOUND), and a shared one of hand-picked contacts."""
    await Segment.create(name="Rail", kind="dynamic", entity="customer", conditions={"industry": ["Rail"]}, shared=True,
                         owner_id=users["admin"].id)
    picked = await Segment.create(name="Mine", kind="static", entity="customer", owner_id=users["sales_rep"].id)
    for customer in (await Customer.all().order_by("id").values_list("id", flat=True))[::3]:
        await SegmentMember.create(segment_id=picked.id, customer_id=customer)
    people = await Segment.create(name="People", kind="static", entity="contact", shared=True, owner_id=users["admin"].id)
    for person in (await Contact.all().order_by("id").values_list("id", flat=True))[1::2]:
        await SegmentContact.create(segment_id=people.id, contact_id=person)


async def _campaigns(users: dict[str, Any]) -> None:
    """Campaigns of marketing and of a rep, private ones among them (seen by their owner, marketing and admins).
    Their pages: periods ending today where UTC is and yesterday where marketing is (open for one, not the
    other), referred and anonymous enrolments, leads of them won (one deal of two leads), engagement over the
    last hours and days, mail in every state."""
    today = datetime.now(UTC).date()
    # Campaigns 5 and 8 are public and active, ending today and yesterday (UTC), owned in UTC+14 and UTC-11: at any
    # hour one of them is open by its owner's calendar and closed by UTC's, or the reverse.
    await User.filter(id=users["marketing"].id).update(time_zone="Pacific/Kiritimati")
    await User.filter(id=users["sales_rep"].id).update(time_zone="Pacific/Pago_Pago")
    for n in range(12):
        await Campaign.create(title=f"Spring {['fair', 'Öko-Tage', 'referrals'][n % 3]} {n}" + ' <"&>' * (n == 5),
                              code=f"C{n:03d}",
                              description="" if n % 2 else "Come by", type=["referral", "promotion", "greetings"][n % 3],
                              visibility=["private", "internal", "public"][n % 3],
                              status=["active", "active", "new", "active"][n % 4] if n % 6 else "draft",
                              starts_on=date(2026, 3, 1) if n % 2 else None,
                              ends_on=[date(2026, 4, 30), today, today - timedelta(days=1), None][n // 3 % 4],
                              views=n * 7 % 5, likes=n % 3, enrolments=n % 2,
                              owner_id=[users["marketing"].id, users["sales_rep"].id, None][(n // 3 + n) % 3])
    campaigns = await Campaign.all().order_by("id").values_list("id", flat=True)
    won = await Deal.filter(stage__kind="won").order_by("id").limit(3).values_list("id", flat=True)
    for deal, code in zip(won, ("EUR", "USD", "GBP"), strict=True):  # the base, a stored rate, none
        await Deal.filter(id=deal).update(currency=code)
    lost = await Deal.filter(stage__kind="lost").order_by("id").first()
    assert len(won) == 3 and lost is not None
    sellers = [users["sales_rep"], users["rep2"], users["support"], None]
    now = datetime.now(UTC)
    for n in range(24):
        campaign, referrer = campaigns[n % 3 + 4], sellers[n % 4]
        lead = None
        if referrer is not None and n % 3 != 2:
            deal = [won[n % 3], won[(n + 1) % 3], lost.id, None][n % 4]
            lead = await Lead.create(title=f"Referred {n}", owner_id=referrer.id, campaign_id=campaign, deal_id=deal)
        await Enrolment.create(campaign_id=campaign, name=f"Visitor {n}", email=f"v{n}@example.com", consent=True,
                               referrer_code="" if referrer is None else referrer.referral_code,
                               referrer_id=None if referrer is None else referrer.id,
                               lead_id=None if lead is None else lead.id, source=["page", "embed", "api"][n % 3])
    await Lead.create(title="Same deal again", campaign_id=campaigns[4], deal_id=won[1])  # one deal, two leads
    await Enrolment.filter(campaign_id=campaigns[5]).update(created_at=now - timedelta(hours=2))  # ties: by id
    for n in range(30):
        event = await EngagementEvent.create(campaign_id=campaigns[n % 3 + 4], kind=["view", "like", "enrolment"][n % 3],
                                             visitor=f"x{n}")
        await EngagementEvent.filter(id=event.id).update(occurred_at=now - timedelta(hours=n * 5 % 60, minutes=n))
    contacts = await Contact.all().order_by("id").values_list("id", flat=True)
    for n in range(10):  # to a contact each sees or not, or to an address alone; half of a campaign's at one time
        send = await CampaignSend.create(campaign_id=campaigns[n % 2 + 4], email=f"s{n}@example.com", kind="share",
                                         status=["queued", "sent", "failed", "unsubscribed", "no_consent"][n % 5],
                                         contact_id=None if n % 3 == 2 else contacts[n * 7 % len(contacts)],
                                         error="refused" * (n % 5 == 2))
        if n % 4 == 1:
            await CampaignSend.filter(id=send.id).update(created_at=now - timedelta(minutes=5))
    audiences = [{"contact_ids": [1, 2, 3], "segment_id": 4}, {"customer_ids": [7]}, {}, {"contact_ids": [9], "customer_ids": [1, 2]}]
    for n in range(9):  # scheduled, sent and cancelled, two at the same time
        await Greeting.create(campaign_id=campaigns[n % 3 + 4], send_at=now + timedelta(days=n % 4 - 1, hours=n % 2),
                              status=["scheduled", "sent", "cancelled"][n % 3], audience=audiences[n % 4],
                              sent_at=now - timedelta(days=1) if n % 3 == 1 else None, sent_count=n % 3 * 4,
                              created_by_id=[users["marketing"].id, None, users["admin"].id][n % 3])


async def _edits(users: dict[str, Any]) -> None:
    """Deals edited through the write path (amounts across a change of currency, owners, dates, probabilities), by
    several people, and entries the write path leaves in time: a former owner who is gone, an edit whose author
    is gone, two edits in one instant (the id breaks the tie)."""
    update = "mutation($input: UpdateDealInput!) { updateDeal(input: $input) { id } }"
    await ExchangeRate.create(currency="USD", rate=Decimal("0.5"))  # odd amounts end in .5: rounded half to even
    await ExchangeRate.create(currency="EUR", rate=Decimal("2"))  # left from another base currency: EUR counts at 1
    await ExchangeRate.create(currency="CHF", rate=Decimal("1.07250000"))  # listed without its trailing zeros
    await ExchangeRate.create(currency="JPY", rate=Decimal("1234567890.12345678"))  # more digits than a float holds
    deals = await Deal.filter(stage__kind="open").order_by("id").values_list("id", flat=True)  # closed ones are fixed
    edits = [{"amount": 4242}, {"currency": "USD", "amount": 990}, {"ownerId": str(users["rep2"].id)},
             {"expectedCloseDate": "2026-05-01"}, {"ownerId": str(users["sales_rep"].id), "amount": 15}]
    for n, deal in enumerate(deals[:9]):
        for edit in edits[n % 3: n % 3 + 3]:
            version = (await Deal.get(id=deal)).version
            await ok(users["admin"], update, input={"id": str(deal), "version": version, **edit})
    for n, entry in enumerate(await AuditEntry.filter(action="deal.update").order_by("id").values_list("id", flat=True)):
        await AuditEntry.filter(id=entry).update(actor_id=[users["admin"], users["sales_head"], users["sales_rep"]][n % 3].id)
    at = datetime(2026, 3, 9, 12, tzinfo=UTC)
    for changes, actor_id in [({"owner_id": [987654, users["rep2"].id]}, None),
                              ({"amount": [15, 30], "probability": [40, 60]}, users["admin"].id),
                              ({"owner_id": [users["rep2"].id, None], "title": ["a", "b"]}, users["support"].id)]:
        await AuditEntry.create(at=at, actor_id=actor_id, actor_label="someone", via="api", action="deal.update",
                                entity="deal", entity_id=str(deals[1]), changes=changes)


async def _tickets(users: dict[str, Any]) -> None:
    """Tickets of some customers (each team's, and unmanaged ones), opened and resolved over a few days: some
    resolved in the very instant another was opened, some opened together (the newer ticket first), some with
    their clock paused (last in the queue), with contacts and deals (some elsewhere), conversations and SLA events."""
    at = datetime(2026, 3, 2, 10, tzinfo=UTC)
    customers = await Customer.all().order_by("id").values_list("id", flat=True)
    people = await Contact.all().order_by("id").values_list("id", flat=True)
    deals = await Deal.all().order_by("id").values_list("id", flat=True)
    north = await Team.get(name="North")
    for n in range(31):
        opened = at + timedelta(hours=n // 3)  # three at a time, two of them of one customer
        customer = customers[n // 2 % 7] if n < 30 else customers[8]  # the last: a customer's only ticket, open
        paused = n % 5 == 0
        ticket = await Ticket.create(subject=f"Printer {n}", customer_id=customer, channel=["email", "web"][n % 2],
                                     description="Paper jam" if n % 4 else "", category=["", "Hardware"][n % 2],
                                     priority=["low", "normal", "high", "urgent"][n % 4],
                                     queue_at=sla.QUEUE_END if paused else opened + timedelta(hours=n % 5),
                                     paused_at=opened if paused else None, requester_email=f"r{n}@example.com",
                                     status=["new", "resolved", "open", "pending_customer"][n % 4], tags=[["vip"], []][n % 2],
                                     assignee_id=users["support"].id if n % 2 else None, team_id=north.id if n % 3 else None,
                                     contact_id=people[n % len(people)] if n % 3 == 0 else None,
                                     deal_id=deals[n % len(deals)] if n % 4 == 1 else None,
                                     first_response_due_at=opened + timedelta(hours=4) if n % 2 else None,
                                     resolution_due_at=opened + timedelta(days=1) if n % 3 != 1 else None)
        resolved = opened + timedelta(hours=n % 4) if n % 3 == 1 and n < 30 else None  # when others were opened
        await Ticket.filter(id=ticket.id).update(created_at=opened, resolved_at=resolved,
                                                 satisfaction=n % 5 + 1 if resolved else None)
        for k in range(n % 3):  # a message and a note at one instant: the id breaks the tie
            await TicketMessage.create(ticket_id=ticket.id, body=f"Reply {k}", internal=k == 1,
                                       author_id=users["support"].id if k else None, author_name="Kim")
        await TicketMessage.filter(ticket_id=ticket.id).update(created_at=opened)
        if n % 4 == 2:
            await SlaEvent.create(ticket_id=ticket.id, target="resolution", level=["warning", "breach"][n % 2],
                                  due_at=opened + timedelta(days=1))


async def _consent(users: dict[str, Any]) -> None:
    """Contacts' addresses subscribed, unsubscribed or never asked, with changes (some by a user, some at the same
    moment: the id breaks the tie), and a contact without an address."""
    emails = await Contact.all().order_by("id").values_list("email", flat=True)
    at = datetime(2026, 2, 1, 8, tzinfo=UTC)
    for n, email in enumerate(emails[:-2]):
        if n % 3 == 2:
            continue  # never asked
        status = ["subscribed", "unsubscribed"][n % 2]
        await MailConsent.create(email=email, status=status, source=["enrolment", "link"][n % 2],
                                 changed_at=at + timedelta(days=n, microseconds=n * 7))
        for k in range(n % 4):
            await ConsentChange.create(email=email, status=["subscribed", "unsubscribed"][k % 2],
                                       source=["manual", "import", "one_click"][k % 3], note=f"Change {k}",
                                       user_id=users["marketing"].id if k % 2 else None,
                                       occurred_at=at + timedelta(days=k // 2))
    await Contact.filter(email=emails[-1]).update(email="")


async def _notifications(users: dict[str, Any]) -> None:
    """Each person's own notifications (nobody sees another's, admins included), some read, some about a record."""
    start = datetime.now(UTC)
    for n, person in enumerate([*users.values(), *users.values()]):
        await Notification.create(user_id=person.id, kind=["task_assigned", "deal_moved"][n % 2], message=f"Note {n}",
                                  entity=None if n % 3 == 0 else "deal", entity_id=None if n % 3 == 0 else n,
                                  read_at=start if n % 4 == 1 else None)


async def _tokens(users: dict[str, Any]) -> None:
    """API tokens of several people: working, revoked, expired, expiring later, with every scope or read only; two
    created at one time."""
    now = datetime.now(UTC)
    for n, person in enumerate([*users.values(), *users.values()]):
        token = await ApiToken.create(user_id=person.id, name=f"Client {n}", token_hash=f"{n:064d}", prefix=f"p{n}",
                                      scopes=["read"] if n % 3 == 0 else ["read", "deals", "tickets"],
                                      revoked_at=now - timedelta(days=1) if n % 4 == 1 else None,
                                      expires_at=[None, None, now - timedelta(hours=1), now + timedelta(days=9)][n % 4],
                                      last_used_at=now - timedelta(minutes=n) if n % 2 else None)
        if n % 5 == 0:
            await ApiToken.filter(id=token.id).update(created_at=datetime(2026, 3, 1, 9, tzinfo=UTC))


async def _leads(users: dict[str, Any]) -> None:
    """Leads of each team's reps and of nobody, at customers or none, linked to contacts and deals or not."""
    customers = await Customer.all().order_by("id").values_list("id", flat=True)
    people = await Contact.all().order_by("id").values_list("id", flat=True)
    deals = await Deal.all().order_by("id").values_list("id", flat=True)
    reasons = await LostReason.all().order_by("id").values_list("id", flat=True)
    owners = [users["sales_rep"].id, users["rep2"].id, None]
    for n in range(12):
        await Lead.create(title=["Fleet upgrade", "Ölheizung", "Pilot"][n % 3] + f" {n}", source=["Web", "Fair", ""][n % 3],
                          scope_of_work="Maintenance" if n % 2 else "", company_name="Neu GmbH" if n % 4 == 0 else "",
                          status=["new", "qualified", "lost", "contacted"][n % 4], lost_reason="Budget" if n % 4 == 2 else "",
                          owner_id=owners[n % 3], customer_id=customers[n] if n % 4 else None,
                          contact_id=people[n * 2 % len(people)] if n % 3 else None,
                          deal_id=deals[n % len(deals)] if n % 5 == 1 else None,
                          lost_reason_choice_id=reasons[n % 2] if n % 4 == 2 else None)


async def _link_and_fill(start: datetime) -> None:
    """Deals and activities with their optional fields and links: dates, lost reasons, tasks' states, and
    contacts or deals elsewhere (some of them unseen by a salesperson: the link reads null)."""
    people = await Contact.all().order_by("id").values_list("id", flat=True)
    deals = await Deal.all().order_by("id").values_list("id", flat=True)
    reasons = [await LostReason.create(name="Price"), await LostReason.create(name="Timing", archived=True)]
    # A second pipeline, listed after the default, its stages made out of their order.
    renewals = await Pipeline.create(name="Renewals", position=1)
    moved = [await Stage.create(pipeline=renewals, name=name, position=position, probability=10 * position, kind=kind,
                                requires_next_step=position == 1)
             for name, position, kind in [("Ask", 1, "open"), ("Renewed", 3, "won"), ("Offer", 2, "open")]]
    for n, deal in enumerate(deals):  # GBP has no rate: no amount in the base currency
        if n % 5 == 4:
            await Deal.filter(id=deal).update(pipeline_id=renewals.id, stage_id=moved[n % 3].id)
        await Deal.filter(id=deal).update(lost_reason_choice_id=reasons[n % 2].id if n % 3 == 1 else None,
                                          currency=["EUR", "USD", "GBP", "USD"][n % 4], probability=[0, 33, 50, 100][n % 3],
                                          amount=[1003, 2501, 999, 7][n % 4])  # fractions that round apart
        await Deal.filter(id=deal).update(expected_close_date=(start + timedelta(days=n)).date() if n % 2 else None,
                                          lost_reason="Price" if n % 5 == 1 else "",
                                          contact_id=people[(n * 7) % len(people)] if n % 3 else None)
    activities = await Activity.all().order_by("id").values_list("id", flat=True)
    for n, activity in enumerate(activities):
        at = start + timedelta(hours=n, microseconds=[0, 120000, 5][n % 3])  # written as Python writes each
        west = at.astimezone(timezone(timedelta(hours=-5)))  # stored with its offset: read back in UTC
        due = at if n % 6 == 0 else datetime.now(UTC) + timedelta(days=30)  # overdue, or not yet
        await Activity.filter(id=activity).update(
            ends_at=west if n % 4 == 1 else None, due_at=due if n % 3 == 0 else None,
            **({"kind": "task"} if n % 4 == 0 else {}), priority=["low", "normal", "high", None][n % 4],
            task_status=["new", "done", None][n % 3], outcome=["Positive", None, "Went cold"][n % 3],
            completed_at=at if n % 3 == 1 else None, remind_at=at if n % 5 == 2 else None,
            reminded_at=at if n % 10 == 2 else None, contact_id=people[(n * 5) % len(people)] if n % 2 else None,
            deal_id=deals[(n * 3) % len(deals)] if n % 3 == 1 else None)


def _pick(draw: st.DrawFn, names: list[str]) -> list[str]:
    return draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[str, Any], After]:
    """A document within the coverage, its variables, and the list, row index and order its `after` is for."""
    variables: dict[str, Any] = {}
    alias = iter(f"a{i}: " for i in range(100))

    def field(name: str, inner: str = "") -> str:
        if not inner and " {" in name:  # an object field of a list above: its selection goes after the directive
            name, inner = name.split(" {", 1)
            inner = " {" + inner
        directive = ""
        if draw(st.integers(0, 5)) == 0:
            variables["flag"] = draw(st.booleans())
            directive = draw(st.sampled_from([" @include(if: $flag)", " @skip(if: $flag)"]))
        head = f"{next(alias) if draw(st.booleans()) else ''}{name}"
        return f"{head}{inner}{directive}" if inner.startswith("(") else f"{head}{directive}{inner}"

    listed = draw(st.sampled_from(list(LISTS)))
    if listed == "customers":
        node = _customer_node(draw, field)
    elif listed == "contacts":
        node = [field(f) for f in _pick(draw, CONTACT_ROOT)] + _contact_customer(draw) + _people(draw, "owner")
        if draw(st.booleans()):
            node.append(field(f"activities(first: {draw(st.integers(0, 4))}{draw(st.sampled_from(KINDS))})",
                              " { " + " ".join(_activity_fields(draw, lambda f: f)) + " }"))
    elif listed == "leads":
        node = [field(f) for f in _pick(draw, LEAD)] + [link for link in LEAD_LINKS if draw(st.booleans())]
        node += _people(draw, "owner")
    elif listed == "deals":
        node = _deal_fields(draw, field)
    elif listed == "users":
        node = [field(f) for f in _pick(draw, USER)]
    elif listed == "tickets":
        node = [field(f) for f in _pick(draw, TICKET)] + _people(draw, "assignee")
    elif listed == "segments":
        node = [field(f) for f in _pick(draw, SEGMENT_FIELDS)] + _people(draw, "owner")
    elif listed == "notifications":
        node = [field(f) for f in _pick(draw, NOTIFICATION)]
    elif listed == "apiTokens":
        node = [field(f) for f in _pick(draw, TOKEN_FIELDS)]
    elif listed == "campaigns":
        node = [field(f) for f in _pick(draw, CAMPAIGN)] + _people(draw, "owner")
        node += [page for page in CAMPAIGN_PAGE + CAMPAIGN_LISTS if draw(st.integers(0, 3)) == 0]
    else:
        node = _activity_fields(draw, field)
    if listed in ("contacts", "leads", "deals", "activities", "tickets") and draw(st.booleans()):
        node.append(field(CUSTOM))  # at the root: a list of lists in a list would pass the cost limit
    conditions = [f"{name}: {value(draw)}" for name, value in CONDITIONS[listed] if draw(st.booleans())]
    fragment = draw(st.booleans())
    node_text = "...N" if fragment else " ".join(node)
    fragment_text = f" fragment N on {NODE_TYPE[listed]} {{ " + " ".join(node) + " }" if fragment else ""
    if RECORD[listed] and draw(st.integers(0, 4)) == 0:  # one record: seen, unseen by some roles, not there, or not an id
        target = draw(st.sampled_from([f"@id:{listed}:{draw(st.integers(0, 40))}", "999999999", "x"]))
        declared = "(" + ", ".join(f"${name}: {TYPES.get(name, 'Int')}" for name in variables) + ")" if variables else ""
        return f"query{declared} {{ {RECORD[listed]}(id: \"{target}\") {{ {node_text} }} }}{fragment_text}", variables, None
    parts = [f"edges {{ {'cursor ' if draw(st.booleans()) else ''}node {{ {node_text} }} }}"]
    if draw(st.booleans()):
        parts.append("pageInfo { " + " ".join(_pick(draw, ["hasNextPage", "hasPreviousPage", "startCursor",
                                                           "endCursor"])) + " }")
    if draw(st.booleans()):
        parts.append("totalCount")
    args = []
    if draw(st.booleans()):
        variables["first"] = draw(st.integers(0, 6))
        args.append("first: $first")
    order = DEFAULT_ORDER[listed]
    if listed in CUSTOM_ORDERS and draw(st.integers(0, 4)) == 0:
        key = draw(st.sampled_from(CUSTOM_ORDERS[listed]))
        order = f"custom.{key}"
        args.append(f'orderBy: {{customField: "{key}", direction: {draw(st.sampled_from(["ASC", "DESC"]))}}}')
    elif ORDERS[listed] and draw(st.booleans()):
        order = draw(st.sampled_from(ORDERS[listed]))
        args.append(f"orderBy: {{field: {order}, direction: {draw(st.sampled_from(['ASC', 'DESC']))}}}")
    if conditions:
        args.append("filter: {" + ", ".join(conditions) + "}")
    if listed in ("leads", "deals") and draw(st.integers(0, 3)) == 0:  # links to archived records, or none
        args.append(f"archived: {_flag(draw)}")
    if listed == "notifications" and draw(st.booleans()):
        args.append(f"unreadOnly: {_flag(draw)}")
    # Users search within their filter; segments, notifications and tokens have no search.
    if listed not in ("users", "segments", "notifications", "apiTokens") and draw(st.integers(0, 3)) == 0:
        variables["q"] = draw(st.sampled_from(SEARCHES))
        args.append("search: $q")
    after = draw(st.none() | st.integers(0, 13))
    if after is not None:
        args.append("after: $after")
    root = field(listed, "(" + ", ".join(args) + ")" if args else "")
    declared = [f"${name}: {TYPES.get(name, 'Int')}" for name in variables]
    declared += ["$after: String"] if after is not None else []
    head = f"query{'(' + ', '.join(declared) + ')' if declared else ''}"
    text = f"{head} {{ {root} {{ {' '.join(parts)} }} }}"
    return text + fragment_text, variables, None if after is None else (listed, after, order.lower())


def _customer_node(draw: st.DrawFn, field: Any) -> list[str]:
    node = [field(f) for f in _pick(draw, CUSTOMER)] + _people(draw, "accountManager", "operationsContact")
    if draw(st.booleans()):
        node.append(field("highLevelStatus", HIGH_LEVEL_STATUS))
    if draw(st.booleans()):
        node.append(field("primaryContact", " { " + " ".join(_pick(draw, CONTACT)) + " }"))
    node += [field(f) for f in OWN_RECORD if draw(st.booleans())]
    if draw(st.booleans()):
        contact = _pick(draw, CONTACT) + _contact_customer(draw) + _people(draw, "owner")
        node.append(field("contacts", " { " + " ".join(contact) + " }"))
    if draw(st.booleans()):
        node.append(field("deals", " { " + " ".join(_deal_fields(draw, lambda f: f)) + " }"))
    if draw(st.booleans()):
        kind = draw(st.sampled_from(KINDS))
        activity = _activity_fields(draw, lambda f: f)
        node.append(field(f"activities(first: {draw(st.integers(0, 7))}{kind})", " { " + " ".join(activity) + " }"))
    return node


def _deal_fields(draw: st.DrawFn, field: Any) -> list[str]:
    extra = [e for e in ["amount { amount currency value }", "stage { name kind }", "__typename",
                         "activities(first: 3) { id title kind viewerCanEdit contact { name } }", STAGE_HISTORY, FILES,
                         FIELD_HISTORY,
                         "weightedAmount { currency amount }", "amountInBaseCurrency { value cur: currency __typename }"]
             if draw(st.booleans())]
    links = [link for link in DEAL_LINKS if draw(st.booleans())]
    return [field(f) for f in _pick(draw, DEAL)] + extra + links + _people(draw, "owner")


def _activity_fields(draw: st.DrawFn, field: Any) -> list[str]:
    links = [link for link in ACTIVITY_LINKS if draw(st.booleans())]
    return [field(f) for f in _pick(draw, ACTIVITY)] + links + _people(draw, "author", "assignee")


def _people(draw: st.DrawFn, *relations: str) -> list[str]:
    """Some of the type's relations to users, each with some of a user's fields."""
    return [f"{name} {{ {' '.join(_pick(draw, USER))} }}" for name in relations if draw(st.booleans())]


def _contact_customer(draw: st.DrawFn) -> list[str]:
    """A contact's customer (null where the caller may not see it), now and then with its own contacts."""
    if not draw(st.booleans()):
        return []
    inner = _pick(draw, CUSTOMER) + (["contacts { name }"] if draw(st.booleans()) else [])
    return ["customer { " + " ".join(inner) + " }"]


def _listed(values: list[str]) -> Callable[[st.DrawFn], str]:
    return lambda draw: f"[{', '.join(_pick(draw, values))}]"


def _flag(draw: st.DrawFn) -> str:
    return json.dumps(draw(st.booleans()))


def _customer_ids(draw: st.DrawFn) -> str:
    """Ids are known once seeded: @c<n> is the n-th customer by name, @u<role> a user."""
    return f"[{', '.join(f'@c{n}' for n in draw(st.lists(st.integers(0, 13), min_size=1, max_size=3)))}]"


def _user_ids(*roles: str) -> Callable[[st.DrawFn], str]:
    return lambda draw: f"[{', '.join('@u' + role for role in _pick(draw, list(roles)))}]"


def _range(low: str, high: str, *bounds: str) -> Callable[[st.DrawFn], str]:
    """An input object with a lower bound, an upper one or both, each one of `bounds` (literal text)."""
    def draw_range(draw: st.DrawFn) -> str:
        ends = draw(st.sampled_from([(low,), (high,), (low, high)]))
        return "{" + ", ".join(f"{end}: {draw(st.sampled_from(bounds))}" for end in ends) + "}"
    return draw_range


# Instants around the seeded ones (activities from 2026-03-01 09:30 UTC, by the hour; tasks due then or in 30 days;
# records created as the test runs), with offsets; dates around the deals' expected closes.
INSTANTS = ['"2026-03-01T12:00:00+00:00"', '"2026-03-01T08:00:00-05:00"', '"2020-01-01T00:00:00Z"', '"2030-01-01T00:00:00Z"']
DATES = ['"2026-03-03"', '"2026-03-06"', '"2020-01-01"']
WHEN = _range("start", "end", *INSTANTS)
def _custom(*conditions: str) -> tuple[str, Callable[[st.DrawFn], str]]:
    """The filter's custom-field condition: some of `conditions` (on the fields _custom_values makes)."""
    return "custom", lambda draw: f"[{', '.join(_pick(draw, list(conditions)))}]"


# Each list's filter conditions that compile: (name, a drawn value's text).
SEGMENT = ("segmentId", lambda draw: f'"@id:segments:{draw(st.integers(0, 2))}"')  # _segments' three
CONDITIONS: dict[str, list[tuple[str, Callable[[st.DrawFn], str]]]] = {
    "customers": [("industry", lambda draw: json.dumps(_pick(draw, INDUSTRIES), ensure_ascii=False)),
                  ("country", lambda draw: json.dumps([draw(st.sampled_from(["DE", "FR"]))])),
                  ("status", _listed(["DRAFT", "ACTIVE"])), ("archived", _flag),
                  ("tag", lambda draw: json.dumps(draw(st.sampled_from(["vip", "Bahn", "öko"])), ensure_ascii=False)),
                  ("created", WHEN), ("deal", lambda draw: f"{{amount: {_range('min', 'max', '999', '2501')(draw)}}}"),
                  ("lastActivity", _range("withinDays", "overDays", "1", "300", "36500")), SEGMENT,
                  _custom('{key: "text_0", text: "Gold"}', '{key: "number_1", op: GTE, number: 3}',
                          '{key: "select_4", op: IS_EMPTY}')],
    "contacts": [("status", _listed(CONTACT_STATUSES)), ("customerId", _customer_ids),
                 ("ownerId", _user_ids("admin", "sales_rep", "rep2", "support")),
                 ("isPrimary", _flag), ("hasCustomer", _flag), ("archived", _flag), ("created", WHEN), SEGMENT,
                 _custom('{key: "number_0", op: LT, number: 3}', '{key: "text_5", op: CONTAINS, text: "OL"}')],
    "leads": [("status", _listed(["NEW", "QUALIFIED", "LOST"])), ("customerId", _customer_ids),
              ("ownerId", _user_ids("sales_rep", "rep2")), ("source", lambda draw: json.dumps(_pick(draw, ["Web", "Fair"]))),
              ("createdAt", WHEN), _custom('{key: "text_5", text: "Gold"}', '{key: "boolean_2", boolean: false}')],
    "campaigns": [("status", _listed(["DRAFT", "ACTIVE"])), ("type", _listed(["REFERRAL", "PROMOTION"])),
                  ("visibility", _listed(["PRIVATE", "PUBLIC"])), ("ownerId", _user_ids("marketing", "sales_rep")),
                  ("activeOn", lambda draw: json.dumps(draw(st.sampled_from(["2026-03-01", "2026-06-15"])))),
                  ("period", _range("start", "end", '"2026-02-01"', '"2026-04-15"', '"2026-05-01"'))],
    "deals": [("stageKind", _listed(["OPEN", "WON", "LOST"])), ("customerId", _customer_ids),
              ("ownerId", _user_ids("sales_rep", "rep2")), ("currency", lambda draw: json.dumps(_pick(draw, ["EUR", "USD"]))),
              ("amount", _range("min", "max", "7", "999", "2501")), ("expectedClose", _range("start", "end", *DATES)),
              ("createdAt", WHEN),
              _custom('{key: "text_4", op: IS_EMPTY}', '{key: "money_0", op: GT, amount: 1000, currency: "USD"}')],
    "tickets": [("mine", _flag), ("unassigned", _flag), ("status", _listed(["NEW", "RESOLVED", "PENDING_CUSTOMER"])),
                ("priority", _listed(["LOW", "URGENT"])), ("breachingSoon", _flag),
                ("customerId", lambda draw: f"@c{draw(st.integers(0, 13))}"), ("assigneeId", lambda draw: "@usupport")],
    "segments": [],
    "notifications": [],
    "apiTokens": [("working", _flag), ("userId", lambda draw: draw(st.sampled_from(["@usales_rep", "@uadmin"])))],
    "users": [("role", _listed(["ADMIN", "SALES_REP", "MARKETING"])), ("teamId", lambda draw: f'["@id:teams:{draw(st.integers(0, 1))}"]'),
              ("active", _flag), ("search", lambda draw: json.dumps(draw(st.sampled_from(["user", "EXAMPLE", "Ö", "%", ""])))),
              ("assignableFor", lambda draw: draw(st.sampled_from(["OWNER", "TASK", "ACCOUNT_MANAGER", "TICKET"])))],
    "activities": [("kind", _listed(["CALL", "NOTE", "TASK"])), ("taskStatus", _listed(["NEW", "DONE"])),
                   ("customerId", lambda draw: f"@c{draw(st.integers(0, 13))}"),
                   ("open", _flag), ("mine", _flag), ("myTeam", _flag), ("overdue", _flag),
                   ("dueBefore", lambda draw: draw(st.sampled_from(INSTANTS))), ("occurred", WHEN),
                   _custom('{key: "boolean_1", boolean: false}', '{key: "date_0", op: LTE, date: "2026-03-01"}')],
}


def _everything() -> list[tuple[str, dict[str, Any], After]]:
    """A document per root list selecting every covered field and relation, and a page after some row in every
    order and direction, so each is compared in every run whatever hypothesis draws."""
    people = " ".join(USER)
    contact = f"{' '.join(CONTACT_ROOT)} customer {{ id name tags highLevelStatus {{ label }} }} owner {{ {people} }}"
    deal = (f"{' '.join(DEAL)} amount {{ amount currency value }} weightedAmount {{ amount currency value }} "
            f"amountInBaseCurrency {{ amount currency value }} stage {{ id name position probability kind }} "
            f"owner {{ {people} }} {' '.join(DEAL_LINKS)} activities(first: 2) {{ id title viewerCanEdit }} {STAGE_HISTORY} "
            f"{FIELD_HISTORY}")
    lead = f"{' '.join(LEAD)} {' '.join(LEAD_LINKS)} owner {{ {people} }}"
    activity = f"{' '.join(ACTIVITY)} author {{ {people} }} assignee {{ {people} }} {' '.join(ACTIVITY_LINKS)}"
    # Three documents over the customers, each within the cost limit: their own fields and people, their contacts,
    # then their records.
    own = (f"{' '.join(CUSTOMER)} highLevelStatus{HIGH_LEVEL_STATUS} accountManager {{ {people} }} "
           f"operationsContact {{ {people} }} primaryContact {{ id name email }} {' '.join(OWN_RECORD)}")
    lighter = contact.replace(FILES, "").replace(CONSENT, "")  # lists cost
    lighter = lighter.replace("socialLinks { url kind }", "").replace(" allowedActions", "")
    people_there = f"id name contacts {{ {lighter} }}"
    nested_deal = deal.replace(" activities(first: 2) { id title viewerCanEdit }", "").replace(STAGE_HISTORY, "")
    nested_deal = nested_deal.replace(PIPELINE, "{ id name isDefault }").replace(FIELD_HISTORY, "")
    records = f"id name deals {{ {nested_deal} }} activities(first: 6) {{ {activity.replace(FILES, '')} }}"
    page = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount"
    every_order = [(f"query($after: String) {{ {listed}(first: 4, orderBy: {{field: {field}, direction: {direction}}}, "
                    f"after: $after) {{ edges {{ cursor node {{ id {LABEL[listed]} }} }} {page} }} }}", {},
                    (listed, 5, field.lower()))
                   for listed, fields in ORDERS.items() for field in fields for direction in ("ASC", "DESC")]
    every_order += [(f'query($after: String) {{ {listed}(first: 3, orderBy: {{customField: "{key}", direction: {direction}}}, '
                     f"after: $after) {{ edges {{ cursor node {{ id {LABEL[listed]} }} }} {page} }} }}", {},
                     (listed, 4, f"custom.{key}"))
                    for listed, keys in CUSTOM_ORDERS.items() for key in keys for direction in ("ASC", "DESC")]
    customers = ((f"{{ customers(first: 14) {{ edges {{ cursor node {{ {node} }} }} {page} }} }}", {}, None)
                 for node in (own, people_there, records))
    return [*customers,
            *((f"{{ contacts(first: 18) {{ edges {{ cursor node {{ {node} }} }} {page} }} }}", {}, None)
              for node in (contact, f"id name {CUSTOM}", f"id name activities(first: 4) {{ {activity.replace(FILES, '')} }}")),
            (f"{{ deals(first: 20) {{ edges {{ cursor node {{ {deal.replace(FIELD_HISTORY, '')} {CUSTOM} customer {{ id name }} }} }} "
             f"{page} }} }}", {}, None),
            (f"{{ deals(first: 20) {{ edges {{ node {{ id title {FIELD_HISTORY} }} }} }} }}", {}, None),
            (f"{{ leads(first: 20) {{ edges {{ cursor node {{ {lead} {CUSTOM} }} }} {page} }} }}", {}, None),
            (f"{{ campaigns(first: 20) {{ edges {{ cursor node {{ {' '.join(CAMPAIGN)} owner {{ {people} }} }} }} {page} }} "
             f'campaign(id: "@id:campaigns:1") {{ id title }} }}', {}, None),
            (f"{{ pipelines {PIPELINE} p: pipelines {{ name }} }}", {}, None),
            # The admins' teams and pipelines screens: heads and members, the deals each stage holds for the caller.
            (f"{{ teams {{ id name head {{ {people} }} members {{ id name email role active team {{ name }} }} __typename }} "
             "pipelines { id stages { id name dealCount __typename } } }", {}, None),
            ("{ deals(first: 5) { edges { node { id stage { dealCount } pipeline { stages { name dealCount } } } } } }", {},
             None),
            # API tokens: the admins' screen (everyone's, the working ones, one person's) and your own on `me`.
            (f"{{ apiTokens(first: 5) {{ totalCount edges {{ cursor node {{ {TOKEN} }} }} {page} }} working: apiTokens("
             "filter: {working: true}) { totalCount edges { node { id } } } gone: apiTokens(filter: {working: false}) { "
             "edges { node { id revokedAt expiresAt } } } theirs: apiTokens(filter: {userId: @usales_rep}) { totalCount } "
             f"me {{ id apiTokens {{ {TOKEN} }} }} }}", {}, None),
            ("query($after: String) { apiTokens(first: 2, after: $after) { edges { cursor node { id name } } "
             f"{page} }} }}", {}, ("apiTokens", 3, "id")),
            # What forms offer: a pick list, an entity's custom fields with their defaults (admins: archived ones too).
            ("{ pickList(list: INDUSTRY) { id list label position archived version __typename } all: pickList(list: "
             "INDUSTRY, includeArchived: true) { label archived } segments: pickList(list: SEGMENT) { label } customFields("
             "entity: CUSTOMER) { id entity key label type required helpText position options archived version default { "
             "key label type text number money { amount currency value } date dateTime boolean options userId __typename } "
             "__typename } every: customFields(entity: DEAL, includeArchived: true) { key archived default { text } } }",
             {}, None),
            # The rates (the deal form's currencies, the admins' rates screen): the base first, at 1.
            ("{ exchangeRates { currency rate isBase updatedAt __typename } codes: exchangeRates { currency } }", {}, None),
            # The pick lists forms offer (the admins' screens list the archived values too).
            ("{ highLevelStatuses { id label position archived version __typename } all: highLevelStatuses(includeArchived: "
             "true) { id label archived } lostReasons { id name archived version createdAt } every: lostReasons("
             "includeArchived: true) { name archived } }", {}, None),
            # The pipeline board's figures, whole and filtered as its filter bar narrows them, and from a deal.
            (f"{{ pipelines {{ id {BOARD} mine: summary(filter: {{ownerId: [@usales_rep], stageKind: [OPEN, WON]}}) "
             f'{{ count wonAmount {{ amount }} }} usd: summary(filter: {{currency: ["USD", "GBP"]}}) {{ openAmount '
             f"{{ value }} stages {{ count amount {{ amount currency }} }} }} }} }}", {}, None),
            (f"{{ deals(first: 3) {{ edges {{ node {{ id pipeline {{ name {BOARD} }} }} }} }} }}", {}, None),
            # The bell on every page, and the notifications page after some row of someone's.
            (f"{{ unread: notifications(unreadOnly: true, first: 0) {{ totalCount }} recent: notifications(first: 3) {{ "
             f"edges {{ cursor node {{ {' '.join(NOTIFICATION)} }} }} {page} }} }}", {}, None),
            (f"query($after: String) {{ notifications(first: 2, after: $after) {{ edges {{ cursor node {{ id readAt }} }} "
             f"{page} }} }}", {}, ("notifications", 7, "id")),
            (f"{{ me {{ {people} allowedActions }} again: me {{ id team {{ id name }} }} }}", {}, None),
            (f"{{ segments(first: 10) {{ edges {{ cursor node {{ {' '.join(SEGMENT_FIELDS)} owner {{ {people} }} }} }} "
             f'{page} }} segment(id: "@id:segments:1") {{ id name allowedActions }} }}', {}, None),
            *((f"{{ {listed}(archived: {flag}) {{ totalCount edges {{ node {{ id {LABEL[listed]} }} }} }} }}", {}, None)
              for listed in ("leads", "deals") for flag in ("true", "false")),
            # No rows asked for, in a custom field's order: the cursors are still the order's (null).
            *((f'query($after: String) {{ {listed}(first: 0, orderBy: {{customField: "{keys[0]}"}}, after: $after) {{ '
               f"edges {{ cursor }} {page} }} }}", {}, (listed, 2, f"custom.{keys[0]}"))
              for listed, keys in CUSTOM_ORDERS.items()),
            # A page of deals by expected close that starts after a deal without one, as more follow.
            ("query($after: String) { deals(first: 2, orderBy: {field: EXPECTED_CLOSE_DATE}, after: $after) { "
             "edges { cursor node { id expectedCloseDate } } pageInfo { hasNextPage endCursor } } }", {},
             ("deals", 4, "expected_close_date")),
            (f"{{ tickets(first: 40) {{ edges {{ cursor node {{ {' '.join(TICKET)} assignee {{ {people} }} }} }} {page} }} "
             f'ticket(id: "@id:tickets:3") {{ id number {CUSTOM} }} }}', {}, None),
            *((f"{{ campaigns(first: 12) {{ edges {{ node {{ id {half} }} }} }} }}", {}, None)
              for half in (" ".join(CAMPAIGN_PAGE[:4]), " ".join(CAMPAIGN_PAGE[4:]), *CAMPAIGN_LISTS)),
            *((f"{{ activities(first: 28) {{ edges {{ cursor node {{ {node} }} }} {page} }} }}", {}, None)
              for node in (activity, f"id {CUSTOM}")),
            (f'{{ customer(id: "@id:customers:3") {{ {own} }} contact(id: "@id:contacts:4") {{ {contact} }} '
             f'deal(id: "@id:deals:2") {{ {deal} }} activity(id: "@id:activities:5") {{ {activity} }} '
             f'lead(id: "@id:leads:7") {{ {lead} }} }}', {}, None),
            *((f'{{ {listed}(first: 20, filter: {{segmentId: "@id:segments:{n}"{custom}}}) {{ totalCount '
               f'edges {{ node {{ id {LABEL[listed]} }} }} }} }}', {}, None)
              for listed, n, custom in [("customers", 0, ""), ("customers", 1, ', custom: [{key: "text_0", text: "Gold"}]'),
                                        ("contacts", 2, ', custom: [{key: "number_0", op: LT, number: 3}]')]),
            *every_order]


def _cases() -> list[tuple[str, dict[str, Any], After]]:
    found: list[tuple[str, dict[str, Any], After]] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(documents())
    def collect(case: tuple[str, dict[str, Any], After]) -> None:
        found.append(case)

    collect()
    return found


async def _run(who: Any, text: str, variables: dict[str, Any], compiled: bool, roots: int | None = 0) -> str:
    """The answer as JSON text; `compiled`: with the compiled path on, which must send `roots` statements (None: the
    document falls back)."""
    os.environ["CRM_COMPILED_READS"] = "1" if compiled else "0"
    reset_settings()
    with count_statements() as statements:  # as over HTTP: a compiled answer is the database's text, written out
        result = await schema.execute(text, variable_values=variables, context_value=Context(actor=who, wire=True))
    # Compiled: one statement per root field (none when @skip left none); before them, custom-field and segment
    # conditions read their definitions (and how broad a condition is), as on the resolver path. An error is the resolver path's: the limits
    # refused the document, or a record was not there for the caller.
    if compiled and roots is not None and not result.errors:
        answering = [s for s in statements if s.lstrip().startswith("WITH matching")]
        reading = [s for s in statements if re.match(r'SELECT .* FROM "(custom_field|custom_value|segment)"', s.strip())]
        assert len(answering) == roots and len(answering) + len(reading) == len(statements), statements
        assert not reading or "custom:" in text or "segmentId" in text or "customField" in text, statements
    errors = [e.formatted for e in result.errors or []]
    return json.dumps({"data": json.loads(frames.encode(result.data)), "errors": errors}, ensure_ascii=False)


async def test_compiled_answers_equal_resolved_ones(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_COMPILED_READS", "1")
    users = await _seed()
    rows = {"customers": await Customer.all().order_by("name", "id").values_list("name", "id"),
            "contacts": await Contact.all().order_by("name", "id").values_list("name", "id")}
    models = {"customers": Customer, "contacts": Contact, "leads": Lead, "deals": Deal, "activities": Activity,
              "campaigns": Campaign, "users": User, "tickets": Ticket, "segments": Segment, "notifications": Notification,
              "apiTokens": ApiToken}
    ids = {listed: await model.all().order_by("id").values_list("id", flat=True) for listed, model in models.items()}
    ids["segments"] = await Segment.all().order_by("id").values_list("id", flat=True)
    ids["teams"] = await Team.all().order_by("id").values_list("id", flat=True)
    roles = ["admin", "sales_head", "sales_rep", "rep2", "support", "marketing"]
    # The cursors of a campaign's paged lists, at each row (by id) of every campaign, as their resolvers write them.
    cursors = {listed: [cursor_of(column, *row) for row in await model.all().order_by("id").values_list(column, "id")]
               for listed, model, column in [("enrolees", Enrolment, "created_at"), ("sends", CampaignSend, "created_at"),
                                             ("greetings", Greeting, "send_at")]}
    def placed(text: str) -> str:
        text = re.sub(r"@after:(\w+):(\d+)", lambda m: cursors[m[1]][int(m[2]) % len(cursors[m[1]])], text)
        text = re.sub(r"@c(\d+)", lambda m: json.dumps(str(rows["customers"][int(m.group(1))][1])), text)
        text = re.sub(r"@u(\w+)", lambda m: json.dumps(str(users[m.group(1)].id)), text)
        return re.sub(r"@id:(\w+):(\d+)", lambda m: str(ids[m[1]][int(m[2]) % len(ids[m[1]])]), text)

    for text, _, _ in _everything():  # within the limits: compared as data, not as the same refusal
        assert not (await gql(actor(users["admin"]), placed(text))).errors, text
    for text, variables, after in [*_everything(), *_cases()]:
        text = placed(text)
        if after is not None and after[2].startswith("custom."):  # the cursor of some row in a custom field's order
            listed, index, column = after
            variables = {**variables, "after": await _custom_cursor(users["admin"], listed, column, index)}
        elif after is not None:  # a cursor of the document's order, at some row of its list
            listed, index, column = after
            keyed = await models[listed].all().order_by("id").values_list(column, "id")
            variables = {**variables, "after": cursor_of(column, *keyed[index % len(keyed)])}
        for role in roles:
            who = actor(users[role])
            compiled = await compile_operation(schema._schema, _parse(text), None, variables, who)
            resolved = await _run(who, text, variables, compiled=False)
            # Not an id, or a segment the caller may not see: the resolver path answers, with its error; and who
            # enrolled or was mailed, asked by someone who may not read it, even of no campaign (permissions.reads_enrolees).
            forbidden = role not in ("admin", "marketing") and re.search(r"\b(enrolees|sends)\(", text)
            assert compiled is not None or '"errors": []' not in resolved or forbidden, text
            assert compiled is None or '(id: "x")' not in text, text
            roots = None if compiled is None else sum(1 for _, statement, _ in compiled if statement is not None)
            assert await _run(who, text, variables, True, roots) == resolved, f"{role}: {text} {variables}"
    reset_settings()


async def _custom_cursor(admin: Any, listed: str, column: str, index: int) -> str | None:
    """The cursor of the `index`-th row of `listed` by the custom field `column` names, as the resolver path writes
    it (None: the field cannot order the list, and both paths refuse the document)."""
    os.environ["CRM_COMPILED_READS"] = "0"
    reset_settings()
    key = column.removeprefix("custom.")
    found = await gql(admin, f'{{ {listed}(first: {index + 1}, orderBy: {{customField: "{key}"}}) {{ pageInfo {{ endCursor }} }} }}')
    return None if found.errors else found.data[listed]["pageInfo"]["endCursor"]


def _parse(text: str) -> Any:
    from graphql import parse

    return parse(text)


async def test_what_is_not_covered_runs_on_the_resolvers(db: str) -> None:
    admin = await make_user(Role.ADMIN)
    c = await make_customer(admin, name="Beta")
    await make_contact(admin, customerId=c["id"])
    who = actor(admin)
    tier = '{custom: [{key: "tier", text: "A"}]}'  # custom-field conditions of a board read their definitions first
    for text in [f"{{ pipelines {{ summary(filter: {tier}) {{ count }} }} }}",
                 f"{{ deals {{ edges {{ node {{ pipeline {{ summary(filter: {tier}) {{ count }} }} }} }} }} }}",
                 "{ dashboard { __typename } }",
                 "{ customers(first: 500) { totalCount } }", "{ customers(after: \"x\") { totalCount } }",
                 "{ contacts(orderBy: {customField: \"tier\"}) { totalCount } }",  # no such field: refused
                 "{ contacts(filter: {segmentId: \"1\"}) { totalCount } }"]:  # no such segment: NOT_FOUND
        assert await compile_operation(schema._schema, _parse(text), None, {}, who) is None, text
    bad = await gql(who, "{ customers(first: -1) { totalCount } }")
    assert bad.errors and bad.errors[0].extensions["code"] == "BAD_USER_INPUT"
    assert await compile_operation(schema._schema, _parse("{ customers { totalCount __typename } __typename }"), None, {},
                             who) is not None
    assert await compile_operation(schema._schema, _parse("{ contacts { totalCount } customers { totalCount } }"), None, {},
                             who) is not None


async def test_the_list_screens_are_answered_by_one_statement(db: str) -> None:
    """The lists as the UI asks for them (frontend/customer_filters.py, frontend/pages/contacts.py, leads.py,
    tasks.py, relationships.py, campaigns.py, the pipeline board's figures), from the addresses their menus make:
    sorted, filtered, searched, with what each row may do next (allowed statuses and actions); a contact's page
    (contact.py, with its consent and the people its owner may be), a deal's (deal.py, with its pipeline's stages and
    its history), a customer's newest activities and tickets (customer_tabs.py), the support queue and a ticket
    (tickets.py), a campaign's live page (campaign.py), its mail and greetings (campaign_mail.py) and the export of
    who enrolled."""
    from frontend.components.admin.pipelines import PIPELINES_QUERY as ADMIN_PIPELINES
    from frontend.components.admin.rates import RATES_QUERY as ADMIN_RATES
    from frontend.components.admin.teams import TEAMS_QUERY as ADMIN_TEAMS
    from frontend.components.admin.tokens import TOKENS_QUERY as ADMIN_TOKENS
    from frontend.components.campaign_mail import GREETINGS, SENDS
    from frontend.components.custom_fields import DEFINITIONS
    from frontend.components.customer_tabs import RECENT_QUERY
    from frontend.components.deal_form import OPTIONS_QUERY as DEAL_FORM
    from frontend.components.lost_reasons import OFFERED as OFFERED_REASONS
    from frontend.components.lost_reasons import REASONS as ADMIN_REASONS
    from frontend.components.notifications import BELL_QUERY
    from frontend.components.phase import ALL_STATUSES, OFFERED_STATUSES
    from frontend.components.pick_lists import FORM_LISTS
    from frontend.customer_filters import CUSTOM_SORT, CUSTOMERS_QUERY, customer_variables
    from frontend.export_lists import ENROLEES_QUERY
    from frontend.pages.campaign import CAMPAIGN_QUERY
    from frontend.pages.campaigns import CAMPAIGNS_QUERY
    from frontend.pages.contact import CONTACT_QUERY
    from frontend.pages.contacts import CONTACTS_QUERY, contact_variables
    from frontend.pages.contacts import PEOPLE_QUERY as CONTACT_PEOPLE
    from frontend.pages.deal import DEAL_QUERY
    from frontend.pages.leads import LEADS_QUERY, lead_variables
    from frontend.pages.leads import PEOPLE_QUERY as LEAD_PEOPLE
    from frontend.pages.pipeline import BOARD_QUERY as PIPELINE_BOARD
    from frontend.pages.pipeline import deal_filter
    from frontend.pages.relationships import BOARD_QUERY
    from frontend.pages.tasks import TASKS_QUERY, task_filter
    from frontend.pages.tickets import QUEUE_QUERY, TICKET_QUERY
    from frontend.session import ME_QUERY

    who = actor(await make_user(Role.SALES_HEAD))
    await CustomField.create(entity="customer", key="tier", label="Tier", type="select", options=["A", "B"])
    for params in ({}, {"status": "active", "country": "DE"}, {"sort": "-updated", "phase": "active"},
                   {"sort": f"{CUSTOM_SORT}tier", "dir": "desc"}):  # a custom column's header, clicked twice
        variables = customer_variables(params)
        assert await compile_operation(schema._schema, _parse(CUSTOMERS_QUERY), None, variables, who) is not None, variables
    for params in ({}, {"status": "new"}, {"archived": "yes"}):
        variables = contact_variables(params)
        assert await compile_operation(schema._schema, _parse(CONTACTS_QUERY), None, variables, who) is not None, variables
    for params in ({}, {"status": "qualified", "q": "fleet"}):
        variables = lead_variables(params)
        assert await compile_operation(schema._schema, _parse(LEADS_QUERY), None, variables, who) is not None, variables
    for view in ("mine", "team", "overdue", "week"):
        variables = {"filter": task_filter(view, True, UTC), "after": None}
        assert await compile_operation(schema._schema, _parse(TASKS_QUERY), None, variables, who) is not None, variables
    assert await compile_operation(schema._schema, _parse(BOARD_QUERY), None, {}, who) is not None
    for customer in (True, False):  # the deal form, opened from a customer or not
        form = {"customer": "1", "withCustomer": customer}
        assert await compile_operation(schema._schema, _parse(DEAL_FORM), None, form, who) is not None
    for params in ({}, {"mine": "1"}, {"owner": "2", "min": "10", "to": "2026-12-31"}):  # the board's filter bar
        board = {"filter": deal_filter(params, "1", None)[0]}
        assert await compile_operation(schema._schema, _parse(PIPELINE_BOARD), None, board, who) is not None, board
    for people in (LEAD_PEOPLE, CONTACT_PEOPLE):  # the pickers, and the contacts screen's segments
        assert await compile_operation(schema._schema, _parse(people), None, {}, who) is not None
    for queue in ({}, {"filter": {"mine": True}}, {"filter": {"breachingSoon": True}, "search": "printer"}):
        assert await compile_operation(schema._schema, _parse(QUEUE_QUERY), None, queue, who) is not None
    assert await compile_operation(schema._schema, _parse(ME_QUERY), None, {}, who) is not None  # every page's first
    assert await compile_operation(schema._schema, _parse(BELL_QUERY), None, {}, who) is not None  # and its bell
    for picks in (OFFERED_STATUSES, ALL_STATUSES, OFFERED_REASONS, FORM_LISTS):  # the phase, filters, lost dialog, forms
        assert await compile_operation(schema._schema, _parse(picks), None, {}, who) is not None, picks
    for entity in ("CUSTOMER", "DEAL"):  # a form's custom fields
        assert await compile_operation(schema._schema, _parse(DEFINITIONS), None, {"entity": entity}, who) is not None
    admin = actor(await make_user(Role.ADMIN))
    for screen in (ADMIN_PIPELINES, ADMIN_TEAMS, ADMIN_REASONS, ADMIN_RATES):  # the admins' screens
        assert await compile_operation(schema._schema, _parse(screen), None, {}, admin) is not None, screen
    tokens = {"mine": {"userId": str(admin.user_id), "working": True}, "all": True}  # API tokens, theirs and everyone's
    assert await compile_operation(schema._schema, _parse(ADMIN_TOKENS), None, tokens, admin) is not None
    for page in (CONTACT_QUERY, DEAL_QUERY, RECENT_QUERY, TICKET_QUERY):
        assert await compile_operation(schema._schema, _parse(page), None, {"id": "1"}, who) is not None
    marketing = actor(await make_user(Role.MARKETING))
    assert await compile_operation(schema._schema, _parse(CAMPAIGNS_QUERY), None, {}, marketing) is not None
    for reader in (who, marketing):
        assert await compile_operation(schema._schema, _parse(CAMPAIGN_QUERY), None, {"id": "1"}, reader) is not None
    # Its mail tab (each status filter), its greetings, and the export of who enrolled, page after page.
    for status in (None, ["SENT"], ["NO_CONSENT"]):
        assert await compile_operation(schema._schema, _parse(SENDS), None, {"id": "1", "status": status}, marketing)
    assert await compile_operation(schema._schema, _parse(GREETINGS), None, {"id": "1"}, marketing) is not None
    for after in (None, cursor_of("created_at", datetime.now(UTC), 7)):
        paged = {"id": "1", "first": 100, "after": after}
        assert await compile_operation(schema._schema, _parse(ENROLEES_QUERY), None, paged, marketing) is not None


async def test_over_http_the_compiled_answer_is_the_databases_text(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The HTTP answer is the statement's JSON as written (no Python objects for its rows), and reads as the
    resolver path's answer: cursors, enums, ids, instants and booleans included."""
    import httpx

    from backend.app import create_app
    from backend.services import tokens

    admin = await make_user(Role.ADMIN)
    c = await make_customer(admin, name="Ölwerk")
    await make_contact(admin, customerId=c["id"], isPrimary=True)
    await log_activity(admin, customerId=c["id"], kind="CALL")
    _, raw = await tokens.create(actor(admin), "compiled over http")
    await Campaign.create(title="Fair", code="fair", type="referral", visibility="public", status="active",
                          owner_id=admin.id)
    document = ("{ customers(first: 5) { totalCount pageInfo { endCursor hasNextPage } edges { cursor node { id name "
                "status createdAt tags contacts { isPrimary } activities(first: 2) { kind occurredAt } } } } "
                "campaigns { edges { node { publicUrl embedSnippet } } } }")
    answers = []
    for compiled in ("0", "1"):
        monkeypatch.setenv("CRM_COMPILED_READS", compiled)
        reset_settings()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(create_app()), base_url="http://testserver",
                                     headers={"Authorization": f"Bearer {raw}"}) as client:
            with count_statements() as statements:
                answer = await client.post("/graphql", json={"query": document})
        assert answer.status_code == 200
        answers.append(answer.json())
        if compiled == "1":
            assert [s for s in statements if s.lstrip().startswith("WITH matching")], statements
            assert '"name" : "Ölwerk"' in answer.text or '"name":"Ölwerk"' in answer.text  # the database's own text
    assert answers[0] == answers[1] and "errors" not in answers[1]
    page = answers[1]["data"]["campaigns"]["edges"][0]["node"]
    assert page["publicUrl"] == "http://testserver/c/fair" and 'src="http://testserver/c/fair/embed"' in page["embedSnippet"]
    reset_settings()


async def test_an_operation_is_compiled_once_per_document_variables_and_caller(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.compiled import run

    monkeypatch.setenv("CRM_COMPILED_READS", "1")
    reset_settings()
    compiled: list[Any] = []
    real = run._compile
    monkeypatch.setattr(run, "_compile", lambda *args: compiled.append(args[3:5]) or real(*args))
    admin, rep = await make_user(Role.ADMIN), await make_user(Role.SALES_REP)
    await make_customer(admin, name="Theirs")
    document = "query($n: Int) { customers(first: $n) { totalCount edges { node { name } } } }"
    for who, n in [(admin, 5), (admin, 5), (admin, 6), (rep, 5), (rep, 5)]:
        await gql(who, document, n=n)
    assert [(variables["n"], who.role) for variables, who in compiled] == [
        (5, Role.ADMIN), (6, Role.ADMIN), (5, Role.SALES_REP)]
    assert (await gql(rep, document, n=5)).data["customers"]["totalCount"] == 0  # not the admin's answer
    # A condition that reads the clock is rendered with each request's time: compiled every time, never kept.
    customer = await make_customer(admin, name="Due soon")
    await log_activity(admin, customerId=customer["id"], kind="TASK", title="Call back", assigneeId=str(admin.id),
                       dueAt=(datetime.now(UTC) + timedelta(seconds=1.5)).isoformat())
    overdue, before = "{ activities(filter: {overdue: true}) { totalCount } }", len(compiled)
    assert (await gql(admin, overdue)).data["activities"]["totalCount"] == 0
    await asyncio.sleep(2)
    assert (await gql(admin, overdue)).data["activities"]["totalCount"] == 1
    assert len(compiled) == before + 2
    # A campaign's address holds the request's origin: kept per origin; a document without one, for every origin.
    await Campaign.create(title="Fair", code="fair", type="referral", visibility="public", status="active")
    addresses, names = _parse("{ campaigns { edges { node { publicUrl } } } }"), _parse("{ campaigns { totalCount } }")
    before = len(compiled)
    for document, origin in [(addresses, "https://a.example"), (addresses, "https://b.example"),
                             (addresses, "https://a.example"), (names, "https://a.example"), (names, "https://b.example")]:
        statements = await compile_operation(schema._schema, document, None, {}, actor(admin), origin)
        assert statements is not None
        if document is addresses:
            text = (await answer(statements) or {})["campaigns"]
            assert f"{origin}/c/fair" in text, text
    assert len(compiled) == before + 3  # a, b, then the names once
    reset_settings()
