"""Custom fields: definitions an admin adds per entity, and their typed values.

Values live in one typed table, custom_value, a row per record and field (none for an empty value), with a
column per kind of value. Chosen over a JSON column on each entity because a filter or sort on one field
must use an index on 100,000 records on SQLite and PostgreSQL alike (a JSON expression index would be per
field and per dialect, created at run time); and over generated columns or tables per field because admins
add fields while the server runs, which must not change the database's schema. Each filterable column is
indexed behind `field_id` (and `record_id` after it, so the subquery of a filter reads the index alone);
user_id leads its index, which the foreign key needs too.
A multi-select value is one row holding its options as `|a|b|` (as customers' tags are kept for filtering),
so "one row per record and field" holds for every type.
"""

from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from backend.models.base import Editable

if TYPE_CHECKING:
    from backend.models.users import User


class CustomEntity(str, Enum):
    CUSTOMER = "customer"
    CONTACT = "contact"
    LEAD = "lead"
    DEAL = "deal"
    ACTIVITY = "activity"
    TICKET = "ticket"


class CustomFieldType(str, Enum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    MONEY = "money"  # amount in minor units (number_value) with its currency (text_value)
    DATE = "date"
    DATE_TIME = "date_time"
    BOOLEAN = "boolean"
    SELECT = "select"
    MULTI_SELECT = "multi_select"
    URL = "url"
    EMAIL = "email"
    PHONE = "phone"
    USER = "user"


class CustomField(Editable):
    id = fields.IntField(primary_key=True)
    entity = fields.CharEnumField(CustomEntity, max_length=20)
    key = fields.CharField(max_length=60, description="lower_snake, unique per entity, fixed once created")
    label = fields.CharField(max_length=100)
    type = fields.CharEnumField(CustomFieldType, max_length=20, description="Fixed once created")
    required = fields.BooleanField(default=False)
    # The default as {"value": v}, v as the audit log writes a value (services/custom_fields.plain); null: none.
    default_value: fields.Field[Any] = fields.JSONField(null=True)
    help_text = fields.CharField(max_length=500, default="")
    position = fields.IntField(default=0)
    options: fields.Field[list[str]] = fields.JSONField(default=list)
    archived = fields.BooleanField(default=False, description="Hidden from forms and refused on write; never deleted")

    class Meta:
        table = "custom_field"
        unique_together = (("entity", "key"),)


class CustomValue(Model):
    id = fields.IntField(primary_key=True)
    field: fields.ForeignKeyRelation[CustomField] = fields.ForeignKeyField(
        "models.CustomField", related_name="values", on_delete=fields.CASCADE
    )
    field_id: int
    record_id = fields.IntField(description="The customer, contact, lead, deal, activity or ticket (by the field's entity)")
    text_value = fields.CharField(max_length=500, null=True)
    long_text = fields.TextField(null=True, description="Too long for an index entry: filtered by scanning")
    number_value = fields.FloatField(null=True)
    date_value = fields.DateField(null=True)
    datetime_value = fields.DatetimeField(null=True)
    bool_value = fields.BooleanField(null=True)
    user: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL
    )
    user_id: int | None

    class Meta:
        table = "custom_value"
        unique_together = (("record_id", "field"),)
        indexes = (
            ("field", "text_value", "record_id"),
            ("field", "number_value", "record_id"),
            ("field", "date_value", "record_id"),
            ("field", "datetime_value", "record_id"),
            ("field", "bool_value", "record_id"),
            ("user", "field", "record_id"),  # led by user_id: the foreign key deletes of users look up
        )
