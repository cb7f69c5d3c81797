"""Lost reasons as the API shows them: the list admins keep, offered when a deal is marked lost."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types.unset import UNSET

from backend.models import LostReason
from backend.reads.context import Info
from backend.schema.rows import Shows


@strawberry.type(name="LostReason", description="A reason deals are lost, from the list admins keep")
class LostReasonType(Shows[LostReason]):
    id: strawberry.ID = strawberry.field(description="Lost reason id")
    name: str = strawberry.field(description="The reason as users pick it")
    archived: bool = strawberry.field(description="No longer offered; deals lost for it keep it")
    version: int = strawberry.field(description="Send it back with updateLostReason and archiveLostReason")
    created_at: datetime = strawberry.field(description="Created at")


async def picked_reason(choice_id: int | None, info: Info) -> LostReasonType | None:
    """The listed reason a lost deal or lead was lost for (batched), or None for free text only."""
    return LostReasonType.of_maybe(await info.context.loaders.lost_reason.load(choice_id)) if choice_id else None


@strawberry.input(description="A new lost reason (admins)")
class CreateLostReasonInput:
    name: str = strawberry.field(description="The reason, unique (up to 100 characters)")


@strawberry.input(description="Rename a lost reason (admins); deals lost for it show the new name from now on")
class UpdateLostReasonInput:
    id: strawberry.ID = strawberry.field(description="Lost reason id")
    version: int = strawberry.field(description="The version you read")
    name: str | None = strawberry.field(default=UNSET, description="New name, unique")


@strawberry.input(description="Archive a lost reason, or restore an archived one (admins)")
class ArchiveLostReasonInput:
    id: strawberry.ID = strawberry.field(description="Lost reason id")
    version: int = strawberry.field(description="The version you read")
    archived: bool = strawberry.field(default=True, description="false restores it")
