"""Custom fields as the API shows them: definitions, typed values on records, their input and filter.

One generic `customFields` list of typed values per record, rather than GraphQL fields generated from the
definitions at start-up: admins add fields while the server runs, and a schema that changes under running
clients (and under the UI's in-process queries) would need a restart per definition and break cached
documents; the list keeps the schema fixed and each value still typed by its slot."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry

from backend.models import CustomEntity, CustomField
from backend.models import CustomFieldType as CustomFieldTypeModel
from backend.reads.columns import reads
from backend.reads.context import Info
from backend.reads.custom_values import fields_and_values
from backend.schema.common import BigInt, Money
from backend.schema.rows import Shows
from backend.schema.users import UserType
from backend.services.custom_fields import plain

CustomFieldEntity = CustomEntity
strawberry.enum(CustomFieldEntity, name="CustomFieldEntity", description="The kind of record a custom field belongs to")
CustomFieldType = CustomFieldTypeModel
strawberry.enum(
    CustomFieldType, name="CustomFieldType",
    description="What a custom field holds, and so which slot carries its value: text (TEXT, LONG_TEXT, URL, "
    "EMAIL, PHONE, SELECT), number (NUMBER), amount + currency (MONEY), date, dateTime, boolean, options "
    "(MULTI_SELECT), userId (USER)",
)


@strawberry.enum(description="How a custom-field condition compares")
class CustomFieldOp(Enum):
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    CONTAINS = "contains"
    IN = "in"
    IS_EMPTY = "is_empty"


@strawberry.type(name="CustomFieldValue", description="A record's value of one custom field; only its type's slot is set")
class CustomFieldValue:
    key: str = strawberry.field(description="The field's key")
    label: str = strawberry.field(description="The field's label")
    type: CustomFieldType = strawberry.field(description="The field's type")
    text: str | None = strawberry.field(description="TEXT, LONG_TEXT, URL, EMAIL, PHONE, SELECT")
    number: float | None = strawberry.field(description="NUMBER")
    money: Money | None = strawberry.field(description="MONEY")
    date: date | None = strawberry.field(description="DATE")
    date_time: datetime | None = strawberry.field(description="DATE_TIME")
    boolean: bool | None = strawberry.field(description="BOOLEAN")
    options: list[str] | None = strawberry.field(description="MULTI_SELECT: the chosen options")
    user_id: strawberry.ID | None = strawberry.field(description="USER: the person's id")

    @strawberry.field(description="USER: the person")
    async def user(self, info: Info) -> UserType | None:
        return UserType.of_maybe(await info.context.loaders.user.load(int(self.user_id))) if self.user_id else None


def value_of(field: CustomField, value: Any) -> CustomFieldValue:
    """The API's form of a value as services.custom_fields.plain gives it (None: empty)."""
    kind, slots = field.type, dict[str, Any]()
    if value is not None:
        if kind is CustomFieldType.MONEY:
            slots["money"] = Money(amount=BigInt(value["amount"]), currency=value["currency"])
        elif kind is CustomFieldType.MULTI_SELECT:
            slots["options"] = value
        elif kind is CustomFieldType.NUMBER:
            slots["number"] = value
        elif kind is CustomFieldType.DATE:
            slots["date"] = date.fromisoformat(value)
        elif kind is CustomFieldType.DATE_TIME:
            slots["date_time"] = datetime.fromisoformat(value)
        elif kind is CustomFieldType.BOOLEAN:
            slots["boolean"] = bool(value)
        elif kind is CustomFieldType.USER:
            slots["user_id"] = strawberry.ID(str(value))
        else:
            slots["text"] = value
    empty = dict.fromkeys(("text", "number", "money", "date", "date_time", "boolean", "options", "user_id"))
    return CustomFieldValue(key=field.key, label=field.label, type=kind, **(empty | slots))


async def record_values(info: Info, entity: CustomEntity, record_id: int) -> list[CustomFieldValue]:
    """Every field in use on `entity`, with the record's value (slots null when it has none)."""
    return [value_of(f, plain(f, row) if row else None) for f, row in await fields_and_values(info, entity, record_id)]


@strawberry.type(name="CustomField", description="A field admins added to an entity")
class CustomFieldDefinition(Shows[CustomField]):
    id: strawberry.ID = strawberry.field(description="Field id")
    entity: CustomFieldEntity = strawberry.field(description="Which records carry it")
    key: str = strawberry.field(description="Stable lower_snake key, unique per entity; fixed once created")
    label: str = strawberry.field(description="Shown to people")
    type: CustomFieldType = strawberry.field(description="Fixed once created")
    required: bool = strawberry.field(description="New records need a value (or the default); none may clear it")
    help_text: str = strawberry.field(description="Shown beside the input")
    position: int = strawberry.field(description="Order among the entity's fields (lower first)")
    options: list[str] = strawberry.field(description="SELECT and MULTI_SELECT: the choices")
    archived: bool = strawberry.field(description="Hidden and refusing new values; its values are kept")
    version: int = strawberry.field(description="Send it back with updateCustomField")

    @strawberry.field(description="Given to new records that send no value",
                      metadata=reads("default_value", "type", "key", "label"))
    @staticmethod
    def default(field: strawberry.Parent[CustomField]) -> CustomFieldValue | None:
        return value_of(field, field.default_value["value"]) if field.default_value is not None else None


@strawberry.input(description="A typed value: fill the slot of the field's type (see CustomFieldType)")
class CustomFieldTypedValue:
    text: str | None = strawberry.field(default=None, description="TEXT, LONG_TEXT, URL, EMAIL, PHONE, SELECT")
    number: float | None = strawberry.field(default=None, description="NUMBER")
    amount: BigInt | None = strawberry.field(default=None, description="MONEY: minor units (cents)")
    currency: str | None = strawberry.field(default=None, description="MONEY: ISO 4217 code")
    date: date | None = strawberry.field(default=None, description="DATE")
    date_time: datetime | None = strawberry.field(default=None, description="DATE_TIME")
    boolean: bool | None = strawberry.field(default=None, description="BOOLEAN (IS_EMPTY: false finds non-empty)")
    options: list[str] | None = strawberry.field(default=None, description="MULTI_SELECT; IN: any of these")
    user_id: strawberry.ID | None = strawberry.field(default=None, description="USER")


@strawberry.input(description="A custom field's new value; all slots empty clears it")
class CustomFieldValueInput(CustomFieldTypedValue):
    key: str = strawberry.field(description="The field's key")


@strawberry.input(description="A condition on a custom field (values in the field type's slot)")
class CustomFieldFilter(CustomFieldTypedValue):
    key: str = strawberry.field(description="The field's key")
    op: CustomFieldOp = strawberry.field(default=CustomFieldOp.EQ, description="How to compare")


@strawberry.input(description="A new custom field (admins)")
class CreateCustomFieldInput:
    entity: CustomFieldEntity = strawberry.field(description="Which records carry it")
    key: str = strawberry.field(description="lower_snake, unique per entity, fixed once created")
    label: str = strawberry.field(description="Shown to people")
    type: CustomFieldType = strawberry.field(description="Fixed once created")
    required: bool = strawberry.field(default=False, description="New records need a value")
    default: CustomFieldTypedValue | None = strawberry.field(default=None, description="For new records")
    help_text: str = strawberry.field(default="", description="Shown beside the input")
    position: int = strawberry.field(default=0, description="Order (lower first)")
    options: list[str] | None = strawberry.field(default=None, description="SELECT and MULTI_SELECT choices")


@strawberry.input(description="Changes to a custom field; fields left out stay as they are")
class UpdateCustomFieldInput:
    id: strawberry.ID = strawberry.field(description="Field id")
    version: int = strawberry.field(description="The version you read")
    label: str | None = strawberry.field(default=strawberry.UNSET, description="Shown to people")
    required: bool | None = strawberry.field(default=strawberry.UNSET, description="New records need a value")
    default: CustomFieldTypedValue | None = strawberry.field(default=strawberry.UNSET, description="null: none")
    help_text: str | None = strawberry.field(default=strawberry.UNSET, description="Shown beside the input")
    position: int | None = strawberry.field(default=strawberry.UNSET, description="Order (lower first)")
    options: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="The whole list; an option some record holds cannot be removed"
    )
    archived: bool | None = strawberry.field(default=strawberry.UNSET, description="Archive or restore")
