"""Marketing mail (issue 17): consent per email address with its history, each campaign mail sent to one
recipient, and greetings scheduled for a time.

Consent belongs to the address, not to a contact: the same person may be two contacts, an enrolment and
an import row, and an unsubscribe must hold for all of them."""

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.campaigns import Campaign
    from backend.models.contacts import Contact
    from backend.models.jobs import OutboxMessage
    from backend.models.users import User


class ConsentStatus(str, Enum):
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"


class ConsentSource(str, Enum):
    ENROLMENT = "enrolment"  # the campaign form's consent box
    MANUAL = "manual"  # a user marked it (the person asked by phone, by mail, ...)
    IMPORT = "import"
    LINK = "link"  # the visible unsubscribe link in a mail, confirmed on the preferences page
    ONE_CLICK = "one_click"  # RFC 8058 POST from the mail client
    PREFERENCES = "preferences"  # the preferences page's buttons


class MailConsent(Model):
    """The current state of one address; `ConsentChange` keeps how it got there."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)  # lower-cased
    status = fields.CharEnumField(ConsentStatus, max_length=20)
    source = fields.CharEnumField(ConsentSource, max_length=20)
    changed_at = fields.DatetimeField()

    class Meta:
        table = "mail_consent"


class ConsentChange(Model):
    id = fields.BigIntField(primary_key=True)
    email = fields.CharField(max_length=254, db_index=True)
    status = fields.CharEnumField(ConsentStatus, max_length=20)
    source = fields.CharEnumField(ConsentSource, max_length=20)
    user: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name="consent_changes", on_delete=fields.SET_NULL
    )
    user_id: int | None
    note = fields.CharField(max_length=200, default="")
    occurred_at = fields.DatetimeField()

    class Meta:
        table = "consent_change"


class SendKind(str, Enum):
    SHARE = "share"
    GREETING = "greeting"


class SendStatus(str, Enum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # the last attempt failed; the outbox retries it with backoff
    UNSUBSCRIBED = "unsubscribed"  # unsubscribed when queued, or before it went out: not sent
    NO_CONSENT = "no_consent"  # the address never consented to marketing mail: not sent


class CampaignSend(Model):
    """One campaign mail to one address."""

    id = fields.BigIntField(primary_key=True)
    campaign: fields.ForeignKeyRelation["Campaign"] = fields.ForeignKeyField(
        "models.Campaign", related_name="sends", on_delete=fields.CASCADE
    )
    campaign_id: int
    email = fields.CharField(max_length=254)
    contact: fields.ForeignKeyNullableRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", null=True, related_name="campaign_sends", on_delete=fields.SET_NULL
    )
    contact_id: int | None
    kind = fields.CharEnumField(SendKind, max_length=10)
    status = fields.CharEnumField(SendStatus, max_length=20)
    message: fields.ForeignKeyNullableRelation["OutboxMessage"] = fields.ForeignKeyField(
        "models.OutboxMessage", null=True, related_name="campaign_sends", on_delete=fields.SET_NULL
    )
    message_id: int | None
    error = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "campaign_send"
        indexes = (("campaign_id", "status"),)


class GreetingStatus(str, Enum):
    SCHEDULED = "scheduled"
    SENT = "sent"
    CANCELLED = "cancelled"


class Greeting(Model):
    """A greetings campaign's mail to an audience at a time: sent once by the job keyed on its id."""

    id = fields.IntField(primary_key=True)
    campaign: fields.ForeignKeyRelation["Campaign"] = fields.ForeignKeyField(
        "models.Campaign", related_name="greetings", on_delete=fields.CASCADE
    )
    campaign_id: int
    send_at = fields.DatetimeField()
    # {"contact_ids": [...], "customer_ids": [...], "segment_id": n | null}: resolved when it goes out
    audience: fields.Field[dict] = fields.JSONField(default=dict)
    status = fields.CharEnumField(GreetingStatus, max_length=10, default=GreetingStatus.SCHEDULED)
    created_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name="greetings", on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)
    sent_count = fields.IntField(default=0)

    class Meta:
        table = "greeting"
