"""Customer companies, their status history and notes."""

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from backend.models.base import Editable

if TYPE_CHECKING:
    from backend.models.users import User


class CustomerStatus(str, Enum):
    DRAFT = "draft"
    PROSPECT = "prospect"
    ACTIVE = "active"
    INACTIVE = "inactive"
    CHURNED = "churned"
    BLOCKED = "blocked"


class Customer(Editable):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, db_index=True)
    legal_form = fields.CharField(max_length=50, default="")
    email = fields.CharField(max_length=254, default="")
    phone = fields.CharField(max_length=40, default="")
    website = fields.CharField(max_length=300, default="")
    street = fields.CharField(max_length=200, default="")
    city = fields.CharField(max_length=100, default="")
    postcode = fields.CharField(max_length=20, default="")
    country = fields.CharField(max_length=2, default="", db_index=True)
    industry = fields.CharField(max_length=100, default="", db_index=True)
    segment = fields.CharField(max_length=50, default="", db_index=True)
    tags: fields.Field[list[str]] = fields.JSONField(default=list)
    tag_index = fields.CharField(max_length=1300, default="|", description="Lower-cased tags as |a|b| for filtering")
    description = fields.TextField(default="")
    account_manager: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name="managed_customers", on_delete=fields.SET_NULL
    )
    account_manager_id: int | None
    status = fields.CharEnumField(CustomerStatus, max_length=20, default=CustomerStatus.DRAFT, db_index=True)
    status_before_block = fields.CharEnumField(CustomerStatus, max_length=20, null=True)
    blocked_reason = fields.CharField(max_length=500, default="")
    search_text = fields.TextField(default="", description="name, email, phone and contact names, lower-cased")

    class Meta:
        table = "customer"


class CustomerStatusChange(Model):
    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="status_history", on_delete=fields.CASCADE
    )
    customer_id: int
    from_status = fields.CharEnumField(CustomerStatus, max_length=20, null=True)
    to_status = fields.CharEnumField(CustomerStatus, max_length=20)
    reason = fields.CharField(max_length=500, default="")
    changed_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL
    )
    changed_by_id: int | None
    changed_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "customer_status_change"


class Note(Editable):
    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="notes", on_delete=fields.CASCADE
    )
    customer_id: int
    author: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL
    )
    author_id: int | None
    body = fields.TextField()
    pinned = fields.BooleanField(default=False)

    class Meta:
        table = "note"
