"""The salespeople's dashboards: a rep's own desk (my pipeline, forecast, quota, tasks, stalled deals, wins) and
a sales head's team (pipeline and forecast by month, revenue per rep with each one's share, quotas, win rate,
deal size and cycle per rep, lost reasons, activity per rep, stalled deals). Each field is a few GROUP BY
statements over the deals the caller may see (backend.reads.dashboard); nothing is read row by row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable
from datetime import date, datetime
from typing import Any

import strawberry
from tortoise.expressions import Q

from backend import permissions
from backend.models import Quota, QuotaPeriod, StageKind
from backend.reads import dashboard as reads
from backend.reads.context import Info
from backend.reads.reports import Dimension, Tally
from backend.schema.common import Money
from backend.schema.deals import DealType
from backend.schema.figures import KindCount, MonthFigure, ReasonFigure, Scope, StageFigure, stage_figures
from backend.schema.quotas import QuotaType, base_money, quota_types
from backend.schema.users import TeamType, UserType
from backend.services.periods import months_of, period_end, period_start

LIST_CAP = 20  # stalled deals and wins a dashboard lists: the first few, with the count beside them


def _first(first: int) -> int:
    return max(0, min(first, LIST_CAP))


def open_figures(scope: Scope, owners: list[int] | None) -> Awaitable[dict[tuple[Any, ...], Tally]]:
    """Open deals of `owners` by owner, stage and month of expected close: one GROUP BY that the per-stage,
    per-month and per-owner figures (and a head's own desk) all read."""
    return scope.once(("open", tuple(owners) if owners is not None else None), lambda: reads.figures(
        scope.actor, owners, [Dimension.OWNER, Dimension.STAGE, Dimension.CLOSE_MONTH], [StageKind.OPEN], scope.table))


def closed_figures(scope: Scope, owners: list[int] | None) -> Awaitable[dict[tuple[Any, ...], Tally]]:
    """Deals of `owners` closed in the period by owner and lost reason: one GROUP BY for the team's revenue, each
    rep's won, lost, win rate and cycle, and the lost reasons."""
    return scope.once(("closed", tuple(owners) if owners is not None else None), lambda: reads.figures(
        scope.actor, owners, [Dimension.OWNER, Dimension.LOST_REASON], [StageKind.WON, StageKind.LOST], scope.table,
        (scope.start, scope.end)))


@strawberry.type(description="Open deals expected to close in a period, weighted by probability, and what was won in it")
class ForecastFigure:
    period: QuotaPeriod = strawberry.field(description="Month or quarter")
    starts_on: date = strawberry.field(description="First day of the period")
    count: int = strawberry.field(description="Open deals expected to close in it")
    open: Money = strawberry.field(description="Their total amount")
    weighted: Money = strawberry.field(description="Their total of amount × probability: the forecast")
    won: Money = strawberry.field(description="Won in it so far (closed in a won stage)")
    expected: Money = strawberry.field(description="The forecast: won so far plus the open deals' weighted amount, "
                                       "as the report's weighted sum by month of close counts it (won deals at 100%, "
                                       "lost at 0%)")


@strawberry.type(description="Calls or meetings done this week against the weekly target of the holder's quota")
class WeeklyFigure:
    done: int = strawberry.field(description="Logged this week so far (Monday in their time zone up to now)")
    target: int | None = strawberry.field(description="The week's target (null: none set)")
    pace: int | None = strawberry.field(description="Where they should be by the end of today: the target pro "
                                        "rata of the week's days begun (null: no target)")

    @strawberry.field(description="Fewer done than the pace asks")
    def behind(self) -> bool:
        return self.pace is not None and self.done < self.pace


@strawberry.type(description="A salesperson's calls and meetings this week against their activity targets")
class ActivityTargets:
    week_starts_at: datetime = strawberry.field(description="Monday midnight in their time zone, when the week began")
    calls: WeeklyFigure = strawberry.field(description="Calls")
    meetings: WeeklyFigure = strawberry.field(description="Meetings")


def _weekly(done: int, target: int | None, days: int) -> WeeklyFigure:
    return WeeklyFigure(done=done, target=target, pace=None if target is None else round(target * days / 7))


async def _targets_of(scope: Scope, people: list[int]) -> dict[int, ActivityTargets]:
    """Each of `people`'s week: counts from the activity figures (reads.week_counts) and targets from their quotas whose
    period holds today, the shortest period's that sets one winning (a month's target is the most recent word)."""
    zones, counts = await reads.week_counts(people, scope.now)
    current = Q(*(Q(period=p, starts_on=period_start(p, scope.today)) for p in QuotaPeriod), join_type="OR")
    rows = await Quota.filter(permissions.quota_rule(scope.actor), current, user_id__in=people)
    order = list(QuotaPeriod)
    targets: dict[tuple[int, str], int] = {}
    for row in sorted(rows, key=lambda q: -order.index(q.period)):  # longest first: shorter ones overwrite
        for kind, figure in (("call", row.calls_per_week), ("meeting", row.meetings_per_week)):
            if figure is not None:
                targets[(row.user_id or 0, kind)] = figure
    found = {}
    for user, zone in zones.items():
        days = scope.now.astimezone(zone).weekday() + 1
        found[user] = ActivityTargets(
            week_starts_at=reads.week_start(zone, scope.now),
            calls=_weekly(counts.get((user, "call"), 0), targets.get((user, "call")), days),
            meetings=_weekly(counts.get((user, "meeting"), 0), targets.get((user, "meeting")), days),
        )
    return found


def activity_targets(scope: Scope, people: list[int]) -> Awaitable[dict[int, ActivityTargets]]:
    """Shared by a head's own desk and the team's table within one dashboard."""
    return scope.once(("targets", tuple(people)), lambda: _targets_of(scope, people))


@strawberry.type(description="Your own desk: your open pipeline, forecast, quota, tasks, stalled deals and wins")
class RepDashboard:
    scope: strawberry.Private[Scope]
    owners: strawberry.Private[list[int]]  # whose open deals to group: the team's for a head (shared), else yours

    def _me(self) -> int:
        return self.scope.actor.user_id or 0

    async def _open(self) -> dict[tuple[Any, ...], Tally]:
        return await open_figures(self.scope, self.owners)

    async def _mine(self, at: int) -> dict[Any, Tally]:
        return reads.rollup(await self._open(), at, lambda keys: keys[0] == self._me())

    @strawberry.field(description="Your open deals per stage")
    async def pipeline_by_stage(self) -> list[StageFigure]:
        return stage_figures(await self._mine(1))

    @strawberry.field(description="Your forecast for this month and this quarter: what you won in each so far plus "
                      "your open deals expected to close in it, weighted")
    async def forecast(self) -> list[ForecastFigure]:
        s = self.scope
        quarter = period_start(QuotaPeriod.QUARTER, s.today)
        end = period_end(QuotaPeriod.QUARTER, quarter)
        open_by_month = await self._mine(2)
        won_by_month = await reads.figures(s.actor, [self._me()], [Dimension.CLOSE_MONTH], [StageKind.WON], s.table,
                                           (quarter, end))
        found = []
        for period in (QuotaPeriod.MONTH, QuotaPeriod.QUARTER):
            start = period_start(period, s.today)
            total, won = Tally(), 0
            for month in months_of(period, start):
                total.add(open_by_month.get(month, Tally()))
                won += won_by_month.get((month,), Tally()).won_amount
            found.append(ForecastFigure(period=period, starts_on=start, count=total.count, open=base_money(total.amount),
                                        weighted=base_money(total.weighted_amount), won=base_money(won),
                                        expected=base_money(won + total.weighted_amount)))
        return found

    @strawberry.field(description="Your quotas and your team's whose period holds today, with attainment and pace")
    async def quotas(self) -> list[QuotaType]:
        s = self.scope
        holders = Q(user_id=self._me()) | Q(team_id=s.actor.team_id or 0)
        current = Q(*(Q(period=p, starts_on=period_start(p, s.today)) for p in QuotaPeriod), join_type="OR")
        rows = await Quota.filter(permissions.quota_rule(s.actor), holders, current).order_by("team_id", "period")
        return await quota_types(s.actor, list(rows), s.today, s.table)

    @strawberry.field(description="Your calls and meetings this week against your activity targets")
    async def activity_targets(self) -> ActivityTargets | None:
        return (await activity_targets(self.scope, [self._me()])).get(self._me())

    async def _tasks(self) -> tuple[int, int]:
        return await self.scope.once("tasks", lambda: reads.task_counts(self.scope.actor, self.scope.now))

    @strawberry.field(description="Your open tasks still due today (your time zone)")
    async def tasks_due_today(self) -> int:
        return (await self._tasks())[0]

    @strawberry.field(description="Your open tasks past their due time")
    async def tasks_overdue(self) -> int:
        return (await self._tasks())[1]

    @strawberry.field(description="How many of your open deals had no activity for quietDays days")
    async def quiet_count(self) -> int:
        s = self.scope
        return await reads.quiet_deals(s.actor, [self._me()], s.quiet_days, s.now).count()

    @strawberry.field(description="Your open deals with no activity for quietDays days, least recently updated first")
    async def quiet_deals(self, first: int = 5) -> list[DealType]:
        s = self.scope
        rows = await (reads.quiet_deals(s.actor, [self._me()], s.quiet_days, s.now)
                      .order_by("updated_at", "id").limit(_first(first)))
        return DealType.of_all(list(rows))

    @strawberry.field(description="Your latest won deals")
    async def recent_wins(self, first: int = 5) -> list[DealType]:
        s = self.scope
        return DealType.of_all(await reads.latest_wins(s.actor, [self._me()], _first(first)))


@strawberry.type(description="One salesperson in the period: revenue and share of the team's, quota, win rate, "
                 "deal size, cycle, open pipeline and activities")
class RepFigure:
    user_id: strawberry.Private[int]
    won: Money = strawberry.field(description="Won in the period (base currency)")
    won_count: int = strawberry.field(description="Deals won in the period")
    lost_count: int = strawberry.field(description="Deals lost in the period")
    share: float | None = strawberry.field(description="won ÷ the team's won (0..1; null when the team won nothing)")
    win_rate: float | None = strawberry.field(description="Won ÷ closed in the period (null: none closed)")
    average_deal: Money | None = strawberry.field(description="Average won deal (null: none won)")
    cycle_days: float | None = strawberry.field(description="Average days from creation to close of deals closed "
                                                "in the period (null: none)")
    open_count: int = strawberry.field(description="Open deals now")
    open_amount: Money = strawberry.field(description="Their amount")
    weighted: Money = strawberry.field(description="Their amount × probability")
    quota: QuotaType | None = strawberry.field(description="Their quota for the period (null: none set)")
    activities: list[KindCount] = strawberry.field(description="Activities they logged in the period, per kind")
    activity_targets: ActivityTargets | None = strawberry.field(
        description="Their calls and meetings this week against their activity targets")

    @strawberry.field(description="The salesperson")
    async def user(self, info: Info) -> UserType | None:
        return UserType.of_maybe(await info.context.loaders.user.load(self.user_id))


@strawberry.type(description="A sales head's team (an admin's: every salesperson) in the period")
class TeamDashboard:
    scope: strawberry.Private[Scope]
    members: strawberry.Private[list[int] | None]  # None: everyone's deals (admins)

    @strawberry.field(description="The team (null for an admin's view of all teams)")
    async def team(self, info: Info) -> TeamType | None:
        team_id = self.scope.actor.team_id if self.members is not None else None
        return TeamType.of_maybe(await info.context.loaders.team.load(team_id)) if team_id else None

    @strawberry.field(description="The team's open deals per stage")
    async def pipeline_by_stage(self) -> list[StageFigure]:
        return stage_figures(reads.rollup(await open_figures(self.scope, self.members), 1))

    @strawberry.field(description="The team's open deals by month of expected close: the forecast (weighted)")
    async def forecast_by_month(self) -> list[MonthFigure]:
        found = reads.rollup(await open_figures(self.scope, self.members), 2)
        ordered = sorted(found.items(), key=lambda item: (item[0] is None, item[0] or date.min))
        return [MonthFigure(month=month, count=f.count, amount=base_money(f.amount),
                            weighted=base_money(f.weighted_amount)) for month, f in ordered]

    @strawberry.field(description="What the team won in the period (base currency)")
    async def won(self) -> Money:
        return base_money(sum(f.won_amount for f in (await closed_figures(self.scope, self.members)).values()))

    @strawberry.field(description="Each salesperson of the team in the period, largest revenue first")
    async def reps(self) -> list[RepFigure]:
        s = self.scope
        closed = reads.rollup(await closed_figures(s, self.members), 0)
        opened = reads.rollup(await open_figures(s, self.members), 0)
        people = self.members if self.members is not None else sorted({k for k in (*closed, *opened) if k is not None})
        counts = await reads.activity_counts(people, s.start, s.end)
        weekly = await activity_targets(s, people)
        quota_rows = await Quota.filter(permissions.quota_rule(s.actor), user_id__in=people, period=s.period,
                                        starts_on=s.start)
        quotas = {q.row.user_id: q for q in await quota_types(s.actor, list(quota_rows), s.today, s.table)}
        kinds: dict[int, list[KindCount]] = defaultdict(list)
        for (user, kind), n in sorted(counts.items()):
            kinds[user].append(KindCount(kind=kind, count=n))
        team_won = sum(f.won_amount for f in closed.values())
        found = []
        for user in people:
            c, o = closed.get(user, Tally()), opened.get(user, Tally())
            shut = c.won + c.lost
            found.append(RepFigure(
                user_id=user, won=base_money(c.won_amount), won_count=c.won, lost_count=c.lost,
                share=c.won_amount / team_won if team_won else None, win_rate=c.won / shut if shut else None,
                average_deal=base_money(round(c.won_amount / c.won)) if c.won else None,
                cycle_days=c.cycle_days / shut if shut else None, open_count=o.count, open_amount=base_money(o.amount),
                weighted=base_money(o.weighted_amount), quota=quotas.get(user), activities=kinds.get(user, []),
                activity_targets=weekly.get(user),
            ))
        found.sort(key=lambda r: (-r.won.amount, -r.open_amount.amount, r.user_id))
        return found

    @strawberry.field(description="The team's quota for the period (null: none set)")
    async def team_quota(self) -> QuotaType | None:
        s = self.scope
        if self.members is None or s.actor.team_id is None:
            return None
        row = await Quota.filter(permissions.quota_rule(s.actor), team_id=s.actor.team_id, period=s.period,
                                 starts_on=s.start).first()
        return (await quota_types(s.actor, [row], s.today, s.table))[0] if row else None

    @strawberry.field(description="Deals the team lost in the period, per listed reason, most first")
    async def lost_by_reason(self) -> list[ReasonFigure]:
        found = reads.rollup(await closed_figures(self.scope, self.members), 1)
        rows = [ReasonFigure(reason_id=reason, count=f.lost, amount=base_money(f.lost_amount))
                for reason, f in found.items() if f.lost]
        return sorted(rows, key=lambda r: (-r.count, r.reason_id or 0))

    @strawberry.field(description="How many of the team's open deals had no activity for quietDays days")
    async def stalled_count(self) -> int:
        s = self.scope
        return await reads.quiet_deals(s.actor, self.members, s.quiet_days, s.now).count()

    @strawberry.field(description="The team's open deals with no activity for quietDays days, least recently updated first")
    async def stalled_deals(self, first: int = 5) -> list[DealType]:
        s = self.scope
        rows = await (reads.quiet_deals(s.actor, self.members, s.quiet_days, s.now)
                      .order_by("updated_at", "id").limit(_first(first)))
        return DealType.of_all(list(rows))


