"""Customers: create, edit, delete, status workflow with history, and notes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from tortoise.expressions import Q

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, Conflict
from backend.live import topics
from backend.live.events import ActivitiesDeleted, CustomerDeleted, CustomersTouched, CustomerUpdated
from backend.models import (
    AttachmentRecord,
    Contact,
    CustomEntity,
    Customer,
    CustomerPhase,
    CustomerStatus,
    CustomerStatusChange,
    Deal,
    Note,
    PickList,
    Role,
    TransitionEntity,
)
from backend.permissions import Action
from backend.services import attachments, automations, pick_lists, users, workflows
from backend.services import custom_fields as custom
from backend.services import validate as v
from backend.services.removals import hiding
from backend.services.unit import diff, write

S = CustomerStatus

# Which status may follow which is the admins' (services/workflows.py, seeded by m0030). Blocking is allowed
# from every status and needs a reason; a blocked customer can only be unblocked, back to the status it had
# before: fixed rules, not steps admins edit.

# The relationship phase a new customer starts in, read from the status it is created with (as m0023
# back-filled existing ones); a creator may name another.
STARTING_PHASE = {S.DRAFT: CustomerPhase.IDEA, S.PROSPECT: CustomerPhase.EXPLORING, S.ACTIVE: CustomerPhase.ACTIVE}

EDITABLE = (
    "name", "legal_form", "email", "phone", "website", "street", "city", "postcode", "country",
    "industry", "segment", "tags", "description", "account_manager_id", "high_level_status_id",
    "rating", "social_links", "operations_contact_id", "logo_id",
)


ROW_ACTIONS = (Action.UPDATE_CUSTOMER, Action.CHANGE_CUSTOMER_STATUS, Action.WRITE_NOTE, Action.SET_CUSTOMER_PHASE)


def row_actions(actor: Actor, customer: Customer) -> list[str]:
    """What `actor` may do with this (visible) customer's record: their role's actions on the row, none on a
    record merged into another."""
    return [action.value for action in ROW_ACTIONS if permissions.may(actor, action, customer)]


def allowed_next(customer: Customer, steps: workflows.Rules) -> list[CustomerStatus]:
    """The statuses the customer may take next under the admins' `steps` (workflows.rules)."""
    if customer.status is S.BLOCKED:
        return [customer.status_before_block or S.DRAFT]
    return sorted({*workflows.following(steps, customer.status), S.BLOCKED}, key=list(S).index)


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
        "rating": lambda x: v.rating("rating", x),
        "social_links": lambda x: v.social_links("socialLinks", x),
    }
    if creating:
        data = {"name": None, "email": None, **data}
    values: dict[str, Any] = {key: checks[key](value) for key, value in data.items() if key in checks}
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


async def _operations(actor: Actor, raw_id: Any) -> int | None:
    """The account team's operations contact: a user `actor` may make responsible (null: none)."""
    return await users.assignable(actor, "operationsContactId", raw_id, purpose=permissions.Assignment.OWNER)


async def create_customer(actor: Actor, data: Mapping[str, Any]) -> Customer:
    permissions.require(actor, Action.CREATE_CUSTOMER)
    values = _clean(data, creating=True)
    status = v.choice("status", data.get("status") or S.DRAFT, CustomerStatus)
    if status not in (S.DRAFT, S.PROSPECT, S.ACTIVE):
        raise BadUserInput("status", "a new customer starts as draft, prospect or active")
    if data.get("phase") is not None:
        values["phase"] = v.choice("phase", data["phase"], CustomerPhase)
    if "high_level_status_id" in data:
        values["high_level_status_id"] = await pick_lists.offered(
            PickList.HIGH_LEVEL_STATUS, "highLevelStatusId", data["high_level_status_id"])
    if "operations_contact_id" in data:
        values["operations_contact_id"] = await _operations(actor, data["operations_contact_id"])
    if "account_manager_id" in data:
        manager_id: int | None = await _manager(actor, data["account_manager_id"])
    else:
        manager_id = actor.user_id  # the creator runs the relationship until someone reassigns it
    extra = await custom.clean(CustomEntity.CUSTOMER, data.get("custom_fields"), creating=True)
    async with write(actor):
        return await insert_customer(actor, values, status, manager_id, extra)


async def insert_customer(
    actor: Actor, values: dict[str, Any], status: CustomerStatus, manager_id: int | None,
    extra: custom.Cleaned | None = None,
) -> Customer:
    """Insert validated values with their first history entry and audit, inside the caller's write.

    Used by create_customer and by conversions (a contact or lead may create its customer); `extra`: its
    cleaned custom-field values, else the fields' defaults (a conversion asks for no custom fields, so a
    required one without a default stays empty until someone fills it)."""
    if manager_id is None:
        raise BadUserInput("accountManagerId", "is required: every customer has an account manager")
    if extra is None:
        extra = await custom.clean(CustomEntity.CUSTOMER, None, creating=True, require=False)
    async with write(actor) as unit:
        await pick_lists.keep_listed(values, pick_lists.CUSTOMER_LISTS)  # conversions and imports come here too
        values = {"phase": STARTING_PHASE.get(status, CustomerPhase.IDEA), **values}
        customer = await Customer.create(**values, status=status, account_manager_id=manager_id)
        customer.search_text = search_text(customer, [])
        await Customer.filter(id=customer.id).update(search_text=customer.search_text)
        await CustomerStatusChange.create(customer=customer, to_status=status, changed_by_id=actor.user_id)
        changes = diff({}, {**values, "status": status}) | await custom.store(customer.id, extra)
        await unit.audit("customer.create", "customer", customer.id, changes)
        unit.publish(topics.customers_touched(), CustomersTouched(ids=[customer.id]))  # it may enter segments
        await automations.customer_added(actor, unit, customer)
    return customer


def clean_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the fields present in `data`, none required (an import checks each cell on its own)."""
    return _clean(data, creating=False)


def clean_new_customer(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validated values of a new customer (for conversions that create one)."""
    return _clean(data, creating=True)


async def update_customer(actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any]) -> Customer:
    expected = v.version("version", version)
    values = _clean(data, creating=False)
    if "account_manager_id" in data:
        values["account_manager_id"] = await _manager(actor, data["account_manager_id"])
    if "operations_contact_id" in data:
        values["operations_contact_id"] = await _operations(actor, data["operations_contact_id"])
    extra = await custom.clean(CustomEntity.CUSTOMER, data.get("custom_fields"), creating=False)
    async with write(actor) as unit:
        customer = await visible(actor, raw_id)
        permissions.require(actor, Action.UPDATE_CUSTOMER, customer)
        await permissions.require_runs(actor, customer.id)
        if "high_level_status_id" in data:
            values["high_level_status_id"] = await _high_level_status(customer, data["high_level_status_id"])
        await pick_lists.keep_listed(values, pick_lists.CUSTOMER_LISTS, customer)
        if "logo_id" in data:
            values["logo_id"] = await attachments.image_of(AttachmentRecord.CUSTOMER, customer.id, data["logo_id"], "logoId")
        before = {key: getattr(customer, key) for key in values}
        reassigned = [customer.id] if "account_manager_id" in values else []
        async with hiding(unit, reassigned):
            await v.versioned_update(Customer, customer, expected, "Customer", **values)
        if values.keys() & {"name", "email", "phone"}:
            await refresh_search_text(customer.id)
        extra_changes = await custom.store(customer.id, extra)
        await unit.audit("customer.update", "customer", customer.id, diff(before, values) | extra_changes)
        unit.publish(topics.customer_changes(customer.id), CustomerUpdated(
            id=customer.id, custom_fields=custom.keys_of(extra_changes)
        ))
    return customer


async def _high_level_status(customer: Customer, raw_id: Any) -> int | None:
    """The high-level status to keep: an archived one the customer already has stays when a form sends it
    back unchanged; a new choice must be one the list offers."""
    if raw_id not in (None, "") and str(raw_id) == str(customer.high_level_status_id):
        return customer.high_level_status_id
    return await pick_lists.offered(PickList.HIGH_LEVEL_STATUS, "highLevelStatusId", raw_id)


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
        offered = allowed_next(customer, await workflows.rules(TransitionEntity.CUSTOMER))
        if target not in offered or target == current:
            allowed = ", ".join(s.value for s in offered)
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
        await attachments.files_leave_with(unit, Q(customer_id=customer.id) | Q(activity__customer_id=customer.id)
                                           | Q(ticket__customer_id=customer.id))
        await customer.delete()
        await custom.forget(CustomEntity.CUSTOMER, customer.id)
        await unit.audit("customer.delete", "customer", customer.id, {"name": [customer.name, None]}, was=customer)
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


async def delete_note(actor: Actor, raw_id: Any, version: int | None) -> int:
    """Delete a note (its author; heads and admins any they see). Notes are the writer's words, not history
    other rows point at, so they are deleted rather than archived; the audit entry keeps the text."""
    expected = v.version("version", version)
    note_id = v.parse_id("id", raw_id)
    async with write(actor) as unit:
        note = await v.one(
            Note.filter(id=note_id, customer_id__in=permissions.visible_customer_ids(actor)), "Note", raw_id, "id"
        )
        permissions.require(actor, Action.DELETE_NOTE, note)
        await permissions.require_runs(actor, note.customer_id)
        if note.version != expected:
            raise Conflict("Note", note.version)
        await note.delete()
        await unit.audit("note.delete", "note", note.id, {"body": [note.body, None]})
    return note_id
