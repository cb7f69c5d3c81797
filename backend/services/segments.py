"""Saved segments: create, edit, share, delete, and hand-pick the members of static ones.

A segment gathers customers or contacts (its `entity`, fixed at creation). A dynamic segment's conditions
arrive validated (the API checks them with that entity's list filter, which lives above this layer); here
they are stored as given. Members are rows the writer may see: picking one out of sight is NOT_FOUND, as
anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from tortoise.expressions import Q
from tortoise.models import Model

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, Conflict, NotFound
from backend.live import topics
from backend.live.events import SegmentDeleted, SegmentMembersChanged, SegmentUpdated
from backend.models import Contact, Customer, Segment, SegmentContact, SegmentEntity, SegmentKind, SegmentMember
from backend.permissions import Action
from backend.services import validate as v
from backend.services.unit import diff, write

MAX_PICK = 1000  # rows added or removed in one call: a list's selection, or a few pages of it


@dataclass(frozen=True)
class Gathers:
    """What a segment of one entity is made of: its rows and row rule, and the table of hand-picked ones."""

    model: type[Model]
    rule: Callable[[Actor], Q]
    picks: type[Model]  # static members: rows of (segment_id, `column`)
    column: str
    ids_field: str  # the input field naming picked rows, e.g. customerIds
    noun: str


ENTITIES = {
    SegmentEntity.CUSTOMER: Gathers(Customer, permissions.customer_rule, SegmentMember, "customer_id", "customerIds",
                                    "customer"),
    SegmentEntity.CONTACT: Gathers(Contact, permissions.contact_rule, SegmentContact, "contact_id", "contactIds",
                                   "contact"),
}


async def visible(actor: Actor, raw_id: Any, field: str = "id") -> Segment:
    segment_id = v.parse_id(field, raw_id)
    return cast(Segment, await v.one(Segment.filter(permissions.segment_rule(actor), id=segment_id), "Segment", raw_id, field))


async def customer_segment(actor: Actor, raw_id: Any) -> Segment:
    """A segment as a campaign's audience (field segmentId): campaign mail reaches customers' contacts from a
    customer segment; a contact segment is refused (BAD_USER_INPUT), so its members are never read as customers."""
    segment = await visible(actor, raw_id, "segmentId")
    if segment.entity is not SegmentEntity.CUSTOMER:
        raise BadUserInput("segmentId", "campaign mail takes a customer segment; pick contacts one by one instead")
    return segment


def _clean(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if creating or "name" in data:
        values["name"] = v.text("name", data.get("name"), max_length=100, required=True)
    if "description" in data:
        values["description"] = v.text("description", data["description"], max_length=2000, multiline=True)
    if "shared" in data and data["shared"] is not None:
        values["shared"] = bool(data["shared"])
    if "conditions" in data and data["conditions"] is not None:
        values["conditions"] = dict(data["conditions"])
    return values


async def _picked(actor: Actor, gathers: Gathers, raw_ids: Sequence[Any]) -> list[int]:
    """The row ids, each visible to `actor` (NOT_FOUND naming the first that is not), without repeats."""
    ids = list(dict.fromkeys(v.parse_id(gathers.ids_field, raw) for raw in raw_ids))
    if not ids:
        raise BadUserInput(gathers.ids_field, f"pick at least one {gathers.noun}")
    if len(ids) > MAX_PICK:
        raise BadUserInput(gathers.ids_field, f"at most {MAX_PICK} {gathers.noun}s at a time")
    found = set(cast(list[int], await gathers.model.filter(gathers.rule(actor), id__in=ids).values_list("id", flat=True)))
    if missing := [i for i in ids if i not in found]:
        raise NotFound(gathers.model.__name__, missing[0], field=gathers.ids_field)
    return ids


def _pick(gathers: Gathers, segment_id: int, member_id: int) -> Model:
    return gathers.picks(segment_id=segment_id, **{gathers.column: member_id})


async def create_segment(
    actor: Actor, kind: Any, data: Mapping[str, Any], member_ids: Sequence[Any] = (),
    entity: Any = SegmentEntity.CUSTOMER,
) -> Segment:
    """`member_ids`: a static segment's first members, rows of `entity` (customers or contacts)."""
    permissions.require(actor, Action.CREATE_SEGMENT)
    kind = v.choice("kind", kind, SegmentKind)
    entity = v.choice("entity", entity, SegmentEntity)
    gathers = ENTITIES[entity]
    values = _clean(data, creating=True)
    if kind is SegmentKind.DYNAMIC and "conditions" not in values:
        raise BadUserInput("filter", "a dynamic segment needs the filter it keeps")
    if kind is SegmentKind.STATIC and values.pop("conditions", None):
        raise BadUserInput("filter", "a static segment has hand-picked members, not a filter")
    members = await _picked(actor, gathers, member_ids) if member_ids else []
    async with write(actor) as unit:
        segment = await Segment.create(**values, kind=kind, entity=entity, owner_id=actor.user_id)
        await gathers.picks.bulk_create([_pick(gathers, segment.id, m) for m in members])
        await unit.audit("segment.create", "segment", segment.id,
                         diff({}, {**values, "kind": kind, "entity": entity, f"{gathers.column}s": members}))
    return segment


async def update_segment(actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any]) -> Segment:
    expected = v.version("version", version)
    values = _clean(data, creating=False)
    async with write(actor) as unit:
        segment = await visible(actor, raw_id)
        permissions.require(actor, Action.UPDATE_SEGMENT, segment)
        if "conditions" in values and segment.kind is SegmentKind.STATIC:
            raise BadUserInput("filter", "a static segment has hand-picked members, not a filter")
        before = {key: getattr(segment, key) for key in values}
        await v.versioned_update(Segment, segment, expected, "Segment", **values)
        await unit.audit("segment.update", "segment", segment.id, diff(before, values))
        unit.publish(topics.segment(segment.id), SegmentUpdated(id=segment.id))
    return segment


async def delete_segment(actor: Actor, raw_id: Any, version: int | None) -> int:
    expected = v.version("version", version)
    async with write(actor) as unit:
        segment = await visible(actor, raw_id)
        permissions.require(actor, Action.DELETE_SEGMENT, segment)
        if segment.version != expected:
            raise Conflict("Segment", segment.version)
        await segment.delete()
        await unit.audit("segment.delete", "segment", segment.id, {"name": [segment.name, None]})
        unit.publish(topics.segment(segment.id), SegmentDeleted(id=segment.id))
    return segment.id


async def change_members(actor: Actor, raw_id: Any, picks: Mapping[SegmentEntity, Sequence[Any] | None], *,
                         add: bool) -> tuple[Segment, list[int]]:
    """Hand-pick rows into (add) or out of a static segment; returns it and the ids that changed. `picks`
    holds the ids given per entity (customerIds, contactIds): only the segment's own entity may be given.

    Adding one already there or removing one not there changes nothing and is no error (bulk picks
    overlap); racing adds of the same row are settled by the table's unique key."""
    segment = await visible(actor, raw_id, "segmentId")
    gathers = ENTITIES[segment.entity]
    for entity, ids in picks.items():
        if ids is not None and entity is not segment.entity:
            raise BadUserInput(ENTITIES[entity].ids_field, f"this segment gathers {gathers.noun}s: send {gathers.ids_field}")
    picked = await _picked(actor, gathers, picks.get(segment.entity) or ())
    async with write(actor) as unit:
        segment = await visible(actor, raw_id, "segmentId")
        permissions.require(actor, Action.UPDATE_SEGMENT, segment)
        if segment.kind is not SegmentKind.STATIC:
            raise BadUserInput("segmentId", "a dynamic segment's members follow its filter; edit the filter instead")
        column = gathers.column
        present = set(cast(list[int], await gathers.picks.filter(segment_id=segment.id, **{f"{column}__in": picked})
                           .values_list(column, flat=True)))
        if add:
            changed = [c for c in picked if c not in present]
            await gathers.picks.bulk_create([_pick(gathers, segment.id, c) for c in changed], ignore_conflicts=True)
        else:
            changed = [c for c in picked if c in present]
            await gathers.picks.filter(segment_id=segment.id, **{f"{column}__in": changed}).delete()
        action = "segment.add_members" if add else "segment.remove_members"
        await unit.audit(action, "segment", segment.id, {f"{column}s": [None, changed] if add else [changed, None]})
        if changed:
            unit.publish(topics.segment(segment.id), SegmentMembersChanged(id=segment.id, ids=changed))
    return segment, changed
