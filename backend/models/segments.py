"""Saved segments: named groups of customers or of contacts, hand-picked (static) or a saved list filter (dynamic).

Not the customer's own `segment` column (a market tier such as SMB or Enterprise): a saved segment is an
audience, a list of customers a user keeps to work with, filter by, export or stream."""

from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from backend.models.base import Editable

if TYPE_CHECKING:
    from backend.models.contacts import Contact
    from backend.models.customers import Customer
    from backend.models.users import User


class SegmentKind(str, Enum):
    STATIC = "static"  # members are the rows of segment_member
    DYNAMIC = "dynamic"  # members are the customers its saved filter selects, always current


class SegmentEntity(str, Enum):
    """What a segment gathers: each entity has its own list filter, row rule and hand-picked member table."""

    CUSTOMER = "customer"
    CONTACT = "contact"


class Segment(Editable):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    description = fields.TextField(default="")
    kind = fields.CharEnumField(SegmentKind, max_length=10)
    entity = fields.CharEnumField(SegmentEntity, max_length=10, default=SegmentEntity.CUSTOMER)
    # Dynamic: the entity's list filter as saved (CustomerFilter or ContactFilter input, snake_case, JSON values).
    conditions: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    owner: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name="segments", on_delete=fields.SET_NULL
    )
    owner_id: int | None
    shared = fields.BooleanField(default=False, description="Seen by every user, not only its owner")

    class Meta:
        table = "segment"


class SegmentMember(Model):
    """A customer hand-picked into a static segment."""

    id = fields.IntField(primary_key=True)
    segment: fields.ForeignKeyRelation[Segment] = fields.ForeignKeyField(
        "models.Segment", related_name="members", on_delete=fields.CASCADE
    )
    segment_id: int
    customer: fields.ForeignKeyRelation["Customer"] = fields.ForeignKeyField(
        "models.Customer", related_name="segment_memberships", on_delete=fields.CASCADE
    )
    customer_id: int
    added_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "segment_member"
        unique_together = (("segment", "customer"),)


class SegmentContact(Model):
    """A contact hand-picked into a static contact segment (a table of its own: segment_member's customer
    column is required, and each keeps its foreign key and unique pair)."""

    id = fields.IntField(primary_key=True)
    segment: fields.ForeignKeyRelation[Segment] = fields.ForeignKeyField(
        "models.Segment", related_name="contact_members", on_delete=fields.CASCADE
    )
    segment_id: int
    contact: fields.ForeignKeyRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="segment_memberships", on_delete=fields.CASCADE
    )
    contact_id: int
    added_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "segment_contact"
        unique_together = (("segment", "contact"),)
