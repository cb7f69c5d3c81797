"""Saved segments: the list and one segment, their mutations, and segmentChanged, the live membership.

A segment gathers customers or contacts; one mechanism follows both. segmentChanged keeps the ids of the
members its subscriber sees. Every committed write that touches customers publishes one CustomersTouched
naming them (unit.write), and every contact write names its contacts on topics.contacts(); `_touched` turns
an event into the ids of the segment's entity it may have moved (contacts also follow their customer, whose
changes can show or hide them), so an event costs one query, the segment's own conditions plus the reader's
row rule plus `id IN (touched)`, once per event, audience and segment in this process (FanOut), however many
subscribers share it; the diff against the kept ids says who entered and who left. A row hidden from the
reader by the change fails the row rule: LEFT.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Collection
from typing import Annotated, Any, cast

import strawberry
from tortoise.models import Model

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, NotFound
from backend.live import topics
from backend.live.events import (
    ContactCreated,
    ContactDeleted,
    ContactsRemoved,
    ContactUpdated,
    CustomersTouched,
    Event,
    Payload,
    SegmentDeleted,
    SegmentMembersChanged,
    SegmentUpdated,
)
from backend.models import Contact, Segment, SegmentEntity
from backend.reads.context import Info
from backend.reads.loaders import Loaders
from backend.reads.paging import FIRST_DESCRIPTION, Connection, paginate
from backend.resolvers.segment_members import FILTER_QUERIES, seen_members
from backend.resolvers.streams import FanOut, listen, subscriber
from backend.schema.common import Deleted, provided
from backend.schema.contacts import ContactType
from backend.schema.customers import CustomerType
from backend.schema.segments import (
    CreateSegmentInput,
    DeleteSegmentInput,
    SegmentChange,
    SegmentChangeKind,
    SegmentMembersChange,
    SegmentMembersInput,
    SegmentType,
    UpdateSegmentInput,
    encode_filter,
)
from backend.services import segments as service

segment_fan_out = FanOut()
# A last-activity condition changes its answer as time passes, with no write to announce it: segments with
# one are read whole again this often (one id query per subscriber), so quiet customers drift out.
AGE_RECHECK_SECONDS = 600.0
# Per entity: the input fields of its filter and picked ids (snake_case, GraphQL name), and the topics whose
# events may move its rows in or out of a segment (besides the segment's own).
INPUTS = {
    SegmentEntity.CUSTOMER: (("filter", "filter"), ("customer_ids", "customerIds")),
    SegmentEntity.CONTACT: (("contact_filter", "contactFilter"), ("contact_ids", "contactIds")),
}
FOLLOWS = {
    SegmentEntity.CUSTOMER: (topics.customers_touched(),),
    SegmentEntity.CONTACT: (topics.customers_touched(), topics.contacts()),
}


async def _ticking(events: AsyncIterator[Event], every: float | None) -> AsyncIterator[Event | None]:
    """None at once, then every event, and None again after `every` seconds without one (None: never)."""
    yield None
    if every is None:
        async for event in events:
            yield event
        return
    pending = asyncio.ensure_future(anext(events))
    try:
        while True:
            done, _ = await asyncio.wait({pending}, timeout=every)
            if not done:
                yield None
                continue
            try:
                event = pending.result()
            except StopAsyncIteration:
                return
            yield event
            pending = asyncio.ensure_future(anext(events))
    finally:
        pending.cancel()


def _own_inputs(entity: SegmentEntity, data: dict[str, Any]) -> tuple[Any, Any]:
    """(filter, picked ids) of `entity` taken out of `data`; another entity's are refused, naming the field."""
    for other, fields in INPUTS.items():
        for (name, api_name), (_, own) in zip(fields, INPUTS[entity], strict=True):
            if other is not entity and data.get(name) is not None:
                raise BadUserInput(api_name, f"this segment gathers {entity.value}s: send {own}")
    (filter_name, _), (ids_name, _) = INPUTS[entity]
    return data.pop(filter_name, None), data.pop(ids_name, None)


async def _conditions(entity: SegmentEntity, where: Any) -> dict[str, object] | None:
    """A dynamic segment's filter, checked as its list checks it (errors name the input, e.g.
    contactFilter.custom.<key>), as saved."""
    if where is None:
        return None
    within = INPUTS[entity][0][1]
    if where.segment_id is not None:
        raise BadUserInput(f"{within}.segmentId", "a segment cannot be kept inside another; pick its conditions")
    await FILTER_QUERIES[entity](service.ENTITIES[entity].model.all(), where, within)
    return cast(dict[str, object], encode_filter(where))


async def _in_view(actor: Actor, segment: Segment, ids: Collection[int] | None) -> dict[int, Model | None]:
    """Of `ids` (None: of all its entity's rows), those in the segment as `actor` sees it; rows only for `ids`."""
    query = await seen_members(actor, segment)
    if ids is None:
        return dict.fromkeys(cast(list[int], await query.values_list("id", flat=True)))
    return {row.id: row for row in await query.filter(id__in=list(ids))}


async def _touched(entity: SegmentEntity, data: Payload) -> Collection[int] | None:
    """The rows of `entity` an event may have moved in or out of a segment; None: it is about none of them."""
    match data:
        case SegmentMembersChanged(ids=ids):
            return ids
        case CustomersTouched(ids=ids) if entity is SegmentEntity.CUSTOMER:
            return ids
        case CustomersTouched(ids=ids):  # a customer's change can show or hide its contacts
            return cast(list[int], await Contact.filter(customer_id__in=ids).values_list("id", flat=True))
        case ContactCreated(id=id) | ContactUpdated(id=id) | ContactDeleted(id=id) if entity is SegmentEntity.CONTACT:
            return [id]
        case ContactsRemoved(ids=ids) if entity is SegmentEntity.CONTACT:
            return ids
    return None


def _change(segment: Segment, kind: SegmentChangeKind, row_id: int, row: Model | None) -> SegmentChange:
    """The event of one row: customerId/customer or contactId/contact, by the segment's entity."""
    change = SegmentChange(kind=kind, segment_id=strawberry.ID(str(segment.id)), customer_id=None, customer=None)
    if segment.entity is SegmentEntity.CONTACT:
        change.contact_id = strawberry.ID(str(row_id))
        change.contact = ContactType.of_maybe(cast(Contact | None, row))
    else:
        change.customer_id = strawberry.ID(str(row_id))
        change.customer = CustomerType.of_maybe(cast(Any, row))
    return change


@strawberry.type
class SegmentQuery:
    @strawberry.field(description="Saved segments you may see (yours and shared ones), by name")
    async def segments(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
    ) -> Connection[SegmentType]:
        query = Segment.filter(permissions.segment_rule(info.context.actor))
        return await paginate(query, field="name", descending=False, first=first, after=after)

    @strawberry.field(description="One saved segment (NOT_FOUND when it does not exist or is not yours nor shared)")
    async def segment(self, info: Info, id: strawberry.ID) -> SegmentType:
        return SegmentType.of(await service.visible(info.context.actor, id))


@strawberry.type
class SegmentMutation:
    @strawberry.mutation(description="Save a segment of customers or contacts (entity): hand-picked (STATIC, "
                         "customerIds or contactIds) or its list's filter (DYNAMIC, filter or contactFilter)")
    async def create_segment(self, info: Info, input: CreateSegmentInput) -> SegmentType:
        data = provided(input)
        entity = data.pop("entity")
        where, member_ids = _own_inputs(entity, data)
        data["conditions"] = await _conditions(entity, where)
        kind = data.pop("kind")
        return SegmentType.of(await service.create_segment(info.context.actor, kind, data, member_ids or [], entity))

    @strawberry.mutation(description="Rename, describe, share or re-filter a segment (send the version you read; "
                         "filter for a customer segment, contactFilter for a contact segment)")
    async def update_segment(self, info: Info, input: UpdateSegmentInput) -> SegmentType:
        data = provided(input)
        if "filter" in data or "contact_filter" in data:
            entity = (await service.visible(info.context.actor, input.id)).entity
            where, _ = _own_inputs(entity, data)
            data["conditions"] = await _conditions(entity, where)
            if data["conditions"] is None:
                raise BadUserInput(INPUTS[entity][0][1], f"a dynamic segment keeps a filter; send {{}} for every {entity.value}")
        return SegmentType.of(await service.update_segment(info.context.actor, data.pop("id"), data.pop("version"), data))

    @strawberry.mutation(description="Delete a segment (its members stay as they are)")
    async def delete_segment(self, info: Info, input: DeleteSegmentInput) -> Deleted:
        deleted = await service.delete_segment(info.context.actor, input.id, input.version)
        return Deleted(id=strawberry.ID(str(deleted)))

    @strawberry.mutation(description="Hand-pick customers or contacts into a static segment (those already in stay)")
    async def add_segment_members(self, info: Info, input: SegmentMembersInput) -> SegmentMembersChange:
        return await _change_members(info, input, add=True)

    @strawberry.mutation(description="Take customers or contacts out of a static segment")
    async def remove_segment_members(self, info: Info, input: SegmentMembersInput) -> SegmentMembersChange:
        return await _change_members(info, input, add=False)


async def _change_members(info: Info, input: SegmentMembersInput, *, add: bool) -> SegmentMembersChange:
    picks = {SegmentEntity.CUSTOMER: input.customer_ids, SegmentEntity.CONTACT: input.contact_ids}
    segment, changed = await service.change_members(info.context.actor, input.segment_id, picks, add=add)
    return SegmentMembersChange(segment=SegmentType.of(segment), changed_ids=[strawberry.ID(str(c)) for c in changed])


@strawberry.type
class SegmentSubscription:
    @strawberry.subscription(
        description="Members entering and leaving a segment as committed changes make them, as you see it: for a "
        "customer segment a status change, an edit, a deal, an activity, a hand-pick (customerId, customer); for a "
        "contact segment a contact's edit, its customer's change, a hand-pick (contactId, contact). A member "
        "leaving your view has LEFT. The stream ends (NOT_FOUND) when the segment is deleted or no longer shared "
        "with you"
    )
    async def segment_changed(self, info: Info, segment_id: strawberry.ID) -> AsyncGenerator[SegmentChange, None]:
        context = info.context
        actor = subscriber(context)
        segment = await service.visible(actor, segment_id, "segmentId")
        # Read before registering, and again at once after (the first pass below, as for a re-filtered
        # segment): whatever commits after this read is reported, by that second read or by its event.
        inside = set(await _in_view(actor, segment, None))
        async with listen(context, *FOLLOWS[segment.entity], topics.segment(segment.id)) as events:
            audience = permissions.audience(actor)
            ages = AGE_RECHECK_SECONDS if "last_activity" in segment.conditions else None
            async for event in _ticking(events, ages):
                data = event.data if event is not None else None
                match data:
                    case SegmentDeleted():
                        raise NotFound("Segment", segment_id, field="segmentId")
                    case SegmentUpdated():
                        segment = await service.visible(actor, segment.id, "segmentId")
                        data = None  # re-filtered: read whole again

                async def compute(data: Payload | None = data, segment: Segment = segment) -> tuple[
                        Collection[int] | None, dict[int, Model | None]] | None:
                    """(touched ids or None for all, the segment's rows among them); None: the event moves none."""
                    ids = None if data is None else await _touched(segment.entity, data)
                    if data is not None and ids is None:
                        return None
                    return ids, await _in_view(actor, segment, ids)

                found = await (compute() if event is None else
                               segment_fan_out.once((event.id, audience, segment.id, segment.version), compute))
                if found is None:
                    continue
                ids, now = found
                entered = sorted(now.keys() - inside)
                left = sorted((inside if ids is None else inside.intersection(ids)) - now.keys())
                if ids is None and entered:
                    now = await _in_view(actor, segment, entered)
                inside.update(entered)
                inside.difference_update(left)
                context.loaders = Loaders(actor)  # fresh rows for the nested fields, not the connection's cache
                for row_id in entered:
                    yield _change(segment, SegmentChangeKind.ENTERED, row_id, now[row_id])
                for row_id in left:
                    yield _change(segment, SegmentChangeKind.LEFT, row_id, None)
