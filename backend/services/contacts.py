"""Contacts: people at customers (or not yet at any), their status workflow, the primary contact, conversion."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, Conflict
from backend.live import topics
from backend.live.events import ContactCreated, ContactDeleted, ContactUpdated
from backend.models import (
    Activity,
    AttachmentRecord,
    AuditEntry,
    Contact,
    ContactStatus,
    CustomEntity,
    Customer,
    CustomerStatus,
    Deal,
    Lead,
    TransitionEntity,
    User,
)
from backend.permissions import Action
from backend.services import attachments, automations, bulk, customers, search, users, workflows
from backend.services import custom_fields as custom
from backend.services import validate as v
from backend.services.removals import seen_before
from backend.services.unit import Unit, diff, write

S = ContactStatus

# Which status may follow which is the admins' (services/workflows.py, seeded by m0030). `converted` is
# reached only through convertContact (it needs a customer), from the statuses with a step into it, and is final.

CHECKS = {
    "name": lambda x: v.text("name", x, max_length=200, required=True),
    "email": lambda x: v.email("email", x, required=True),
    "phone": lambda x: v.phone("phone", x),
    "job_title": lambda x: v.text("jobTitle", x, max_length=100),
    "department": lambda x: v.text("department", x, max_length=100),
    "role_at_customer": lambda x: v.text("roleAtCustomer", x, max_length=100),
    "social_links": lambda x: v.social_links("socialLinks", x),
}

# Fields of the customer a conversion creates (input name → customer field); email defaults to the contact's.
NEW_CUSTOMER_FIELDS = {
    "company_name": "name", "legal_form": "legal_form", "email": "email", "phone": "phone", "website": "website",
    "street": "street", "city": "city", "postcode": "postcode", "country": "country", "industry": "industry",
    "segment": "segment", "description": "description",
}


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def allowed_next(contact: Contact, steps: workflows.Rules) -> list[ContactStatus]:
    """The statuses the contact may take next under the admins' `steps` (workflows.rules)."""
    return workflows.following(steps, contact.status)


async def steps() -> dict[str, frozenset[str]]:
    return await workflows.rules(TransitionEntity.CONTACT)


def _check_transition(steps: workflows.Rules, current: ContactStatus, target: ContactStatus) -> None:
    if target is current:
        return
    offered = steps.get(current.value, frozenset())
    if target is S.CONVERTED and target.value in offered:
        raise BadUserInput("status", "a contact becomes converted through convertContact, which links its customer")
    if target.value not in offered:
        allowed = ", ".join(s.value for s in workflows.following(steps, current)) or "none, it is final"
        raise BadUserInput("status", f"a {current.value} contact cannot become {target.value} (allowed: {allowed})")


def _clean(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """Validate the fields present in `data` (all required ones when creating)."""
    if creating:
        data = {"name": None, "email": None, **data}
    return {key: CHECKS[key](value) for key, value in data.items() if key in CHECKS}


async def visible(actor: Actor, raw_id: Any, field: str = "id") -> Contact:
    contact_id = v.parse_id(field, raw_id)
    return await v.one(Contact.filter(permissions.contact_rule(actor), id=contact_id), "Contact", raw_id, field)


async def _customer_id(actor: Actor, raw_id: Any) -> int | None:
    return None if raw_id is None else (await customers.visible(actor, raw_id, "customerId")).id


@contextmanager
def _one_primary() -> Iterator[None]:
    """The partial unique index uniq_contact_primary settles races between two new primaries: the loser
    gets a clear error (and its write is rolled back) instead of an internal one."""
    try:
        yield
    except IntegrityError:
        raise BadUserInput(
            "isPrimary", "another contact of this customer became primary at the same time; reload and retry"
        ) from None


async def _clear_primary(unit: Unit, customer_id: int, keep: int | None) -> None:
    """Unmark the customer's current primary contact (not `keep`), inside the caller's write."""
    # cast: values_list(flat=True) gives the ids themselves; Tortoise's annotation says tuples.
    previous = cast(list[int], await Contact.filter(customer_id=customer_id, is_primary=True).exclude(
        id=keep or 0).values_list("id", flat=True))
    if not previous:
        return
    await Contact.filter(id__in=list(previous)).update(
        is_primary=False, version=F("version") + 1, updated_at=datetime.now(UTC)
    )
    for contact_id in previous:
        await unit.audit("contact.update", "contact", contact_id, {"is_primary": [True, False]})
        # Still at the same customer: seen by the same audiences as before.
        unit.publish(topics.contacts(), ContactUpdated(id=contact_id, audiences=[], actor_id=unit.actor.user_id))


async def _refresh_search(*customer_ids: int | None) -> None:
    for customer_id in {c for c in customer_ids if c is not None}:
        await customers.refresh_search_text(customer_id)


async def create_contact(actor: Actor, data: Mapping[str, Any]) -> Contact:
    permissions.require(actor, Action.CREATE_CONTACT)
    values = _clean(data, creating=True)
    status = v.choice("status", data.get("status") or S.NEW, ContactStatus)
    if status is S.CONVERTED:
        raise BadUserInput("status", "a contact becomes converted through convertContact")
    owner_id = await users.assignable(actor, "ownerId", data.get("owner_id"))
    if owner_id is None and actor.role in permissions.SALES:
        owner_id = actor.user_id
    is_primary = bool(data.get("is_primary"))
    # A contact the system makes for someone (a referred sign-up's) came from no form whose required fields
    # anyone could fill: defaults apply, required ones do not stop it.
    extra = await custom.clean(CustomEntity.CONTACT, data.get("custom_fields"), creating=True,
                               require=not actor.is_system)
    async with write(actor) as unit:
        customer_id = await _customer_id(actor, data.get("customer_id"))
        await permissions.require_contacts_of(actor, customer_id, owner_id)
        if is_primary:
            if customer_id is None:
                raise BadUserInput("isPrimary", "only a contact at a customer can be its primary contact")
            await _clear_primary(unit, customer_id, keep=None)
        values |= {"status": status, "customer_id": customer_id, "owner_id": owner_id, "is_primary": is_primary}
        with _one_primary():
            contact = await Contact.create(**values)
        await _refresh_search(customer_id)
        await unit.audit("contact.create", "contact", contact.id, diff({}, values) | await custom.store(contact.id, extra))
        unit.publish(topics.contacts(), ContactCreated(id=contact.id, audiences=[], actor_id=actor.user_id))
        await automations.contact_added(actor, unit, contact)
    return contact


async def update_contact(actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any]) -> Contact:
    """Change fields, status, owner, customer or the primary flag (setting it unmarks the previous primary)."""
    expected = v.version("version", version)
    values = _clean(data, creating=False)
    if "status" in data:
        if data["status"] is None:
            raise BadUserInput("status", "may not be null")
        values["status"] = v.choice("status", data["status"], ContactStatus)
    if "owner_id" in data:
        values["owner_id"] = await users.assignable(actor, "ownerId", data["owner_id"])
    primary = data.get("is_primary")
    extra = await custom.clean(CustomEntity.CONTACT, data.get("custom_fields"), creating=False)
    async with write(actor) as unit:
        contact = await visible(actor, raw_id)
        permissions.require(actor, Action.UPDATE_CONTACT, contact)
        if "status" in values:
            _check_transition(await steps(), contact.status, values["status"])
        if "picture_id" in data:
            values["picture_id"] = await attachments.image_of(
                AttachmentRecord.CONTACT, contact.id, data["picture_id"], "pictureId")
        old_customer = contact.customer_id
        await permissions.require_contacts_of(actor, old_customer, contact.owner_id)
        if "customer_id" in data:
            values["customer_id"] = await _customer_id(actor, data["customer_id"])
            if values["customer_id"] is None and contact.status is S.CONVERTED:
                raise BadUserInput("customerId", "a converted contact stays linked to a customer")
        customer_id = values.get("customer_id", old_customer)
        if customer_id not in (None, old_customer):
            await permissions.require_contacts_of(actor, customer_id, None)  # the other end of a move
        if primary is True:
            if customer_id is None:
                raise BadUserInput("isPrimary", "only a contact at a customer can be its primary contact")
            await _clear_primary(unit, customer_id, keep=contact.id)
            values["is_primary"] = True
        elif primary is False or (customer_id != old_customer and contact.is_primary):
            values["is_primary"] = False  # leaving a customer also leaves its primary role there
        before = {key: getattr(contact, key) for key in values}
        seen = await seen_before(contact)
        with _one_primary():
            await v.versioned_update(Contact, contact, expected, "Contact", **values)
        if "name" in values or customer_id != old_customer:
            await _refresh_search(old_customer, customer_id)
        extra_changes = await custom.store(contact.id, extra)
        await unit.audit("contact.update", "contact", contact.id, diff(before, values) | extra_changes)
        unit.publish(topics.contacts(), ContactUpdated(id=contact.id, audiences=seen, actor_id=actor.user_id,
                                                       custom_fields=custom.keys_of(extra_changes)))
    return contact


@dataclass
class Conversion:
    contact: Contact
    customer: Customer
    customer_created: bool


async def convert_contact(actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any]) -> Conversion:
    """Mark a contact converted at a customer: an existing one (`customerId`), a new one (`companyName` and
    the customer's fields), or the one it already belongs to. It becomes the primary contact when the
    customer has none. One write: the customer, the contact, the search text and the audit entries."""
    expected = v.version("version", version)
    new_fields = {key: value for key, value in data.items() if key in NEW_CUSTOMER_FIELDS and value is not None}
    if data.get("customer_id") is not None and new_fields:
        field = _camel(next(iter(new_fields)))
        raise BadUserInput(field, "only for a new customer: give customerId or companyName, not both")
    async with write(actor) as unit:
        contact = await visible(actor, raw_id)
        permissions.require(actor, Action.CONVERT_CONTACT, contact)
        if S.CONVERTED.value not in (await steps()).get(contact.status.value, frozenset()):
            raise BadUserInput("status", f"a {contact.status.value} contact cannot be converted")
        old_customer = contact.customer_id
        await permissions.require_contacts_of(actor, old_customer, contact.owner_id)
        created = bool(new_fields)
        if created:
            customer = await _new_customer(actor, contact, new_fields)
        elif data.get("customer_id") is not None:
            customer = await customers.visible(actor, data["customer_id"], "customerId")
            await permissions.require_contacts_of(actor, customer.id, None)
        elif old_customer is not None:
            customer = await customers.visible(actor, old_customer, "customerId")
        else:
            raise BadUserInput("customerId", "give an existing customer (customerId) or a new one (companyName)")
        has_primary = await Contact.filter(customer_id=customer.id, is_primary=True).exclude(id=contact.id).exists()
        values = {
            "status": S.CONVERTED,
            "customer_id": customer.id,
            "is_primary": not has_primary,
        }
        before = {key: getattr(contact, key) for key in values}
        seen = await seen_before(contact)
        with _one_primary():
            await v.versioned_update(Contact, contact, expected, "Contact", **values)
        await _refresh_search(old_customer, customer.id)
        await unit.audit("contact.convert", "contact", contact.id, diff(before, values))
        unit.publish(topics.contacts(), ContactUpdated(id=contact.id, audiences=seen, actor_id=actor.user_id))
        if not created:  # a new customer had its activation task made with it (customers.insert_customer)
            await automations.customer_added(actor, unit, customer, contact)
    return Conversion(contact=contact, customer=customer, customer_created=created)


async def join_customer(unit: Unit, contact_id: int, customer_id: int) -> bool:
    """Inside the caller's write, bring a contact that works for no customer yet to `customer_id`, as its
    primary contact when it has none (a lead's conversion, as CRMs carry the person over). A contact
    already at a customer stays there. True when the contact now works for `customer_id`."""
    contact = await Contact.get_or_none(id=contact_id)
    if contact is None or contact.customer_id not in (None, customer_id):
        return False
    if contact.customer_id == customer_id:
        return True
    has_primary = await Contact.filter(customer_id=customer_id, is_primary=True).exists()
    values = {"customer_id": customer_id, "is_primary": not has_primary}
    before = {key: getattr(contact, key) for key in values}
    seen = await seen_before(contact)
    with _one_primary():
        await v.versioned_update(Contact, contact, contact.version, "Contact", **values)
    await _refresh_search(customer_id)
    await unit.audit("contact.update", "contact", contact.id, diff(before, values))
    unit.publish(topics.contacts(), ContactUpdated(id=contact.id, audiences=seen, actor_id=unit.actor.user_id))
    return True


async def _new_customer(actor: Actor, contact: Contact, fields: Mapping[str, Any]) -> Customer:
    """The customer a conversion creates, managed by the converting salesperson, else by the contact's
    owner, else by whoever converts (every customer has an account manager; an admin may reassign it).

    Support may convert, so this checks the conversion's permission, not customer creation's."""
    name = v.text("companyName", fields.get("company_name"), max_length=200, required=True)
    values = {NEW_CUSTOMER_FIELDS[key]: value for key, value in fields.items()}
    values = customers.clean_new_customer({**values, "name": name, "email": values.get("email") or contact.email})
    manager_id = actor.user_id if actor.role in permissions.SALES else contact.owner_id
    if manager_id is None or not await User.filter(id=manager_id, active=True).exists():
        manager_id = actor.user_id
    return await customers.insert_customer(actor, values, CustomerStatus.PROSPECT, manager_id)


# What a contact's page may offer on this row: the role's actions, narrowed by who runs the contact.
ROW_ACTIONS = (Action.UPDATE_CONTACT, Action.CONVERT_CONTACT, Action.DELETE_CONTACT)


def row_actions(actor: Actor, contact: Contact, may_change: bool, steps: workflows.Rules) -> list[str]:
    """The actions `actor` may take on this (visible) contact, as the services decide them: the role's
    actions, and changing the contacts of its customer (or of its owner, for a loose contact): `may_change`,
    from permissions.may_change_contacts (batched per request by the contact type's loader); `steps`, the
    admins' workflow (workflows.rules): converting needs a step into converted."""
    if not may_change:
        return []
    offered = [action for action in ROW_ACTIONS if permissions.may(actor, action, contact)]
    if S.CONVERTED.value not in steps.get(contact.status.value, frozenset()):
        offered = [action for action in offered if action is not Action.CONVERT_CONTACT]
    return [action.value for action in offered]


def _rule_tasks(contact_id: int) -> Any:
    """Open tasks an automation rule made for this person (e.g. "call the new contact"): not history of
    theirs, as nobody did anything yet; deleting the contact takes them along."""
    return Activity.filter(contact_id=contact_id, made_by_rule__isnull=False, task_status__in=list(automations.OPEN_TASK))


async def history(contact_id: int) -> dict[str, int]:
    """What is on record with this person: activities (but open rule-made tasks), deals and leads."""
    return {
        "activities": await Activity.filter(contact_id=contact_id).count() - await _rule_tasks(contact_id).count(),
        "deals": await Deal.filter(contact_id=contact_id).count(),
        "leads": await Lead.filter(contact_id=contact_id).count(),
    }


ONE = {"activities": "activity", "deals": "deal", "leads": "lead"}


def _history_words(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n} {ONE[kind] if n == 1 else kind}" for kind, n in counts.items() if n)


async def delete_contact(actor: Actor, raw_id: Any, version: int | None) -> int:
    """Delete a contact entered by mistake or twice. A contact with history (activities, deals or leads that
    name them) is refused: deleting would leave calls, meetings and deals without their person, as HubSpot
    and Pipedrive users would not expect of a CRM that keeps an audit trail. Such a contact is marked
    not interested (or cold) instead, which keeps the history and takes them out of the working lists."""
    expected = v.version("version", version)
    async with write(actor) as unit:
        contact = await visible(actor, raw_id)
        permissions.require(actor, Action.DELETE_CONTACT, contact)
        customer_id = contact.customer_id
        await permissions.require_contacts_of(actor, customer_id, contact.owner_id)
        if contact.version != expected:
            raise Conflict("Contact", contact.version)
        on_record = await history(contact.id)
        if any(on_record.values()):
            raise BadUserInput(
                "id",
                f"{contact.name} has history ({_history_words(on_record)}): deleting would leave that history "
                "without its person. Mark the contact Not interested, or archive it, instead: both keep it",
            )
        seen = await seen_before(contact)
        rule_tasks = await _rule_tasks(contact.id).delete()
        await attachments.files_leave_with(unit, Q(contact_id=contact.id))
        await contact.delete()
        await custom.forget(CustomEntity.CONTACT, contact.id)
        await _refresh_search(customer_id)
        changes: dict[str, Any] = {"name": [contact.name, None], "email": [contact.email, None]}
        if rule_tasks:
            changes["rule_tasks_deleted"] = [None, rule_tasks]
        await unit.audit("contact.delete", "contact", contact.id, changes, was=contact)
        unit.publish(topics.contacts(), ContactDeleted(id=contact.id, audiences=seen, actor_id=actor.user_id))
    return contact.id


async def insert_many(actor: Actor, items: Sequence[Mapping[str, Any]]) -> list[int]:
    """create_contact for many contacts at once (an import's batch), inside the caller's write: the same checks
    for each, then one INSERT per table instead of several statements per contact. A contact marked primary
    goes through create_contact (it unmarks the customer's previous primary)."""
    permissions.require(actor, Action.CREATE_CONTACT)
    owners: dict[Any, int | None] = {}
    visible_ids: dict[Any, int | None] = {}
    allowed: set[tuple[int | None, int | None]] = set()
    now = datetime.now(UTC)
    blank = bulk.defaults(Contact, now)
    made: list[dict[str, Any]] = []
    extras: list[list[Any]] = []  # each new contact's custom-field input
    ids: list[int | None] = []
    fields = await custom.definitions(CustomEntity.CONTACT)
    async with write(actor) as unit:
        for data in items:
            if data.get("is_primary"):
                ids.append((await create_contact(actor, data)).id)
                continue
            values = _clean(data, creating=True)
            status = v.choice("status", data.get("status") or S.NEW, ContactStatus)
            if status is S.CONVERTED:
                raise BadUserInput("status", "a contact becomes converted through convertContact")
            raw_owner = data.get("owner_id")
            if raw_owner not in owners:
                owners[raw_owner] = await users.assignable(actor, "ownerId", raw_owner)
            owner_id = owners[raw_owner]
            if owner_id is None and actor.role in permissions.SALES:
                owner_id = actor.user_id
            raw_customer = data.get("customer_id")
            if raw_customer not in visible_ids:
                visible_ids[raw_customer] = await _customer_id(actor, raw_customer)
            customer_id = visible_ids[raw_customer]
            if (customer_id, owner_id) not in allowed:
                await permissions.require_contacts_of(actor, customer_id, owner_id)
                allowed.add((customer_id, owner_id))
            values |= {"status": status, "customer_id": customer_id, "owner_id": owner_id, "is_primary": False}
            made.append(values)
            extras.append(list(data.get("custom_fields") or []))
            ids.append(None)
        created = await bulk.reserve_ids("contact", len(made))
        fresh = iter(created)
        ids = [known if known is not None else next(fresh) for known in ids]
        async with search.indexed_in_bulk("contact") as indexed:
            await bulk.insert(Contact, [{**blank, **values, "id": contact_id}
                                        for contact_id, values in zip(created, made, strict=True)])
            indexed.extend(created)
        await _refresh_search(*{values["customer_id"] for values in made})
        extra = await custom.insert_new(fields, list(zip(created, extras, strict=True)))
        await bulk.insert(AuditEntry, [bulk.audit_row(unit, "contact.create", "contact", contact_id,
                                                      diff({}, values) | extra.get(contact_id, {}), now)
                                       for contact_id, values in zip(created, made, strict=True)])
        for contact_id in created:
            unit.publish(topics.contacts(), ContactCreated(id=contact_id, audiences=[], actor_id=actor.user_id))
    return [i for i in ids if i is not None]  # (all are set by now)
