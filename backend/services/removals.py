"""Rows that leave a subscriber's view. A change can hide a customer, with its deals and activities,
from a team (another account manager, a deal handed over or deleted, a member moved to another team);
its live subscribers must hear of it, or their boards keep showing what they may no longer see.

`async with hiding(unit, customer_ids) as before:` around such a change, inside its write: the audiences
that saw each customer are read before it and again after it, and each audience that lost a customer
gets a `removed` event naming it and its deals, leads and contacts (dealChanged, leadChanged and
contactChanged send REMOVED for each, activityAdded ends, customerChanged sends HIDDEN).

A lead or contact without a customer is seen through its owner's team: `seen_before(row)` names who saw it
before its own change, and that change's event carries them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager

from backend import permissions
from backend.auth.actor import Actor
from backend.live import topics
from backend.live.events import (
    ActivitiesRemoved,
    Audiences,
    ContactsRemoved,
    CustomerRemoved,
    DealsRemoved,
    LeadsRemoved,
    ShownTo,
)
from backend.models import Contact, Deal, Lead
from backend.services.unit import Unit

Seen = dict[int, set[tuple[object, ...]]]


def as_payload(audiences: set[tuple[object, ...]]) -> Audiences:
    """Audiences as events carry them (JSON has no tuples); sorted, so equal sets make equal payloads."""
    return sorted((list(audience) for audience in audiences), key=str)


def saw(actor: Actor, hidden: ShownTo) -> bool:
    """Rows deleted or removed from view: the event names the audiences that saw them before (they may not now)."""
    return list(permissions.audience(actor)) in hidden.audiences


async def seen_before(row: Contact | Lead) -> Audiences:
    """The audiences that see a contact or lead now, before the change that is about to be made to it."""
    return as_payload(await permissions.audiences_seeing_record(row.customer_id, row.owner_id))


async def _ids_by_customer(model: type[Contact] | type[Lead], customer_ids: Collection[int]) -> dict[int, list[int]]:
    ids: dict[int, list[int]] = {customer_id: [] for customer_id in customer_ids}
    rows = await model.filter(customer_id__in=list(customer_ids)).order_by("id").values_list("id", "customer_id")
    for row_id, customer_id in rows:
        ids[customer_id].append(row_id)
    return ids


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
    lead_ids, contact_ids = await _ids_by_customer(Lead, lost), await _ids_by_customer(Contact, lost)
    for customer_id, audiences in lost.items():
        shown = as_payload(audiences)
        unit.publish(topics.leads(), LeadsRemoved(
            customer_id=customer_id, ids=lead_ids[customer_id], audiences=shown, actor_id=unit.actor.user_id))
        unit.publish(topics.contacts(), ContactsRemoved(
            customer_id=customer_id, ids=contact_ids[customer_id], audiences=shown, actor_id=unit.actor.user_id))
        unit.publish(topics.deals(), DealsRemoved(
            customer_id=customer_id, deal_ids=deal_ids[customer_id], audiences=shown, actor_id=unit.actor.user_id
        ))
        unit.publish(topics.customer_activities(customer_id), ActivitiesRemoved(customer_id=customer_id, audiences=shown))
        unit.publish(topics.customer_changes(customer_id), CustomerRemoved(id=customer_id, audiences=shown))
