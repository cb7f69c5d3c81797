"""The change feed (issue 21) as the API shows it: one committed change of a record, in commit order."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from backend.models import Change
from backend.schema.rows import Shows


@strawberry.enum(description="What kind of record a change is about")
class ChangeEntity(Enum):
    CUSTOMER = "customer"
    CONTACT = "contact"
    LEAD = "lead"
    DEAL = "deal"
    ACTIVITY = "activity"
    TICKET = "ticket"


@strawberry.enum(description="What happened to the record")
class ChangeKind(Enum):
    CREATED = "created"
    UPDATED = "updated"
    STATUS_CHANGED = "status_changed"
    ARCHIVED = "archived"
    DELETED = "deleted"
    MERGED = "merged"


@strawberry.type(name="FieldChangeValues", description="One changed field: its value before and after")
class ChangedField:
    field: str = strawberry.field(description="The field's name as stored, e.g. amount_minor or stage_id")
    old: JSON | None = strawberry.field(description="Before (null when created)")
    new: JSON | None = strawberry.field(description="After (null when deleted)")


@strawberry.type(name="Change", description="One committed change of a record, in commit order")
class ChangeType(Shows[Change]):
    id: strawberry.ID = strawberry.field(description="Change id: increases in commit order")
    at: datetime = strawberry.field(description="When it was committed")
    action: str = strawberry.field(description="The audit action it was recorded as, e.g. deal.move")
    entity_id: strawberry.ID = strawberry.field(description="Id of the record changed")

    @strawberry.field(description="The kind of record changed")
    @staticmethod
    def entity(change: strawberry.Parent[Change]) -> ChangeEntity:
        return ChangeEntity(change.entity)

    @strawberry.field(description="What happened")
    @staticmethod
    def kind(change: strawberry.Parent[Change]) -> ChangeKind:
        return ChangeKind(change.kind)

    @strawberry.field(description="Id of the user who made it (null for the command line or public visitors)")
    @staticmethod
    def actor_id(change: strawberry.Parent[Change]) -> strawberry.ID | None:
        return strawberry.ID(str(change.actor_id)) if change.actor_id is not None else None

    @strawberry.field(description="Changed fields, old → new")
    @staticmethod
    def changes(change: strawberry.Parent[Change]) -> list[ChangedField]:
        return [ChangedField(field=name, old=pair[0], new=pair[1]) if isinstance(pair, list) and len(pair) == 2
                else ChangedField(field=name, old=None, new=pair) for name, pair in change.changes.items()]
