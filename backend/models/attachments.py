"""Files attached to records (issue 18): customers, contacts, deals, activities and (issue 20) tickets.

Each attachment belongs to exactly one record through one nullable foreign key per kind of record (a check in
the service, not the database, keeps it to one): the database then cascades a record's deletion to its
attachments' rows and row rules filter them like the record itself. The bytes live under
CRM_DATA_DIR/attachments, named by the attachment's random id, never by anything the uploader chose.
"""

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.activities import Activity
    from backend.models.contacts import Contact
    from backend.models.customers import Customer
    from backend.models.deals import Deal
    from backend.models.tickets import Ticket
    from backend.models.users import User


class AttachmentRecord(str, Enum):
    """The kinds of record a file can be attached to; each is a column of `attachment` (`<kind>_id`)."""

    CUSTOMER = "customer"
    CONTACT = "contact"
    DEAL = "deal"
    ACTIVITY = "activity"
    TICKET = "ticket"


class Attachment(Model):
    # Random (secrets.token_urlsafe), so neither the id nor its file URL can be guessed or counted.
    id = fields.CharField(max_length=32, primary_key=True)
    file_name = fields.CharField(max_length=200, description="The uploader's file name, cleaned")
    content_type = fields.CharField(max_length=100, description="Sniffed from the bytes, never taken from the client")
    size = fields.BigIntField(description="Bytes")
    sha256 = fields.CharField(max_length=64)
    customer: fields.ForeignKeyNullableRelation["Customer"] = fields.ForeignKeyField(
        "models.Customer", null=True, related_name="attachments", on_delete=fields.CASCADE, db_index=True
    )
    customer_id: int | None
    contact: fields.ForeignKeyNullableRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", null=True, related_name="attachments", on_delete=fields.CASCADE, db_index=True
    )
    contact_id: int | None
    deal: fields.ForeignKeyNullableRelation["Deal"] = fields.ForeignKeyField(
        "models.Deal", null=True, related_name="attachments", on_delete=fields.CASCADE, db_index=True
    )
    deal_id: int | None
    activity: fields.ForeignKeyNullableRelation["Activity"] = fields.ForeignKeyField(
        "models.Activity", null=True, related_name="attachments", on_delete=fields.CASCADE, db_index=True
    )
    activity_id: int | None
    ticket: fields.ForeignKeyNullableRelation["Ticket"] = fields.ForeignKeyField(
        "models.Ticket", null=True, related_name="attachments", on_delete=fields.CASCADE, db_index=True
    )
    ticket_id: int | None
    uploaded_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=True
    )
    uploaded_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "attachment"

    @property
    def record(self) -> tuple[AttachmentRecord, int]:
        for kind in AttachmentRecord:
            record_id = getattr(self, f"{kind.value}_id")
            if record_id is not None:
                return kind, record_id
        raise ValueError(f"attachment {self.id} belongs to no record")
