"""Leads: capture, qualify (new → contacted → qualified, or lost with a reason) and convert into a deal,
creating or linking the customer, all in one write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, Conflict
from backend.models import Contact, Customer, CustomerStatus, Deal, Lead, LeadStatus
from backend.permissions import Action
from backend.services import contacts, customers, deals, users
from backend.services import validate as v
from backend.services.unit import diff, write

L = LeadStatus

# Forward through qualification, or out as lost (with a reason); a lost lead may be reopened.
# Converted is final and only convertLead gets there.
TRANSITIONS: dict[LeadStatus, frozenset[LeadStatus]] = {
    L.NEW: frozenset({L.CONTACTED, L.QUALIFIED, L.LOST}),
    L.CONTACTED: frozenset({L.QUALIFIED, L.LOST}),
    L.QUALIFIED: frozenset({L.LOST}),
    L.LOST: frozenset({L.NEW}),
    L.CONVERTED: frozenset(),
}
CONVERTIBLE = frozenset({L.NEW, L.CONTACTED, L.QUALIFIED})


def allowed_next(lead: Lead) -> list[LeadStatus]:
    return sorted(TRANSITIONS[lead.status], key=list(L).index)


def _clean(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    checks = {
        "title": lambda x: v.text("title", x, max_length=200, required=True),
        "source": lambda x: v.text("source", x, max_length=100),
        "scope_of_work": lambda x: v.text("scopeOfWork", x, max_length=5000, multiline=True),
        "company_name": lambda x: v.text("companyName", x, max_length=200),
    }
    if creating:
        data = {"title": None, **data}
    return {key: checks[key](value) for key, value in data.items() if key in checks}


async def _links(actor: Actor, data: Mapping[str, Any], lead: Lead | None) -> dict[str, Any]:
    """Customer and contact given in `data`: visible, and the contact works for the lead's customer."""
    values: dict[str, Any] = {}
    customer_id = getattr(lead, "customer_id", None)
    if "customer_id" in data:
        raw = data["customer_id"]
        customer_id = None if raw is None else (await customers.visible(actor, raw, "customerId")).id
        values["customer_id"] = customer_id
    if "contact_id" in data and data["contact_id"] is not None:
        raw = data["contact_id"]
        contact = await v.one(
            Contact.filter(permissions.contact_rule(actor), id=v.parse_id("contactId", raw)), "Contact", raw, "contactId"
        )
        if customer_id is not None and contact.customer_id not in (None, customer_id):
            raise BadUserInput("contactId", "this person works for another customer than the lead's")
        values["contact_id"] = contact.id
    elif "contact_id" in data:
        values["contact_id"] = None
    return values


async def visible(actor: Actor, raw_id: Any, field: str = "id") -> Lead:
    lead_id = v.parse_id(field, raw_id)
    return await v.one(Lead.filter(permissions.lead_rule(actor), id=lead_id), "Lead", raw_id, field)


async def create_lead(actor: Actor, data: Mapping[str, Any]) -> Lead:
    permissions.require(actor, Action.CREATE_LEAD)
    values = _clean(data, creating=True)
    async with write(actor) as unit:
        values |= await _links(actor, data, None)
        owner_raw = data.get("owner_id")
        values["owner_id"] = actor.user_id if owner_raw is None else await users.assignable(actor, "ownerId", owner_raw, required=True)
        lead = await Lead.create(**values, status=L.NEW)
        await unit.audit("lead.create", "lead", lead.id, diff({}, {**values, "status": L.NEW}))
    return lead


async def update_lead(actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any]) -> Lead:
    expected = v.version("version", version)
    values = _clean(data, creating=False)
    async with write(actor) as unit:
        lead = await visible(actor, raw_id)
        permissions.require(actor, Action.UPDATE_LEAD, lead)
        if lead.status is L.CONVERTED:
            raise BadUserInput("id", "a converted lead is final; change its deal instead")
        values |= await _links(actor, data, lead)
        if "owner_id" in data:
            values["owner_id"] = await users.assignable(actor, "ownerId", data["owner_id"], required=True)
        values |= _status_change(lead, data)
        before = {key: getattr(lead, key) for key in values}
        await v.versioned_update(Lead, lead, expected, "Lead", **values)
        await unit.audit("lead.update", "lead", lead.id, diff(before, values))
    return lead


def _status_change(lead: Lead, data: Mapping[str, Any]) -> dict[str, Any]:
    reason = v.text("lostReason", data.get("lost_reason"), max_length=500)
    if data.get("status") is None:
        if reason and lead.status is L.LOST:
            return {"lost_reason": reason}
        return {}
    target = v.choice("status", data["status"], LeadStatus)
    if target is lead.status:
        return {}
    if target not in TRANSITIONS[lead.status]:
        allowed = ", ".join(s.value for s in allowed_next(lead)) or "none"
        hint = " (use convertLead)" if target is L.CONVERTED else ""
        raise BadUserInput("status", f"a {lead.status.value} lead cannot become {target.value}{hint}; allowed: {allowed}")
    if target is L.LOST and not reason:
        raise BadUserInput("lostReason", "is required to mark a lead lost")
    return {"status": target, "lost_reason": reason if target is L.LOST else ""}


async def convert_lead(actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any]) -> tuple[Lead, Deal, Customer]:
    """Customer (linked or created), deal in the first stage and the lead's new status: all or nothing."""
    expected = v.version("version", version)
    permissions.require(actor, Action.CONVERT_LEAD)
    deal_title = v.text("dealTitle", data.get("deal_title"), max_length=200)  # named as the client sent it
    new_customer = data.get("new_customer")
    if new_customer is not None and data.get("customer_id") is not None:
        raise BadUserInput("newCustomer", "send either customerId or newCustomer, not both")
    async with write(actor) as unit:
        lead = await visible(actor, raw_id)
        permissions.require(actor, Action.CONVERT_LEAD, lead)
        if lead.status not in CONVERTIBLE:
            raise BadUserInput("id", f"a {lead.status.value} lead cannot be converted")
        if lead.version != expected:
            raise Conflict("Lead", lead.version)
        customer = await _customer_for(actor, lead, data, new_customer)
        joined = lead.contact_id is not None and await contacts.join_customer(unit, lead.contact_id, customer.id)
        contact_id = lead.contact_id if joined else None
        deal = await deals.insert_deal(actor, customer, {
            "title": deal_title or lead.title,
            "amount": data.get("amount"),
            "currency": data.get("currency"),
            "pipeline_id": data.get("pipeline_id"),
            "contact_id": contact_id,
            "owner_id": lead.owner_id if actor.role is not permissions.REP else None,
        })
        values = {"status": L.CONVERTED, "deal_id": deal.id, "customer_id": customer.id}
        before = {key: getattr(lead, key) for key in values}
        await v.versioned_update(Lead, lead, expected, "Lead", **values)
        await unit.audit("lead.convert", "lead", lead.id, diff(before, values))
    return lead, deal, customer


async def _customer_for(actor: Actor, lead: Lead, data: Mapping[str, Any], new_customer: Any) -> Customer:
    if data.get("customer_id") is not None:
        return await customers.visible(actor, data["customer_id"], "customerId")
    if new_customer is not None:
        permissions.require(actor, Action.CREATE_CUSTOMER)
        try:
            values = customers.clean_new_customer(new_customer)
        except BadUserInput as problem:  # name the field inside the nested input
            raise BadUserInput(f"newCustomer.{problem.field}", str(problem.message).split(": ", 1)[-1]) from None
        manager_id = actor.user_id if actor.role in permissions.SALES else lead.owner_id
        return await customers.insert_customer(actor, values, CustomerStatus.PROSPECT, manager_id)
    if lead.customer_id is not None:
        return await customers.visible(actor, lead.customer_id, "customerId")
    raise BadUserInput("customerId", "the lead has no customer yet: send customerId or newCustomer")
