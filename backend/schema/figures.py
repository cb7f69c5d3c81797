"""What every dashboard section shares: the scope its figures are computed for (who, when, which period, the
rates in force) and the small figure types (a count per stage, per month, per kind, ...)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import strawberry

from backend.auth.actor import Actor
from backend.models import QuotaPeriod
from backend.reads.context import Info
from backend.reads.reports import Tally
from backend.schema.common import Money
from backend.schema.deals import StageType
from backend.schema.lost_reasons import LostReasonType
from backend.schema.quotas import base_money
from backend.services.periods import period_end, period_start

T = TypeVar("T")


@dataclass(frozen=True)
class Scope:
    """One dashboard's frame: the caller, the instant it was asked, the period its "this period" figures
    cover (the one holding today, UTC), how many quiet days make a deal stalled, and the rates."""

    actor: Actor
    now: datetime
    period: QuotaPeriod
    quiet_days: int
    table: dict[str, Decimal]
    # The queries several fields share, run once per dashboard (its fields resolve concurrently).
    shared: dict[Any, asyncio.Future[Any]] = field(default_factory=dict, compare=False)

    def once(self, key: Any, make: Callable[[], Awaitable[T]]) -> Awaitable[T]:
        if key not in self.shared:
            self.shared[key] = asyncio.ensure_future(make())
        return self.shared[key]

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def start(self) -> date:
        return period_start(self.period, self.today)

    @property
    def end(self) -> date:
        """First day after the period."""
        return period_end(self.period, self.start)


@strawberry.type(description="Open deals in one stage: how many, their amount and weighted amount (base currency)")
class StageFigure:
    stage_id: strawberry.Private[int]
    count: int = strawberry.field(description="Deals in the stage")
    amount: Money = strawberry.field(description="Their total amount")
    weighted: Money = strawberry.field(description="Their total of amount × probability")

    @strawberry.field(description="The stage")
    async def stage(self, info: Info) -> StageType | None:
        return StageType.of_maybe(await info.context.loaders.stage.load(self.stage_id))


def stage_figures(by_stage: dict[int, Tally]) -> list[StageFigure]:
    return [StageFigure(stage_id=stage, count=f.count, amount=base_money(f.amount), weighted=base_money(f.weighted_amount))
            for stage, f in sorted(by_stage.items())]


@strawberry.type(description="Deals of one month (of expected close while open): count, amount, weighted amount")
class MonthFigure:
    month: date | None = strawberry.field(description="First day of the month (null: open deals with no date)")
    count: int = strawberry.field(description="Deals")
    amount: Money = strawberry.field(description="Their total amount (base currency)")
    weighted: Money = strawberry.field(description="Their total of amount × probability (base currency)")


@strawberry.type(description="A count of one kind of thing (a status, an activity kind)")
class KindCount:
    kind: str = strawberry.field(description="The kind, as the API spells it elsewhere in lower case (e.g. call)")
    count: int = strawberry.field(description="How many")


@strawberry.type(description="Lost deals of one listed reason: how many and their amount (base currency)")
class ReasonFigure:
    reason_id: strawberry.Private[int | None]
    count: int = strawberry.field(description="Lost deals")
    amount: Money = strawberry.field(description="Their total amount")

    @strawberry.field(description="The admins' listed reason (null: none was picked)")
    async def reason(self, info: Info) -> LostReasonType | None:
        key = self.reason_id
        return LostReasonType.of_maybe(await info.context.loaders.lost_reason.load(key)) if key else None


@strawberry.type(description="How many per month")
class MonthCount:
    month: date = strawberry.field(description="First day of the month")
    count: int = strawberry.field(description="How many")
