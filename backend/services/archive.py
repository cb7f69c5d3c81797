"""Archiving customers and contacts: records with history are put away rather than deleted. An archived
record leaves the lists (a filter shows it), keeps its deals, activities and notes, and can be restored.
Merging archives the records merged away the same way (services/merges.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.live import topics
from backend.live.events import CustomerUpdated
from backend.models import Contact, Customer
from backend.permissions import Action
from backend.services import contacts, customers
from backend.services import validate as v
from backend.services.unit import write


async def writable_customer(actor: Actor, raw_id: Any, field: str = "id") -> Customer:
    """A visible customer whose own record `actor` may change (as updateCustomer decides)."""
    customer = await customers.visible(actor, raw_id, field)
    permissions.require(actor, Action.UPDATE_CUSTOMER, customer)
    await permissions.require_runs(actor, customer.id)
    return customer


async def writable_contact(actor: Actor, raw_id: Any, field: str = "id") -> Contact:
    """A visible contact `actor` may change (as updateContact decides)."""
    contact = await contacts.visible(actor, raw_id, field)
    permissions.require(actor, Action.UPDATE_CONTACT, contact)
    await permissions.require_contacts_of(actor, contact.customer_id, contact.owner_id)
    return contact


def _check_flip(row: Customer | Contact, archived: bool, kind: str) -> None:
    """Archiving needs a record in use, restoring an archived one; a merged record stays with its keeper."""
    if (row.archived_at is not None) == archived:
        raise BadUserInput("id", f"{row.name} is {'already' if archived else 'not'} archived")
    if not archived and row.merged_into_id is not None:
        raise BadUserInput("id", f"{row.name} was merged into another {kind}: open that one instead")


async def set_customer_archived(actor: Actor, raw_id: Any, version: int | None, archived: bool) -> Customer:
    expected = v.version("version", version)
    async with write(actor) as unit:
        customer = await writable_customer(actor, raw_id)
        _check_flip(customer, archived, "customer")
        at = datetime.now(UTC) if archived else None
        await v.versioned_update(Customer, customer, expected, "Customer", archived_at=at)
        action = "customer.archive" if archived else "customer.restore"
        await unit.audit(action, "customer", customer.id, {"archived": [not archived, archived]})
        unit.publish(topics.customer_changes(customer.id), CustomerUpdated(id=customer.id))
    return customer


async def set_contact_archived(actor: Actor, raw_id: Any, version: int | None, archived: bool) -> Contact:
    expected = v.version("version", version)
    async with write(actor) as unit:
        contact = await writable_contact(actor, raw_id)
        _check_flip(contact, archived, "contact")
        values: dict[str, Any] = {"archived_at": datetime.now(UTC) if archived else None}
        if archived and contact.is_primary:
            values["is_primary"] = False  # an archived person is nobody's primary contact
        await v.versioned_update(Contact, contact, expected, "Contact", **values)
        action = "contact.archive" if archived else "contact.restore"
        await unit.audit(action, "contact", contact.id, {"archived": [not archived, archived]})
    return contact
