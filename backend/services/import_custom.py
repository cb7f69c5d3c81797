"""Custom fields in imports (customers, contacts and leads): cells read as typed values and validated exactly as the API
validates them (services/custom_fields.clean), defaults and required fields applied to new records, and the
values of a batch's new records written with one statement beside the batch's other inserts
(custom_fields.insert_new, called by the bulk inserts of customers, contacts and leads).

A person (USER field) is named by email in the file and may be any active user, as in the API."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from backend.errors import BadUserInput
from backend.models import CustomField, ImportEntity, User
from backend.services import custom_fields as custom
from backend.services.import_fields import CUSTOM, CUSTOM_ENTITIES

Definitions = dict[str, CustomField]  # by key, archived ones included (clean() refuses those)
KEY = "custom_fields"  # where a row's custom input sits among its values, as the services take it


async def definitions(entity: ImportEntity) -> Definitions:
    kind = CUSTOM_ENTITIES.get(entity)
    return await custom.definitions(kind) if kind else {}


def cells(fields: Definitions, data: Mapping[str, str], problem: Callable[[str, str], None]) -> list[dict[str, Any]]:
    """A row's custom cells (`custom.<key>` → text) as input items; unreadable cells and required fields
    without a value or default are reported through `problem(target, message)`."""
    items: list[dict[str, Any]] = []
    for target, text in data.items():
        field = fields.get(target.removeprefix(CUSTOM)) if target.startswith(CUSTOM) else None
        if field is None:
            continue
        try:
            items.append({"key": field.key, **custom.slots_from_text(field, text)})
        except BadUserInput as error:
            problem(target, error.message.removeprefix(f"{error.field}: "))
    for field in fields.values():
        if field.required and not field.archived and field.default_value is None and f"{CUSTOM}{field.key}" not in data:
            problem(f"{CUSTOM}{field.key}", "is required and may not be empty")
    return items


async def resolved(fields: Definitions, items: list[dict[str, Any]], people: dict[str, int | None]) -> None:
    """Validate the items as the API does (raising BadUserInput), people's emails turned into their ids in
    place first (`people`: the run's cache, email → id or None)."""
    for item in items:
        email = item.pop("email", None)
        if email is not None:
            key = email.lower()
            if key not in people:
                found = await User.filter(email__iexact=email, active=True).first()
                people[key] = found.id if found else None
            if people[key] is None:
                raise BadUserInput(f"customFields.{item['key']}", f"{email!r} is no active user")
            item["user_id"] = people[key]
    await custom.clean(next(iter(fields.values())).entity, items, creating=False, fields=fields)
