"""Rows that leave a subscriber's view. A change can hide a customer, with its deals and activities,
from a team (another account manager, a deal handed over or deleted, a member moved to another team);
its live subscribers must hear of it, or their boards keep showing what they may no longer see.

`async with hiding(unit, customer_ids) as before:` around such a change, inside its write: the audiences
that saw each customer are read before it and again after it, and each audience that lost a customer
gets a `removed` event naming it and its deals (dealChanged sends REMOVED for each, activityAdded ends,
customerChanged sends HIDDEN).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager

from backend import permissions
from backend.auth.actor import Actor
from backend.live import topics
from backend.live.events import ActivitiesRemoved, Audiences, CustomerRemoved, DealsRemoved, ShownTo
from backend.models import Deal
from backend.services.unit import Unit

Seen = dict[int, set[tuple[object, ...]]]


def as_payload(audiences: set[tuple[object, ...]]) -> Audiences:
    """Audiences as events carry them (JSON has no tuples); sorted, so equal sets make equal payloads."""
    return sorted((list(audience) for audience in audiences), key=str)


def saw(actor: Actor, hidden: ShownTo) -> bool:
    """Rows deleted or removed from view: the event names the audiences that saw them before (they may not now)."""
    return list(permissions.audience(actor)) in hidden.audiences


@asynccontextmanager
async def hiding(unit: Unit, customer_ids: Collection[int]) -> AsyncIterator[Seen]:
    """Yields who saw each customer before the change; publishes what the change hid from whom."""
    before = await permissions.audiences_seeing(customer_ids) if customer_ids else {}
    yield before
    if not before:
        return
    after = await permissions.audiences_seeing(before.keys())
    lost = {customer_id: saw - after[customer_id] for customer_id, saw in before.items() if saw - after[customer_id]}
    if not lost:
        return
    deal_ids: dict[int, list[int]] = {customer_id: [] for customer_id in lost}
    for deal_id, customer_id in await Deal.filter(customer_id__in=list(lost)).order_by("id").values_list("id", "customer_id"):
        deal_ids[customer_id].append(deal_id)
    for customer_id, audiences in lost.items():
        shown = as_payload(audiences)
        unit.publish(topics.deals(), DealsRemoved(
            customer_id=customer_id, deal_ids=deal_ids[customer_id], audiences=shown, actor_id=unit.actor.user_id
        ))
        unit.publish(topics.customer_activities(customer_id), ActivitiesRemoved(customer_id=customer_id, audiences=shown))
        unit.publish(topics.customer_changes(customer_id), CustomerRemoved(id=customer_id, audiences=shown))
