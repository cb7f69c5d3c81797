"""Customer companies, their status history and notes."""

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from backend.models.base import Editable

if TYPE_CHECKING:
    from backend.models.pick_lists import PickListItem
    from backend.models.users import User


class CustomerStatus(str, Enum):
    DRAFT = "draft"
    PROSPECT = "prospect"
    ACTIVE = "active"
    INACTIVE = "inactive"
    CHURNED = "churned"
    BLOCKED = "blocked"


class CustomerPhase(str, Enum):
    """Where the relationship stands, beside the lifecycle status: a sales view, moved by hand with a reason."""

    IDEA = "idea"
    EXPLORING = "exploring"
    ACTIVE = "active"
    PAUSED = "paused"
    ARCHIVED = "archived"


class SocialKind(str, Enum):
    """Where a customer or contact is found on the web (their social links)."""

    LINKEDIN = "linkedin"
    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    YOUTUBE = "youtube"
    GITHUB = "github"
    XING = "xing"
    WEBSITE = "website"
    OTHER = "other"


class Customer(Editable):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, db_index=True)
    legal_form = fields.CharField(max_length=50, default="")
    email = fields.CharField(max_length=254, default="", db_index=True)
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
    archived_at = fields.DatetimeField(null=True, description="Set when archived (or merged); lists leave it out")
    merged_into_id = fields.IntField(null=True, description="The record this one was merged into")
    phase = fields.CharEnumField(CustomerPhase, max_length=20, default=CustomerPhase.IDEA, db_index=True)
    high_level_status: fields.ForeignKeyNullableRelation["PickListItem"] = fields.ForeignKeyField(
        "models.PickListItem", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=True
    )
    high_level_status_id: int | None
    # Richer profile (issue 18, m0029). The logo is one of the customer's own image attachments (no foreign
    # key: attachment already points here, and deleting the attachment clears it in the same write).
    logo_id = fields.CharField(max_length=32, null=True, description="An image attachment of this customer")
    rating = fields.SmallIntField(null=True, description="1 to 5; null when not rated")
    social_links: fields.Field[list[dict[str, str]]] = fields.JSONField(default=list)  # [{kind, url}]
    operations_contact: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=True
    )
    operations_contact_id: int | None

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


class CustomerPhaseChange(Model):
    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="phase_history", on_delete=fields.CASCADE
    )
    customer_id: int
    from_phase = fields.CharEnumField(CustomerPhase, max_length=20, null=True)
    to_phase = fields.CharEnumField(CustomerPhase, max_length=20)
    why = fields.CharField(max_length=500, default="")
    changed_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=True
    )
    changed_by_id: int | None
    changed_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "customer_phase_change"
        indexes = (("customer_id", "changed_at"),)  # a customer's history, oldest first (phase_history_of_customer)


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
