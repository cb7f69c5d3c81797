"""Webhooks as admins keep them (issue 21): register an endpoint (its secret shown once), change, switch off
and on, delete, and redeliver a delivery by hand. Deliveries themselves: services/webhook_delivery.py."""

from __future__ import annotations

import secrets
from typing import Any

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, Conflict
from backend.models import Change, DeliveryStatus, Webhook, WebhookAttempt, WebhookDelivery
from backend.permissions import Action
from backend.services import queue
from backend.services import validate as v
from backend.services import webhook_delivery as delivery
from backend.services.changes import FED, KINDS
from backend.services.unit import diff, write
from backend.settings import get_settings

MIN_SECRET = 16  # characters of a secret an admin brings


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


async def _url(raw: str | None) -> str:
    url = v.text("url", raw, max_length=2000, required=True)
    try:
        await delivery.check_url(url, get_settings())
    except delivery.Refused as refused:
        raise BadUserInput("url", str(refused)) from None
    return url


def _listed(field: str, raw: list[str] | None, known: tuple[str, ...]) -> list[str]:
    chosen = list(dict.fromkeys(raw or []))
    if unknown := [x for x in chosen if x not in known]:
        raise BadUserInput(field, f"unknown: {', '.join(unknown)} (known: {', '.join(known)})")
    return chosen


def _secret(raw: str | None) -> str:
    if raw is None or not raw.strip():
        return new_secret()
    secret = v.text("secret", raw, max_length=200)
    if len(secret) < MIN_SECRET:
        raise BadUserInput("secret", f"must be at least {MIN_SECRET} characters (or leave it empty: one is made)")
    return secret


async def create_webhook(actor: Actor, data: dict[str, Any]) -> tuple[Webhook, str]:
    """(the webhook, its secret): deliveries start with the changes committed after it is registered."""
    permissions.require(actor, Action.MANAGE_WEBHOOKS)
    name = v.text("name", data.get("name"), max_length=100, required=True)
    url = await _url(data.get("url"))
    entities = _listed("entities", data.get("entities"), tuple(FED))
    kinds = _listed("kinds", data.get("kinds"), KINDS)
    secret = _secret(data.get("secret"))
    async with write(actor) as unit:
        newest = await Change.all().order_by("-id").first()  # the feed's position now: later changes are its
        hook = await Webhook.create(name=name, url=url, entities=entities, kinds=kinds, secret=secret,
                                    last_change_id=newest.id if newest else 0, created_by_id=actor.user_id)
        await unit.audit("webhook.create", "webhook", hook.id, {"name": [None, name], "url": [None, url],
                                                                "entities": [None, entities], "kinds": [None, kinds]})
    return hook, secret


async def update_webhook(actor: Actor, raw_id: Any, version: int | None,
                         data: dict[str, Any]) -> tuple[Webhook, str | None]:
    """Change what was given; `active` switches it off or on (on: failed deliveries are retried first, in
    order); `rotateSecret` makes a new secret, returned this once."""
    permissions.require(actor, Action.MANAGE_WEBHOOKS)
    expected = v.version("version", version)
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = v.text("name", data["name"], max_length=100, required=True)
    if "url" in data:
        values["url"] = await _url(data["url"])
    if "entities" in data:
        values["entities"] = _listed("entities", data["entities"], tuple(FED))
    if "kinds" in data:
        values["kinds"] = _listed("kinds", data["kinds"], KINDS)
    if data.get("active") is not None:
        values["active"] = bool(data["active"])
    secret = new_secret() if data.get("rotate_secret") else None
    async with write(actor) as unit:
        hook = await v.one(Webhook.filter(id=v.parse_id("id", raw_id)), "Webhook", raw_id, "id")
        before = {key: getattr(hook, key) for key in values}
        if values.get("active") and not hook.active:
            values["disabled_reason"] = ""
            await WebhookDelivery.filter(webhook_id=hook.id, status=DeliveryStatus.FAILED).update(
                status=DeliveryStatus.PENDING, next_attempt_at=queue.now(), failing_since=None)
        elif values.get("active") is False and hook.active:
            values["disabled_reason"] = f"switched off by {actor.label}"
        await v.versioned_update(Webhook, hook, expected, "Webhook", **values, **({"secret": secret} if secret else {}))
        changed = diff(before, values)
        if secret:
            changed["secret"] = ["…", "rotated"]
        await unit.audit("webhook.update", "webhook", hook.id, changed)
    return hook, secret


async def delete_webhook(actor: Actor, raw_id: Any, version: int | None) -> Webhook:
    """Remove a webhook with its deliveries and their log."""
    permissions.require(actor, Action.MANAGE_WEBHOOKS)
    expected = v.version("version", version)
    async with write(actor) as unit:
        hook = await v.one(Webhook.filter(id=v.parse_id("id", raw_id)), "Webhook", raw_id, "id")
        if not await Webhook.filter(id=hook.id, version=expected).delete():
            raise Conflict("Webhook", hook.version)
        await unit.audit("webhook.delete", "webhook", hook.id, {"name": [hook.name, None], "url": [hook.url, None]})
    return hook


async def redeliver(actor: Actor, raw_id: Any) -> tuple[WebhookDelivery, WebhookAttempt]:
    """Send one delivery again now, whatever its status, logged as a manual attempt; a success of a pending or
    failed one marks it delivered, so the deliveries after it follow."""
    permissions.require(actor, Action.MANAGE_WEBHOOKS)
    delivery_id = v.parse_id("deliveryId", raw_id)
    async with write(actor) as unit:
        found = await v.one(WebhookDelivery.filter(id=delivery_id).select_related("webhook"), "WebhookDelivery",
                            raw_id, "deliveryId")
        await unit.audit("webhook.redeliver", "webhook", found.webhook_id,
                         {"delivery": str(found.id), "event": found.event})
    logged = await delivery.attempt(get_settings(), found.webhook, found, queue.now(), manual=True)
    return await WebhookDelivery.get(id=found.id), logged
