"""Customers: create, edit, delete, status workflow with history, and notes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, Conflict
from backend.live import topics
from backend.live.events import ActivitiesDeleted, CustomerDeleted, CustomerUpdated
from backend.models import Contact, Customer, CustomerStatus, CustomerStatusChange, Deal, Note, Role
from backend.permissions import Action
from backend.services import users
from backend.services import validate as v
from backend.services.removals import hiding
from backend.services.unit import diff, write

S = CustomerStatus

# Which status may follow which. Blocking is allowed from every status and needs a reason; a blocked
# customer can only be unblocked, back to the status it had before.
TRANSITIONS: dict[CustomerStatus, frozenset[CustomerStatus]] = {
    S.DRAFT: frozenset({S.PROSPECT, S.ACTIVE}),
    S.PROSPECT: frozenset({S.ACTIVE, S.INACTIVE, S.CHURNED}),
    S.ACTIVE: frozenset({S.INACTIVE, S.CHURNED}),
    S.INACTIVE: frozenset({S.ACTIVE, S.CHURNED}),
    S.CHURNED: frozenset({S.PROSPECT, S.ACTIVE}),
    S.BLOCKED: frozenset(),
}

EDITABLE = (
    "name", "legal_form", "email", "phone", "website", "street", "city", "postcode", "country",
    "industry", "segment", "tags", "description", "account_manager_id",
)


def allowed_next(customer: Customer) -> list[CustomerStatus]:
    if customer.status is S.BLOCKED:
        return [customer.status_before_block or S.DRAFT]
    return sorted(TRANSITIONS[customer.status] | {S.BLOCKED}, key=list(S).index)


def _clean(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """Validate the fields present in `data` (all required ones when creating)."""
    checks = {
        "name": lambda x: v.text("name", x, max_length=200, required=True),
        "legal_form": lambda x: v.text("legalForm", x, max_length=50),
        "email": lambda x: v.email("email", x, required=True),
        "phone": lambda x: v.phone("phone", x),
        "website": lambda x: v.website("website", x),
        "street": lambda x: v.text("street", x, max_length=200),
        "city": lambda x: v.text("city", x, max_length=100),
        "postcode": lambda x: v.text("postcode", x, max_length=20),
        "country": lambda x: v.country("country", x),
        "industry": lambda x: v.text("industry", x, max_length=100),
        "segment": lambda x: v.text("segment", x, max_length=50),
        "tags": lambda x: v.tags("tags", x),
        "description": lambda x: v.text("description", x, max_length=5000, multiline=True),
    }
    if creating:
        data = {"name": None, "email": None, **data}
    values = {key: checks[key](value) for key, value in data.items() if key in checks}
    if "tags" in values:
        values["tag_index"] = tag_index(values["tags"])
    return values


def tag_index(tags: Sequence[str]) -> str:
    return "|" + "".join(f"{tag.lower()}|" for tag in tags)


def search_text(customer: Customer, contact_names: list[str]) -> str:
    return " ".join([customer.name, customer.email, customer.phone, *contact_names]).lower()


async def refresh_search_text(customer_id: int) -> None:
    """Keep the searchable text in step with the customer and its contacts (inside the caller's write)."""
    customer = await Customer.get(id=customer_id)
    # cast: Tortoise types the rows of values_list(flat=True) as tuples, whatever `flat` says.
    names = cast(list[str], await Contact.filter(customer_id=customer_id).values_list("name", flat=True))
    await Customer.filter(id=customer_id).update(search_text=search_text(customer, names))


async def visible(actor: Actor, raw_id: Any, field: str = "id") -> Customer:
    customer_id = v.parse_id(field, raw_id)
    return await v.one(Customer.filter(permissions.customer_rule(actor), id=customer_id), "Customer", raw_id, field)


async def _manager(actor: Actor, raw_id: Any) -> int:
    """An account manager `actor` may appoint. Never none: a customer without one is visible to no sales
    team (issue 13: a rep cleared it and the customer vanished for the whole team)."""
    manager_id = await users.assignable(
        actor, "accountManagerId", raw_id, purpose=permissions.Assignment.ACCOUNT_MANAGER, required=True
    )
    assert manager_id is not None
    return manager_id


async def create_customer(actor: Actor, data: Mapping[str, Any]) -> Customer:
    permissions.require(actor, Action.CREATE_CUSTOMER)
    values = _clean(data, creating=True)
    status = v.choice("status", data.get("status") or S.DRAFT, CustomerStatus)
    if status not in (S.DRAFT, S.PROSPECT, S.ACTIVE):
        raise BadUserInput("status", "a new customer starts as draft, prospect or active")
    if "account_manager_id" in data:
        manager_id: int | None = await _manager(actor, data["account_manager_id"])
    else:
        manager_id = actor.user_id  # the creator runs the relationship until someone reassigns it
    async with write(actor):
        return await insert_customer(actor, values, status, manager_id)


async def insert_customer(
    actor: Actor, values: dict[str, Any], status: CustomerStatus, manager_id: int | None
) -> Customer:
    """Insert validated values with their first history entry and audit, inside the caller's write.

    Used by create_customer and by conversions (a contact or lead may create its customer)."""
    if manager_id is None:
        raise BadUserInput("accountManagerId", "is required: every customer has an account manager")
    async with write(actor) as unit:
        customer = await Customer.create(**values, status=status, account_manager_id=manager_id)
        customer.search_text = search_text(customer, [])
        await Customer.filter(id=customer.id).update(search_text=customer.search_text)
        await CustomerStatusChange.create(customer=customer, to_status=status, changed_by_id=actor.user_id)
        await unit.audit("customer.create", "customer", customer.id, diff({}, {**values, "status": status}))
    return customer


def clean_new_customer(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validated values of a new customer (for conversions that create one)."""
    return _clean(data, creating=True)


async def update_customer(actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any]) -> Customer:
    expected = v.version("version", version)
    values = _clean(data, creating=False)
    if "account_manager_id" in data:
        values["account_manager_id"] = await _manager(actor, data["account_manager_id"])
    async with write(actor) as unit:
        customer = await visible(actor, raw_id)
        permissions.require(actor, Action.UPDATE_CUSTOMER, customer)
        await permissions.require_runs(actor, customer.id)
        before = {key: getattr(customer, key) for key in values}
        reassigned = [customer.id] if "account_manager_id" in values else []
        async with hiding(unit, reassigned):
            await v.versioned_update(Customer, customer, expected, "Customer", **values)
        if values.keys() & {"name", "email", "phone"}:
            await refresh_search_text(customer.id)
        await unit.audit("customer.update", "customer", customer.id, diff(before, values))
        unit.publish(topics.customer_changes(customer.id), CustomerUpdated(id=customer.id))
    return customer


async def change_status(
    actor: Actor, raw_id: Any, version: int | None, status: Any, reason: str | None
) -> Customer:
    expected = v.version("version", version)
    target = v.choice("status", status, CustomerStatus)
    reason = v.text("reason", reason, max_length=500, required=target is S.BLOCKED)
    async with write(actor) as unit:
        customer = await visible(actor, raw_id)
        permissions.require(actor, Action.CHANGE_CUSTOMER_STATUS, customer)
        await permissions.require_runs(actor, customer.id)
        current = customer.status
        if target not in allowed_next(customer) or target == current:
            allowed = ", ".join(s.value for s in allowed_next(customer))
            raise BadUserInput("status", f"a {current.value} customer cannot become {target.value} (allowed: {allowed})")
        values: dict[str, Any] = {"status": target}
        if target is S.BLOCKED:
            values |= {"status_before_block": current, "blocked_reason": reason}
        elif current is S.BLOCKED:
            values |= {"status_before_block": None, "blocked_reason": ""}
        await v.versioned_update(Customer, customer, expected, "Customer", **values)
        await CustomerStatusChange.create(
            customer_id=customer.id, from_status=current, to_status=target, reason=reason, changed_by_id=actor.user_id
        )
        await unit.audit(
            "customer.change_status", "customer", customer.id, {"status": [current.value, target.value], "reason": reason}
        )
        unit.publish(topics.customer_changes(customer.id), CustomerUpdated(id=customer.id))
    return customer


async def delete_customer(actor: Actor, raw_id: Any, version: int | None) -> int:
    expected = v.version("version", version)
    async with write(actor) as unit:
        customer = await visible(actor, raw_id)
        permissions.require(actor, Action.DELETE_CUSTOMER, customer)
        if customer.version != expected:
            raise Conflict("Customer", customer.version)
        if await Deal.filter(customer_id=customer.id).exists():
            raise BadUserInput("id", "this customer has deals: close or move them first, or set it inactive")
        await customer.delete()
        await unit.audit("customer.delete", "customer", customer.id, {"name": [customer.name, None]})
        unit.publish(topics.customer_activities(customer.id), ActivitiesDeleted(customer_id=customer.id))
        unit.publish(topics.customer_changes(customer.id), CustomerDeleted(id=customer.id))
    return customer.id


# --- Notes -----------------------------------------------------------------------------------------

async def _writable_customer_for_note(actor: Actor, raw_id: Any) -> Customer:
    customer = await visible(actor, raw_id, "customerId")
    permissions.require(actor, Action.WRITE_NOTE, customer)
    await permissions.require_runs(actor, customer.id)
    return customer


async def create_note(actor: Actor, customer_id: Any, body: str | None, pinned: bool = False) -> Note:
    body = v.text("body", body, max_length=10000, required=True, multiline=True)
    async with write(actor) as unit:
        customer = await _writable_customer_for_note(actor, customer_id)
        note = await Note.create(customer_id=customer.id, author_id=actor.user_id, body=body, pinned=bool(pinned))
        await unit.audit("note.create", "note", note.id, {"body": [None, body], "pinned": [None, bool(pinned)]})
    return note


async def update_note(actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any]) -> Note:
    expected = v.version("version", version)
    values: dict[str, Any] = {}
    if "body" in data:
        values["body"] = v.text("body", data["body"], max_length=10000, required=True, multiline=True)
    if "pinned" in data and data["pinned"] is not None:
        values["pinned"] = bool(data["pinned"])
    note_id = v.parse_id("id", raw_id)
    async with write(actor) as unit:
        note = await v.one(
            Note.filter(id=note_id, customer_id__in=permissions.visible_customer_ids(actor)), "Note", raw_id, "id"
        )
        permissions.require(actor, Action.WRITE_NOTE, note)
        await permissions.require_runs(actor, note.customer_id)
        if actor.role is Role.SALES_REP and note.author_id not in (None, actor.user_id) and "body" in values:
            raise BadUserInput("body", "only the author can edit the text of a note")
        before = {key: getattr(note, key) for key in values}
        await v.versioned_update(Note, note, expected, "Note", **values)
        await unit.audit("note.update", "note", note.id, diff(before, values))
    return note
