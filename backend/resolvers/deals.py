"""Pipelines and deals: thin reads (one DealFilter meaning for SQL and for live events) and calls into
services.deals."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Annotated, Any

import strawberry
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from backend import permissions
from backend.models import Deal, Pipeline, StageKind
from backend.resolvers.paging import FIRST_DESCRIPTION, make_cursor, page_size, paginate, read_cursor
from backend.schema.common import (
    Connection,
    Deleted,
    Edge,
    Money,
    PageInfo,
    SortDirection,
    provided,
)
from backend.schema.context import Info
from backend.schema.deals import (
    CreateDealInput,
    DealFilter,
    DealOrder,
    DealOrderField,
    DealType,
    DeleteDealInput,
    MoveDealInput,
    PipelineSummary,
    PipelineType,
    StageTotals,
    UpdateDealInput,
)
from backend.services import deals as service
from backend.services import validate as v
from backend.services.currency import to_base
from backend.services.search import indexed_search_q
from backend.settings import get_settings

Condition = tuple[str, str, Any]  # (attribute path, operator, value)

TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "in": lambda value, allowed: value in allowed,
    "gte": lambda value, bound: value is not None and value >= bound,
    "lte": lambda value, bound: value is not None and value <= bound,
}


def _ids(field: str, raw: list[Any]) -> list[int]:
    return [v.parse_id(field, i) for i in raw]


def conditions(where: DealFilter | None) -> list[Condition]:
    """The filter as conditions with one meaning, evaluated by SQL (`filter_deals`) and in Python (`matches`)."""
    if where is None:
        return []
    found: list[Condition] = []
    if where.pipeline_id is not None:
        found.append(("pipeline_id", "eq", v.parse_id("filter.pipelineId", where.pipeline_id)))
    if where.stage_id:
        found.append(("stage_id", "in", _ids("filter.stageId", where.stage_id)))
    if where.stage_kind:
        found.append(("stage__kind", "in", [StageKind(k) for k in where.stage_kind]))
    if where.owner_id:
        found.append(("owner_id", "in", _ids("filter.ownerId", where.owner_id)))
    if where.customer_id:
        found.append(("customer_id", "in", _ids("filter.customerId", where.customer_id)))
    if where.currency:
        found.append(("currency", "in", [v.currency("filter.currency", c) for c in where.currency]))
    ranges = (
        ("amount", where.amount and where.amount.min, where.amount and where.amount.max),
        ("expected_close_date", where.expected_close and where.expected_close.start,
         where.expected_close and where.expected_close.end),
    )
    for path, low, high in ranges:
        if low is not None:
            found.append((path, "gte", low))
        if high is not None:
            found.append((path, "lte", high))
    if where.created_at and where.created_at.start:
        found.append(("created_at", "gte", v.aware("filter.createdAt.start", where.created_at.start)))
    if where.created_at and where.created_at.end:
        found.append(("created_at", "lte", v.aware("filter.createdAt.end", where.created_at.end)))
    return found


def filter_deals(query: QuerySet, where: DealFilter | None) -> QuerySet:
    for path, op, value in conditions(where):
        query = query.filter(**{path if op == "eq" else f"{path}__{op}": value})
    return query


def matches(where: DealFilter | None, deal: Deal) -> bool:
    """Whether `deal` passes `where`, without a query: for live events (dealChanged).

    The deal must come with its stage joined (e.g. loaders.deal) when the filter names a stage kind."""
    for path, op, value in conditions(where):
        actual: Any = deal
        for part in path.split("__"):
            actual = getattr(actual, part)
        if not TESTS[op](actual, value):
            return False
    return True


def visible_deals(info: Info, where: DealFilter | None = None) -> QuerySet:
    return filter_deals(Deal.filter(permissions.deal_rule(info.context.actor)), where)


async def paginate_nulls_last(
    query: QuerySet, *, field: str, descending: bool, first: int | None, after: str | None
) -> Connection:
    """Keyset pages over a nullable column: rows with a value in (field, id) order, then the rest by id.

    Databases disagree on where NULLs sort, so the two parts are read separately (at most two statements)."""
    size = page_size(first)
    op, prefix = ("lt", "-") if descending else ("gt", "")
    with_value, without = query.filter(**{f"{field}__isnull": False}), query.filter(**{f"{field}__isnull": True})
    if after:
        value, pk = read_cursor(after, field, query.model)
        if value is None:
            with_value, without = None, without.filter(**{f"id__{op}": pk})
        else:
            with_value = with_value.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk}))
    rows: list[Deal] = []
    if with_value is not None and size:
        rows = list(await with_value.order_by(f"{prefix}{field}", f"{prefix}id").limit(size + 1))
    if len(rows) <= size and size:
        rows += await without.order_by(f"{prefix}id").limit(size + 1 - len(rows))
    edges = [Edge(cursor=make_cursor(field, row), node=row) for row in rows[:size]]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > size,
            has_previous_page=bool(after),
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count_query=query,
    )


async def pipeline_summary(info: Info, pipeline: Pipeline, where: DealFilter | None) -> PipelineSummary:
    """Per-stage totals of the visible deals: one GROUP BY for all pipelines of the request, then arithmetic."""
    loaders = info.context.loaders
    stages = await loaders.stages_of_pipeline.load(pipeline.id)
    groups = await loaders.deal_totals(repr(where), visible_deals(info, where)).load(pipeline.id)
    table = await loaders.exchange_rates()
    per_stage: dict[int, list[int]] = {stage.id: [0, 0, 0] for stage in stages}
    for group in groups:
        figures = per_stage.setdefault(group["stage_id"], [0, 0, 0])
        figures[0] += group["n"]
        figures[1] += to_base(int(group["total"] or 0), group["currency"], table)
        # amount × percent, converted, then divided by 100 once: no rounding per deal
        figures[2] += to_base(int(group["weighted"] or 0), group["currency"], table)
    base = get_settings().base_currency

    def money(minor: int) -> Money:
        return Money(amount=minor, currency=base)

    columns = [
        StageTotals(stage=stage, count=per_stage[stage.id][0], amount=money(per_stage[stage.id][1]),
                    weighted_amount=money(round(per_stage[stage.id][2] / 100)))
        for stage in stages
    ]
    open_ = [c for c in columns if c.stage.kind is StageKind.OPEN]
    return PipelineSummary(
        stages=columns,
        count=sum(c.count for c in columns),
        open_amount=money(sum(c.amount.amount for c in open_)),
        weighted_forecast=money(sum(c.weighted_amount.amount for c in open_)),
        won_amount=money(sum(c.amount.amount for c in columns if c.stage.kind is StageKind.WON)),
    )


@strawberry.type
class DealQuery:
    @strawberry.field(description="Every pipeline, default first, each with its stages in order")
    async def pipelines(self, info: Info) -> list[PipelineType]:
        permissions.require_role(info.context.actor)
        return await Pipeline.all().order_by("-is_default", "position", "id")

    @strawberry.field(description="One deal by id (NOT_FOUND when it does not exist or is not visible)")
    async def deal(self, info: Info, id: strawberry.ID) -> DealType:
        return await service.visible(info.context.actor, id)

    @strawberry.field(description="Deals you may see, filtered, searched by title, sorted and paged")
    async def deals(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        filter: DealFilter | None = None,
        order_by: Annotated[DealOrder | None, strawberry.argument(description="Default: newest first")] = None,
        search: Annotated[str | None, strawberry.argument(description="Words of the title")] = None,
    ) -> Connection[DealType]:
        query = visible_deals(info, filter)
        if search and search.strip():
            query = query.filter(indexed_search_q("deal", search))
        order = order_by or DealOrder(field=DealOrderField.CREATED_AT, direction=SortDirection.DESC)
        pages = paginate_nulls_last if order.field is DealOrderField.EXPECTED_CLOSE_DATE else paginate
        return await pages(
            query, field=order.field.value, descending=order.direction is SortDirection.DESC, first=first, after=after
        )


@strawberry.type
class DealMutation:
    @strawberry.mutation(description="Open a deal with a customer")
    async def create_deal(self, info: Info, input: CreateDealInput) -> DealType:
        return await service.create_deal(info.context.actor, provided(input))

    @strawberry.mutation(description="Change a deal's fields (send the version you read)")
    async def update_deal(self, info: Info, input: UpdateDealInput) -> DealType:
        data = provided(input)
        return await service.update_deal(info.context.actor, data.pop("id"), data.pop("version"), data)

    @strawberry.mutation(description="Move a deal to another stage; won and lost stages close it")
    async def move_deal(self, info: Info, input: MoveDealInput) -> DealType:
        return await service.move_deal(info.context.actor, input.id, input.version, input.stage_id, input.lost_reason)

    @strawberry.mutation(description="Delete a deal (admins and sales heads)")
    async def delete_deal(self, info: Info, input: DeleteDealInput) -> Deleted:
        deleted = await service.delete_deal(info.context.actor, input.id, input.version)
        return Deleted(id=strawberry.ID(str(deleted)))
