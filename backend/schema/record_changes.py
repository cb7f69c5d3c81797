"""What leadChanged and contactChanged deliver: a committed change of a lead or contact the subscriber may
see, or saw (then removed: drop it)."""

from __future__ import annotations

from enum import Enum

import strawberry

from backend.reads.context import Info
from backend.schema.contacts import ContactType, LeadType
from backend.schema.users import UserType


@strawberry.enum(name="RecordChangeKind", description="What happened to a lead or contact")
class RecordChangeKind(Enum):
    CREATED = "created"
    UPDATED = strawberry.enum_value("updated", description="Edited, its status changed, or converted")
    DELETED = "deleted"
    REMOVED = strawberry.enum_value(
        "removed", description="No longer visible to you (another owner or customer, or hidden by a rule): drop it"
    )


@strawberry.type(description="Who made a change")
class ChangeMade:
    actor_id: strawberry.ID | None = strawberry.field(description="Who made the change (null: the system)")

    @strawberry.field(description="Who made the change")
    async def changed_by(self, info: Info) -> UserType | None:
        return UserType.of_maybe(await info.context.loaders.user.load(int(self.actor_id))) if self.actor_id else None


@strawberry.type(name="LeadChangeEvent", description="A committed change of a lead you may see, or saw")
class LeadChangeEvent(ChangeMade):
    kind: RecordChangeKind = strawberry.field(description="Created, updated, or removed from your view")
    lead_id: strawberry.ID = strawberry.field(description="The lead's id (also for removed ones)")
    lead: LeadType | None = strawberry.field(description="The lead as it is now; null when removed")


@strawberry.type(name="ContactChangeEvent", description="A committed change of a contact you may see, or saw")
class ContactChangeEvent(ChangeMade):
    kind: RecordChangeKind = strawberry.field(description="Created, updated, deleted, or removed from your view")
    contact_id: strawberry.ID = strawberry.field(description="The contact's id (also for deleted and removed ones)")
    contact: ContactType | None = strawberry.field(description="The contact as it is now; null when deleted or removed")
