"""Relationship phase and high-level status as the API shows them: the phase enum, its history, the
admins' list of high-level statuses and the inputs that change them."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types.unset import UNSET

from backend.models import CustomerPhase as CustomerPhaseModel
from backend.models import CustomerPhaseChange, PickListItem
from backend.reads.context import Info
from backend.schema.rows import Shows
from backend.schema.users import UserType

CustomerPhase = CustomerPhaseModel
strawberry.enum(
    CustomerPhase,
    name="CustomerPhase",
    description="Where the relationship stands, beside the lifecycle status: idea, exploring, active, paused, "
    "archived; moved by hand in any direction (paused and archived need a why)",
)


@strawberry.type(name="CustomerPhaseChange", description="One move of a customer's relationship phase")
class CustomerPhaseChangeType(Shows[CustomerPhaseChange]):
    from_phase: CustomerPhase | None = strawberry.field(description="Phase before")
    to_phase: CustomerPhase = strawberry.field(description="Phase after")
    why: str = strawberry.field(description="Why, as given (always given for paused and archived)")
    changed_at: datetime = strawberry.field(description="When")

    @strawberry.field(description="Who moved it")
    @staticmethod
    async def changed_by(change: strawberry.Parent[CustomerPhaseChange], info: Info) -> UserType | None:
        user_id = change.changed_by_id
        return UserType.of_maybe(await info.context.loaders.user.load(user_id)) if user_id else None


@strawberry.type(name="HighLevelStatus", description="A high-level status from the list admins keep "
                 "(e.g. Key account, Curious but cautious, Dormant)")
class HighLevelStatusType(Shows[PickListItem]):
    id: strawberry.ID = strawberry.field(description="High-level status id")
    label: str = strawberry.field(description="As users pick it")
    position: int = strawberry.field(description="Order in which forms offer it, from 1")
    archived: bool = strawberry.field(description="No longer offered; customers that have it keep it")
    version: int = strawberry.field(description="Send it back with updateHighLevelStatus and archiveHighLevelStatus")


@strawberry.input(description="Move a customer's relationship to another phase")
class SetCustomerPhaseInput:
    id: strawberry.ID = strawberry.field(description="Customer id")
    version: int = strawberry.field(description="The customer's version you read")
    phase: CustomerPhase = strawberry.field(description="The new phase")
    why: str | None = strawberry.field(default=None, description="Why (required for PAUSED and ARCHIVED)")


@strawberry.input(description="A new high-level status, offered last (admins)")
class CreateHighLevelStatusInput:
    label: str = strawberry.field(description="The label, unique in the list (up to 100 characters)")


@strawberry.input(description="Rename or move a high-level status (admins)")
class UpdateHighLevelStatusInput:
    id: strawberry.ID = strawberry.field(description="High-level status id")
    version: int = strawberry.field(description="The version you read")
    label: str | None = strawberry.field(default=UNSET, description="New label, unique in the list")
    position: int | None = strawberry.field(default=UNSET, description="New place, from 1; the others make room")


@strawberry.input(description="Archive a high-level status so forms stop offering it, or restore it (admins)")
class ArchiveHighLevelStatusInput:
    id: strawberry.ID = strawberry.field(description="High-level status id")
    version: int = strawberry.field(description="The version you read")
    archived: bool = strawberry.field(default=True, description="false restores it")
