"""Saved segments as the API shows them, their inputs, the live membership change, and the saved filter's
JSON form (the CustomerFilter or ContactFilter input, kept as it was given, so a segment filters exactly as
its list does)."""

from __future__ import annotations

import dataclasses
import json
import types
from datetime import date, datetime
from enum import Enum
from typing import Any, Union, cast, get_args, get_origin, get_type_hints

import strawberry
from strawberry.types.unset import UNSET

from backend import permissions
from backend.auth.actor import Actor
from backend.models import Segment
from backend.models import SegmentEntity as SegmentEntityModel
from backend.models import SegmentKind as SegmentKindModel
from backend.permissions import Action
from backend.reads.columns import reads
from backend.reads.context import Info
from backend.schema.contacts import ContactFilter, ContactType
from backend.schema.customers import CustomerFilter, CustomerType
from backend.schema.rows import Shows
from backend.schema.users import UserType

SegmentKind = SegmentKindModel
strawberry.enum(
    SegmentKind, name="SegmentKind",
    description="STATIC: hand-picked members; DYNAMIC: a saved list filter, its members always current",
)
SegmentEntity = SegmentEntityModel
strawberry.enum(
    SegmentEntity, name="SegmentEntity",
    description="What a segment gathers: CUSTOMER (the customers list's filter) or CONTACT (the contacts list's)",
)
# Each entity's list filter: what a dynamic segment of it keeps.
FILTERS: dict[SegmentEntity, type] = {SegmentEntity.CUSTOMER: CustomerFilter, SegmentEntity.CONTACT: ContactFilter}


@strawberry.type(name="Segment", description="A saved segment: an audience of customers or contacts kept by "
                 "name (not the customer's own `segment` field, a market tier)")
class SegmentType(Shows[Segment]):
    id: strawberry.ID = strawberry.field(description="Segment id")
    name: str = strawberry.field(description="Its name")
    description: str = strawberry.field(description="What it is for")
    kind: SegmentKind = strawberry.field(description="STATIC or DYNAMIC")
    entity: SegmentEntity = strawberry.field(description="CUSTOMER or CONTACT: what its members are")
    shared: bool = strawberry.field(description="Seen by every user (members still follow each one's row rules)")
    version: int = strawberry.field(description="Send it back with updateSegment and deleteSegment")
    created_at: datetime = strawberry.field(description="Created at")
    updated_at: datetime = strawberry.field(description="Last changed at")

    @strawberry.field(description="Who keeps it", metadata=reads("owner_id"))
    @staticmethod
    async def owner(segment: strawberry.Parent[Segment], info: Info) -> UserType | None:
        owner_id = segment.owner_id
        return UserType.of_maybe(await info.context.loaders.user.load(owner_id)) if owner_id else None

    @strawberry.field(description="Dynamic: its filter in words, one condition each", metadata=reads("conditions"))
    @staticmethod
    def conditions(segment: strawberry.Parent[Segment]) -> list[str]:
        return describe(segment.conditions)

    @strawberry.field(
        description="Dynamic: its filter as its list's `filter` variable (customers or contacts; JSON text)",
        metadata=reads("conditions", "entity"),
    )
    @staticmethod
    def filter_json(segment: strawberry.Parent[Segment]) -> str | None:
        return json.dumps(as_variables(decode_filter(segment))) if segment.conditions else None

    @strawberry.field(
        description="What you may do with it (updateSegment, deleteSegment)", metadata=reads("owner_id")
    )
    @staticmethod
    def allowed_actions(segment: strawberry.Parent[Segment], info: Info) -> list[str]:
        return segment_actions(info.context.actor, segment)


def segment_actions(actor: Actor, segment: Segment) -> list[str]:
    """What `actor` may do with `segment` (its owner_id read): updateSegment, deleteSegment."""
    return [a.value for a in (Action.UPDATE_SEGMENT, Action.DELETE_SEGMENT) if permissions.may(actor, a, segment)]


@strawberry.input(description="A new saved segment")
class CreateSegmentInput:
    name: str = strawberry.field(description="Its name (required)")
    kind: SegmentKind = strawberry.field(description="STATIC (hand-picked) or DYNAMIC (a saved filter)")
    entity: SegmentEntity = strawberry.field(
        default=SegmentEntity.CUSTOMER, description="CUSTOMER (default) or CONTACT; fixed once created"
    )
    description: str | None = strawberry.field(default=UNSET, description="What it is for")
    shared: bool | None = strawberry.field(default=UNSET, description="Seen by every user (default: only you)")
    filter: CustomerFilter | None = strawberry.field(
        default=None, description="DYNAMIC CUSTOMER: the customers list's filter to keep (without segmentId)"
    )
    contact_filter: ContactFilter | None = strawberry.field(
        default=None, description="DYNAMIC CONTACT: the contacts list's filter to keep (without segmentId)"
    )
    customer_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="STATIC CUSTOMER: first members")
    contact_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="STATIC CONTACT: first members")


@strawberry.input(description="Changes to a saved segment; fields left out stay as they are")
class UpdateSegmentInput:
    id: strawberry.ID = strawberry.field(description="Segment id")
    version: int = strawberry.field(description="The version you read; a stale one is refused with CONFLICT")
    name: str | None = strawberry.field(default=UNSET, description="Its name")
    description: str | None = strawberry.field(default=UNSET, description="What it is for")
    shared: bool | None = strawberry.field(default=UNSET, description="Seen by every user")
    filter: CustomerFilter | None = strawberry.field(default=UNSET, description="DYNAMIC CUSTOMER: the new filter")
    contact_filter: ContactFilter | None = strawberry.field(
        default=UNSET, description="DYNAMIC CONTACT: the new filter"
    )


@strawberry.input(description="Delete a saved segment (its customers stay as they are)")
class DeleteSegmentInput:
    id: strawberry.ID = strawberry.field(description="Segment id")
    version: int = strawberry.field(description="The version you read")


@strawberry.input(description="Customers or contacts to hand-pick into or out of a static segment: send the ids "
                  "of the segment's entity (customerIds for a customer segment, contactIds for a contact segment)")
class SegmentMembersInput:
    segment_id: strawberry.ID = strawberry.field(description="A static segment")
    customer_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Customers you may see (at most 1,000): a customer segment's"
    )
    contact_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Contacts you may see (at most 1,000): a contact segment's"
    )


@strawberry.type(description="Members added to or removed from a static segment")
class SegmentMembersChange:
    segment: SegmentType = strawberry.field(description="The segment")
    changed_ids: list[strawberry.ID] = strawberry.field(
        description="Customers or contacts (the segment's entity) that were not (or were) members"
    )


@strawberry.enum(description="How a customer's or contact's membership changed")
class SegmentChangeKind(Enum):
    ENTERED = "entered"
    LEFT = "left"


@strawberry.type(description="A customer (of a customer segment) or a contact (of a contact segment) entered or "
                 "left a segment, as you see it")
class SegmentChange:
    kind: SegmentChangeKind = strawberry.field(description="ENTERED or LEFT")
    segment_id: strawberry.ID = strawberry.field(description="The segment")
    customer_id: strawberry.ID | None = strawberry.field(description="Customer segment: the customer")
    customer: CustomerType | None = strawberry.field(description="ENTERED: the customer as it is now; LEFT: null")
    contact_id: strawberry.ID | None = strawberry.field(default=None, description="Contact segment: the contact")
    contact: ContactType | None = strawberry.field(default=None, description="ENTERED: the contact as it is now; LEFT: null")


# --- The saved filter --------------------------------------------------------------------------------


def encode_filter(where: Any) -> Any:
    """A list filter (and its nested inputs) as JSON values: enums by value, instants as ISO text, unset left
    out, and so is a value equal to its field's default (archived: false), which decoding gives back."""
    if isinstance(where, Enum):
        return where.value
    if isinstance(where, (datetime, date)):  # a date: a custom-field condition's
        return where.isoformat()
    if isinstance(where, list):
        return [encode_filter(item) for item in where]
    if dataclasses.is_dataclass(where) and not isinstance(where, type):
        return {
            f.name: encode_filter(value)
            for f in dataclasses.fields(where)
            if (value := getattr(where, f.name)) is not None and value is not UNSET and value is not f.default
        }
    return where


def decode_filter(segment: Segment) -> Any:
    """The list filter a segment saved, CustomerFilter or ContactFilter by its entity (encode_filter's inverse)."""
    return _build(FILTERS[segment.entity], segment.conditions)


def _build(cls: type, values: dict[str, Any]) -> Any:
    hints = get_type_hints(cls)
    return cls(**{name: _typed(hints[name], value) for name, value in values.items() if name in hints})


def _typed(hint: Any, value: Any) -> Any:
    if get_origin(hint) in (Union, types.UnionType):
        hint = next(arg for arg in get_args(hint) if arg is not type(None))
    while hasattr(hint, "__supertype__"):  # NewType: strawberry.ID, BigInt
        hint = hint.__supertype__
    if value is None:
        return None
    if get_origin(hint) is list:
        return [_typed(get_args(hint)[0], item) for item in value]
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if hint is datetime:
        return datetime.fromisoformat(value)
    if hint is date:
        return date.fromisoformat(value)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value)  # type: ignore[arg-type]  # is_dataclass narrows to instance-or-type; a hint is a type
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def as_variables(where: Any) -> dict[str, Any]:
    """The filter as a client sends it (camelCase keys), e.g. to open its list with it."""

    def camel(value: Any) -> Any:
        if isinstance(value, dict):
            return {_camel(k): camel(v) for k, v in value.items()}
        return value

    return cast(dict[str, Any], camel(encode_filter(where)))


def describe(conditions: dict[str, Any]) -> list[str]:
    """The saved filter in words, one line per condition, for lists and the segment's page."""
    lines = []
    for name, value in conditions.items():
        label = name.replace("_", " ").capitalize()
        if isinstance(value, list):
            lines.append(f"{label}: {', '.join(str(item) for item in value)}")
        elif isinstance(value, dict):
            parts = ", ".join(f"{k.replace('_', ' ')} {_short(v)}" for k, v in value.items())
            lines.append(f"{label}: {parts}")
        else:
            lines.append(f"{label}: {value}")
    return lines


def _short(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)[:10] if isinstance(value, str) and "T" in value else str(value)
