"""Campaign mail to people: "share this campaign" now, and greetings at a scheduled time.

Each recipient address gets one message through the outbox (in the same transaction: a rolled-back
share sends nothing) and one `CampaignSend` row that follows it. Only subscribed addresses are mailed
(services/consent.py); the others are recorded as not sent, so the campaign shows who was left out and why.
A greeting is sent by the job keyed on its id; the job flips the greeting from scheduled to sent with a
conditional UPDATE in the transaction that queues its mail, so two workers (or a retried run) send it once,
and a cancel that came first wins.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, NotFound
from backend.live import topics
from backend.live.events import CampaignSendsChanged, CampaignSharedNote, NotificationKind
from backend.models import (
    Campaign,
    CampaignSend,
    CampaignType,
    ConsentStatus,
    Contact,
    Customer,
    Greeting,
    GreetingStatus,
    SendKind,
    SendStatus,
    User,
)
from backend.permissions import Action
from backend.services import campaigns, consent, notify, queue, segments
from backend.services import validate as v
from backend.services.unit import Unit, write

MAX_PICK = 1000  # contacts or customers picked in one share
MAX_RECIPIENTS = 2000  # addresses one share or greeting mails
GREETING_JOB = "campaigns.greeting"


@dataclass(frozen=True)
class Recipient:
    email: str
    contact_id: int | None
    name: str


@dataclass(frozen=True)
class SendSummary:
    campaign_id: int
    queued: int
    unsubscribed: int
    no_consent: int

    @property
    def total(self) -> int:
        return self.queued + self.unsubscribed + self.no_consent


def _ids(field: str, raw_ids: Sequence[Any] | None) -> list[int]:
    ids = list(dict.fromkeys(v.parse_id(field, raw) for raw in raw_ids or []))
    if len(ids) > MAX_PICK:
        raise BadUserInput(field, f"at most {MAX_PICK} at a time")
    return ids


async def visible_picks(actor: Actor, raw_contact_ids: Sequence[Any] | None,
                        raw_customer_ids: Sequence[Any] | None) -> tuple[list[int], list[int]]:
    """The picked contacts and customers, each visible to `actor` (NOT_FOUND naming the first that is not)."""
    contact_ids, customer_ids = _ids("contactIds", raw_contact_ids), _ids("customerIds", raw_customer_ids)
    found = set(await Contact.filter(permissions.contact_rule(actor), id__in=contact_ids).values_list("id", flat=True))
    if missing := [i for i in contact_ids if i not in found]:
        raise NotFound("Contact", missing[0], field="contactIds")
    found = set(await Customer.filter(permissions.customer_rule(actor), id__in=customer_ids).values_list("id", flat=True))
    if missing := [i for i in customer_ids if i not in found]:
        raise NotFound("Customer", missing[0], field="customerIds")
    return contact_ids, customer_ids


async def recipients(contact_ids: Sequence[int], customer_ids: Sequence[int]) -> list[Recipient]:
    """One recipient per address: the picked contacts, then the customers' contacts, each with an email
    and not archived or merged away."""
    found: dict[str, Recipient] = {}
    picked = await Contact.filter(id__in=list(contact_ids), archived_at=None, merged_into_id=None).exclude(email="")
    of_customers = await (Contact.filter(customer_id__in=list(customer_ids), archived_at=None, merged_into_id=None)
                          .exclude(email="").order_by("customer_id", "-is_primary", "id")) if customer_ids else []
    order = {cid: i for i, cid in enumerate(contact_ids)}
    for contact in sorted(picked, key=lambda c: order.get(c.id, 0)) + list(of_customers):
        email = contact.email.strip().lower()
        found.setdefault(email, Recipient(email, contact.id, contact.name))
    if len(found) > MAX_RECIPIENTS:
        raise BadUserInput("contactIds", f"at most {MAX_RECIPIENTS} recipients at a time ({len(found)} picked)")
    return list(found.values())


def _values(campaign: Campaign, recipient: Recipient, note: str, public: bool) -> dict[str, Any]:
    return {
        "name": recipient.name, "title": campaign.title, "description": campaign.description, "note": note,
        "campaign_path": f"/c/{campaign.code}" if public else "",
        "preferences_url": consent.preferences_url(recipient.email),
        "unsubscribe_link": consent.preferences_url(recipient.email) + "?unsubscribe=1",
    }


async def is_open(campaign: Campaign, at: datetime | None = None) -> bool:
    """Whether the campaign's public page opens at `at` (default now): its period read on its owner's
    calendar, as the page itself reads it (services/engagement.py), not UTC's."""
    return permissions.campaign_is_public(campaign, await campaigns.campaign_today(campaign, at))


async def _send(unit: Unit, campaign: Campaign, kind: SendKind, batch: str, people: list[Recipient],
                note: str, at: datetime | None = None) -> SendSummary:
    """Queue one message per subscribed address and record every address's send (inside `unit`)."""
    states = await consent.states([p.email for p in people])
    public = await is_open(campaign, at)
    rows: list[CampaignSend] = []
    counts = {SendStatus.QUEUED: 0, SendStatus.UNSUBSCRIBED: 0, SendStatus.NO_CONSENT: 0}
    for person in people:
        state = states.get(person.email)
        message_id = None
        if state is ConsentStatus.SUBSCRIBED:
            status = SendStatus.QUEUED
            message = await unit.send_mail("campaign_mail", f"{kind.value}:{campaign.id}:{batch}:{person.email}", person.email,
                                           headers=consent.marketing_headers(person.email), marketing=True,
                                           **_values(campaign, person, note, public))
            message_id = message.id
        else:
            status = SendStatus.UNSUBSCRIBED if state is ConsentStatus.UNSUBSCRIBED else SendStatus.NO_CONSENT
        counts[status] += 1
        rows.append(CampaignSend(campaign_id=campaign.id, email=person.email, contact_id=person.contact_id, kind=kind,
                                 status=status, message_id=message_id))
    await CampaignSend.bulk_create(rows)
    summary = SendSummary(campaign.id, counts[SendStatus.QUEUED], counts[SendStatus.UNSUBSCRIBED],
                          counts[SendStatus.NO_CONSENT])
    unit.publish(topics.campaign_sends(campaign.id), CampaignSendsChanged(campaign_id=campaign.id))
    await _notify_owner(unit, campaign, kind, batch, summary)
    return summary


async def _notify_owner(unit: Unit, campaign: Campaign, kind: SendKind, batch: str, summary: SendSummary) -> None:
    owner = await User.filter(id=campaign.owner_id, active=True).first() if campaign.owner_id else None
    if owner is None:
        return
    what = "shared" if kind is SendKind.SHARE else "greeting sent"
    left_out = summary.unsubscribed + summary.no_consent
    by = f" by {unit.actor.label}" if unit.actor.signed_in else ""
    message = (f"Campaign “{campaign.title}” {what}{by}: {summary.queued} mail(s) going out"
               + (f", {left_out} left out ({summary.unsubscribed} unsubscribed, {summary.no_consent} without consent)"
                  if left_out else ""))
    await notify.tell(unit, owner, NotificationKind.CAMPAIGN_SHARED, message, ("campaign", campaign.id),
                      lambda note: CampaignSharedNote(id=note.id, campaign_id=campaign.id, message=note.message),
                      f"campaign_shared:{campaign.id}:{batch}", path=f"/campaigns/{campaign.id}")


async def share_campaign(actor: Actor, raw_campaign_id: Any, raw_contact_ids: Sequence[Any] | None,
                         raw_customer_ids: Sequence[Any] | None, segment_customer_ids: Sequence[int] = (),
                         note: str | None = None, at: datetime | None = None) -> SendSummary:
    """Mail the campaign's public page to the picked people now (`at`, for tests). `segment_customer_ids`: a
    segment's members, already read with the actor's rights (the segment's conditions are evaluated above this
    layer)."""
    permissions.require(actor, Action.SHARE_CAMPAIGN)
    cleaned_note = v.text("note", note, max_length=2000, multiline=True)
    contact_ids, customer_ids = await visible_picks(actor, raw_contact_ids, raw_customer_ids)
    people = await recipients(contact_ids, [*customer_ids, *segment_customer_ids])
    if not people:
        raise BadUserInput("contactIds", "nobody to mail: pick contacts, customers or a segment with email addresses")
    async with write(actor) as unit:
        campaign = await campaigns.visible(actor, raw_campaign_id, "campaignId")
        permissions.require(actor, Action.SHARE_CAMPAIGN, campaign)
        if not await is_open(campaign, at):
            raise BadUserInput("campaignId", "only a public, active campaign can be shared: its page must open for them")
        summary = await _send(unit, campaign, SendKind.SHARE, uuid.uuid4().hex[:12], people, cleaned_note, at)
        await unit.audit("campaign.share", "campaign", campaign.id,
                         {"queued": summary.queued, "unsubscribed": summary.unsubscribed, "no_consent": summary.no_consent})
    return summary


# --- Greetings -------------------------------------------------------------------------------------

GRACE = timedelta(minutes=1)  # a time "now" typed a moment ago is still accepted


async def schedule_greeting(actor: Actor, raw_campaign_id: Any, send_at: Any, raw_contact_ids: Sequence[Any] | None,
                            raw_customer_ids: Sequence[Any] | None, raw_segment_id: Any = None,
                            note: str | None = None) -> Greeting:
    permissions.require(actor, Action.SCHEDULE_GREETING)
    if not isinstance(send_at, datetime):
        raise BadUserInput("sendAt", "a date and time is required")
    at = send_at if send_at.tzinfo else send_at.replace(tzinfo=UTC)
    if at < datetime.now(UTC) - GRACE:
        raise BadUserInput("sendAt", "is in the past")
    cleaned_note = v.text("note", note, max_length=2000, multiline=True)
    contact_ids, customer_ids = await visible_picks(actor, raw_contact_ids, raw_customer_ids)
    segment_id = None
    if raw_segment_id is not None:
        segment_id = (await segments.customer_segment(actor, raw_segment_id)).id
    if not (contact_ids or customer_ids or segment_id):
        raise BadUserInput("contactIds", "pick contacts, customers or a segment to greet")
    async with write(actor) as unit:
        campaign = await campaigns.visible(actor, raw_campaign_id, "campaignId")
        permissions.require(actor, Action.SCHEDULE_GREETING, campaign)
        if campaign.type is not CampaignType.GREETINGS:
            raise BadUserInput("campaignId", "greetings are scheduled on a greetings campaign")
        greeting = await Greeting.create(campaign_id=campaign.id, send_at=at, created_by_id=actor.user_id,
                                         audience={"contact_ids": contact_ids, "customer_ids": customer_ids,
                                                   "segment_id": segment_id, "note": cleaned_note})
        await queue.enqueue(GREETING_JOB, {"id": greeting.id}, key=f"{GREETING_JOB}:{greeting.id}", run_at=at)
        await unit.audit("greeting.schedule", "campaign", campaign.id,
                         {"greeting_id": greeting.id, "send_at": at.isoformat(), "segment_id": segment_id,
                          "contacts": len(contact_ids), "customers": len(customer_ids)})
    return greeting


async def cancel_greeting(actor: Actor, raw_id: Any) -> Greeting:
    permissions.require(actor, Action.SCHEDULE_GREETING)
    greeting_id = v.parse_id("id", raw_id)
    async with write(actor) as unit:
        greeting = await v.one(Greeting.filter(id=greeting_id), "Greeting", raw_id, "id")
        campaign = await campaigns.visible(actor, greeting.campaign_id, "id")
        permissions.require(actor, Action.SCHEDULE_GREETING, campaign)
        won = await Greeting.filter(id=greeting.id, status=GreetingStatus.SCHEDULED).update(status=GreetingStatus.CANCELLED)
        if not won:
            raise BadUserInput("id", f"this greeting is already {(await Greeting.get(id=greeting.id)).status.value}")
        greeting.status = GreetingStatus.CANCELLED
        await unit.audit("greeting.cancel", "campaign", campaign.id, {"greeting_id": greeting.id})
    return greeting


async def send_greeting(greeting_id: int, segment_customer_ids: Sequence[int] = ()) -> SendSummary | None:
    """The job: send a scheduled greeting once; None when it was cancelled or has gone out already."""
    greeting = await Greeting.filter(id=greeting_id).first()
    if greeting is None or greeting.status is not GreetingStatus.SCHEDULED:
        return None
    audience = greeting.audience or {}
    people = await recipients(audience.get("contact_ids") or [],
                              [*(audience.get("customer_ids") or []), *segment_customer_ids])
    async with write(Actor.system(via="jobs")) as unit:
        won = await Greeting.filter(id=greeting.id, status=GreetingStatus.SCHEDULED).update(
            status=GreetingStatus.SENT, sent_at=queue.now(), sent_count=len(people))
        if not won:
            return None  # cancelled meanwhile, or another worker's run got here first
        campaign = await Campaign.get(id=greeting.campaign_id)
        summary = await _send(unit, campaign, SendKind.GREETING, f"g{greeting.id}", people, audience.get("note") or "")
        await unit.audit("greeting.send", "campaign", campaign.id,
                         {"greeting_id": greeting.id, "queued": summary.queued,
                          "unsubscribed": summary.unsubscribed, "no_consent": summary.no_consent})
    return summary
