"""Marketing mail as the API shows it: consent of an address, a campaign's sends and greetings, and the
inputs of sharing a campaign, scheduling greetings and marking consent."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.models import CampaignSend, ConsentChange, Greeting, MailConsent
from backend.models import ConsentSource as ConsentSourceModel
from backend.models import ConsentStatus as ConsentStatusModel
from backend.models import GreetingStatus as GreetingStatusModel
from backend.models import SendKind as SendKindModel
from backend.models import SendStatus as SendStatusModel
from backend.reads.columns import reads
from backend.reads.context import Info
from backend.schema.rows import Shows
from backend.schema.users import UserType

if TYPE_CHECKING:
    from backend.schema.contacts import ContactType

MailConsentStatus = ConsentStatusModel
strawberry.enum(MailConsentStatus, name="MailConsentStatus", description="subscribed or unsubscribed to marketing email")
MailConsentSource = ConsentSourceModel
strawberry.enum(MailConsentSource, name="MailConsentSource",
                description="How consent was given or withdrawn: enrolment form, manual (a user), import, "
                            "unsubscribe link, one-click (RFC 8058) or the preferences page")
CampaignSendStatus = SendStatusModel
strawberry.enum(CampaignSendStatus, name="CampaignSendStatus",
                description="queued, sent, failed (retried), unsubscribed or no_consent (the last two: not sent)")
CampaignSendKind = SendKindModel
strawberry.enum(CampaignSendKind, name="CampaignSendKind", description="share or greeting")
GreetingStatus = GreetingStatusModel
strawberry.enum(GreetingStatus, name="GreetingStatus", description="scheduled, sent or cancelled")


@strawberry.type(name="MailConsentChange", description="One change of an address's consent")
class ConsentChangeType(Shows[ConsentChange]):
    status: MailConsentStatus = strawberry.field(description="The state it changed to")
    source: MailConsentSource = strawberry.field(description="How")
    note: str = strawberry.field(description="What the user who marked it wrote")
    occurred_at: datetime = strawberry.field(description="When")

    @strawberry.field(description="The user who marked it (null for the person themselves)")
    @staticmethod
    async def changed_by(row: strawberry.Parent[ConsentChange], info: Info) -> UserType | None:
        return UserType.of_maybe(await info.context.loaders.user.load(row.user_id)) if row.user_id else None


@strawberry.type(name="MailConsent", description="Whether an address receives marketing email, and its history")
class MailConsentType:
    email: str = strawberry.field(description="The address (lower case)")
    state: strawberry.Private[MailConsent | None]

    @strawberry.field(description="True only while the address has agreed and not unsubscribed since")
    def subscribed(self) -> bool:
        return self.state is not None and self.state.status is ConsentStatusModel.SUBSCRIBED

    @strawberry.field(description="The recorded state; null when the address was never asked")
    def status(self) -> MailConsentStatus | None:
        return self.state.status if self.state else None

    @strawberry.field(description="How the current state came about")
    def source(self) -> MailConsentSource | None:
        return self.state.source if self.state else None

    @strawberry.field(description="When the current state began")
    def changed_at(self) -> datetime | None:
        return self.state.changed_at if self.state else None

    @strawberry.field(description="Changes, newest first")
    async def history(self, info: Info, first: Annotated[int, strawberry.argument(description="How many (at most 50)")] = 20
                      ) -> list[ConsentChangeType]:
        return ConsentChangeType.of_all(await info.context.loaders.consent_history(max(1, min(first, 50))).load(self.email))


@strawberry.type(name="CampaignSend", description="One campaign mail to one address")
class CampaignSendType(Shows[CampaignSend]):
    id: strawberry.ID = strawberry.field(description="Send id")
    email: str = strawberry.field(description="Recipient address")
    kind: CampaignSendKind = strawberry.field(description="share or greeting")
    status: CampaignSendStatus = strawberry.field(description="Where it stands")
    error: str = strawberry.field(description="Why the last attempt failed (failed only)")
    created_at: datetime = strawberry.field(description="When it was queued")
    updated_at: datetime = strawberry.field(description="When its status last changed")

    @strawberry.field(description="The contact it went to, when known and visible to you")
    @staticmethod
    async def contact(row: strawberry.Parent[CampaignSend], info: Info
                      ) -> Annotated[ContactType, strawberry.lazy("backend.schema.contacts")] | None:
        from backend.schema.contacts import ContactType  # the contacts schema imports this module

        return ContactType.of_maybe(await info.context.loaders.contact.load(row.contact_id)) if row.contact_id else None


@strawberry.type(name="CampaignSendCounts", description="A campaign's sends by status")
class CampaignSendCounts:
    queued: int = strawberry.field(description="Waiting for the outbox")
    sent: int = strawberry.field(description="Accepted by the mail server")
    failed: int = strawberry.field(description="Last attempt failed (retried)")
    unsubscribed: int = strawberry.field(description="Not sent: unsubscribed")
    no_consent: int = strawberry.field(description="Not sent: never agreed to marketing email")
    total: int = strawberry.field(description="All sends")


def counts_of(found: dict[str, int]) -> CampaignSendCounts:
    values = {s.value: found.get(s.value, 0) for s in SendStatusModel}
    return CampaignSendCounts(queued=values["queued"], sent=values["sent"], failed=values["failed"],
                              unsubscribed=values["unsubscribed"], no_consent=values["no_consent"], total=sum(values.values()))


@strawberry.type(name="Greeting", description="A greetings campaign's mail scheduled for a time")
class GreetingType(Shows[Greeting]):
    id: strawberry.ID = strawberry.field(description="Greeting id")
    send_at: datetime = strawberry.field(description="When it goes out")
    status: GreetingStatus = strawberry.field(description="scheduled, sent or cancelled")
    sent_at: datetime | None = strawberry.field(description="When it went out")
    sent_count: int = strawberry.field(description="Addresses it went to (sent or left out for consent)")
    created_at: datetime = strawberry.field(description="When it was scheduled")

    @strawberry.field(description="Who it goes to, in words (e.g. “3 contacts, segment 4”)", metadata=reads("audience"))
    @staticmethod
    def audience(row: strawberry.Parent[Greeting]) -> str:
        audience = row.audience or {}
        parts = []
        if n := len(audience.get("contact_ids") or []):
            parts.append(f"{n} contact{'s' if n > 1 else ''}")
        if n := len(audience.get("customer_ids") or []):
            parts.append(f"{n} customer{'s' if n > 1 else ''}")
        if audience.get("segment_id"):
            parts.append(f"segment {audience['segment_id']}")
        return ", ".join(parts)

    @strawberry.field(description="Who scheduled it")
    @staticmethod
    async def created_by(row: strawberry.Parent[Greeting], info: Info) -> UserType | None:
        return UserType.of_maybe(await info.context.loaders.user.load(row.created_by_id)) if row.created_by_id else None


@strawberry.type(name="ShareCampaignResult", description="What a share queued")
class ShareCampaignResult:
    campaign_id: strawberry.ID = strawberry.field(description="Campaign id")
    queued: int = strawberry.field(description="Mails going out")
    unsubscribed: int = strawberry.field(description="Left out: unsubscribed")
    no_consent: int = strawberry.field(description="Left out: never agreed to marketing email")


@strawberry.input(description="Mail a public, active campaign's page to people now (subscribed addresses only)")
class ShareCampaignInput:
    campaign_id: strawberry.ID = strawberry.field(description="Campaign id")
    contact_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Contacts to mail")
    customer_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Customers: their contacts with an email")
    segment_id: strawberry.ID | None = strawberry.field(default=None, description="A segment: its customers' contacts")
    note: str | None = strawberry.field(default=None, description="A few words above the campaign in the mail")


@strawberry.input(description="Schedule a greetings campaign's mail for a time")
class ScheduleGreetingInput:
    campaign_id: strawberry.ID = strawberry.field(description="A greetings campaign")
    send_at: datetime = strawberry.field(description="When to send (not in the past)")
    contact_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Contacts to greet")
    customer_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Customers: their contacts with an email")
    segment_id: strawberry.ID | None = strawberry.field(default=None, description="A segment, read when it goes out")
    note: str | None = strawberry.field(default=None, description="The greeting's words above the campaign text")


@strawberry.input(description="Cancel a scheduled greeting before it goes out")
class CancelGreetingInput:
    id: strawberry.ID = strawberry.field(description="Greeting id")


@strawberry.input(description="Record a contact's answer about marketing email")
class SetMailConsentInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact (its email address is what is recorded)")
    subscribed: bool = strawberry.field(description="True: they agreed; false: they asked to get none")
    note: str | None = strawberry.field(default=None, description="How they said so (e.g. “by phone, 3 May”)")


@strawberry.type(name="CampaignSendsChange", description="A campaign's sends changed: refetch them")
class CampaignSendsChange:
    campaign_id: strawberry.ID = strawberry.field(description="Campaign id")
