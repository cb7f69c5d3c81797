"""The figures of the dashboards (issue 19), each one GROUP BY or COUNT in the database over rows the caller may
see (the permissions module's row rules), amounts converted to the base currency afterwards on the few group
rows. Sales figures group the deal figures (backend.reads.deal_figures: the deals added up by triggers) rather
than the deals, and add them up with the reports' tally."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

from tortoise import connections
from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from backend import permissions
from backend.auth.actor import Actor
from backend.models import (
    Activity,
    ActivityKind,
    ApiToken,
    AuditEntry,
    Campaign,
    Contact,
    Deal,
    Enrolment,
    Job,
    OutboxMessage,
    Stage,
    StageKind,
    User,
)
from backend.reads import activity_figures
from backend.reads.deal_figures import figure_rows
from backend.reads.reports import Dimension, Tally, tally
from backend.services.periods import utc_bounds


def rollup(found: dict[tuple[Any, ...], Tally], at: int, where: Callable[[tuple[Any, ...]], bool] = lambda _: True
           ) -> dict[Any, Tally]:
    """Groups of several keys added up by the key at `at` (of the groups `where` keeps): one GROUP BY by owner,
    stage and month answers the per-stage, per-month and per-owner figures at once."""
    summed: dict[Any, Tally] = defaultdict(Tally)
    for keys, figure in found.items():
        if where(keys):
            summed[keys[at]].add(figure)
    return dict(summed)


async def figures(actor: Actor, owners: list[int] | None, dimensions: list[Dimension], kinds: list[StageKind],
                  table: dict[str, Decimal], months: tuple[date, date] | None = None) -> dict[tuple[Any, ...], Tally]:
    """The team's deals (sales_deals) of `owners` in a stage of `kinds`, closing in `months` (None: any), grouped
    by `dimensions` from the deal figures (reads.deal_figures) in one statement, currencies converted and added.
    A salesperson's figures with `owners` None cover the team's own deals, like sales_deals with owners."""
    return tally(await figure_rows(actor, owners, dimensions, kinds, months), table)


def in_stages(*kinds: StageKind) -> Q:
    """Deals in a stage of these kinds, by the few stages' ids rather than a join of every deal's stage."""
    return Q(stage_id__in=Subquery(Stage.filter(kind__in=list(kinds)).values("id")))


def sales_deals(actor: Actor, owners: list[int] | None) -> QuerySet[Deal]:
    """Deals the dashboard counts: visible to `actor` and owned by one of `owners` (None: any owner). A
    salesperson's figures are about their team's own deals: team_deal_rule says which, cheaply."""
    if owners is None:
        return Deal.filter(permissions.deal_rule(actor))
    return Deal.filter(permissions.team_deal_rule(actor), owner_id__in=owners)


async def latest_wins(actor: Actor, owners: list[int], first: int) -> list[Deal]:
    """The `first` deals of `owners` won last. Their ids first, which an index on owner, stage and close time
    answers without reading the won deals' rows (a head of the benchmark data has 11,000), then those rows."""
    won = sales_deals(actor, owners).filter(in_stages(StageKind.WON), closed_at__isnull=False)
    # cast: Tortoise types the rows of values_list(flat=True) as tuples, whatever `flat` says.
    ids = cast(list[int], await won.order_by("-closed_at", "-id").limit(first).values_list("id", flat=True))
    rows = {deal.id: deal for deal in await Deal.filter(id__in=ids)}
    return [rows[id] for id in ids]


def open_deals(actor: Actor, owners: list[int] | None) -> QuerySet[Deal]:
    return sales_deals(actor, owners).filter(in_stages(StageKind.OPEN))


def quiet_deals(actor: Actor, owners: list[int] | None, days: int, now: datetime) -> QuerySet[Deal]:
    """Open deals with no activity logged on them in the last `days` days that are older than that (a deal
    opened yesterday is not stalled): the ones going cold."""
    since = now - timedelta(days=days)
    recent = Subquery(Activity.filter(deal_id__isnull=False, occurred_at__gte=since).values("deal_id"))
    return open_deals(actor, owners).filter(created_at__lt=since).exclude(id__in=recent)


async def team_members(actor: Actor) -> list[int]:
    """The salespeople a head's figures cover: the team's members (the head alone without a team)."""
    if actor.team_id is None:
        return [actor.user_id or 0]
    rows: list[Any] = await User.filter(team_id=actor.team_id).values_list("id", flat=True)
    return sorted(rows)


def zone_of(name: str | None) -> ZoneInfo | Any:
    """A user's time zone, UTC when unset or unknown."""
    try:
        return ZoneInfo(name) if name else UTC
    except (KeyError, ValueError):
        return UTC


def week_start(zone: Any, now: datetime) -> datetime:
    """Midnight starting this Monday on the clock of `zone`, as a UTC instant: activity targets are weekly on
    the user's calendar, Monday to Sunday like the tasks' "Due this week"."""
    local = now.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday.astimezone(UTC)


async def day_of(actor: Actor, now: datetime) -> tuple[datetime, datetime]:
    """Today in the user's own time zone, as UTC instants [start, end): tasks are due on their owner's days."""
    rows: list[Any] = await User.filter(id=actor.user_id or 0).values_list("time_zone", flat=True)
    zone = zone_of(rows[0] if rows else None)
    local = now.astimezone(zone)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


async def task_counts(actor: Actor, now: datetime) -> tuple[int, int]:
    """Open tasks given to `actor` that they may see: (still due today, overdue), mostly from the task figures
    (reads.activity_figures.task_counts)."""
    _, end = await day_of(actor, now)
    return await activity_figures.task_counts(actor, await team_members(actor), now, end)


COUNTED_KINDS: list[ActivityKind] = [kind for kind in ActivityKind if kind is not ActivityKind.DEAL_UPDATE]  # deal updates: system


async def activity_counts(owners: list[int], start: date, end: date) -> dict[tuple[int, str], int]:
    """Activities each of `owners` logged (authored) between `start` and `end`, per kind: what they did
    (reads.activity_figures says why that count ignores which customers the viewer sees)."""
    low, high = utc_bounds(start, end)
    return dict(await activity_figures.authored_counts([(owners, low, high)], COUNTED_KINDS))


WEEKLY_KINDS = (ActivityKind.CALL, ActivityKind.MEETING)


async def week_counts(people: list[int], now: datetime) -> tuple[dict[int, Any], dict[tuple[int, str], int]]:
    """Calls and meetings each of `people` logged (authored) in their own week so far, from their Monday
    midnight up to `now` included (one planned for later is not done yet): each one's time zone, and the
    counts per (person, kind): the same two statements whatever the time zones in use."""
    rows: list[Any] = await User.filter(id__in=people).values_list("id", "time_zone")
    zones = {user: zone_of(name) for user, name in rows}
    by_start: dict[datetime, list[int]] = defaultdict(list)
    for user, zone in zones.items():
        by_start[week_start(zone, now)].append(user)
    up_to_now = now + timedelta(microseconds=1)  # occurred_at <= now, as a half-open bound
    spans = [(users, start, up_to_now) for start, users in by_start.items()]
    return zones, dict(await activity_figures.authored_counts(spans, list(WEEKLY_KINDS)))


# --- support ---------------------------------------------------------------------------------------------------

async def contacts_by_status(actor: Actor) -> dict[str, int]:
    rows = await (Contact.filter(permissions.contact_rule(actor), merged_into_id=None)
                  .annotate(n=Count("id")).group_by("status").values("status", "n"))
    return {str(getattr(row["status"], "value", row["status"])): row["n"] for row in rows}


async def scheduled(actor: Actor, now: datetime, end: datetime) -> dict[str, int]:
    """Calls and meetings planned from now until `end`, per kind."""
    rows = await (
        Activity.filter(permissions.activity_rule(actor), kind__in=[ActivityKind.CALL, ActivityKind.MEETING],
                        occurred_at__gte=now, occurred_at__lt=end)
        .annotate(n=Count("id")).group_by("kind").values("kind", "n")
    )
    return {ActivityKind(row["kind"]).value: row["n"] for row in rows}


async def conversions(actor: Actor, start: date, end: date) -> int:
    """Contacts converted in the period (their audit entries; conversion leaves no date on the contact) among
    the contacts `actor` may see."""
    low, high = utc_bounds(start, end)
    entries = AuditEntry.filter(action="contact.convert", at__gte=low, at__lt=high)
    if not permissions.sees_everything(actor):
        ids: list[Any] = await entries.values_list("entity_id", flat=True)
        seen = await Contact.filter(permissions.contact_rule(actor), id__in=[int(i) for i in ids]).count()
        return seen
    return await entries.count()


# --- marketing -------------------------------------------------------------------------------------------------

async def campaign_rows(actor: Actor, limit: int) -> list[Campaign]:
    """The campaigns most engaged with that `actor` may see, running ones first."""
    rows = await (Campaign.filter(permissions.campaign_rule(actor))
                  .order_by("-enrolments", "-views", "-id").limit(limit))
    return list(rows)


async def enrolments_by_month(actor: Actor, since: date) -> dict[date, int]:
    dialect = connections.get("default").capabilities.dialect
    month = ("CAST(date_trunc('month', \"created_at\" AT TIME ZONE 'UTC') AS date)" if dialect == "postgres"
             else "strftime('%Y-%m-01', \"created_at\")")
    campaigns = Subquery(Campaign.filter(permissions.campaign_rule(actor)).values("id"))
    low, _ = utc_bounds(since, since)
    query = Enrolment.filter(campaign_id__in=campaigns, created_at__gte=low)
    rows = await query.annotate(m=RawSQL(month), n=Count("id")).group_by("m").values("m", "n")
    return {(date.fromisoformat(r["m"]) if isinstance(r["m"], str) else r["m"]): r["n"] for r in rows}


# --- admin -----------------------------------------------------------------------------------------------------

@dataclass
class Health:
    users_active: int = 0
    users_signed_in: int = 0
    tokens_active: int = 0
    tokens_used: int = 0
    jobs: dict[str, int] = field(default_factory=dict)
    mail_waiting: int = 0
    mail_sent: int = 0
    mail_suppressed: int = 0
    database_bytes: int | None = None


async def database_bytes() -> int | None:
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        _, rows = await conn.execute_query("SELECT pg_database_size(current_database()) AS size")
        return int(rows[0]["size"])
    _, pages = await conn.execute_query("PRAGMA page_count")
    _, size = await conn.execute_query("PRAGMA page_size")
    return int(next(iter(dict(pages[0]).values()))) * int(next(iter(dict(size[0]).values())))


async def health(now: datetime, recent_days: int) -> Health:
    since = now - timedelta(days=recent_days)
    jobs = await Job.annotate(n=Count("id")).group_by("status").values("status", "n")
    return Health(
        users_active=await User.filter(active=True, role__isnull=False).count(),
        users_signed_in=await User.filter(active=True, last_login_at__gte=since).count(),
        tokens_active=await ApiToken.filter(revoked_at=None).count(),
        tokens_used=await ApiToken.filter(revoked_at=None, last_used_at__gte=since).count(),
        jobs={str(getattr(r["status"], "value", r["status"])): r["n"] for r in jobs},
        mail_waiting=await OutboxMessage.filter(sent_at=None, suppressed_at=None).count(),
        mail_sent=await OutboxMessage.filter(sent_at__gte=since).count(),
        mail_suppressed=await OutboxMessage.filter(suppressed_at__gte=since).count(),
        database_bytes=await database_bytes(),
    )
