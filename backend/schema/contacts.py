"""Contacts and leads as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.models import ContactStatus as ContactStatusModel
from backend.models import LeadStatus as LeadStatusModel
from backend.schema.users import UserType
from backend.schema.context import Info

if TYPE_CHECKING:
    from backend.schema.customers import CustomerType

CustomerRef = Annotated["CustomerType", strawberry.lazy("backend.schema.customers")]

ContactStatus = strawberry.enum(
    ContactStatusModel, name="ContactStatus", description="new, hot, cold, not interested, or converted (final)"
)
LeadStatus = strawberry.enum(LeadStatusModel, name="LeadStatus", description="new → contacted → qualified → converted, or lost")


async def _customer(info: Info, customer_id: int | None) -> CustomerType | None:
    return await info.context.loaders.customer.load(customer_id) if customer_id else None


async def _user(info: Info, user_id: int | None) -> UserType | None:
    return await info.context.loaders.user.load(user_id) if user_id else None


@strawberry.type(name="Contact", description="A person, at a customer or not (yet)")
class ContactType:
    id: strawberry.ID = strawberry.field(description="Contact id")
    name: str = strawberry.field(description="Full name")
    email: str = strawberry.field(description="Email")
    phone: str = strawberry.field(description="Direct phone")
    job_title: str = strawberry.field(description="Job title")
    department: str = strawberry.field(description="Team or department")
    role_at_customer: str = strawberry.field(description="Role in the relationship, e.g. decision maker")
    is_primary: bool = strawberry.field(description="The customer's main contact (at most one per customer)")
    status: ContactStatus = strawberry.field(description="Contact status")  # type: ignore[valid-type]
    version: int = strawberry.field(description="Send it back with updateContact")
    created_at: datetime = strawberry.field(description="Created at")
    updated_at: datetime = strawberry.field(description="Last changed at")

    @strawberry.field(description="The customer this person works for")
    async def customer(self, info: Info) -> CustomerRef | None:
        return await _customer(info, self.customer_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The salesperson who owns this contact")
    async def owner(self, info: Info) -> UserType | None:
        return await _user(info, self.owner_id)  # type: ignore[attr-defined]


@strawberry.type(name="Lead", description="A potential deal, not yet qualified")
class LeadType:
    id: strawberry.ID = strawberry.field(description="Lead id")
    title: str = strawberry.field(description="What it is about")
    source: str = strawberry.field(description="Where it came from: web form, referral, fair, import...")
    scope_of_work: str = strawberry.field(description="Services the prospect is interested in")
    company_name: str = strawberry.field(description="Company, when no customer is linked yet")
    status: LeadStatus = strawberry.field(description="Lead status")  # type: ignore[valid-type]
    lost_reason: str = strawberry.field(description="Why it was lost")
    version: int = strawberry.field(description="Send it back with updates")
    created_at: datetime = strawberry.field(description="Created at")
    updated_at: datetime = strawberry.field(description="Last changed at")

    @strawberry.field(description="The customer, when linked")
    async def customer(self, info: Info) -> CustomerRef | None:
        return await _customer(info, self.customer_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The contact person, when known")
    async def contact(self, info: Info) -> ContactType | None:
        contact_id = self.contact_id  # type: ignore[attr-defined]
        return await info.context.loaders.contact.load(contact_id) if contact_id else None

    @strawberry.field(description="The salesperson who owns this lead")
    async def owner(self, info: Info) -> UserType | None:
        return await _user(info, self.owner_id)  # type: ignore[attr-defined]
