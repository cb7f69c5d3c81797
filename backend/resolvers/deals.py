"""Pipelines and deals: thin reads (through DealFilter's one meaning, in backend.schema.deals) and calls into
services.deals."""

from __future__ import annotations

from typing import Annotated

import strawberry
from tortoise.queryset import QuerySet

from backend import permissions
from backend.models import CustomEntity, Deal, Pipeline
from backend.reads.context import Info
from backend.reads.custom_order import paginate_by_custom
from backend.reads.paging import (
    FIRST_DESCRIPTION,
    Connection,
    Edge,
    PageInfo,
    make_cursor,
    nulls_last_parts,
    page_size,
    paginate,
)
from backend.schema.common import Deleted, SortDirection, provided
from backend.schema.deals import (
    CreateDealInput,
    DealFilter,
    DealOrder,
    DealOrderField,
    DealType,
    DeleteDealInput,
    MoveDealInput,
    MoveDealsToPipelineInput,
    PipelineType,
    UpdateDealInput,
    visible_deals,
)
from backend.services import deal_pipelines
from backend.services import deals as service
from backend.services.search import ARCHIVED_DESCRIPTION, by_archived_links, indexed_search_q


async def paginate_nulls_last(
    query: QuerySet, *, field: str, descending: bool, first: int | None, after: str | None
) -> Connection:
    """Keyset pages over a nullable column: rows with a value in (field, id) order, then the rest by id (at most
    two statements: reads.paging.nulls_last_parts)."""
    size = page_size(first)
    rows: list[Deal] = []
    if size:  # first: 0 reads nothing, not even the cursor, as paginate
        with_value, without = nulls_last_parts(query, field, descending, after, size)
        rows = [] if with_value is None else list(await with_value)
        if len(rows) <= size:
            rows += await without.limit(size + 1 - len(rows))
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


async def listed_deals(info: Info, filter: DealFilter | None, search: str | None, archived: bool | None) -> QuerySet:
    """The deals the list shows for these arguments: the caller's row rules, the filter, search and archive
    choice (reports narrow their deals by the same arguments, with the same meaning)."""
    query = await visible_deals(info, filter)
    query = by_archived_links(query, archived)
    if search and search.strip():
        query = query.filter(indexed_search_q("deal", search))
    return query


@strawberry.type
class DealQuery:
    @strawberry.field(description="Every pipeline, default first, each with its stages in order")
    async def pipelines(self, info: Info) -> list[PipelineType]:
        permissions.require_role(info.context.actor)
        return PipelineType.of_all(await Pipeline.all().order_by("-is_default", "position", "id"))

    @strawberry.field(description="One deal by id (NOT_FOUND when it does not exist or is not visible)")
    async def deal(self, info: Info, id: strawberry.ID) -> DealType:
        return DealType.of(await service.visible(info.context.actor, id))

    @strawberry.field(description="Deals you may see, filtered, searched by title, sorted and paged")
    async def deals(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        filter: DealFilter | None = None,
        order_by: Annotated[DealOrder | None, strawberry.argument(description="Default: newest first")] = None,
        search: Annotated[str | None, strawberry.argument(description="Words of the title")] = None,
        archived: Annotated[bool | None, strawberry.argument(description=ARCHIVED_DESCRIPTION)] = None,
    ) -> Connection[DealType]:
        query = await listed_deals(info, filter, search, archived)
        order = order_by or DealOrder(field=DealOrderField.CREATED_AT, direction=SortDirection.DESC)
        if order.custom_field is not None:
            return await paginate_by_custom(query, CustomEntity.DEAL, order.custom_field,
                                            descending=order.direction is SortDirection.DESC, first=first, after=after)
        pages = paginate_nulls_last if order.field is DealOrderField.EXPECTED_CLOSE_DATE else paginate
        return await pages(
            query, field=order.field.value, descending=order.direction is SortDirection.DESC, first=first, after=after
        )


@strawberry.type
class DealMutation:
    @strawberry.mutation(description="Open a deal with a customer")
    async def create_deal(self, info: Info, input: CreateDealInput) -> DealType:
        return DealType.of(await service.create_deal(info.context.actor, provided(input)))

    @strawberry.mutation(description="Change a deal's fields (send the version you read)")
    async def update_deal(self, info: Info, input: UpdateDealInput) -> DealType:
        data = provided(input)
        return DealType.of(await service.update_deal(info.context.actor, data.pop("id"), data.pop("version"), data))

    @strawberry.mutation(description="Move a deal to another stage; won and lost stages close it")
    async def move_deal(self, info: Info, input: MoveDealInput) -> DealType:
        step = None if input.next_step is None else provided(input.next_step)
        return DealType.of(await service.move_deal(info.context.actor, input.id, input.version, input.stage_id,
                                                   input.lost_reason, input.lost_reason_id, step))

    @strawberry.mutation(description="Move deals to another pipeline, each into the stage the map gives for its "
                         "current one (stage history, timeline, owner told, as moveDeal)")
    async def move_deals_to_pipeline(self, info: Info, input: MoveDealsToPipelineInput) -> list[DealType]:
        moved = await deal_pipelines.move_deals_to_pipeline(info.context.actor, input.deal_ids, input.pipeline_id,
                                                            input.stage_map, input.lost_reason, input.lost_reason_id)
        return DealType.of_all(moved)

    @strawberry.mutation(description="Delete a deal (admins and sales heads)")
    async def delete_deal(self, info: Info, input: DeleteDealInput) -> Deleted:
        deleted = await service.delete_deal(info.context.actor, input.id, input.version)
        return Deleted(id=strawberry.ID(str(deleted)))
