"""Customers as the API shows them: the record, its 360° summary, status history and notes."""

from __future__ import annotations

import asyncio
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types.unset import UNSET

from backend.models import ActivityKind as ActivityKindModel
from backend.models import Contact, Customer, CustomerStatusChange, Deal, Note, StageKind
from backend.models import CustomerStatus as CustomerStatusModel
from backend.reads.columns import reads, selected_columns, with_columns
from backend.reads.context import Info
from backend.reads.nested import newest_activities
from backend.schema.common import BigInt, DateTimeRange, Money, SortDirection
from backend.schema.rows import Shows
from backend.schema.users import UserType
from backend.services import customers as service
from backend.services.currency import to_base
from backend.settings import get_settings

if TYPE_CHECKING:
    from backend.schema.activities import ActivityType
    from backend.schema.contacts import ContactType
    from backend.schema.deals import DealType

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

    @strawberry.field(
        description="Statuses this customer may move to next",
        metadata=reads("status", "status_before_block")
    )
    @staticmethod
    def allowed_statuses(customer: strawberry.Parent[Customer]) -> list[CustomerStatus]:
        return service.allowed_next(customer)

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
        total = open_amount = won = open_count = 0
        for deal in deals:
            amount = to_base(deal.amount, deal.currency, table)
            total += amount
            if deal.stage.kind is StageKind.OPEN:
                open_count += 1
                open_amount += amount
            elif deal.stage.kind is StageKind.WON:
                won += amount
        base = get_settings().base_currency
        active_since = next((c.changed_at for c in history if c.to_status is CustomerStatusModel.ACTIVE), None)
        return CustomerSummary(
            total_deal_amount=Money(amount=BigInt(total), currency=base),
            open_deals=open_count,
            open_amount=Money(amount=BigInt(open_amount), currency=base),
            won_amount=Money(amount=BigInt(won), currency=base),
            customer_since=active_since or customer.created_at,
            last_activity_at=last_activity,
        )


@strawberry.input(description="Which customers to list; all conditions must hold")
class CustomerFilter:
    status: list[CustomerStatus] | None = strawberry.field(default=None, description="Any of these statuses")
    industry: list[str] | None = strawberry.field(default=None, description="Any of these industries")
    segment: list[str] | None = strawberry.field(default=None, description="Any of these segments")
    country: list[str] | None = strawberry.field(default=None, description="Any of these ISO country codes")
    account_manager_id: list[strawberry.ID] | None = strawberry.field(default=None, description="Managed by any of")
    tag: str | None = strawberry.field(default=None, description="Carries this tag")
    created: DateTimeRange | None = strawberry.field(default=None, description="Created within")


@strawberry.enum(description="What to sort customers by")
class CustomerOrderField(Enum):
    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    STATUS = "status"
    COUNTRY = "country"
    INDUSTRY = "industry"


@strawberry.input(description="Sort order of customers")
class CustomerOrder:
    field: CustomerOrderField = strawberry.field(description="Sort key")
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
