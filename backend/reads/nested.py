"""Short lists nested in a type's fields (a customer's newest activities): one statement for every parent of a
page, reading only the columns the selection reads."""

from __future__ import annotations

from backend.models import Activity, ActivityKind
from backend.reads.columns import selected_columns
from backend.reads.context import Info
from backend.reads.paging import nested_size


async def newest_activities(
    info: Info, activity_type: type, owner: str, owner_id: int, first: int, kind: ActivityKind | None = None
) -> list[Activity]:
    """A customer's, contact's or deal's (`owner`) newest `first` activities, at most 50, newest first.
    `activity_type` is the API type the field returns (the schema's, which this layer cannot import)."""
    columns = selected_columns(info, activity_type, Activity)
    return await info.context.loaders.recent_activities(owner, nested_size(first), kind, columns).load(owner_id)
