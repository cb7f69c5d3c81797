"""Customers as the API shows them: the record, its 360° summary, status history and notes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types.unset import UNSET

from backend.models import ActivityKind as ActivityKindModel
from backend.models import (
    Contact,
    CustomEntity,
    Customer,
    CustomerStatusChange,
    Deal,
    Note,
    StageKind,
    TransitionEntity,
)
from backend.models import CustomerStatus as CustomerStatusModel
from backend.reads.columns import reads, selected_columns, with_columns
from backend.reads.context import Info
from backend.reads.nested import newest_activities
from backend.reads.paging import nested_size
from backend.schema.attachments import AttachmentRecord, AttachmentType, attachments_of
from backend.schema.common import AmountRange, BigInt, DateTimeRange, Money, SortDirection
from backend.schema.custom_fields import CustomFieldFilter, CustomFieldValue, CustomFieldValueInput, record_values
from backend.schema.phases import CustomerPhase, CustomerPhaseChangeType, HighLevelStatusType
from backend.schema.profiles import AccountTeam, SocialLink, SocialLinkInput, image, links_of
from backend.schema.rows import Shows
from backend.schema.users import UserType
from backend.services import customers as service
from backend.services.currency import to_base
from backend.settings import get_settings

if TYPE_CHECKING:
    from backend.schema.activities import ActivityType
    from backend.schema.contacts import ContactType
    from backend.schema.deals import DealType
    from backend.schema.ticket_timeline import TicketTimelineEntry

# The API's enums are the models' own Enum classes, registered with strawberry.enum (which returns the class
# it registers); the names are aliases, so the type checker sees the Enum.
CustomerStatus = CustomerStatusModel
strawberry.enum(
    CustomerStatus,
    name="CustomerStatus",
    description="Lifecycle: draft → prospect → active → inactive → churned; blocked from any, with a reason",
)
ActivityKindEnum = ActivityKindModel
strawberry.enum(ActivityKindEnum, name="ActivityKind", description="What kind of interaction")

ContactRef = Annotated["ContactType", strawberry.lazy("backend.schema.contacts")]
DealRef = Annotated["DealType", strawberry.lazy("backend.schema.deals")]
ActivityRef = Annotated["ActivityType", strawberry.lazy("backend.schema.activities")]
TicketEntryRef = Annotated["TicketTimelineEntry", strawberry.lazy("backend.schema.ticket_timeline")]



@strawberry.type(name="CustomerStatusChange", description="One step of a customer's status history")
class CustomerStatusChangeType(Shows[CustomerStatusChange]):
    from_status: CustomerStatus | None = strawberry.field(description="Status before")
    to_status: CustomerStatus = strawberry.field(description="Status after")
    reason: str = strawberry.field(description="Why, as given")
    changed_at: datetime = strawberry.field(description="When")

    @strawberry.field(description="Who changed it")
    @staticmethod
    async def changed_by(change: strawberry.Parent[CustomerStatusChange], info: Info) -> UserType | None:
        user_id = change.changed_by_id
        return UserType.of_maybe(await info.context.loaders.user.load(user_id)) if user_id else None


@strawberry.type(name="Note", description="An internal note on a customer; pinned notes come first")
class NoteType(Shows[Note]):
    id: strawberry.ID = strawberry.field(description="Note id")
    body: str = strawberry.field(description="The text")
    pinned: bool = strawberry.field(description="Shown at the top")
    version: int = strawberry.field(description="Send it back with updateNote")
    created_at: datetime = strawberry.field(description="Written at")
    updated_at: datetime = strawberry.field(description="Last edited at")

    @strawberry.field(description="Who wrote it")
    @staticmethod
    async def author(note: strawberry.Parent[Note], info: Info) -> UserType | None:
        author_id = note.author_id
        return UserType.of_maybe(await info.context.loaders.user.load(author_id)) if author_id else None


@strawberry.type(name="CustomerSummary", description="The 360° figures of a customer, in the base currency")
class CustomerSummary:
    total_deal_amount: Money = strawberry.field(description="All deals, converted to the base currency")
    open_deals: int = strawberry.field(description="Deals not yet won or lost")
    open_amount: Money = strawberry.field(description="Open deals' amount")
    won_amount: Money = strawberry.field(description="Won deals' amount")
    customer_since: datetime | None = strawberry.field(description="When it first became active (else created)")
    last_activity_at: datetime | None = strawberry.field(description="Latest logged interaction")


@strawberry.type(name="Customer", description="A customer company and everything the CRM knows about it")
class CustomerType(Shows[Customer]):
    id: strawberry.ID = strawberry.field(description="Customer id")
    name: str = strawberry.field(description="Company name")
    legal_form: str = strawberry.field(description="e.g. GmbH, Ltd, SA")
    email: str = strawberry.field(description="Main email")
    phone: str = strawberry.field(description="Main phone")
    website: str = strawberry.field(description="Web site")
    street: str = strawberry.field(description="Street and number")
    city: str = strawberry.field(description="City")
    postcode: str = strawberry.field(description="Postcode")
    country: str = strawberry.field(description="ISO 3166 two-letter code")
    industry: str = strawberry.field(description="e.g. Rail, Food & Beverage, General Industry")
    segment: str = strawberry.field(description="e.g. Enterprise, Mid-market, SMB")
    tags: list[str] = strawberry.field(description="Free tags")
    description: str = strawberry.field(description="Brief: who they are, what they do, why they matter")
    status: CustomerStatus = strawberry.field(description="Lifecycle status")
    blocked_reason: str = strawberry.field(description="Why it is blocked (empty unless blocked)")
    version: int = strawberry.field(description="Send it back with updates")
    created_at: datetime = strawberry.field(description="Created at")
    updated_at: datetime = strawberry.field(description="Last changed at")
    archived_at: datetime | None = strawberry.field(description="When it was archived (or merged away); null when in use")
    phase: CustomerPhase = strawberry.field(description="Relationship phase (setCustomerPhase moves it)")
    rating: int | None = strawberry.field(description="1 to 5 stars; null when not rated")

    @strawberry.field(description="Links to its pages on the web (LinkedIn, X, …)", metadata=reads("social_links"))
    @staticmethod
    def social_links(customer: strawberry.Parent[Customer]) -> list[SocialLink]:
        return links_of(customer.social_links)

    @strawberry.field(description="Its logo: one of its image attachments", metadata=reads("logo_id"))
    @staticmethod
    async def logo(customer: strawberry.Parent[Customer], info: Info) -> AttachmentType | None:
        return await image(info, customer.logo_id)

    @strawberry.field(description="Who runs operations for this customer (a user)", metadata=reads("operations_contact_id"))
    @staticmethod
    async def operations_contact(customer: strawberry.Parent[Customer], info: Info) -> UserType | None:
        user_id = customer.operations_contact_id
        return UserType.of_maybe(await info.context.loaders.user.load(user_id)) if user_id else None

    @strawberry.field(description="The account team: relationship manager and operations contact",
                      metadata=reads("account_manager_id", "operations_contact_id"))
    @staticmethod
    async def account_team(customer: strawberry.Parent[Customer], info: Info) -> AccountTeam:
        ids = (customer.account_manager_id, customer.operations_contact_id)
        manager, operations = [UserType.of_maybe(await info.context.loaders.user.load(i)) if i else None for i in ids]
        return AccountTeam(relationship_manager=manager, operations_contact=operations)

    @strawberry.field(description="Files attached to it, newest first", metadata=reads())
    @staticmethod
    async def attachments(customer: strawberry.Parent[Customer], info: Info) -> list[AttachmentType]:
        return await attachments_of(info, AttachmentRecord.CUSTOMER, customer.id)

    @strawberry.field(description="The high-level status from the admins' list (it may be archived since)",
                      metadata=reads("high_level_status_id"))
    @staticmethod
    async def high_level_status(customer: strawberry.Parent[Customer], info: Info) -> HighLevelStatusType | None:
        item_id = customer.high_level_status_id
        return HighLevelStatusType.of_maybe(await info.context.loaders.pick_list_item.load(item_id)) if item_id else None

    @strawberry.field(description="Every phase move with who, when and why, oldest first", metadata=reads())
    @staticmethod
    async def phase_history(customer: strawberry.Parent[Customer], info: Info) -> list[CustomerPhaseChangeType]:
        return CustomerPhaseChangeType.of_all(await info.context.loaders.phase_history_of_customer.load(customer.id))

    @strawberry.field(description="Custom fields in use on customers, with this one's values", metadata=reads())
    @staticmethod
    async def custom_fields(customer: strawberry.Parent[Customer], info: Info) -> list[CustomFieldValue]:
        return await record_values(info, CustomEntity.CUSTOMER, customer.id)

    @strawberry.field(description="The record it was merged into, when it was", metadata=reads("merged_into_id"))
    @staticmethod
    def merged_into_id(row: strawberry.Parent[Customer]) -> strawberry.ID | None:
        return strawberry.ID(str(row.merged_into_id)) if row.merged_into_id else None

    @strawberry.field(
        description="Statuses this customer may move to next",
        metadata=reads("status", "status_before_block")
    )
    @staticmethod
    async def allowed_statuses(customer: strawberry.Parent[Customer], info: Info) -> list[CustomerStatus]:
        return service.allowed_next(customer, await info.context.loaders.workflow.load(TransitionEntity.CUSTOMER))

    @strawberry.field(
        description="What you may do with this customer's record (updateCustomer, changeCustomerStatus, "
        "writeNote, setCustomerPhase): your role's actions on this row; none on a record merged into another",
        metadata=reads("account_manager_id", "merged_into_id"),
    )
    @staticmethod
    def allowed_actions(customer: strawberry.Parent[Customer], info: Info) -> list[str]:
        return service.row_actions(info.context.actor, customer)

    @strawberry.field(description="The employee responsible for the relationship", metadata=reads("account_manager_id"))
    @staticmethod
    async def account_manager(customer: strawberry.Parent[Customer], info: Info) -> UserType | None:
        manager_id = customer.account_manager_id
        return UserType.of_maybe(await info.context.loaders.user.load(manager_id)) if manager_id else None

    @strawberry.field(description="People at this customer, primary contact first", metadata=reads())
    @staticmethod
    async def contacts(customer: strawberry.Parent[Customer], info: Info) -> list[ContactRef]:
        from backend.schema.contacts import ContactType

        columns = selected_columns(info, ContactType, Contact)
        return ContactType.of_all(await info.context.loaders.contacts_of_customer(columns).load(customer.id))

    @strawberry.field(description="The primary contact, if one is marked", metadata=reads())
    @staticmethod
    async def primary_contact(customer: strawberry.Parent[Customer], info: Info) -> ContactRef | None:
        from backend.schema.contacts import ContactType

        columns = with_columns(selected_columns(info, ContactType, Contact), "is_primary")
        contacts = await info.context.loaders.contacts_of_customer(columns).load(customer.id)
        return ContactType.of_maybe(next((c for c in contacts if c.is_primary), None))

    @strawberry.field(description="Deals with this customer, newest first", metadata=reads())
    @staticmethod
    async def deals(customer: strawberry.Parent[Customer], info: Info) -> list[DealRef]:
        from backend.schema.deals import DealType

        return DealType.of_all(await info.context.loaders.deals_of_customer(selected_columns(info, DealType, Deal)).load(customer.id))

    @strawberry.field(description="The newest activities, newest first", metadata=reads())
    @staticmethod
    async def activities(
        customer: strawberry.Parent[Customer],
        info: Info,
        first: Annotated[int, strawberry.argument(description="How many (at most 50)")] = 10,
        kind: Annotated[ActivityKindEnum | None, strawberry.argument(description="Only this kind")] = None,
    ) -> list[ActivityRef]:
        from backend.schema.activities import ActivityType

        return ActivityType.of_all(await newest_activities(info, ActivityType, "customer", customer.id, first, kind))

    @strawberry.field(description="Tickets opened and resolved, newest first, for the timeline (tickets you may "
                      "see)", metadata=reads())
    @staticmethod
    async def ticket_events(
        customer: strawberry.Parent[Customer],
        info: Info,
        first: Annotated[int, strawberry.argument(description="How many (at most 50)")] = 10,
    ) -> list[TicketEntryRef]:
        from backend.schema.ticket_timeline import ticket_entries

        return await ticket_entries(info, customer.id, nested_size(first))

    @strawberry.field(description="Internal notes, pinned first, then newest", metadata=reads())
    @staticmethod
    async def notes(customer: strawberry.Parent[Customer], info: Info) -> list[NoteType]:
        return NoteType.of_all(await info.context.loaders.notes_of_customer.load(customer.id))

    @strawberry.field(description="Every status change with who, when and why, oldest first", metadata=reads())
    @staticmethod
    async def status_history(customer: strawberry.Parent[Customer], info: Info) -> list[CustomerStatusChangeType]:
        return CustomerStatusChangeType.of_all(await info.context.loaders.status_history_of_customer.load(customer.id))

    @strawberry.field(
        description="Totals, open deals, customer since, last activity (360° header)",
        metadata=reads("created_at")
    )
    @staticmethod
    async def summary(customer: strawberry.Parent[Customer], info: Info) -> CustomerSummary:
        loaders = info.context.loaders
        # Started together so that every customer's loads of a page join the same batches.
        deals, history, last_activity, table = await asyncio.gather(
            loaders.deals_of_customer().load(customer.id),
            loaders.status_history_of_customer.load(customer.id),
            loaders.last_activity_at.load(customer.id),
            loaders.exchange_rates(),
        )
        active_since = next((c.changed_at for c in history if c.to_status is CustomerStatusModel.ACTIVE), None)
        return summary_of([(d.amount, d.currency, d.stage.kind) for d in deals], table, active_since or customer.created_at,
                          last_activity)


def summary_of(deals: Iterable[tuple[int, str, StageKind]], table: dict[str, Decimal], since: datetime,
               last_activity: datetime | None) -> CustomerSummary:
    """The 360° figures from a customer's deals (amount in minor units, currency, stage kind), the rate table, when
    it became a customer (first turned active, else created) and its latest activity."""
    total = open_amount = won = open_count = 0
    for amount, currency, kind in deals:
        value = to_base(amount, currency, table)
        total += value
        if kind is StageKind.OPEN:
            open_count += 1
            open_amount += value
        elif kind is StageKind.WON:
            won += value
    base = get_settings().base_currency
    return CustomerSummary(
        total_deal_amount=Money(amount=BigInt(total), currency=base), open_deals=open_count,
        open_amount=Money(amount=BigInt(open_amount), currency=base), won_amount=Money(amount=BigInt(won), currency=base),
        customer_since=since, last_activity_at=last_activity,
    )


@strawberry.input(description="Customers with at least one deal meeting all of these")
class CustomerDealCondition:
    stage_id: list[strawberry.ID] | None = strawberry.field(default=None, description="In any of these stages")
    amount: AmountRange | None = strawberry.field(default=None, description="Amount in minor units, own currency")


@strawberry.input(description="How long ago the customer's latest activity was (as lastActivityAt in its summary)")
class ActivityAge:
    within_days: int | None = strawberry.field(default=None, description="Some activity in the last N days")
    over_days: int | None = strawberry.field(default=None, description="None in the last N days (or none ever)")


@strawberry.input(description="Which customers to list; all conditions must hold")
class CustomerFilter:
    status: list[CustomerStatus] | None = strawberry.field(default=None, description="Any of these statuses")
    industry: list[str] | None = strawberry.field(default=None, description="Any of these industries")
    segment: list[str] | None = strawberry.field(
        default=None, description="Any of these market tiers (the customer's `segment` field); saved segments: segmentId"
    )
    country: list[str] | None = strawberry.field(default=None, description="Any of these ISO country codes")
    account_manager_id: list[strawberry.ID] | None = strawberry.field(default=None, description="Managed by any of")
    tag: str | None = strawberry.field(default=None, description="Carries this tag")
    created: DateTimeRange | None = strawberry.field(default=None, description="Created within")
    archived: bool = strawberry.field(default=False, description="Archived (and merged) customers instead of those in use")
    deal: CustomerDealCondition | None = strawberry.field(default=None, description="Has a deal meeting this")
    last_activity: ActivityAge | None = strawberry.field(default=None, description="Latest activity's age")
    segment_id: strawberry.ID | None = strawberry.field(
        default=None, description="Members of this saved segment (see `segments`) that you may see"
    )
    custom: list[CustomFieldFilter] | None = strawberry.field(default=None, description="Custom-field conditions")
    phase: list[CustomerPhase] | None = strawberry.field(default=None, description="In any of these relationship phases")
    high_level_status: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Carrying any of these high-level statuses (ids)"
    )


@strawberry.enum(description="What to sort customers by")
class CustomerOrderField(Enum):
    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    STATUS = "status"
    COUNTRY = "country"
    INDUSTRY = "industry"
    PHASE = "phase"


@strawberry.input(description="Sort order of customers")
class CustomerOrder:
    field: CustomerOrderField = strawberry.field(default=CustomerOrderField.NAME, description="Sort key")
    custom_field: str | None = strawberry.field(
        default=None, description="Sort by this custom field's key instead of `field` (empty values last)"
    )
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="ASC or DESC")


@strawberry.input(description="A new customer")
class CreateCustomerInput:
    name: str = strawberry.field(description="Company name (required)")
    email: str = strawberry.field(description="Main email (required)")
    legal_form: str | None = strawberry.field(default=UNSET, description="Legal form")
    phone: str | None = strawberry.field(default=UNSET, description="Phone")
    website: str | None = strawberry.field(default=UNSET, description="Web site")
    street: str | None = strawberry.field(default=UNSET, description="Street")
    city: str | None = strawberry.field(default=UNSET, description="City")
    postcode: str | None = strawberry.field(default=UNSET, description="Postcode")
    country: str | None = strawberry.field(default=UNSET, description="ISO country code")
    industry: str | None = strawberry.field(default=UNSET, description="Industry")
    segment: str | None = strawberry.field(default=UNSET, description="Segment")
    tags: list[str] | None = strawberry.field(default=UNSET, description="Tags")
    description: str | None = strawberry.field(default=UNSET, description="Brief")
    account_manager_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Account manager")
    status: CustomerStatus | None = strawberry.field(default=UNSET, description="draft (default), prospect or active")
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Custom-field values; fields not sent get their default"
    )
    phase: CustomerPhase | None = strawberry.field(
        default=UNSET, description="Relationship phase; by default read from the status (draft: IDEA, prospect: "
        "EXPLORING, active: ACTIVE)"
    )
    high_level_status_id: strawberry.ID | None = strawberry.field(default=UNSET, description="High-level status")
    rating: int | None = strawberry.field(default=UNSET, description="1 to 5 stars (null: not rated)")
    social_links: list[SocialLinkInput] | None = strawberry.field(
        default=UNSET, description="Links on the web (replaces the list)")
    operations_contact_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Operations contact of the account team (a user; null: none)")


@strawberry.input(description="Changes to a customer; fields left out stay as they are")
class UpdateCustomerInput:
    id: strawberry.ID = strawberry.field(description="Customer id")
    version: int = strawberry.field(description="The version you read; a stale one is refused with CONFLICT")
    name: str | None = strawberry.field(default=UNSET, description="Company name")
    email: str | None = strawberry.field(default=UNSET, description="Main email")
    legal_form: str | None = strawberry.field(default=UNSET, description="Legal form")
    phone: str | None = strawberry.field(default=UNSET, description="Phone")
    website: str | None = strawberry.field(default=UNSET, description="Web site")
    street: str | None = strawberry.field(default=UNSET, description="Street")
    city: str | None = strawberry.field(default=UNSET, description="City")
    postcode: str | None = strawberry.field(default=UNSET, description="Postcode")
    country: str | None = strawberry.field(default=UNSET, description="ISO country code")
    industry: str | None = strawberry.field(default=UNSET, description="Industry")
    segment: str | None = strawberry.field(default=UNSET, description="Segment")
    tags: list[str] | None = strawberry.field(default=UNSET, description="Tags (replaces the list)")
    description: str | None = strawberry.field(default=UNSET, description="Brief")
    account_manager_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Account manager")
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Custom-field values to set (all slots empty clears one); others stay"
    )
    high_level_status_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="High-level status (null clears it; an archived one may be kept, not newly set)"
    )
    rating: int | None = strawberry.field(default=UNSET, description="1 to 5 stars (null: not rated)")
    social_links: list[SocialLinkInput] | None = strawberry.field(
        default=UNSET, description="Links on the web (replaces the list)")
    operations_contact_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Operations contact of the account team (a user; null: none)")
    logo_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Logo: one of its image attachments (null: none)")


@strawberry.input(description="Move a customer to another status")
class ChangeCustomerStatusInput:
    id: strawberry.ID = strawberry.field(description="Customer id")
    version: int = strawberry.field(description="The version you read")
    status: CustomerStatus = strawberry.field(description="The new status; a blocked customer can only go back")
    reason: str | None = strawberry.field(default=None, description="Why (required to block)")


@strawberry.input(description="Delete a customer that has no deals")
class DeleteCustomerInput:
    id: strawberry.ID = strawberry.field(description="Customer id")
    version: int = strawberry.field(description="The version you read")


@strawberry.input(description="A new note on a customer")
class CreateNoteInput:
    customer_id: strawberry.ID = strawberry.field(description="Customer id")
    body: str = strawberry.field(description="The text")
    pinned: bool = strawberry.field(default=False, description="Pin it to the top")


@strawberry.input(description="Edit or (un)pin a note")
class UpdateNoteInput:
    id: strawberry.ID = strawberry.field(description="Note id")
    version: int = strawberry.field(description="The version you read")
    body: str | None = strawberry.field(default=UNSET, description="New text")
    pinned: bool | None = strawberry.field(default=UNSET, description="Pinned or not")
