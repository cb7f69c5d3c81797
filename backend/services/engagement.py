"""Public engagement with campaigns: views, likes and enrolments, counted exactly under concurrency.

Counters change only by one atomic UPDATE (`F("likes") + 1`), never read-modify-write in Python, and
repeats are decided by the unique keys (campaign, visitor) and (campaign, email): whichever of two
racing requests inserts second gets an IntegrityError inside a savepoint and counts nothing. This holds
on SQLite (one serialised connection per process, BEGIN IMMEDIATE across processes) and on PostgreSQL
(a pool of concurrent transactions) alike.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.models import Model
from tortoise.transactions import in_transaction

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, NotFound
from backend.live import topics
from backend.live.events import CampaignEnrolment, CampaignLiked, CampaignViewed, Engaged
from backend.models import (
    Campaign,
    CampaignLike,
    ConsentSource,
    ConsentStatus,
    EngagementEvent,
    EngagementKind,
    Enrolment,
)
from backend.services import consent, referrals
from backend.services import validate as v
from backend.services.campaigns import CODE, campaign_today
from backend.services.unit import Unit, write
from backend.settings import get_settings

K = EngagementKind
# The event each counted action publishes (events.py declares them with the same kinds on the wire).
ENGAGED: dict[EngagementKind, type[Engaged]] = {K.VIEW: CampaignViewed, K.LIKE: CampaignLiked, K.ENROLMENT: CampaignEnrolment}
REFERRER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SOURCES = ("page", "embed", "api")


@dataclass(frozen=True)
class Totals:
    views: int
    likes: int
    enrolments: int

    def as_dict(self) -> dict[str, int]:
        return {"views": self.views, "likes": self.likes, "enrolments": self.enrolments}


@dataclass(frozen=True)
class Outcome:
    """What a public action did: `counted` is False for a repeat, which changes nothing."""

    campaign_id: int
    counted: bool
    totals: Totals
    enrolment: Enrolment | None = None


def visitor_hash(raw: str) -> str:
    """The stored visitor id: keyed with the server secret, so neither cookies nor IP addresses can be
    recovered from the database (an unkeyed hash of an IPv4 address is reversed by trying them all)."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"crm-visitor:{raw}".encode(), hashlib.sha256).hexdigest()


async def open_campaign(actor: Actor, *, raw_id: Any = None, code: str | None = None) -> Campaign:
    """The campaign a public action targets: it must be public and active.

    Anyone gets NOT_FOUND for what they cannot see; a signed-in user who can see the campaign is told
    clearly why it does not take likes or enrolments yet."""
    if code is not None:
        # A code that could never have been given (too long, a NUL, not a code's letters) is simply not
        # found: the database is not asked, and PostgreSQL never sees a value it would refuse.
        campaign = await Campaign.filter(code=code.lower()).first() if CODE.fullmatch(code.lower()) else None
        shown: Any = code
    else:
        campaign = await Campaign.filter(id=v.parse_id("campaignId", raw_id)).first()
        shown = raw_id
    today = await campaign_today(campaign) if campaign is not None else None
    if campaign is not None and permissions.campaign_is_public(campaign, today):
        return campaign
    if campaign is not None and actor.role is not None and await Campaign.filter(
        permissions.campaign_rule(actor), id=campaign.id
    ).exists():
        raise BadUserInput(
            "campaignId",
            f"the campaign is {campaign.visibility.value} and {campaign.status.value}"
            f"{_period_note(campaign, today)}: only public, active campaigns within their period take views, likes "
            "and enrolments",
        )
    raise NotFound("Campaign", shown, field="campaignId")


def _period_note(campaign: Campaign, today: date | None) -> str:
    today = today or datetime.now(UTC).date()
    if campaign.starts_on and today < campaign.starts_on:
        return f", and starts on {campaign.starts_on.isoformat()}"
    if campaign.ends_on and campaign.ends_on < today:
        return f", and ended on {campaign.ends_on.isoformat()}"
    return ""


async def totals(campaign_id: int) -> Totals:
    row = await Campaign.filter(id=campaign_id).values("views", "likes", "enrolments")
    return Totals(**row[0]) if row else Totals(0, 0, 0)


async def has_liked(campaign_id: int, visitor: str) -> bool:
    return await CampaignLike.filter(campaign_id=campaign_id, visitor=visitor).exists()


async def _insert_once(model: type[Model], **values: Any) -> Any | None:
    """Insert the row, or None when a unique key already holds it; the savepoint keeps the write usable."""
    try:
        async with in_transaction("default"):
            return await model.create(**values)
    except IntegrityError:
        return None


async def _count(unit: Unit, campaign: Campaign, kind: EngagementKind, visitor: str, name: str | None = None) -> Totals:
    """Record the event, bump its counter atomically, read the new totals and publish them after commit."""
    event = await EngagementEvent.create(campaign_id=campaign.id, kind=kind, visitor=visitor)
    counter = {K.VIEW: "views", K.LIKE: "likes", K.ENROLMENT: "enrolments"}[kind]
    # Last, so the row lock (PostgreSQL) is held for as short a time as possible before the commit; the
    # condition re-checks that the campaign is still open, so a pause racing this action wins cleanly.
    still_open = Campaign.filter(permissions.public_campaign_rule(await campaign_today(campaign)), id=campaign.id)
    if not await still_open.update(**{counter: F(counter) + 1}):
        raise NotFound("Campaign", campaign.id, field="campaignId")
    new = await totals(campaign.id)
    counted = ENGAGED[kind](campaign_id=campaign.id, totals=new.as_dict(), occurred_at=event.occurred_at, name=name)
    unit.publish(topics.campaign_engagement(campaign.id), counted)
    return new


async def record_view(actor: Actor, campaign: Campaign, visitor: str) -> Totals:
    async with write(actor) as unit:
        await unit.audit("campaign.view", "campaign", campaign.id)
        return await _count(unit, campaign, K.VIEW, visitor)


async def like(actor: Actor, campaign: Campaign, visitor: str) -> Outcome:
    async with write(actor) as unit:
        if await _insert_once(CampaignLike, campaign_id=campaign.id, visitor=visitor) is None:
            return Outcome(campaign.id, counted=False, totals=await totals(campaign.id))
        await unit.audit("campaign.like", "campaign", campaign.id)
        return Outcome(campaign.id, counted=True, totals=await _count(unit, campaign, K.LIKE, visitor))


def clean_enrolment(name: str | None, email: str | None, consent: bool | None, referrer_code: str | None) -> dict:
    """Validated enrolment fields; checked before anything is written."""
    values = {
        "name": v.text("name", name, max_length=200, required=True),
        "email": v.email("email", email, required=True),
        "referrer_code": v.text("referrerCode", referrer_code, max_length=64),
    }
    if consent is not True:
        raise BadUserInput("consent", "is required: agree to be contacted about this campaign")
    if values["referrer_code"] and not REFERRER.match(values["referrer_code"]):
        raise BadUserInput("referrerCode", "use up to 64 letters, digits, hyphens and underscores")
    return values


async def enrol(
    actor: Actor, campaign: Campaign, visitor: str, values: dict[str, Any], source: str = "page"
) -> Outcome:
    """Enrol once per email: enrolling again returns the existing enrolment and counts nothing."""
    if source not in SOURCES:
        raise ValueError(f"unknown enrolment source {source!r}")
    async with write(actor) as unit:
        enrolment = await _insert_once(Enrolment, campaign_id=campaign.id, consent=True, source=source, **values)
        if enrolment is None:
            existing = await Enrolment.get(campaign_id=campaign.id, email=values["email"])
            return Outcome(campaign.id, counted=False, totals=await totals(campaign.id), enrolment=existing)
        await unit.audit(
            "enrolment.create",
            "enrolment",
            enrolment.id,
            {"campaign_id": [None, campaign.id], "name": [None, enrolment.name], "email": [None, enrolment.email],
             "referrer_code": [None, enrolment.referrer_code], "source": [None, source]},
        )
        if enrolment.referrer_code:
            await referrals.attach(campaign, enrolment)  # the seller's lead, in this same transaction
        new = await _count(unit, campaign, K.ENROLMENT, visitor, name=enrolment.name)
        await consent.record(enrolment.email, ConsentStatus.SUBSCRIBED, ConsentSource.ENROLMENT,
                             note=f"campaign {campaign.code}")
    return Outcome(campaign.id, counted=True, totals=new, enrolment=enrolment)


# --- Time series -----------------------------------------------------------------------------------

class Bucket(str, Enum):
    HOUR = "hour"
    DAY = "day"


STEP = {Bucket.HOUR: timedelta(hours=1), Bucket.DAY: timedelta(days=1)}
DEFAULT_SPAN = {Bucket.HOUR: timedelta(hours=48), Bucket.DAY: timedelta(days=30)}
MAX_BUCKETS = 1000


@dataclass(frozen=True)
class Point:
    start: datetime
    views: int = 0
    likes: int = 0
    enrolments: int = 0


def _floor(moment: datetime, bucket: Bucket) -> datetime:
    moment = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0) if bucket is Bucket.DAY else moment


def window(bucket: Bucket, since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    """The first and last bucket start (UTC) of a series; by default the last 48 hours or 30 days."""
    end = _floor(v.aware("until", until) or datetime.now(UTC), bucket)
    start = _floor(v.aware("since", since) or end - DEFAULT_SPAN[bucket] + STEP[bucket], bucket)
    if start > end:
        raise BadUserInput("since", "must not be after until")
    if (end - start) / STEP[bucket] >= MAX_BUCKETS:
        raise BadUserInput("since", f"at most {MAX_BUCKETS} buckets per series; use DAY or a shorter period")
    return start, end


def bucket_sql(dialect: str, bucket: Bucket) -> str:
    """Truncate occurred_at to the bucket start in UTC, in the database's own dialect."""
    if dialect == "postgres":
        return f"date_trunc('{bucket.value}', \"occurred_at\" AT TIME ZONE 'UTC')"
    pattern = "%Y-%m-%d %H:00:00" if bucket is Bucket.HOUR else "%Y-%m-%d 00:00:00"
    return f"strftime('{pattern}', \"occurred_at\")"


async def series(
    campaign_ids: list[int], bucket: Bucket, start: datetime, end: datetime
) -> dict[int, list[Point]]:
    """Views, likes and enrolments per bucket from `start` to `end` (bucket starts), gaps filled with zeros,
    for several campaigns in one GROUP BY statement."""
    conn = connections.get("default")
    dialect = conn.capabilities.dialect
    marks = [f"${i}" if dialect == "postgres" else "?" for i in range(1, len(campaign_ids) + 3)]
    sql = (
        f'SELECT "campaign_id", {bucket_sql(dialect, bucket)} AS "bucket", "kind", COUNT(*) AS "n" '
        f'FROM "engagement_event" WHERE "campaign_id" IN ({", ".join(marks[:-2])}) '
        f'AND "occurred_at" >= {marks[-2]} AND "occurred_at" < {marks[-1]} '
        f'GROUP BY "campaign_id", "bucket", "kind"'
    )
    _, rows = await conn.execute_query(sql, [*campaign_ids, start, end + STEP[bucket]])
    counted: dict[int, list[tuple[Any, str, int]]] = {campaign_id: [] for campaign_id in campaign_ids}
    for row in rows:
        counted[row["campaign_id"]].append((row["bucket"], row["kind"], row["n"]))
    return {campaign_id: fill(found, bucket, start, end) for campaign_id, found in counted.items()}


def fill(counted: Iterable[tuple[Any, str, int]], bucket: Bucket, start: datetime, end: datetime) -> list[Point]:
    """A series from `start` to `end` (bucket starts) out of counts per (bucket start as the database wrote it,
    kind), gaps filled with zeros."""
    counts: dict[datetime, dict[str, int]] = {}
    for at, kind, n in counted:
        moment = datetime.fromisoformat(at) if isinstance(at, str) else at
        counts.setdefault(moment.replace(tzinfo=UTC), {})[EngagementKind(kind).value] = n
    points = []
    for i in range(int((end - start) / STEP[bucket]) + 1):
        found = counts.get(start + i * STEP[bucket], {})
        points.append(Point(start + i * STEP[bucket], found.get("view", 0), found.get("like", 0),
                            found.get("enrolment", 0)))
    return points
