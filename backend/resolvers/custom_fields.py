"""Custom-field definitions: every signed-in role reads them (forms and filters need them), admins keep them,
and a stream tells connected screens when one changed."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from backend import permissions
from backend.live import topics
from backend.live.events import CustomFieldChanged
from backend.models import CustomField
from backend.reads.context import Info
from backend.resolvers.streams import listen
from backend.schema.common import provided
from backend.schema.custom_fields import (
    CreateCustomFieldInput,
    CustomFieldDefinition,
    CustomFieldEntity,
    UpdateCustomFieldInput,
)
from backend.services import custom_fields as service


@strawberry.type
class CustomFieldQuery:
    @strawberry.field(description="An entity's custom fields in their order; archived ones only when asked for")
    async def custom_fields(
        self,
        info: Info,
        entity: CustomFieldEntity,
        include_archived: Annotated[bool, strawberry.argument(description="Archived ones too (admins' list)")] = False,
    ) -> list[CustomFieldDefinition]:
        permissions.require_role(info.context.actor)
        return CustomFieldDefinition.of_all(await service.listed(entity, include_archived).order_by("position", "id"))


@strawberry.type
class CustomFieldMutation:
    @strawberry.mutation(description="Add a custom field to an entity (admins)")
    async def create_custom_field(self, info: Info, input: CreateCustomFieldInput) -> CustomFieldDefinition:
        return CustomFieldDefinition.of(await service.create_custom_field(info.context.actor, provided(input)))

    @strawberry.mutation(description="Change a custom field's label, help, requirement, default, options, order, "
                                     "or archive/restore it; key and type are fixed (admins)")
    async def update_custom_field(self, info: Info, input: UpdateCustomFieldInput) -> CustomFieldDefinition:
        data = provided(input)
        return CustomFieldDefinition.of(
            await service.update_custom_field(info.context.actor, data.pop("id"), data.pop("version"), data))


@strawberry.type
class CustomFieldSubscription:
    @strawberry.subscription(
        description="An entity's custom fields created or changed (archived included), as committed: forms, "
        "columns and filters redraw (every signed-in user reads definitions)"
    )
    async def custom_field_changed(self, info: Info, entity: CustomFieldEntity) -> AsyncGenerator[CustomFieldDefinition, None]:
        async with listen(info.context, topics.custom_fields()) as events:
            async for event in events:
                if isinstance(change := event.data, CustomFieldChanged) and change.entity == entity.value:
                    field = await CustomField.filter(id=change.id).first()
                    if field is not None:
                        yield CustomFieldDefinition.of(field)
