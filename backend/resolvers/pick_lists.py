"""The pick-lists admins keep: the list forms read, the admins' writes (services.pick_lists) and the stream
forms follow when an admin changes a list."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from backend import permissions
from backend.live import topics
from backend.live.events import PickListChanged
from backend.models import PickList
from backend.reads.context import Info
from backend.resolvers.streams import listen
from backend.schema.common import provided
from backend.schema.pick_lists import (
    CreatePickListItemInput,
    PickListChange,
    PickListItemType,
    UpdatePickListItemInput,
)
from backend.services import pick_lists as service


@strawberry.type
class PickListQuery:
    @strawberry.field(description="A list's values in the admins' order; archived ones only when asked for")
    async def pick_list(
        self,
        info: Info,
        list: Annotated[PickList, strawberry.argument(description="Which list")],
        include_archived: Annotated[bool, strawberry.argument(description="Archived ones too (admins' list)")] = False,
    ) -> list[PickListItemType]:
        permissions.require_role(info.context.actor)
        return PickListItemType.of_all(await service.listed(list, include_archived))


@strawberry.type
class PickListMutation:
    @strawberry.mutation(description="Add a value at the end of a list (admins)")
    async def create_pick_list_item(self, info: Info, input: CreatePickListItemInput) -> PickListItemType:
        return PickListItemType.of(await service.create_item(info.context.actor, input.list, input.label))

    @strawberry.mutation(description="Rename, move, archive or restore a value of a list (admins)")
    async def update_pick_list_item(self, info: Info, input: UpdatePickListItemInput) -> PickListItemType:
        data = provided(input)
        return PickListItemType.of(
            await service.update_item(info.context.actor, data.pop("id"), data.pop("version"), data))


@strawberry.type
class PickListSubscription:
    @strawberry.subscription(description="A value of a list admins keep was added or changed, as committed: forms "
                             "re-read the list (every signed-in user reads the lists)")
    async def pick_list_changed(self, info: Info) -> AsyncGenerator[PickListChange, None]:
        async with listen(info.context, topics.configuration()) as events:
            async for event in events:
                if isinstance(change := event.data, PickListChanged):
                    yield PickListChange(list=PickList(change.list),
                                         item_id=strawberry.ID(str(change.item_id)))
