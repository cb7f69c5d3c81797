"""People at customers (or not yet at any), and leads that may become deals."""

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields

from backend.models.base import Editable

if TYPE_CHECKING:
    from backend.models.campaigns import Campaign
    from backend.models.customers import Customer
    from backend.models.deals import Deal, LostReason
    from backend.models.users import User


class ContactStatus(str, Enum):
    NEW = "new"
    HOT = "hot"
    CONVERTED = "converted"
    COLD = "cold"
    NOT_INTERESTED = "not_interested"


class Contact(Editable):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, db_index=True)
    email = fields.CharField(max_length=254, default="", db_index=True)
    phone = fields.CharField(max_length=40, default="")
    job_title = fields.CharField(max_length=100, default="")
    department = fields.CharField(max_length=100, default="")
    role_at_customer = fields.CharField(max_length=100, default="")
    is_primary = fields.BooleanField(default=False)
    customer: fields.ForeignKeyNullableRelation["Customer"] = fields.ForeignKeyField(
        "models.Customer", null=True, related_name="contacts", on_delete=fields.SET_NULL
    )
    customer_id: int | None
    owner: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name="owned_contacts", on_delete=fields.SET_NULL
    )
    owner_id: int | None
    status = fields.CharEnumField(ContactStatus, max_length=20, default=ContactStatus.NEW, db_index=True)
    archived_at = fields.DatetimeField(null=True, description="Set when archived (or merged); lists leave it out")
    merged_into_id = fields.IntField(null=True, description="The record this one was merged into")
    # Richer profile (issue 18, m0029): a picture among the contact's own image attachments, social links.
    picture_id = fields.CharField(max_length=32, null=True, description="An image attachment of this contact")
    social_links: fields.Field[list[dict[str, str]]] = fields.JSONField(default=list)  # [{kind, url}]

    class Meta:
        table = "contact"


class LeadStatus(str, Enum):
    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    CONVERTED = "converted"
    LOST = "lost"


class Lead(Editable):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    source = fields.CharField(max_length=100, default="")
    scope_of_work = fields.TextField(default="")
    company_name = fields.CharField(max_length=200, default="")
    contact: fields.ForeignKeyNullableRelation[Contact] = fields.ForeignKeyField(
        "models.Contact", null=True, related_name="leads", on_delete=fields.SET_NULL
    )
    contact_id: int | None
    customer: fields.ForeignKeyNullableRelation["Customer"] = fields.ForeignKeyField(
        "models.Customer", null=True, related_name="leads", on_delete=fields.SET_NULL
    )
    customer_id: int | None
    owner: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name="owned_leads", on_delete=fields.SET_NULL
    )
    owner_id: int | None
    status = fields.CharEnumField(LeadStatus, max_length=20, default=LeadStatus.NEW, db_index=True)
    lost_reason = fields.CharField(max_length=500, default="")
    lost_reason_choice: fields.ForeignKeyNullableRelation["LostReason"] = fields.ForeignKeyField(
        "models.LostReason", null=True, related_name=False, on_delete=fields.SET_NULL,
        description="The admin-kept reason picked when it was lost (lost_reason holds the full text)",
    )
    lost_reason_choice_id: int | None
    deal: fields.ForeignKeyNullableRelation["Deal"] = fields.ForeignKeyField(
        "models.Deal", null=True, related_name=False, on_delete=fields.SET_NULL
    )
    deal_id: int | None
    campaign: fields.ForeignKeyNullableRelation["Campaign"] = fields.ForeignKeyField(
        "models.Campaign", null=True, related_name="leads", on_delete=fields.SET_NULL,
        description="The campaign the lead came from (a referred enrolment); its won deals are the campaign's revenue",
    )
    campaign_id: int | None

    class Meta:
        table = "lead"
