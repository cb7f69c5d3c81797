"""Webhooks (issue 21): endpoints admins register, the deliveries the change feed makes for them, and every
attempt to deliver one (services/webhooks.py)."""

from enum import Enum

from tortoise import fields
from tortoise.models import Model

from backend.models.base import Editable


class Webhook(Editable):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    url = fields.CharField(max_length=2000)
    entities: fields.Field[list[str]] = fields.JSONField(default=list, description="Fed entities; empty: all")
    kinds: fields.Field[list[str]] = fields.JSONField(default=list, description="Change kinds; empty: all")
    secret = fields.CharField(max_length=200, description="Signs every delivery (HMAC-SHA256); shown once")
    active = fields.BooleanField(default=True)
    disabled_reason = fields.CharField(max_length=500, default="", description="Why it was switched off")
    last_change_id = fields.BigIntField(default=0, description="The feed position deliveries were made up to")
    created_by_id = fields.IntField(null=True, description="Who registered it (no foreign key: kept after them)")

    class Meta:
        table = "webhook"


class DeliveryStatus(str, Enum):
    PENDING = "pending"  # waiting for its (next) attempt
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # still failing after a day of retries: its webhook was switched off


class WebhookDelivery(Model):
    """One change for one endpoint: the same body (and X-CRM-Delivery id) on every attempt."""

    id = fields.BigIntField(primary_key=True)
    webhook: fields.ForeignKeyRelation[Webhook] = fields.ForeignKeyField(
        "models.Webhook", related_name="deliveries", on_delete=fields.CASCADE)
    webhook_id: int
    change_id = fields.BigIntField()
    event = fields.CharField(max_length=80, description="entity.kind, e.g. deal.status_changed")
    body = fields.TextField(description="The JSON sent, signed anew (with its time) on each attempt")
    status = fields.CharEnumField(DeliveryStatus, max_length=10, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    failing_since = fields.DatetimeField(null=True, description="First failed attempt of the current run of them")
    delivered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    attempt_log: fields.ReverseRelation["WebhookAttempt"]

    class Meta:
        table = "webhook_delivery"
        indexes = (("webhook_id", "status", "id"),)


class WebhookAttempt(Model):
    """One POST of a delivery: what the endpoint said, how long it took."""

    id = fields.BigIntField(primary_key=True)
    delivery: fields.ForeignKeyRelation[WebhookDelivery] = fields.ForeignKeyField(
        "models.WebhookDelivery", related_name="attempt_log", on_delete=fields.CASCADE)
    delivery_id: int
    at = fields.DatetimeField()
    ok = fields.BooleanField()
    status_code = fields.IntField(null=True, description="The HTTP status (null: no answer)")
    duration_ms = fields.IntField()
    error = fields.CharField(max_length=500, default="")
    response = fields.TextField(default="", description="The answer's first kilobyte")
    manual = fields.BooleanField(default=False, description="An admin's redelivery")

    class Meta:
        table = "webhook_attempt"
        indexes = (("delivery_id", "id"),)  # a delivery's log, in order; deleting a delivery finds its attempts
