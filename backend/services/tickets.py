"""Support tickets: create, edit, move through their workflow and converse, each through the write unit.

A ticket belongs to a customer and is seen exactly when that customer is; its contact and deal must be the
customer's own, so a visible ticket never points at something hidden. Its SLA clock (services/sla.py) is
computed again on every status or priority change, inside the same write, and its jobs commit with it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from itsdangerous import BadSignature, URLSafeTimedSerializer

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, Conflict, NotFound
from backend.live import topics
from backend.live.events import NotificationKind, TicketAssignedNote, TicketChanged
from backend.models import (
    Contact,
    CustomEntity,
    Customer,
    Deal,
    Notification,
    SupportForm,
    Ticket,
    TicketChannel,
    TicketMessage,
    TicketPriority,
    TicketStatus,
    User,
)
from backend.permissions import Action, Assignment
from backend.services import custom_fields as custom
from backend.services import notify, queue, sla
from backend.services import validate as v
from backend.services.unit import Unit, diff, write
from backend.settings import get_settings

S = TicketStatus
# The workflow: new → open → pending customer → resolved → closed, and reopening a resolved or closed one.
NEXT: dict[TicketStatus, tuple[TicketStatus, ...]] = {
    S.NEW: (S.OPEN, S.PENDING_CUSTOMER, S.RESOLVED, S.CLOSED),
    S.OPEN: (S.PENDING_CUSTOMER, S.RESOLVED, S.CLOSED),
    S.PENDING_CUSTOMER: (S.OPEN, S.RESOLVED, S.CLOSED),
    S.RESOLVED: (S.OPEN, S.CLOSED),
    S.CLOSED: (S.OPEN,),
}
EDITABLE = ("subject", "description", "category", "priority", "tags", "contact_id", "deal_id", "assignee_id")


def allowed_next(ticket: Ticket) -> list[TicketStatus]:
    return list(NEXT[ticket.status])


async def visible(actor: Actor, raw_id: Any, field: str = "id") -> Ticket:
    ticket_id = v.parse_id(field, raw_id)
    return cast(Ticket, await v.one(Ticket.filter(permissions.ticket_rule(actor), id=ticket_id), "Ticket", raw_id, field))


async def _customer(actor: Actor, raw_id: Any) -> Customer:
    customer_id = v.parse_id("customerId", raw_id)
    return cast(Customer, await v.one(Customer.filter(permissions.customer_rule(actor), id=customer_id), "Customer",
                                      raw_id, "customerId"))


async def _links(actor: Actor, customer_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """contactId, dealId and assigneeId as given, each checked: the customer's own contact and deal, and
    someone `actor` may hand the ticket to (the team follows the assignee)."""
    values: dict[str, Any] = {}
    for key, model, field in (("contact_id", Contact, "contactId"), ("deal_id", Deal, "dealId")):
        if data.get(key) is not None:
            row_id = v.parse_id(field, data[key])
            if not await model.filter(id=row_id, customer_id=customer_id).exists():
                raise NotFound(model.__name__, data[key], field=field)
            values[key] = row_id
        elif key in data:
            values[key] = None
    if data.get("assignee_id") is not None:
        user_id = v.parse_id("assigneeId", data["assignee_id"])
        user = await User.filter(permissions.assignee_rule(actor, Assignment.TICKET), id=user_id).first()
        if user is None:
            raise BadUserInput("assigneeId", permissions.assignee_limit(actor, Assignment.TICKET))
        values.update(assignee_id=user.id, team_id=user.team_id)
    elif "assignee_id" in data:
        values.update(assignee_id=None, team_id=None)
    return values


def _clean(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if creating or "subject" in data:
        values["subject"] = v.text("subject", data.get("subject"), max_length=200, required=True)
    if "description" in data:
        values["description"] = v.text("description", data["description"], max_length=20000, multiline=True)
    if "category" in data:
        values["category"] = v.text("category", data["category"], max_length=60)
    if data.get("priority") is not None:
        values["priority"] = v.choice("priority", data["priority"], TicketPriority)
    elif "priority" in data and not creating:
        raise BadUserInput("priority", "a ticket always has a priority")
    if "tags" in data:
        values["tags"] = v.tags("tags", data["tags"])
    if creating:
        values["channel"] = v.choice("channel", data.get("channel") or TicketChannel.PHONE, TicketChannel)
    return values


def _event(ticket: Ticket, what: str, actor: Actor) -> TicketChanged:
    return TicketChanged(id=ticket.id, customer_id=ticket.customer_id, what=what, actor_id=actor.user_id)


async def _tell_assignee(unit: Unit, actor: Actor, ticket: Ticket) -> None:
    if ticket.assignee_id is None or ticket.assignee_id == actor.user_id:
        return
    person = await User.filter(id=ticket.assignee_id, active=True).first()
    if person is None:
        return

    def note(row: Notification, t: Ticket = ticket) -> TicketAssignedNote:
        return TicketAssignedNote(ticket_id=t.id, message=row.message)

    await notify.tell(unit, person, NotificationKind.TICKET_ASSIGNED,
                      f"{actor.name} gave you {ticket.number}: {ticket.subject}", ("ticket", ticket.id), note,
                      f"ticket_assigned:{ticket.id}:{ticket.version}", path=f"/tickets/{ticket.id}")


async def _run_clock(ticket: Ticket, status: TicketStatus, at: datetime) -> dict[str, Any]:
    """Set the SLA clock's columns for `status` and arm its jobs; returns the values written."""
    cal, goal = await sla.calendar(), await sla.targets(ticket.priority)
    values = sla.clock(ticket, status, at, cal, goal)
    await Ticket.filter(id=ticket.id).update(**values)
    for key, value in values.items():
        setattr(ticket, key, value)
    await sla.arm(ticket, cal, goal)
    return values


async def create_ticket(actor: Actor, data: Mapping[str, Any], *, requester: str = "") -> Ticket:
    """A new ticket (status new) on a visible customer; its SLA clock starts now. `requester`: the email a
    public form's sender gave."""
    permissions.require(actor, Action.CREATE_TICKET)
    values = _clean(data, creating=True)
    customer = await _customer(actor, data.get("customer_id"))
    links = await _links(actor, customer.id, data)
    # A public form's sender is asked for no custom fields: the ticket gets the defaults (as a converted deal).
    extra = await custom.clean(CustomEntity.TICKET, data.get("custom_fields"), creating=True,
                               require=actor.via != "public")
    async with write(actor) as unit:
        ticket = await Ticket.create(**values, **links, customer_id=customer.id, queue_at=sla.QUEUE_END,
                                     requester_email=requester)
        await _run_clock(ticket, TicketStatus.NEW, ticket.created_at)
        changes = diff({}, {**values, **links, "customer_id": customer.id}) | await custom.store(ticket.id, extra)
        await unit.audit("ticket.create", "ticket", ticket.id, changes)
        await _tell_assignee(unit, actor, ticket)
        unit.publish(topics.tickets(), _event(ticket, "created", actor))
    return ticket


async def update_ticket(actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any]) -> Ticket:
    """Edit subject, description, category, priority (its SLA targets follow), tags, contact, deal, assignee."""
    expected = v.version("version", version)
    values = _clean(data, creating=False)
    extra = await custom.clean(CustomEntity.TICKET, data.get("custom_fields"), creating=False)
    async with write(actor) as unit:
        ticket = await visible(actor, raw_id)
        permissions.require(actor, Action.UPDATE_TICKET, ticket)
        values.update(await _links(actor, ticket.customer_id, data))
        before = {key: getattr(ticket, key) for key in values}
        await v.versioned_update(Ticket, ticket, expected, "Ticket", **values)
        changes = diff(before, values)
        changes |= await custom.store(ticket.id, extra)
        if "priority" in changes:
            await _run_clock(ticket, ticket.status, queue.now())
        await unit.audit("ticket.update", "ticket", ticket.id, changes)
        if "assignee_id" in changes:
            await _tell_assignee(unit, actor, ticket)
        unit.publish(topics.tickets(), _event(ticket, "updated", actor))
    return ticket


async def change_status(actor: Actor, raw_id: Any, version: int | None, status: Any) -> Ticket:
    """Move a ticket along its workflow (NEXT); the SLA clock pauses or runs on, its due times recomputed."""
    expected = v.version("version", version) if version is not None else None
    wanted = v.choice("status", status, TicketStatus)
    async with write(actor) as unit:
        ticket = await visible(actor, raw_id)
        permissions.require(actor, Action.CHANGE_TICKET_STATUS, ticket)
        await _move(unit, actor, ticket, wanted, expected)
    return ticket


async def _move(unit: Unit, actor: Actor, ticket: Ticket, wanted: TicketStatus, expected: int | None) -> None:
    if wanted not in NEXT[ticket.status]:
        raise BadUserInput("status", f"a {ticket.status.value} ticket cannot become {wanted.value}"
                           + (f" (it may become {', '.join(s.value for s in NEXT[ticket.status])})"))
    if expected is not None and ticket.version != expected:
        raise Conflict("Ticket", ticket.version)
    at = queue.now()
    values: dict[str, Any] = {"status": wanted}
    if wanted is S.RESOLVED:
        values["resolved_at"] = at
    if wanted is S.CLOSED:
        values["closed_at"] = at
    if wanted is S.OPEN and ticket.status in (S.RESOLVED, S.CLOSED):
        values.update(resolved_at=None, closed_at=None)  # reopened: the resolution clock runs on
    before = ticket.status
    await v.versioned_update(Ticket, ticket, ticket.version, "Ticket", **values)
    await _run_clock(ticket, wanted, at)
    await unit.audit("ticket.status", "ticket", ticket.id, {"status": [before.value, wanted.value]})
    if wanted is S.RESOLVED:
        await _ask_satisfaction(unit, ticket)
    unit.publish(topics.tickets(), _event(ticket, "status", actor))


# --- The one-question satisfaction survey, mailed on resolution (backend/public/survey.py) ----------------

SURVEY_DAYS = 30  # a survey link answers this long after the resolution it asks about


def _survey_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="crm.ticket.survey")


def survey_path(ticket: Ticket) -> str:
    return f"/s/{_survey_signer().dumps(ticket.id)}"


async def _ask_satisfaction(unit: Unit, ticket: Ticket) -> None:
    """Mail the person who asked (the contact, else the web form's sender) the survey link; once per resolution."""
    contact = await Contact.filter(id=ticket.contact_id).first() if ticket.contact_id else None
    address = (contact.email if contact else "") or ticket.requester_email
    if not address:
        return
    await unit.send_mail("ticket_survey", f"ticket_survey:{ticket.id}:{ticket.version}", address,
                         name=contact.name if contact else "", number=ticket.number, subject=ticket.subject,
                         path=survey_path(ticket))


async def surveyed(token: str) -> Ticket | None:
    """The resolved or closed ticket a survey link asks about (None: forged, expired, or reopened since)."""
    try:
        ticket_id = _survey_signer().loads(token, max_age=SURVEY_DAYS * 86400)
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(ticket_id, int):
        return None
    return await Ticket.filter(id=ticket_id, status__in=[S.RESOLVED, S.CLOSED]).first()


async def rate(ticket: Ticket, score: Any) -> Ticket:
    """The customer's answer, 1 to 5 (a second answer replaces the first)."""
    try:
        value = int(score)
    except (TypeError, ValueError):
        raise BadUserInput("score", "pick one of 1 to 5") from None
    if not 1 <= value <= 5:
        raise BadUserInput("score", "pick one of 1 to 5")
    public = Actor.system(via="public")
    async with write(public) as unit:
        at = queue.now()
        await Ticket.filter(id=ticket.id).update(satisfaction=value, rated_at=at)
        await unit.audit("ticket.rate", "ticket", ticket.id, {"satisfaction": [ticket.satisfaction, value]})
        unit.publish(topics.tickets(), _event(ticket, "updated", public))
    ticket.satisfaction, ticket.rated_at = value, at
    return ticket


async def reply(actor: Actor, raw_id: Any, body: Any, internal: bool = False) -> TicketMessage:
    """A public reply or an internal note. The first public reply meets the first-response target; replying
    to a new ticket opens it."""
    text = v.text("body", body, max_length=20000, multiline=True, required=True)
    async with write(actor) as unit:
        ticket = await visible(actor, raw_id)
        permissions.require(actor, Action.REPLY_TO_TICKET, ticket)
        message = await TicketMessage.create(ticket_id=ticket.id, author_id=actor.user_id, author_name=actor.name,
                                             internal=internal, body=text)
        await unit.audit("ticket.note" if internal else "ticket.reply", "ticket", ticket.id, {"message_id": message.id})
        if not internal and ticket.first_responded_at is None:
            await v.versioned_update(Ticket, ticket, ticket.version, "Ticket", first_responded_at=message.created_at)
            await _run_clock(ticket, ticket.status, message.created_at)
        if not internal and ticket.status is S.NEW:
            await _move(unit, actor, ticket, S.OPEN, None)
        unit.publish(topics.tickets(), _event(ticket, "note" if internal else "reply", actor))
    return message


# --- The public support form (backend/public/support.py) ----------------------------------------------


def form_url(form: SupportForm) -> str:
    return f"{get_settings().public_url}/support/{form.code}"


async def support_form(actor: Actor, raw_customer_id: Any) -> SupportForm:
    """The customer's public form, made on first asking (its code is the address /support/{code}); asking
    again hands back the same one. Racing first asks are settled by the one-form-per-customer key."""
    permissions.require(actor, Action.CREATE_TICKET)
    customer = await _customer(actor, raw_customer_id)
    async with write(actor) as unit:
        form = await SupportForm.filter(customer_id=customer.id).first()
        if form is None:
            form = await SupportForm.create(customer_id=customer.id, code=secrets.token_urlsafe(12))
            await unit.audit("support_form.create", "customer", customer.id, {"support_form": [None, form.id]})
    return form


async def file_from_form(code: str, name: str, email: str, subject: str, description: str) -> Ticket | None:
    """A web ticket from a customer's form (None when the code is unknown), filed by the public actor, its
    sender recorded as the requester and matched to the customer's contact with that email."""
    form = await SupportForm.filter(code=code).first()
    if form is None:
        return None
    public = Actor.system(via="public")
    sender = v.email("email", email, required=True)
    who = v.text("name", name, max_length=200)
    contact = await Contact.filter(customer_id=form.customer_id, email__iexact=sender).first()
    data = {"customer_id": form.customer_id, "subject": subject, "description": description,
            "channel": TicketChannel.WEB, "contact_id": contact.id if contact else None}
    async with write(public) as unit:
        ticket = await create_ticket(public, data, requester=sender)
        await TicketMessage.create(ticket_id=ticket.id, author_id=None, author_name=who or sender, internal=False,
                                   body=ticket.description or ticket.subject)
        await unit.audit("ticket.web_form", "ticket", ticket.id, {"requester": [None, sender]})
    return ticket
