"""The pick-lists admins keep, as one typed API over every list: industries, segments, lead sources and
high-level statuses (which also keep their own named fields, highLevelStatuses and friends)."""

from __future__ import annotations

import strawberry
from strawberry import UNSET

from backend.models import PickList, PickListItem
from backend.schema.rows import Shows

strawberry.enum(PickList, name="PickListName", description="A list admins keep")


@strawberry.type(name="PickListItem", description="A value of a list admins keep, offered in forms")
class PickListItemType(Shows[PickListItem]):
    id: strawberry.ID = strawberry.field(description="Item id")
    list: PickList = strawberry.field(description="The list it belongs to")
    label: str = strawberry.field(description="As users pick it (and as records of text-valued lists carry it)")
    position: int = strawberry.field(description="Order in which forms offer it, from 1")
    archived: bool = strawberry.field(description="No longer offered; records that have it keep it")
    version: int = strawberry.field(description="Send it back with updatePickListItem")


@strawberry.input(description="A new value at the end of a list (admins)")
class CreatePickListItemInput:
    list: PickList = strawberry.field(description="Which list")
    label: str = strawberry.field(description="The label, unique in the list (up to 100 characters; segments 50)")


@strawberry.input(description="Rename, move, archive or restore a value of a list (admins)")
class UpdatePickListItemInput:
    id: strawberry.ID = strawberry.field(description="Item id")
    version: int = strawberry.field(description="The version you read")
    label: str | None = strawberry.field(default=UNSET, description="New label, unique in the list; records that "
                                         "carry the old text keep it")
    position: int | None = strawberry.field(default=UNSET, description="New place, from 1; the others make room")
    archived: bool | None = strawberry.field(default=UNSET, description="true archives it, false restores it")


@strawberry.type(description="A list admins keep changed: forms re-read it")
class PickListChange:
    list: PickList = strawberry.field(description="The list that changed")
    item_id: strawberry.ID = strawberry.field(description="The value added or changed")
