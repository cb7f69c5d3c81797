"""Activity counts and open-task counts from the figures m0044's triggers keep (models.ActivityFigure, TaskFigure)
instead of the activities: a few dozen rows rather than a team's ~330,000 activities or a head's ~33,000 open
tasks at 100,000 customers. Figures are per UTC day; the part of a range that does not cover a whole UTC day
(a week starting at a local midnight, a day ending now) is counted from the activities themselves, so every
count is to the instant.

Two semantics, chosen per figure:

- **What a person did** (authored_counts): the calls, meetings... a rep logged, whichever customer they were
  about. That is what a head means by a rep's activity count and what an activity target measures, and it must
  not shrink when a customer the rep worked on is later handed to another team (the work was done). The rep
  logged each of them on a customer their team could see at the time (permissions: logging needs a visible
  record), so the count tells the head nothing about customers they could never see. Only the number is shown;
  the activities themselves stay behind activity_rule in every list.
- **What I may see** (task_counts): a head's own open tasks are a to-do list, each one a link, so the counts
  equal activity_rule's exactly. Figures whose customer's account manager is in the viewer's team are visible
  through customer_rule as they stand; the few tasks under other managers (or with no customer) are checked
  task by task with the rule.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count, Sum

from backend import permissions
from backend.auth.actor import Actor
from backend.models import Activity, ActivityFigure, ActivityKind, Customer, TaskFigure
from backend.services.activities import OPEN_TASK

A_DAY = timedelta(days=1)


def _midnight(instant: datetime) -> datetime:
    """The UTC midnight starting the UTC day of `instant`."""
    return datetime.combine(instant.astimezone(UTC).date(), time(), UTC)


def _day(instant: datetime) -> str:
    return instant.astimezone(UTC).date().isoformat()


Span = tuple[list[int], datetime, datetime]


async def authored_counts(spans: list[Span], kinds: list[ActivityKind]) -> Counter[tuple[int, str]]:
    """Activities of `kinds` logged (authored) per (author, kind), for each span (authors, low, high) those its
    authors logged with low <= occurred_at < high: the whole UTC days in between from the figures, the edges
    from the activities. Two statements however many spans (one per time zone in use, for weekly targets)."""
    counts: Counter[tuple[int, str]] = Counter()
    spans = [(authors, low, high) for authors, low, high in spans if authors and low < high]
    if not spans:
        return counts
    days, edges = [], []
    for authors, low, high in spans:
        first, last = _midnight(low) + (A_DAY if low != _midnight(low) else timedelta()), _midnight(high)
        if first < last:
            days.append(Q(author_id__in=authors, day__gte=_day(first), day__lt=_day(last)))
            edges += [Q(author_id__in=authors, occurred_at__gte=low, occurred_at__lt=first),
                      Q(author_id__in=authors, occurred_at__gte=last, occurred_at__lt=high)]
        else:
            edges.append(Q(author_id__in=authors, occurred_at__gte=low, occurred_at__lt=high))
    if days:
        rows = await (
            ActivityFigure.filter(Q(*days, join_type="OR"), kind__in=[kind.value for kind in kinds])
            .annotate(n=Sum("activities")).group_by("author_id", "kind").values("author_id", "kind", "n")
        )
        counts.update({(row["author_id"], row["kind"]): int(row["n"]) for row in rows})
    rows = await (
        Activity.filter(Q(*edges, join_type="OR"), kind__in=kinds)
        .annotate(n=Count("id")).group_by("author_id", "kind").values("author_id", "kind", "n")
    )
    counts.update({(row["author_id"], ActivityKind(row["kind"]).value): row["n"] for row in rows})
    return counts


async def task_counts(actor: Actor, members: list[int], now: datetime, end: datetime) -> tuple[int, int]:
    """Open tasks given to `actor` that activity_rule shows them: (due from `now` to before `end`, overdue).
    Tasks due before today's UTC midnight come from the figures (`members`: the viewer's team, whose managed
    customers the rule shows); the ones due since, from the tasks."""
    me = actor.user_id or 0
    cut = _midnight(now)
    rows = await (TaskFigure.filter(assignee_id=me, day__lt=_day(cut)).annotate(n=Sum("tasks"))
                  .group_by("manager_id").values("manager_id", "n"))
    everything = permissions.sees_everything(actor)
    overdue = sum(int(row["n"]) for row in rows if everything or row["manager_id"] in members)
    others = [row["manager_id"] for row in rows if not everything and row["manager_id"] not in members]
    rule = permissions.activity_rule(actor)
    mine = Activity.filter(assignee_id=me, kind=ActivityKind.TASK, task_status__in=list(OPEN_TASK))
    if others:  # rare: tasks on customers another team manages (or none does), each one checked by the rule
        managers = Q(account_manager_id__in=[m for m in others if m > 0])
        if 0 in others:
            managers |= Q(account_manager_id=None)
        where = Q(customer_id__in=Subquery(Customer.filter(managers).values("id")))
        if -1 in others:
            where |= Q(customer_id=None)
        overdue += await mine.filter(rule, where, due_at__lt=cut).count()
    # Today's tasks so far are a day's worth: read with their customer's manager, only the ones the team does
    # not manage checked by the rule (the rule's lists cost more than a day's tasks).
    recent: list[dict[str, Any]] = await mine.filter(due_at__gte=cut, due_at__lt=end).values(
        "id", "due_at", "customer_id", manager="customer__account_manager_id")
    unsure = [row["id"] for row in recent if not everything and (row["customer_id"] is None
                                                                 or row["manager"] not in members)]
    hidden = set(unsure) - set(await Activity.filter(rule, id__in=unsure).values_list("id", flat=True)) if unsure else set()
    seen = [row for row in recent if row["id"] not in hidden]
    return sum(row["due_at"] >= now for row in seen), overdue + sum(row["due_at"] < now for row in seen)
