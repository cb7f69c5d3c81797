"""Relationship phase and high-level statuses: the phase move, the list everyone reads (forms offer it)
and admins keep."""

from __future__ import annotations

from typing import Annotated

import strawberry

from backend import permissions
from backend.models import PickList
from backend.reads.context import Info
from backend.schema.common import provided
from backend.schema.customers import CustomerType
from backend.schema.phases import (
    ArchiveHighLevelStatusInput,
    CreateHighLevelStatusInput,
    HighLevelStatusType,
    SetCustomerPhaseInput,
    UpdateHighLevelStatusInput,
)
from backend.services import phases
from backend.services import pick_lists as service

HLS = PickList.HIGH_LEVEL_STATUS


@strawberry.type
class PhaseQuery:
    @strawberry.field(description="The high-level statuses in the admins' order; archived ones only when asked for")
    async def high_level_statuses(
        self,
        info: Info,
        include_archived: Annotated[bool, strawberry.argument(description="Archived ones too (admins' list)")] = False,
    ) -> list[HighLevelStatusType]:
        permissions.require_role(info.context.actor)
        return HighLevelStatusType.of_all(await service.listed(HLS, include_archived))


@strawberry.type
class PhaseMutation:
    @strawberry.mutation(description="Move a customer's relationship to another phase (paused and archived need a why)")
    async def set_customer_phase(self, info: Info, input: SetCustomerPhaseInput) -> CustomerType:
        return CustomerType.of(await phases.set_phase(info.context.actor, input.id, input.version, input.phase, input.why))

    @strawberry.mutation(description="Add a high-level status at the end of the list (admins)")
    async def create_high_level_status(self, info: Info, input: CreateHighLevelStatusInput) -> HighLevelStatusType:
        return HighLevelStatusType.of(await service.create_item(info.context.actor, HLS, input.label))

    @strawberry.mutation(description="Rename or move a high-level status (admins)")
    async def update_high_level_status(self, info: Info, input: UpdateHighLevelStatusInput) -> HighLevelStatusType:
        data = provided(input)
        return HighLevelStatusType.of(
            await service.update_item(info.context.actor, data.pop("id"), data.pop("version"), data))

    @strawberry.mutation(description="Archive a high-level status so forms stop offering it, or restore it (admins)")
    async def archive_high_level_status(self, info: Info, input: ArchiveHighLevelStatusInput) -> HighLevelStatusType:
        return HighLevelStatusType.of(await service.update_item(info.context.actor, input.id, input.version,
                                                                {"archived": input.archived}))
