"""Who is in a saved segment, as a query of its entity's rows (customers or contacts): the lists' `segmentId`
condition, exports and the segment's live stream all read membership here, so they never disagree."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.models import Segment, SegmentEntity, SegmentKind
from backend.resolvers import contacts, customers
from backend.schema.segments import decode_filter
from backend.services import segments as service

# Each entity's list filter as a query, built-in and custom-field conditions: what a dynamic segment of it applies.
FILTER_QUERIES: dict[SegmentEntity, Callable[[QuerySet, Any, str], Awaitable[QuerySet]]] = {
    SegmentEntity.CUSTOMER: customers.narrowed,
    SegmentEntity.CONTACT: contacts.narrowed,
}


async def members_of(query: QuerySet, segment: Segment) -> QuerySet:
    """`query` (rows of the segment's entity, already narrowed to what the reader may see) narrowed to its members."""
    if segment.kind is SegmentKind.STATIC:
        gathers = service.ENTITIES[segment.entity]
        return query.filter(id__in=Subquery(gathers.picks.filter(segment_id=segment.id).values(gathers.column)))
    return await FILTER_QUERIES[segment.entity](query, decode_filter(segment), "filter")


async def seen_members(actor: Actor, segment: Segment) -> QuerySet:
    """The segment's members `actor` may see: its entity's row rule (as its list applies it) and its membership."""
    gathers = service.ENTITIES[segment.entity]
    return await members_of(gathers.model.filter(gathers.rule(actor)), segment)


async def within_segment(actor: Actor, query: QuerySet, where: Any, entity: SegmentEntity) -> QuerySet:
    """`query` narrowed by the segmentId condition of `entity`'s list filter `where`, when it has one: NOT_FOUND
    (field filter.segmentId) for a segment `actor` may not see, BAD_USER_INPUT for one of another entity (a
    customer segment holds no contacts)."""
    if where is None or where.segment_id is None:
        return query
    segment = await service.visible(actor, where.segment_id, "filter.segmentId")
    if segment.entity is not entity:
        raise BadUserInput("filter.segmentId", f"that segment gathers {segment.entity.value}s, not {entity.value}s")
    return await members_of(query, segment)
