"""Leads: capture, qualify (new → contacted → qualified, or lost with a reason) and convert into a deal,
creating or linking the customer, all in one write."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, Conflict
from backend.live import topics
from backend.live.events import LeadCreated, LeadUpdated
from backend.models import (
    AuditEntry,
    Contact,
    CustomEntity,
    Customer,
    CustomerStatus,
    Deal,
    Lead,
    LeadStatus,
    TransitionEntity,
)
from backend.permissions import Action
from backend.services import bulk, contacts, customers, deals, lost_reasons, pick_lists, search, users, workflows
from backend.services import custom_fields as custom
from backend.services import validate as v
from backend.services.removals import seen_before
from backend.services.unit import diff, write

L = LeadStatus

# Which status may follow which is the admins' (services/workflows.py, seeded by m0030: forward through
# qualification, or out as lost with a reason; a lost lead may be reopened). Converted is final and only
# convertLead gets there, from these statuses.
CONVERTIBLE = frozenset({L.NEW, L.CONTACTED, L.QUALIFIED})


def allowed_next(lead: Lead, steps: workflows.Rules) -> list[LeadStatus]:
    """The statuses the lead may take next under the admins' `steps` (workflows.rules)."""
    return workflows.following(steps, lead.status)


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


async def create_lead(actor: Actor, data: Mapping[str, Any], *, campaign_id: int | None = None) -> Lead:
    """A new lead; `campaign_id` names the campaign it came from (referred enrolments, services/referrals.py)."""
    permissions.require(actor, Action.CREATE_LEAD)
    values = _clean(data, creating=True)
    if campaign_id is not None:
        values["campaign_id"] = campaign_id
    # As for contacts: a lead the system makes (a referred sign-up's) is not stopped by required fields, nor
    # by the admins' lead sources (its source names the campaign, which no list has to offer).
    extra = await custom.clean(CustomEntity.LEAD, data.get("custom_fields"), creating=True,
                               require=not actor.is_system)
    async with write(actor) as unit:
        if not actor.is_system:
            await pick_lists.keep_listed(values, pick_lists.LEAD_LISTS)
        values |= await _links(actor, data, None)
        owner_raw = data.get("owner_id")
        values["owner_id"] = actor.user_id if owner_raw is None else await users.assignable(actor, "ownerId", owner_raw, required=True)
        lead = await Lead.create(**values, status=L.NEW)
        changes = diff({}, {**values, "status": L.NEW}) | await custom.store(lead.id, extra)
        await unit.audit("lead.create", "lead", lead.id, changes)
        unit.publish(topics.leads(), LeadCreated(id=lead.id, audiences=[], actor_id=actor.user_id))
    return lead


async def update_lead(actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any]) -> Lead:
    expected = v.version("version", version)
    values = _clean(data, creating=False)
    extra = await custom.clean(CustomEntity.LEAD, data.get("custom_fields"), creating=False)
    async with write(actor) as unit:
        lead = await visible(actor, raw_id)
        permissions.require(actor, Action.UPDATE_LEAD, lead)
        if lead.status is L.CONVERTED:
            raise BadUserInput("id", "a converted lead is final; change its deal instead")
        await pick_lists.keep_listed(values, pick_lists.LEAD_LISTS, lead)
        values |= await _links(actor, data, lead)
        if "owner_id" in data:
            values["owner_id"] = await users.assignable(actor, "ownerId", data["owner_id"], required=True)
        values |= await _status_change(lead, data)
        before = {key: getattr(lead, key) for key in values}
        seen = await seen_before(lead)
        await v.versioned_update(Lead, lead, expected, "Lead", **values)
        extra_changes = await custom.store(lead.id, extra)
        await unit.audit("lead.update", "lead", lead.id, diff(before, values) | extra_changes)
        unit.publish(topics.leads(), LeadUpdated(id=lead.id, audiences=seen, actor_id=actor.user_id,
                                                 custom_fields=custom.keys_of(extra_changes)))
    return lead


async def _status_change(lead: Lead, data: Mapping[str, Any]) -> dict[str, Any]:
    """A lost lead keeps its reason as deals do: one from the admins' list (`lost_reason_id`), free text, or
    both (the text then details the listed reason); leaving lost clears both."""
    detail = v.text("lostReason", data.get("lost_reason"), max_length=500)
    listed = data.get("lost_reason_id")
    if data.get("status") is None:
        if (detail or listed is not None) and lead.status is L.LOST:
            choice_id, reason = await lost_reasons.reason_text(listed, detail)
            return {"lost_reason": reason, "lost_reason_choice_id": choice_id}
        return {}
    target = v.choice("status", data["status"], LeadStatus)
    if target is lead.status:
        return {}
    offered = allowed_next(lead, await workflows.rules(TransitionEntity.LEAD))
    if target not in offered:
        allowed = ", ".join(s.value for s in offered) or "none"
        hint = " (use convertLead)" if target is L.CONVERTED else ""
        raise BadUserInput("status", f"a {lead.status.value} lead cannot become {target.value}{hint}; allowed: {allowed}")
    if target is not L.LOST:
        return {"status": target, "lost_reason": "", "lost_reason_choice_id": None}
    choice_id, reason = await lost_reasons.reason_text(listed, detail)
    if not reason:
        raise BadUserInput("lostReason", "is required to mark a lead lost")
    return {"status": target, "lost_reason": reason, "lost_reason_choice_id": choice_id}


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
        seen = await seen_before(lead)
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
        }, require=False)
        values = {"status": L.CONVERTED, "deal_id": deal.id, "customer_id": customer.id}
        before = {key: getattr(lead, key) for key in values}
        await v.versioned_update(Lead, lead, expected, "Lead", **values)
        await unit.audit("lead.convert", "lead", lead.id, diff(before, values))
        unit.publish(topics.leads(), LeadUpdated(id=lead.id, audiences=seen, actor_id=actor.user_id))
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


async def insert_many(actor: Actor, items: Sequence[Mapping[str, Any]]) -> list[int]:
    """create_lead for many leads at once (an import's batch), inside the caller's write: the same checks for
    each (links and owners looked up once per distinct value), then one INSERT per table."""
    permissions.require(actor, Action.CREATE_LEAD)
    links: dict[tuple[Any, Any], dict[str, Any]] = {}
    owners: dict[Any, int | None] = {}
    now = datetime.now(UTC)
    blank = bulk.defaults(Lead, now)
    made: list[dict[str, Any]] = []
    fields = await custom.definitions(CustomEntity.LEAD)
    async with write(actor) as unit:
        for data in items:
            values = _clean(data, creating=True)
            link = (data.get("customer_id", ...), data.get("contact_id", ...))
            if link not in links:
                links[link] = await _links(actor, data, None)
            values |= links[link]
            owner_raw = data.get("owner_id")
            if owner_raw not in owners:
                owners[owner_raw] = actor.user_id if owner_raw is None else await users.assignable(
                    actor, "ownerId", owner_raw, required=True)
            values["owner_id"] = owners[owner_raw]
            made.append(values)
        ids = await bulk.reserve_ids("lead", len(made))
        async with search.indexed_in_bulk("lead") as indexed:
            await bulk.insert(Lead, [{**blank, **values, "id": lead_id, "status": L.NEW}
                                     for lead_id, values in zip(ids, made, strict=True)])
            indexed.extend(ids)
        extra = await custom.insert_new(fields, [(lead_id, list(data.get("custom_fields") or []))
                                                 for lead_id, data in zip(ids, items, strict=True)])
        await bulk.insert(AuditEntry, [
            bulk.audit_row(unit, "lead.create", "lead", lead_id,
                           diff({}, {**values, "status": L.NEW}) | extra.get(lead_id, {}), now)
            for lead_id, values in zip(ids, made, strict=True)])
        for lead_id in ids:
            unit.publish(topics.leads(), LeadCreated(id=lead_id, audiences=[], actor_id=actor.user_id))
    return ids
