"""Custom-field values of records, loaded per request: one statement for the definitions of an entity and
one for the values of all the records a list shows, whatever its length.

Values are read only for records their reader already holds (a row-filtered list or lookup), so they follow
the record's row rules without a rule of their own."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from backend.models import CustomEntity, CustomField, CustomValue
from backend.reads.loaders import grouped


def definitions(info: Any, entity: CustomEntity) -> asyncio.Future[list[CustomField]]:
    """The entity's fields in use, in their order, read once per request."""
    return info.context.loaders.once(
        ("custom_fields", entity),
        lambda: asyncio.ensure_future(CustomField.filter(entity=entity, archived=False).order_by("position", "id")),
    )


def values_of(info: Any, entity: CustomEntity) -> DataLoader[int, list[CustomValue]]:
    """A record's stored values (empty ones have no row), by record id."""

    async def load(keys: Sequence[int]) -> list[list[CustomValue]]:
        rows = await CustomValue.filter(record_id__in=list(keys), field__entity=entity, field__archived=False)
        return grouped(rows, keys, "record_id")

    return info.context.loaders.once(("custom_values", entity), lambda: DataLoader(load))


async def fields_and_values(info: Any, entity: CustomEntity, record_id: int) -> list[tuple[CustomField, Any]]:
    """Every field in use with the record's row for it (None when empty), in the fields' order."""
    fields, rows = await asyncio.gather(definitions(info, entity), values_of(info, entity).load(record_id))
    by_field = {row.field_id: row for row in rows}
    return [(field, by_field.get(field.id)) for field in fields]
