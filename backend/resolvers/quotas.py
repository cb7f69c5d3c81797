"""Quotas: the contract's `quotas` list and `setQuota`, and quotaChanged (dashboards follow attainment)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from backend import permissions
from backend.auth.actor import Actor
from backend.live import topics
from backend.live.events import QuotaSet
from backend.models import Quota, QuotaPeriod
from backend.reads.context import Info
from backend.reads.paging import FIRST_DESCRIPTION, Connection, Edge, paginate
from backend.resolvers.streams import FanOut, seen_rows
from backend.schema.quotas import QuotaChangeEvent, QuotaFilter, QuotaType, SetQuotaInput, quota_types
from backend.services import quotas as service
from backend.services import validate as v
from backend.services.periods import period_start

quota_fan_out = FanOut()


def _id(value: int | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def _filtered(info: Info, where: QuotaFilter | None) -> QuerySet[Quota]:
    query = Quota.filter(permissions.quota_rule(info.context.actor))
    if where is None:
        return query
    if where.user_id:
        query = query.filter(user_id__in=[v.parse_id("filter.userId", i) for i in where.user_id])
    if where.team_id:
        query = query.filter(team_id__in=[v.parse_id("filter.teamId", i) for i in where.team_id])
    if where.period is not None:
        query = query.filter(period=where.period)
    if where.on is not None:
        day = where.on  # the periods holding that day: one start per kind of period
        query = query.filter(Q(*(Q(period=kind, starts_on=period_start(kind, day)) for kind in QuotaPeriod),
                               join_type="OR"))
    return query


@strawberry.type
class QuotaQuery:
    @strawberry.field(description="Quotas you may see (admins all; a sales head the team's and its members'; a rep "
                      "their own and the team's), latest period first, each with what was won against it")
    async def quotas(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        filter: QuotaFilter | None = None,
    ) -> Connection[QuotaType]:
        page = await paginate(_filtered(info, filter), field="starts_on", descending=True, first=first, after=after)
        nodes = await quota_types(info.context.actor, [edge.node for edge in page.edges])
        page.edges = [Edge(cursor=edge.cursor, node=node) for edge, node in zip(page.edges, nodes, strict=True)]
        return page


@strawberry.type
class QuotaMutation:
    @strawberry.mutation(description="Set or replace the quota of a salesperson or a team for a month, quarter or "
                         "year (sales heads: their team's; admins: anyone's); the old figures stay in its history")
    async def set_quota(self, info: Info, input: SetQuotaInput) -> QuotaType:
        actor = info.context.actor
        row = await service.set_quota(
            actor, user_id=input.user_id, team_id=input.team_id, period=input.period, starts_on=input.starts_on,
            amount=input.amount, calls_per_week=input.calls_per_week, meetings_per_week=input.meetings_per_week,
        )
        return (await quota_types(actor, [row]))[0]


async def _read_quota(who: Actor, p: QuotaSet) -> Quota | None:
    return await Quota.filter(permissions.quota_rule(who), id=p.id).first()


@strawberry.type
class QuotaSubscription:
    @strawberry.subscription(description="Quotas you may see set or replaced, as committed: a dashboard reads its "
                             "attainment again")
    async def quota_changed(self, info: Info) -> AsyncGenerator[QuotaChangeEvent, None]:
        async for p, row in seen_rows(info.context, topics.quotas(), QuotaSet, quota_fan_out, _read_quota):
            yield QuotaChangeEvent(row=row, quota_id=strawberry.ID(str(row.id)), user_id=_id(row.user_id),
                                   team_id=_id(row.team_id), actor_id=_id(p.actor_id))
