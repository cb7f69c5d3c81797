"""Quotas as the API shows them: each with its period, its holder (a user or a team), its history and how far
its holder is: won in the period against the quota, and the pace due by today, in the base currency."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import strawberry

from backend.auth.actor import Actor
from backend.models import Quota, QuotaChange
from backend.models import QuotaPeriod as QuotaPeriodModel
from backend.reads.attainment import Progress, progress_of
from backend.reads.context import Info
from backend.schema.common import BigInt, Money
from backend.schema.rows import Shows
from backend.schema.users import TeamType, UserType
from backend.services.currency import rates
from backend.services.periods import period_end
from backend.settings import get_settings

QuotaPeriod = QuotaPeriodModel
strawberry.enum(QuotaPeriod, name="QuotaPeriod", description="A calendar month, quarter or year (UTC)")


def base_money(minor: int) -> Money:
    return Money(amount=BigInt(minor), currency=get_settings().base_currency)


@strawberry.type(name="QuotaChange", description="One setting of a quota: the figures it was set to, by whom, when")
class QuotaChangeType(Shows[QuotaChange]):
    set_at: datetime = strawberry.field(description="When it was set")
    calls_per_week: int | None = strawberry.field(description="Calls a week it asked for (null: no target)")
    meetings_per_week: int | None = strawberry.field(description="Meetings a week it asked for (null: no target)")

    @strawberry.field(description="The quota it set")
    @staticmethod
    def amount(change: strawberry.Parent[QuotaChange]) -> Money:
        return Money(amount=BigInt(change.amount), currency=change.currency)

    @strawberry.field(description="Who set it")
    @staticmethod
    async def set_by(change: strawberry.Parent[QuotaChange], info: Info) -> UserType | None:
        return UserType.of_maybe(await info.context.loaders.user.load(change.set_by_id)) if change.set_by_id else None


@strawberry.type(name="Quota", description="What a salesperson or a team should win in a period, and how far they are")
class QuotaType:
    row: strawberry.Private[Quota]
    progress: strawberry.Private[Progress]

    @strawberry.field(description="Quota id")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field(description="Month, quarter or year")
    def period(self) -> QuotaPeriod:
        return self.row.period

    @strawberry.field(description="First day of the period")
    def starts_on(self) -> date:
        return self.row.starts_on

    @strawberry.field(description="Last day of the period")
    def ends_on(self) -> date:
        return date.fromordinal(period_end(self.row.period, self.row.starts_on).toordinal() - 1)

    @strawberry.field(description="The salesperson it is for (null: a team's quota)")
    async def user(self, info: Info) -> UserType | None:
        return UserType.of_maybe(await info.context.loaders.user.load(self.row.user_id)) if self.row.user_id else None

    @strawberry.field(description="The team it is for (null: a salesperson's quota)")
    async def team(self, info: Info) -> TeamType | None:
        return TeamType.of_maybe(await info.context.loaders.team.load(self.row.team_id)) if self.row.team_id else None

    @strawberry.field(description="The amount to win, in the base currency")
    def amount(self) -> Money:
        return base_money(self.progress.quota)

    @strawberry.field(description="Calls a week to make (null: no target)")
    def calls_per_week(self) -> int | None:
        return self.row.calls_per_week

    @strawberry.field(description="Meetings a week to hold (null: no target)")
    def meetings_per_week(self) -> int | None:
        return self.row.meetings_per_week

    @strawberry.field(description="Won in the period: deals in a won stage that closed in it (a team: by its "
                      "members), in the base currency with the admins' rates")
    def won(self) -> Money:
        return base_money(self.progress.won)

    @strawberry.field(description="won ÷ amount (1 = quota met; null when the quota is 0)")
    def attainment(self) -> float | None:
        return self.progress.attainment

    @strawberry.field(description="Share of the period gone by at the end of today (0..1)")
    def elapsed(self) -> float:
        return self.progress.elapsed

    @strawberry.field(description="Where the holder should be by today: the amount pro rata of the period gone by")
    def pace(self) -> Money:
        return base_money(self.progress.pace)

    @strawberry.field(description="Whether won is at least the pace")
    def on_pace(self) -> bool:
        return self.progress.won >= self.progress.pace

    @strawberry.field(description="When it was last set")
    def updated_at(self) -> datetime:
        return self.row.updated_at

    @strawberry.field(description="Every setting of it, newest first")
    async def history(self, info: Info) -> list[QuotaChangeType]:
        return QuotaChangeType.of_all(await info.context.loaders.quota_changes.load(self.row.id))


async def quota_types(actor: Actor, rows: list[Quota], today: date | None = None,
                      table: dict[str, Decimal] | None = None) -> list[QuotaType]:
    """The API's quotas for these rows, their progress computed together (progress_of); `table`: the rates,
    when the caller has them already."""
    day = today or datetime.now(UTC).date()
    found = await progress_of(actor, rows, day, table if table is not None else await rates()) if rows else []
    return [QuotaType(row=row, progress=p) for row, p in zip(rows, found, strict=True)]


@strawberry.input(description="Which quotas to list")
class QuotaFilter:
    user_id: list[strawberry.ID] | None = strawberry.field(default=None, description="Of any of these salespeople")
    team_id: list[strawberry.ID] | None = strawberry.field(default=None, description="Of any of these teams")
    period: QuotaPeriod | None = strawberry.field(default=None, description="Of this kind of period")
    on: date | None = strawberry.field(default=None, description="Whose period holds this day (e.g. today)")


@strawberry.input(description="Set (or replace) a quota: give userId or teamId; amount in minor units of the base "
                  "currency")
class SetQuotaInput:
    user_id: strawberry.ID | None = strawberry.field(default=None, description="A salesperson's quota")
    team_id: strawberry.ID | None = strawberry.field(default=None, description="A team's quota")
    period: QuotaPeriod = strawberry.field(description="Month, quarter or year")
    starts_on: date = strawberry.field(description="First day of the period, e.g. 2026-10-01 for Q4")
    amount: BigInt = strawberry.field(description="To win in the period, minor units of the base currency")
    calls_per_week: int | None = strawberry.field(default=None, description="Calls a week (optional target)")
    meetings_per_week: int | None = strawberry.field(default=None, description="Meetings a week (optional target)")


@strawberry.type(description="A quota you may see was set or replaced, as committed")
class QuotaChangeEvent:
    row: strawberry.Private[Quota]
    quota_id: strawberry.ID = strawberry.field(description="The quota")
    user_id: strawberry.ID | None = strawberry.field(description="Its salesperson (null: a team's quota)")
    team_id: strawberry.ID | None = strawberry.field(description="Its team (null: a salesperson's quota)")
    actor_id: strawberry.ID | None = strawberry.field(description="Who set it")

    @strawberry.field(description="The quota as you see it now, with its progress")
    async def quota(self, info: Info) -> QuotaType:
        return (await quota_types(info.context.actor, [self.row]))[0]
