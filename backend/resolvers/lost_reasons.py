"""Lost reasons: everyone signed in reads the list (the lost dialog offers it), admins keep it."""

from __future__ import annotations

from typing import Annotated

import strawberry

from backend import permissions
from backend.reads.context import Info
from backend.schema.common import provided
from backend.schema.lost_reasons import (
    ArchiveLostReasonInput,
    CreateLostReasonInput,
    LostReasonType,
    UpdateLostReasonInput,
)
from backend.services import lost_reasons as service


@strawberry.type
class LostReasonQuery:
    @strawberry.field(description="The lost reasons in alphabetical order; archived ones only when asked for")
    async def lost_reasons(
        self,
        info: Info,
        include_archived: Annotated[bool, strawberry.argument(description="Archived ones too (for admins' list)")]
        = False,
    ) -> list[LostReasonType]:
        permissions.require_role(info.context.actor)
        return LostReasonType.of_all(await service.offered(include_archived).order_by("name", "id"))


@strawberry.type
class LostReasonMutation:
    @strawberry.mutation(description="Add a lost reason to the list (admins)")
    async def create_lost_reason(self, info: Info, input: CreateLostReasonInput) -> LostReasonType:
        return LostReasonType.of(await service.create_lost_reason(info.context.actor, input.name))

    @strawberry.mutation(description="Rename a lost reason (admins)")
    async def update_lost_reason(self, info: Info, input: UpdateLostReasonInput) -> LostReasonType:
        data = provided(input)
        return LostReasonType.of(
            await service.update_lost_reason(info.context.actor, data.pop("id"), data.pop("version"), data))

    @strawberry.mutation(description="Archive a lost reason so it is no longer offered, or restore it (admins)")
    async def archive_lost_reason(self, info: Info, input: ArchiveLostReasonInput) -> LostReasonType:
        return LostReasonType.of(await service.update_lost_reason(info.context.actor, input.id, input.version,
                                                                  {"archived": input.archived}))
