"""Quota attainment: what each quota's holder won in its period (deals in a won stage whose close date falls in
it, converted to the base currency with the admins' rates, as reports convert) against the quota, with the pace
it should be at by today. A few statements for any number of quotas: the teams' members, one GROUP BY of the
won deal figures (reads.deal_figures) by owner and month of close over all the periods at once, and the rates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from backend.auth.actor import Actor
from backend.models import Quota, StageKind, User
from backend.reads.deal_figures import figure_rows
from backend.reads.reports import Dimension
from backend.services.currency import to_base
from backend.services.periods import elapsed, months_of, period_end


@dataclass(frozen=True)
class Progress:
    """One quota's standing, amounts in minor units of the base currency."""

    quota: int
    won: int
    elapsed: float

    @property
    def attainment(self) -> float | None:
        return self.won / self.quota if self.quota else None

    @property
    def pace(self) -> int:
        """Where the holder should be by the end of today: the quota pro rata of the period gone by."""
        return round(self.quota * self.elapsed)


async def won_by_owner_month(actor: Actor, owner_ids: set[int], start: date, end: date,
                             table: dict[str, Decimal]) -> dict[tuple[int, date], int]:
    """Won amount per (owner, first day of the month of close) between `start` and `end` (exclusive), in the
    base currency, of the deals `actor` may see."""
    if not owner_ids:
        return {}
    won: dict[tuple[int, date], int] = defaultdict(int)
    rows = await figure_rows(actor, sorted(owner_ids), [Dimension.OWNER, Dimension.CLOSE_MONTH], [StageKind.WON],
                             (start, end))
    for row in rows:
        owner, month = row["keys"]
        won[(owner, month)] += to_base(int(row["total"] or 0), row["currency"], table)
    return won


async def progress_of(actor: Actor, quotas: list[Quota], today: date, table: dict[str, Decimal]) -> list[Progress]:
    """Each quota's progress, in order. A team's quota counts what its members (as they are now) won."""
    if not quotas:
        return []
    team_ids = {q.team_id for q in quotas if q.team_id is not None}
    members: dict[int, set[int]] = defaultdict(set)
    if team_ids:
        rows: list[Any] = await User.filter(team_id__in=sorted(team_ids)).values_list("id", "team_id")
        for user_id, team_id in rows:
            members[team_id].add(user_id)
    owners_of = [members[q.team_id] if q.team_id is not None else {q.user_id or 0} for q in quotas]
    start = min(q.starts_on for q in quotas)
    end = max(period_end(q.period, q.starts_on) for q in quotas)
    won = await won_by_owner_month(actor, set().union(*owners_of), start, end, table)
    return [
        Progress(
            quota=to_base(q.amount, q.currency, table),
            won=sum(won.get((owner, month), 0) for owner in owners for month in months_of(q.period, q.starts_on)),
            elapsed=elapsed(q.period, q.starts_on, today),
        )
        for q, owners in zip(quotas, owners_of, strict=True)
    ]
