"""Campaigns that run by their dates, and the owner's morning summary: what the worker's recurring jobs do.

"The date" is the campaign owner's (users.time_zone): the owner plans the period, is the one told when it
starts and ends, and reads the dates in the editor as their own calendar days; a UTC date would open a
campaign planned for 1 December in Berlin at 01:00 on the 1st and close it at 00:59 on the day after its
last. The public page reads the period in the same zone (services/engagement.py), so the page opens when
the status turns. A campaign without an owner uses UTC.

- A `new` (ready) campaign turns `active` on its first day; a draft is not ready and stays a draft.
- An `active` campaign turns `inactive` after its last day (the existing status: paused or over; an
  inactive campaign past its period is ended). A campaign whose whole period passed while nothing ran
  is not opened late: it stays `new`.
- Exactly once: each move is one versioned conditional UPDATE in the write that holds its audit entry
  (actor: the system, via jobs), the owner's notification and email; a second worker (or an owner's
  click at the same moment) finds the version moved on and does nothing. The scan looks at everything
  due by now, not only today, so moves missed while the server was down happen on its first run.

The summary: at 08:00 in the owner's zone (or on the first run after it), one email and one in-app
notification (per preferences kind `campaign_summary`) for the day before, listing the owner's campaigns
that had views, likes or enrolments that day; nothing when nothing happened. `campaign.summary_sent_on`
is claimed per campaign by a conditional UPDATE in the same write, so it goes out once per day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.expressions import Q
from tortoise.functions import Count

from backend.auth.actor import Actor
from backend.errors import Conflict, NotFound
from backend.live import topics
from backend.live.events import CampaignSummaryNote, NotificationKind
from backend.models import Campaign, CampaignStatus, EngagementEvent, Enrolment, Notification, User
from backend.services import preferences
from backend.services.campaigns import local_today, move
from backend.services.unit import write

S = CampaignStatus
SCAN_EVERY = timedelta(minutes=5)
SUMMARY_AT = time(8, 0)
SUMMARY_EVERY = timedelta(minutes=15)  # zones are whole, half and quarter hours off UTC
TOP_REFERRERS = 3


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


async def _zones(owner_ids: set[int | None]) -> dict[int, str]:
    return dict(await User.filter(id__in=[i for i in owner_ids if i is not None]).values_list("id", "time_zone"))


async def _auto_move(campaign: Campaign, target: CampaignStatus, why: str) -> bool:
    """Move one campaign as the system; False when someone else moved it first."""
    try:
        async with write(Actor.system(via="jobs")) as unit:
            await move(unit, Actor.system(via="jobs"), campaign, campaign.version, target, why)
    except (Conflict, NotFound):
        return False
    return True


async def run_schedule(at: datetime | None = None) -> list[tuple[int, CampaignStatus]]:
    """Start and end every campaign whose date has come by `at`; returns the moves this call made."""
    at = at or datetime.now(UTC)
    utc_day = at.astimezone(UTC).date()
    # Any zone's date is within a day of UTC's: fetch those candidates, then read each in its owner's zone.
    starting = await Campaign.filter(status=S.NEW, starts_on__lte=utc_day + timedelta(days=1)).order_by("id")
    ending = await Campaign.filter(status=S.ACTIVE, ends_on__lte=utc_day).order_by("id")
    zones = await _zones({c.owner_id for c in starting + ending})
    moved: list[tuple[int, CampaignStatus]] = []
    for campaign in starting:
        today = local_today(zones.get(campaign.owner_id or 0), at)
        assert campaign.starts_on is not None
        due = campaign.starts_on <= today and (campaign.ends_on is None or today <= campaign.ends_on)
        if due and await _auto_move(campaign, S.ACTIVE, f"its period starts on {campaign.starts_on.isoformat()}"):
            moved.append((campaign.id, S.ACTIVE))
    for campaign in ending:
        today = local_today(zones.get(campaign.owner_id or 0), at)
        assert campaign.ends_on is not None
        if campaign.ends_on < today and await _auto_move(
            campaign, S.INACTIVE, f"its period ended on {campaign.ends_on.isoformat()}"
        ):
            moved.append((campaign.id, S.INACTIVE))
    return moved


def next_scan(at: datetime) -> datetime:
    """Scans run on the five minutes, so a campaign starts within five minutes of its owner's midnight."""
    start = at.replace(second=0, microsecond=0)
    return start + timedelta(minutes=5 - start.minute % 5)


def next_summary(at: datetime) -> datetime:
    start = at.replace(second=0, microsecond=0)
    return start + timedelta(minutes=15 - start.minute % 15)


# --- The morning summary --------------------------------------------------------------------------------


@dataclass
class Day:
    campaign: Campaign
    views: int = 0
    likes: int = 0
    enrolments: int = 0
    referrers: list[dict[str, object]] = field(default_factory=list)

    @property
    def quiet(self) -> bool:
        return not (self.views or self.likes or self.enrolments)


async def _day_of(campaigns: list[Campaign], start: datetime, end: datetime) -> list[Day]:
    """What happened to `campaigns` between `start` and `end`: counts per kind, top referrers by enrolments."""
    days = {c.id: Day(c) for c in campaigns}
    ids = list(days)
    counts = await (EngagementEvent.filter(campaign_id__in=ids, occurred_at__gte=start, occurred_at__lt=end)
                    .annotate(n=Count("id")).group_by("campaign_id", "kind").values("campaign_id", "kind", "n"))
    for row in counts:
        kind = getattr(row["kind"], "value", row["kind"])
        attr = {"view": "views", "like": "likes", "enrolment": "enrolments"}[kind]
        setattr(days[row["campaign_id"]], attr, row["n"])
    referred = await (Enrolment.filter(campaign_id__in=ids, created_at__gte=start, created_at__lt=end,
                                       referrer_id__not_isnull=True)
                      .annotate(n=Count("id")).group_by("campaign_id", "referrer_id")
                      .values("campaign_id", "referrer_id", "n"))
    names = dict(await User.filter(id__in={r["referrer_id"] for r in referred}).values_list("id", "name"))
    for row in sorted(referred, key=lambda r: -r["n"]):
        day = days[row["campaign_id"]]
        if len(day.referrers) < TOP_REFERRERS:
            day.referrers.append({"name": names.get(row["referrer_id"], "—"), "enrolments": row["n"]})
    return list(days.values())


async def send_summaries(at: datetime | None = None) -> int:
    """Each owner whose morning has come gets yesterday's summary once; returns how many went out."""
    at = at or datetime.now(UTC)
    # Campaigns with any engagement since the earliest "yesterday" of any zone began.
    busy = await EngagementEvent.filter(occurred_at__gte=at - timedelta(hours=62)).distinct().values_list(
        "campaign_id", flat=True)
    if not busy:
        return 0
    campaigns = await Campaign.filter(id__in=list(busy), owner_id__not_isnull=True).order_by("id")
    by_owner: dict[int, list[Campaign]] = {}
    for campaign in campaigns:
        assert campaign.owner_id is not None
        by_owner.setdefault(campaign.owner_id, []).append(campaign)
    owners, choices = await preferences.active_recipients(by_owner, "campaign_summary")
    sent = 0
    for owner_id, owned in by_owner.items():
        owner = owners.get(owner_id)
        if owner is None:
            continue
        zone = _zone(owner.time_zone)
        local = at.astimezone(zone)
        if local.time() < SUMMARY_AT:
            continue  # not their morning yet
        day = local.date() - timedelta(days=1)
        due = [c for c in owned if c.summary_sent_on is None or c.summary_sent_on < day]
        if not due:
            continue
        start = datetime.combine(day, time(0), zone)
        days = [d for d in await _day_of(due, start, start + timedelta(days=1)) if not d.quiet]
        if days and await _send_one(owner, day, days, choices[owner_id]):
            sent += 1
    return sent


async def _send_one(owner: User, day: date, days: list[Day], choice: preferences.Choice) -> bool:
    async with write(Actor.system(via="jobs")) as unit:
        won = []
        for d in days:
            claimed = Campaign.filter(Q(summary_sent_on=None) | Q(summary_sent_on__lt=day), id=d.campaign.id)
            if await claimed.update(summary_sent_on=day):
                won.append(d)
        if not won:
            return False  # another worker sent it
        for d in won:
            await unit.audit("campaign.summary", "campaign", d.campaign.id,
                             {"day": day.isoformat(), "views": d.views, "likes": d.likes, "enrolments": d.enrolments})
        label = day.strftime("%a %d %b %Y")
        if choice.in_app:
            parts = "; ".join(f"{d.campaign.title}: {d.views} views, {d.likes} likes, {d.enrolments} enrolments"
                              for d in won)
            note = await Notification.create(user_id=owner.id, kind=NotificationKind.CAMPAIGN_SUMMARY,
                                              message=f"Campaigns on {label}: {parts}"[:500],
                                              entity="campaign", entity_id=won[0].campaign.id)
            unit.publish(topics.notifications(owner.id), CampaignSummaryNote(id=note.id, message=note.message))
        if choice.email and owner.email:
            key = f"campaign_summary:{owner.id}:{day.isoformat()}:{','.join(str(d.campaign.id) for d in won)}"
            await unit.send_mail("campaign_summary", key[:200], owner.email, name=owner.name, day=label, campaigns=[
                {"id": d.campaign.id, "title": d.campaign.title, "views": d.views, "likes": d.likes,
                 "enrolments": d.enrolments, "total_views": d.campaign.views, "total_likes": d.campaign.likes,
                 "total_enrolments": d.campaign.enrolments, "referrers": d.referrers}
                for d in won
            ])
    return True
