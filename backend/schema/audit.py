"""The audit log as the API shows it: who changed what, when, through which door."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from backend.models import AuditEntry
from backend.reads.context import Info
from backend.schema.common import DateTimeRange
from backend.schema.field_changes import FieldChange, RecordRef, entry_changes
from backend.schema.field_changes import record as record_ref
from backend.schema.rows import Shows
from backend.schema.users import UserType


@strawberry.type(name="AuditEntry", description="One write: written in the same transaction as the change")
class AuditEntryType(Shows[AuditEntry]):
    id: strawberry.ID = strawberry.field(description="Entry id")
    at: datetime = strawberry.field(description="When")
    actor_label: str = strawberry.field(description="Who, as shown at the time (email, or cli/public)")
    via: str = strawberry.field(description="ui, api, token:<name>, cli or public")
    action: str = strawberry.field(description="What was done, e.g. customer.update")
    entity: str = strawberry.field(description="Kind of thing changed, e.g. customer")
    entity_id: strawberry.ID = strawberry.field(description="Id of the thing changed")
    changes: JSON = strawberry.field(description="Changed fields as {field: [old, new]}")

    @strawberry.field(description="The changes as people read them: amounts with their currency, references as "
                      "the records they name (one per field of `changes`)")
    @staticmethod
    async def field_changes(entry: strawberry.Parent[AuditEntry], info: Info) -> list[FieldChange]:
        return await entry_changes(entry, info)

    @strawberry.field(description="The record changed, named when you may see it (null for what has no id, "
                      "e.g. an export)")
    @staticmethod
    async def record(entry: strawberry.Parent[AuditEntry], info: Info) -> RecordRef | None:
        return await record_ref(info, entry.entity, entry.entity_id)

    @strawberry.field(description="The user who acted (null for the command line, public visitors or a removed user)")
    @staticmethod
    async def actor(entry: strawberry.Parent[AuditEntry], info: Info) -> UserType | None:
        actor_id = entry.actor_id
        return UserType.of_maybe(await info.context.loaders.user.load(actor_id)) if actor_id else None


@strawberry.input(description="Which audit entries to list (all given conditions hold)")
class AuditFilter:
    entity: str | None = strawberry.field(default=None, description="Kind of thing, e.g. customer")
    entity_id: strawberry.ID | None = strawberry.field(default=None, description="Id of the thing (with entity)")
    actor_id: strawberry.ID | None = strawberry.field(default=None, description="The user who acted")
    action: str | None = strawberry.field(default=None, description="Exact action, e.g. user.update")
    at: DateTimeRange | None = strawberry.field(default=None, description="When")
