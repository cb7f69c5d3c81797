"""What live subscriptions deliver: deal changes and notifications (activityAdded delivers Activity)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from backend.models import Notification
from backend.reads.context import Info
from backend.schema.deals import DealType, StageType
from backend.schema.rows import Shows
from backend.schema.users import UserType


@strawberry.enum(name="DealChangeKind", description="What happened to a deal")
class DealChangeKind(Enum):
    CREATED = "created"
    UPDATED = "updated"
    MOVED = "moved"
    DELETED = "deleted"
    REMOVED = strawberry.enum_value(
        "removed", description="No longer visible to you (reassigned to another team, or hidden by a rule): "
        "drop it; the deal is null"
    )


@strawberry.type(name="DealChangeEvent", description="A committed change of a deal the subscriber may see, or saw")
class DealChangeEvent:
    kind: DealChangeKind = strawberry.field(
        description="Created, updated, moved to another stage, deleted, or removed from your view"
    )
    deal_id: strawberry.ID = strawberry.field(description="The deal's id (also for deleted and removed deals)")
    deal: DealType | None = strawberry.field(description="The deal as it is now; null when deleted or removed")
    from_stage_id: strawberry.ID | None = strawberry.field(
        description="Moves: the stage the deal left; null for other kinds"
    )
    stage_id: strawberry.ID | None = strawberry.field(description="The deal's stage after the change")
    actor_id: strawberry.ID | None = strawberry.field(description="Who made the change (null: the system)")

    @strawberry.field(description="Moves: the stage the deal left")
    async def from_stage(self, info: Info) -> StageType | None:
        return StageType.of_maybe(await info.context.loaders.stage.load(int(self.from_stage_id))) if self.from_stage_id else None

    @strawberry.field(description="The stage the deal is in after the change")
    async def to_stage(self, info: Info) -> StageType | None:
        return StageType.of_maybe(await info.context.loaders.stage.load(int(self.stage_id))) if self.stage_id else None

    @strawberry.field(description="Who made the change")
    async def changed_by(self, info: Info) -> UserType | None:
        return UserType.of_maybe(await info.context.loaders.user.load(int(self.actor_id))) if self.actor_id else None


@strawberry.type(name="Notification", description="Something the CRM tells one user: a task assigned, a campaign gone live…")
class NotificationType(Shows[Notification]):
    id: strawberry.ID = strawberry.field(description="Notification id")
    kind: str = strawberry.field(description="What it is about, e.g. task_assigned, campaign_status")
    message: str = strawberry.field(description="The text shown to the user")
    entity: str | None = strawberry.field(description="The kind of record it points at, e.g. activity, campaign")
    entity_id: strawberry.ID | None = strawberry.field(description="That record's id")
    created_at: datetime = strawberry.field(description="When it was made")
    read_at: datetime | None = strawberry.field(description="When the user read it; null while unread")
