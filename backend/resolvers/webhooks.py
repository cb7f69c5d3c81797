"""Webhooks (admins): the endpoints, their delivery log, and register, change, delete, redeliver."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Annotated

import strawberry

from backend import permissions
from backend.models import DeliveryStatus, Webhook, WebhookDelivery
from backend.permissions import Action
from backend.reads.context import Info
from backend.reads.paging import FIRST_DESCRIPTION, Connection, paginate
from backend.schema.common import provided
from backend.schema.webhooks import (
    CreateWebhookInput,
    DeleteWebhookInput,
    RedeliverWebhookInput,
    Redelivery,
    UpdateWebhookInput,
    WebhookAttemptType,
    WebhookDeliveryType,
    WebhookType,
    WebhookWithSecret,
)
from backend.services import webhooks as service


def _values(raw: Sequence[Enum] | None) -> list[str] | None:
    return [x.value for x in raw] if raw is not None else None


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="The registered webhooks, oldest first (admins)")
    async def webhooks(self, info: Info) -> list[WebhookType]:
        permissions.require(info.context.actor, Action.MANAGE_WEBHOOKS)
        return WebhookType.of_all(await Webhook.all().order_by("id"))

    @strawberry.field(description="Deliveries, newest first, each with its attempts (admins): one webhook's, or "
                      "without webhookId every webhook's")
    async def webhook_deliveries(
        self,
        info: Info,
        webhook_id: Annotated[strawberry.ID | None, strawberry.argument(description="Webhook id")] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        status: Annotated[list[DeliveryStatus] | None, strawberry.argument(description="Only these")] = None,
    ) -> Connection[WebhookDeliveryType]:
        permissions.require(info.context.actor, Action.MANAGE_WEBHOOKS)
        query = WebhookDelivery.all()
        if webhook_id is not None:
            query = query.filter(webhook_id=int(webhook_id) if str(webhook_id).isdigit() else 0)
        if status:
            query = query.filter(status__in=list(status))
        return await paginate(query.prefetch_related("attempt_log"), field="id", descending=True, first=first,
                              after=after)


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="Register a webhook (admins); the answer holds its secret, shown this once")
    async def create_webhook(self, info: Info, input: CreateWebhookInput) -> WebhookWithSecret:
        data = provided(input)
        data["entities"], data["kinds"] = _values(input.entities), _values(input.kinds)
        hook, secret = await service.create_webhook(info.context.actor, data)
        return WebhookWithSecret(webhook=WebhookType.of(hook), secret=secret)

    @strawberry.mutation(description="Change a webhook, switch it off or on, or rotate its secret (admins)")
    async def update_webhook(self, info: Info, input: UpdateWebhookInput) -> WebhookWithSecret:
        data = provided(input)
        for key in ("entities", "kinds"):
            if key in data:
                data[key] = _values(data[key]) or []
        hook, secret = await service.update_webhook(info.context.actor, data.pop("id"), data.pop("version"), data)
        return WebhookWithSecret(webhook=WebhookType.of(hook), secret=secret)

    @strawberry.mutation(description="Delete a webhook with its deliveries and their log (admins)")
    async def delete_webhook(self, info: Info, input: DeleteWebhookInput) -> WebhookType:
        return WebhookType.of(await service.delete_webhook(info.context.actor, input.id, input.version))

    @strawberry.mutation(description="Send a delivery again now, whatever its status; logged as a manual attempt "
                         "(admins)")
    async def redeliver_webhook(self, info: Info, input: RedeliverWebhookInput) -> Redelivery:
        delivery, attempt = await service.redeliver(info.context.actor, input.delivery_id)
        await delivery.fetch_related("attempt_log")
        return Redelivery(delivery=WebhookDeliveryType.of(delivery), attempt=WebhookAttemptType.of(attempt))
