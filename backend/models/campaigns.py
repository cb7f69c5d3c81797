"""Campaigns, their engagement events (kept for charts over time) and enrolments."""

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from backend.models.base import Editable

if TYPE_CHECKING:
    from backend.models.contacts import Lead
    from backend.models.users import User


class CampaignType(str, Enum):
    REFERRAL = "referral"
    PROMOTION = "promotion"
    GREETINGS = "greetings"


class Visibility(str, Enum):
    PRIVATE = "private"
    INTERNAL = "internal"
    PUBLIC = "public"


class CampaignStatus(str, Enum):
    DRAFT = "draft"
    NEW = "new"
    ACTIVE = "active"
    INACTIVE = "inactive"
    DISCARDED = "discarded"


class EngagementKind(str, Enum):
    VIEW = "view"
    LIKE = "like"
    ENROLMENT = "enrolment"


class Campaign(Editable):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    code = fields.CharField(max_length=40, unique=True)
    description = fields.TextField(default="")
    type = fields.CharEnumField(CampaignType, max_length=20)
    visibility = fields.CharEnumField(Visibility, max_length=10, default=Visibility.PRIVATE)
    status = fields.CharEnumField(CampaignStatus, max_length=20, default=CampaignStatus.DRAFT, db_index=True)
    starts_on = fields.DateField(null=True)
    ends_on = fields.DateField(null=True)
    owner: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name="campaigns", on_delete=fields.SET_NULL
    )
    owner_id: int | None
    views = fields.IntField(default=0)
    likes = fields.IntField(default=0)
    enrolments = fields.IntField(default=0)
    # The owner's local day whose engagement summary went out (services/campaign_schedule.py): the
    # conditional update that sets it is what makes the summary go out once, whoever runs the job.
    summary_sent_on = fields.DateField(null=True)

    class Meta:
        table = "campaign"


class EngagementEvent(Model):
    id = fields.BigIntField(primary_key=True)
    campaign: fields.ForeignKeyRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="events", on_delete=fields.CASCADE
    )
    campaign_id: int
    kind = fields.CharEnumField(EngagementKind, max_length=10)
    visitor = fields.CharField(max_length=64, description="Hash identifying an anonymous visitor")
    occurred_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "engagement_event"


class CampaignLike(Model):
    """One row per visitor who liked, so the unique key makes repeated likes count once."""

    id = fields.BigIntField(primary_key=True)
    campaign: fields.ForeignKeyRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="like_rows", on_delete=fields.CASCADE
    )
    campaign_id: int
    visitor = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "campaign_like"
        unique_together = (("campaign", "visitor"),)


class Enrolment(Model):
    id = fields.BigIntField(primary_key=True)
    campaign: fields.ForeignKeyRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="enrolment_rows", on_delete=fields.CASCADE
    )
    campaign_id: int
    name = fields.CharField(max_length=200)
    email = fields.CharField(max_length=254)
    consent = fields.BooleanField()
    referrer_code = fields.CharField(max_length=64, default="")
    # The user whose referral code it was, resolved when enrolling (codes can be regenerated later), and
    # the lead the enrolment became for them (services/referrals.py).
    referrer: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL
    )
    referrer_id: int | None
    lead: fields.ForeignKeyNullableRelation["Lead"] = fields.ForeignKeyField(
        "models.Lead", null=True, related_name=False, on_delete=fields.SET_NULL
    )
    lead_id: int | None
    source = fields.CharField(max_length=20, default="page", description="page, embed or api")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "enrolment"
        unique_together = (("campaign", "email"),)
