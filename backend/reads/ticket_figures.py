"""Tickets in figures (issue 20), for the `ticketSummary` query and the support dashboard alike: counts by
GROUP BY or COUNT over the tickets the caller may see (permissions.ticket_rule), means over the last days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from tortoise.expressions import Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from backend import permissions
from backend.auth.actor import Actor
from backend.models import SlaEvent, SlaLevel, Ticket, TicketStatus

SOON = timedelta(hours=1)  # "breaching soon": the next SLA due time within this, or past
OPEN = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING_CUSTOMER)
RECENT_DAYS = 30  # the window of breaches, response and resolution times, satisfaction


@dataclass(frozen=True)
class TicketFigures:
    open: int
    unassigned: int
    breaching_soon: int
    breaches: int
    average_first_response_minutes: float | None
    average_resolution_minutes: float | None
    average_satisfaction: float | None
    rated: int


async def _mean_minutes(rows: QuerySet, start: str, end: str) -> float | None:
    pairs = cast(list[tuple[datetime, datetime]], await rows.values_list(start, end))
    if not pairs:
        return None
    return round(sum((b - a).total_seconds() for a, b in pairs) / 60 / len(pairs), 1)


async def ticket_figures(actor: Actor, now: datetime) -> TicketFigures:
    visible = Ticket.filter(permissions.ticket_rule(actor))
    since = now - timedelta(days=RECENT_DAYS)
    open_rows = visible.filter(status__in=list(OPEN))
    counts = await open_rows.annotate(n=Count("id")).group_by("assignee_id").values_list("assignee_id", "n")
    scores = cast(list[int], await visible.filter(rated_at__gte=since).values_list("satisfaction", flat=True))
    breaches = await SlaEvent.filter(level=SlaLevel.BREACH, at__gte=since,
                                     ticket_id__in=Subquery(visible.values("id"))).count()
    return TicketFigures(
        open=sum(n for _, n in counts), unassigned=sum(n for a, n in counts if a is None),
        breaching_soon=await open_rows.filter(queue_at__lte=now + SOON).count(), breaches=breaches,
        average_first_response_minutes=await _mean_minutes(
            visible.filter(created_at__gte=since, first_responded_at__isnull=False), "created_at", "first_responded_at"),
        average_resolution_minutes=await _mean_minutes(
            visible.filter(resolved_at__gte=since), "created_at", "resolved_at"),
        average_satisfaction=round(sum(scores) / len(scores), 2) if scores else None, rated=len(scores),
    )
