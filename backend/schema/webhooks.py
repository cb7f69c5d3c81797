"""Webhooks as the API shows them (admins): endpoints, their deliveries and each delivery's attempts."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types.unset import UNSET

from backend.models import DeliveryStatus, Webhook, WebhookAttempt, WebhookDelivery
from backend.schema.changes import ChangeEntity, ChangeKind
from backend.schema.rows import Shows

strawberry.enum(DeliveryStatus, name="WebhookDeliveryStatus",
                description="pending (waiting for its next attempt), delivered, or failed (after a day of retries)")


@strawberry.type(name="Webhook", description="An endpoint the CRM POSTs each matching change to, signed (admins)")
class WebhookType(Shows[Webhook]):
    id: strawberry.ID = strawberry.field(description="Webhook id")
    name: str = strawberry.field(description="What it is for")
    url: str = strawberry.field(description="Where deliveries are POSTed")
    active: bool = strawberry.field(description="false: switched off (by an admin, or after a day of failures)")
    disabled_reason: str = strawberry.field(description="Why it is switched off; empty while active")
    version: int = strawberry.field(description="Send it back with updateWebhook and deleteWebhook")
    created_at: datetime = strawberry.field(description="Registered at")

    @strawberry.field(description="The kinds of record it hears of (empty: all)")
    @staticmethod
    def entities(hook: strawberry.Parent[Webhook]) -> list[ChangeEntity]:
        return [ChangeEntity(e) for e in hook.entities]

    @strawberry.field(description="The kinds of change it hears of (empty: all)")
    @staticmethod
    def kinds(hook: strawberry.Parent[Webhook]) -> list[ChangeKind]:
        return [ChangeKind(k) for k in hook.kinds]


@strawberry.type(name="WebhookAttempt", description="One POST of a delivery and what the endpoint answered")
class WebhookAttemptType(Shows[WebhookAttempt]):
    id: strawberry.ID = strawberry.field(description="Attempt id")
    at: datetime = strawberry.field(description="When it was made")
    ok: bool = strawberry.field(description="The endpoint answered 2xx")
    status_code: int | None = strawberry.field(description="The HTTP status; null when there was no answer")
    duration_ms: int = strawberry.field(description="How long it took, in milliseconds")
    error: str = strawberry.field(description="What went wrong (refused address, timeout, HTTP status); empty on success")
    response: str = strawberry.field(description="The answer's first kilobyte")
    manual: bool = strawberry.field(description="An admin's redelivery (redeliverWebhook), not a scheduled attempt")


@strawberry.type(name="WebhookDelivery", description="One change for one webhook: the same body and X-CRM-Delivery "
                 "id on every attempt")
class WebhookDeliveryType(Shows[WebhookDelivery]):
    id: strawberry.ID = strawberry.field(description="Delivery id: the X-CRM-Delivery header")
    event: str = strawberry.field(description="entity.kind, e.g. deal.status_changed: the X-CRM-Event header")
    body: str = strawberry.field(description="The JSON POSTed")
    status: DeliveryStatus = strawberry.field(description="Where it stands")
    attempts: int = strawberry.field(description="Attempts made so far")
    next_attempt_at: datetime = strawberry.field(description="When a pending delivery is tried (next)")
    delivered_at: datetime | None = strawberry.field(description="When the endpoint took it")
    created_at: datetime = strawberry.field(description="Made at")

    @strawberry.field(description="The webhook it goes to")
    @staticmethod
    def webhook_id(delivery: strawberry.Parent[WebhookDelivery]) -> strawberry.ID:
        return strawberry.ID(str(delivery.webhook_id))

    @strawberry.field(description="The change feed's id of the change it carries")
    @staticmethod
    def change_id(delivery: strawberry.Parent[WebhookDelivery]) -> strawberry.ID:
        return strawberry.ID(str(delivery.change_id))

    @strawberry.field(description="Every attempt, newest first")
    @staticmethod
    def attempt_log(delivery: strawberry.Parent[WebhookDelivery]) -> list[WebhookAttemptType]:
        # Prefetched with the page (resolvers/webhooks.py): one query for all deliveries shown.
        return WebhookAttemptType.of_all(sorted(delivery.attempt_log, key=lambda a: a.id, reverse=True))


@strawberry.type(description="A webhook with its secret, shown this once (create, or update with rotateSecret)")
class WebhookWithSecret:
    webhook: WebhookType = strawberry.field(description="The webhook")
    secret: str | None = strawberry.field(description="Its signing secret: store it now, it is not shown again "
                                          "(null when the update did not rotate it)")


@strawberry.input(description="Register an endpoint (admins); it hears of changes committed from now on")
class CreateWebhookInput:
    name: str = strawberry.field(description="What it is for (up to 100 characters)")
    url: str = strawberry.field(description="http(s) address; its host must resolve to public addresses only")
    entities: list[ChangeEntity] | None = strawberry.field(default=None, description="Only these records (default all)")
    kinds: list[ChangeKind] | None = strawberry.field(default=None, description="Only these changes (default all)")
    secret: str | None = strawberry.field(default=None, description="Your signing secret (16+ characters); "
                                          "none: one is generated and returned once")


@strawberry.input(description="Change a webhook, switch it off or on, or rotate its secret (admins)")
class UpdateWebhookInput:
    id: strawberry.ID = strawberry.field(description="Webhook id")
    version: int = strawberry.field(description="The version you read")
    name: str | None = strawberry.field(default=UNSET, description="New name")
    url: str | None = strawberry.field(default=UNSET, description="New address (checked as on create)")
    entities: list[ChangeEntity] | None = strawberry.field(default=UNSET, description="Only these records ([]: all)")
    kinds: list[ChangeKind] | None = strawberry.field(default=UNSET, description="Only these changes ([]: all)")
    active: bool | None = strawberry.field(default=UNSET, description="false switches it off; true on again, "
                                           "retrying failed deliveries first")
    rotate_secret: bool | None = strawberry.field(default=UNSET, description="true: a new secret, returned once")


@strawberry.input(description="Delete a webhook with its deliveries and their log (admins)")
class DeleteWebhookInput:
    id: strawberry.ID = strawberry.field(description="Webhook id")
    version: int = strawberry.field(description="The version you read")


@strawberry.input(description="Send a delivery again now (admins)")
class RedeliverWebhookInput:
    delivery_id: strawberry.ID = strawberry.field(description="WebhookDelivery id")


@strawberry.type(description="A redelivery: the delivery as it stands now and the attempt just made")
class Redelivery:
    delivery: WebhookDeliveryType
    attempt: WebhookAttemptType
